import { createHash, randomBytes } from 'node:crypto';
import type { DbHandle } from './connection';

export const apiKeyRoles = ['pms', 'channel', 'admin'] as const;
export type ApiKeyRole = (typeof apiKeyRoles)[number];

export interface ApiKeyPrincipal {
  id: number;
  propertyCode: string;
  role: ApiKeyRole;
}

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Mints a key, stores only its SHA-256, and returns the plain key: the one time anyone sees it. */
export async function createApiKey(db: DbHandle, propertyCode: string, role: ApiKeyRole): Promise<{ id: number; key: string }> {
  const key = `tw_${role}_${randomBytes(24).toString('base64url')}`;
  const [row] = await db('api_keys')
    .insert({ property_code: propertyCode, role, key_prefix: key.slice(0, 12), key_hash: hashKey(key) })
    .returning<{ id: number }[]>('id');
  return { id: (row as { id: number }).id, key };
}

export async function findApiKey(db: DbHandle, key: string): Promise<ApiKeyPrincipal | undefined> {
  const row = await db('api_keys')
    .where({ key_hash: hashKey(key) })
    .whereNull('revoked_at')
    .first<{ id: number; property_code: string; role: ApiKeyRole }>();
  return row ? { id: row.id, propertyCode: row.property_code, role: row.role } : undefined;
}
