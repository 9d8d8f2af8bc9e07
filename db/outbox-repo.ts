import type { DbHandle } from './connection';

/** What an outbox row announces. Distribution reads the current ledger for these ranges. */
export interface LedgerChangedPayload {
  version: number;
  reason: 'ari' | 'reservation' | 'release';
  ranges: Array<{ roomType: string; ratePlan: string | null; from: string; to: string }>;
}

export const OUTBOX_TOPIC_LEDGER_CHANGED = 'ledger.changed';

/** Longest correlation id kept: it comes from a client's `x-request-id` header. */
export const MAX_CORRELATION_ID_LENGTH = 200;

/** Who caused a ledger change, for the log line of the delivery that carries it to a channel. */
export interface ChangeOrigin {
  /** The inbound request's id (`x-request-id`); absent for changes no request made (hold expiry). */
  correlationId?: string | undefined;
}

/** Must be called with the transaction that made the change, so the two commit or vanish together. */
export async function appendOutbox(trx: DbHandle, propertyId: number, topic: string, payload: object, origin: ChangeOrigin = {}): Promise<number> {
  const [row] = await trx('outbox')
    // clock_timestamp(), not now(): sync lag is measured from here, and now() is the start of a
    // transaction that may have waited on locks.
    .insert({
      property_id: propertyId,
      topic,
      payload: JSON.stringify(payload),
      created_at: trx.raw('clock_timestamp()'),
      correlation_id: origin.correlationId ? origin.correlationId.slice(0, MAX_CORRELATION_ID_LENGTH) : null,
    })
    .returning<{ id: number }[]>('id');
  return (row as { id: number }).id;
}

export async function countOutbox(db: DbHandle, propertyId?: number): Promise<number> {
  const q = db('outbox').count<{ count: number }[]>({ count: '*' });
  if (propertyId !== undefined) q.where({ property_id: propertyId });
  const [row] = await q;
  return Number(row?.count ?? 0);
}
