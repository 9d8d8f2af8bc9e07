import { UnknownPropertyError, ValidationError } from '../core/errors';
import { parsePropertyDocument, toPropertyDocument, type PropertyDocument } from '../core/property-document';
import type { Db } from '../db/connection';
import { findProperty, upsertProperty, type PropertyChanges, type StoredProperty } from '../db/properties-repo';

export async function importProperty(db: Db, document: unknown, expectedCode?: string): Promise<PropertyChanges & { code: string }> {
  const property = parsePropertyDocument(document);
  if (expectedCode !== undefined && property.code !== expectedCode) {
    throw new ValidationError([{ pointer: '/code', detail: `document code ${property.code} does not match the URL (${expectedCode})` }]);
  }
  const changes = await db.transaction((trx) => upsertProperty(trx, property));
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
