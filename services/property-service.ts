import { addDays, todayIn } from '../core/dates';
import { UnknownPropertyError, ValidationError } from '../core/errors';
import { markChannelsDirty } from '../db/sync-repo';
import { parsePropertyDocument, toPropertyDocument, type PropertyDocument } from '../core/property-document';
import type { Db } from '../db/connection';
import { findProperty, upsertProperty, type PropertyChanges, type StoredProperty } from '../db/properties-repo';

/** How far ahead channels are kept in sync when they are (re)configured. */
export const SYNC_HORIZON_DAYS = 365;

export async function importProperty(db: Db, document: unknown, expectedCode?: string): Promise<PropertyChanges & { code: string }> {
  const property = parsePropertyDocument(document);
  if (expectedCode !== undefined && property.code !== expectedCode) {
    throw new ValidationError([{ pointer: '/code', detail: `document code ${property.code} does not match the URL (${expectedCode})` }]);
  }
  const changes = await db.transaction(async (trx) => {
    const result = await upsertProperty(trx, property);
    if (result.changes.length > 0) {
      // New channels, mappings or buffers: every channel re-checks the whole horizon against what it
      // acknowledged, so a new channel gets everything and a changed mapping is re-sent. Cells a
      // channel already holds are not sent again.
      const channelIds = await trx('channels')
        .join('properties', 'properties.id', 'channels.property_id')
        .where({ 'properties.code': property.code, 'channels.active': true })
        .pluck<number[]>('channels.id');
      const today = todayIn(property.timezone);
      await markChannelsDirty(trx, channelIds, { from: today, to: addDays(today, SYNC_HORIZON_DAYS) });
    }
    return result;
  });
  return { code: property.code, ...changes };
}

export async function requireProperty(db: Db, code: string): Promise<StoredProperty> {
  const stored = await findProperty(db, code);
  if (!stored) throw new UnknownPropertyError(code);
  return stored;
}

export async function getPropertyDocument(db: Db, code: string): Promise<PropertyDocument> {
  return toPropertyDocument((await requireProperty(db, code)).property);
}
