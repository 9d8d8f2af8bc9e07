import type { Express } from 'express';
import { createApp } from '../../api/app';
import { silentLogger } from '../../config/logger';
import type { PropertyDocument } from '../../core/property-document';
import { createApiKey, type ApiKeyRole } from '../../db/api-keys-repo';
import type { Db } from '../../db/connection';
import { importProperty, requireProperty } from '../../services/property-service';
import type { StoredProperty } from '../../db/properties-repo';

export function testApp(db: Db, options: { maxBody?: string } = {}): Express {
  return createApp({ db, logger: silentLogger, ...options });
}

export async function seedProperty(db: Db, doc: PropertyDocument): Promise<StoredProperty> {
  await importProperty(db, doc);
  return requireProperty(db, doc.code);
}

export async function keyFor(db: Db, propertyCode: string, role: ApiKeyRole = 'pms'): Promise<string> {
  return (await createApiKey(db, propertyCode, role)).key;
}

/** Counts of every row the ledger could have written: a refused request must leave them all unchanged. */
export async function ledgerFingerprint(db: Db): Promise<Record<string, number | string>> {
  const { rows } = await db.raw<{ rows: Record<string, number | string>[] }>(`
    SELECT (SELECT count(*) FROM inventory_cells) AS inventory_cells,
           (SELECT coalesce(sum(version), 0) FROM inventory_cells) AS inventory_versions,
           (SELECT count(*) FROM rate_cells) AS rate_cells,
           (SELECT coalesce(sum(version), 0) FROM rate_cells) AS rate_versions,
           (SELECT count(*) FROM outbox) AS outbox,
           (SELECT count(*) FROM reservations) AS reservations,
           (SELECT coalesce(sum(ledger_version), 0) FROM properties) AS ledger_versions`);
  return rows[0] as Record<string, number | string>;
}
