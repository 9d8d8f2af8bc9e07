import { createHash } from 'node:crypto';
import { IdempotencyKeyReusedError } from '../core/errors';
import type { DbHandle } from './connection';

export interface StoredResponse {
  statusCode: number;
  body: unknown;
}

export type Claim = { claimed: true; id: number } | { claimed: false; replay: StoredResponse };

export function payloadHash(payload: unknown): string {
  return createHash('sha256').update(typeof payload === 'string' ? payload : JSON.stringify(payload)).digest('hex');
}

/**
 * Claims an idempotency key inside the caller's transaction, before any ledger change. A concurrent
 * request with the same key blocks on the unique index until the first transaction ends, then sees
 * its committed row and replays the first answer; if the first rolled back, the second claims it.
 */
export async function claimIdempotencyKey(
  trx: DbHandle,
  entry: { propertyId: number | null; source: string; key: string; hash: string },
): Promise<Claim> {
  const inserted = await trx('inbound_messages')
    .insert({
      property_id: entry.propertyId,
      source: entry.source,
      idempotency_key: entry.key,
      payload_hash: entry.hash,
      outcome: 'processing',
    })
    .onConflict(['source', 'idempotency_key'])
    .ignore()
    .returning<{ id: number }[]>('id');
  if (inserted[0]) return { claimed: true, id: inserted[0].id };
  const row = await trx('inbound_messages')
    .where({ source: entry.source, idempotency_key: entry.key })
    .first<{ payload_hash: string; status_code: number; response: unknown }>();
  if (!row || row.payload_hash !== entry.hash) throw new IdempotencyKeyReusedError(entry.key);
  return { claimed: false, replay: { statusCode: row.status_code, body: row.response } };
}

export async function completeInbound(trx: DbHandle, id: number, outcome: string, response: StoredResponse): Promise<void> {
  await trx('inbound_messages')
    .where({ id })
    .update({ outcome, status_code: response.statusCode, response: JSON.stringify(response.body) });
}
