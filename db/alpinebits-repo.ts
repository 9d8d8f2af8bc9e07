/**
 * What AlpineBits clients were served and acknowledged of the property's bookings (GuestRequests
 * pull: migration 20261202100000_alpinebits_guest_requests). A client is an API key.
 */
import type { BookingStatus } from '../core/booking';
import type { DbHandle } from './connection';

export type GuestRequestStatus = 'Reserved' | 'Modify' | 'Cancelled';

export interface GuestRequestCandidate {
  id: string;
  status: BookingStatus;
  source: string;
  externalRef: string | null;
  stays: unknown;
  totalAmount: string | null;
  currency: string | null;
  createdAt: Date;
  updatedAt: Date;
  /** Digest of what a client would be served now (see FINGERPRINT). */
  fingerprint: string;
  servedStatus: GuestRequestStatus | null;
  ackedStatus: GuestRequestStatus | null;
  ackedFingerprint: string | null;
}

/**
 * What the PMS is sent, as a digest: status, stays, nights and total. Guest details are left out on
 * purpose: Tidewater does not version personal data, and an erasure must not be served as a change.
 * The channel's revision is left out too: a resend with a new revision but the same content is no
 * change for the PMS.
 */
const FINGERPRINT = `md5(concat_ws('|', r.status, r.stays::text, coalesce(r.total_amount::text, '-'), coalesce(r.currency, '-'),
  coalesce((SELECT string_agg(n.room_type_id || ':' || n.stay_date || ':' || n.rooms, ',' ORDER BY n.room_type_id, n.stay_date)
            FROM reservation_nights n WHERE n.reservation_id = r.id), '-')))`;

/**
 * Bookings a client may have to be served, oldest change first: confirmed ones whose current
 * digest it has not acknowledged, and cancelled ones it was served before and has not
 * acknowledged as cancelled. With `since`, also every booking created or changed since then that
 * the client could know of (AlpineBits SelectionCriteria Start: a client re-reading after losing
 * data). The caller decides the status per row; this only narrows the scan.
 *
 * The digest is compared rather than updated_at against acked_at: updated_at is the time its
 * transaction started, so a change committed after an acknowledgement can carry an earlier time.
 */
export async function guestRequestCandidates(
  db: DbHandle,
  options: { apiKeyId: number; propertyId: number; since?: Date; limit: number },
): Promise<GuestRequestCandidate[]> {
  const since = options.since ?? null;
  const { rows } = await db.raw<{ rows: Array<Record<string, unknown>> }>(
    `WITH current AS (
       SELECT r.id, r.status, r.source, r.external_ref, r.stays, r.total_amount::text AS total_amount, r.currency,
              r.created_at, r.updated_at, ${FINGERPRINT} AS fingerprint,
              g.served_status, g.acked_status, g.acked_fingerprint
       FROM reservations r
       LEFT JOIN alpinebits_guest_requests g ON g.reservation_id = r.id AND g.api_key_id = ?
       WHERE r.property_id = ? AND r.status IN ('confirmed', 'cancelled')
     )
     SELECT * FROM current
     WHERE (status = 'confirmed' AND (acked_fingerprint IS DISTINCT FROM fingerprint OR acked_status = 'Cancelled'))
        OR (status = 'cancelled' AND served_status IS NOT NULL AND acked_status IS DISTINCT FROM 'Cancelled')
        OR (?::timestamptz IS NOT NULL AND greatest(created_at, updated_at) >= ?::timestamptz
            AND (status = 'confirmed' OR served_status IS NOT NULL))
     ORDER BY updated_at, id
     LIMIT ?`,
    [options.apiKeyId, options.propertyId, since, since, options.limit],
  );
  return rows.map((r) => ({
    id: r.id as string,
    status: r.status as BookingStatus,
    source: r.source as string,
    externalRef: (r.external_ref as string | null) ?? null,
    stays: r.stays,
    totalAmount: (r.total_amount as string | null) ?? null,
    currency: (r.currency as string | null)?.trim() ?? null,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
    fingerprint: r.fingerprint as string,
    servedStatus: (r.served_status as GuestRequestStatus | null) ?? null,
    ackedStatus: (r.acked_status as GuestRequestStatus | null) ?? null,
    ackedFingerprint: (r.acked_fingerprint as string | null) ?? null,
  }));
}

/** Records what was just served, so that an acknowledgement confirms exactly that. */
export async function recordServed(db: DbHandle, apiKeyId: number, served: ReadonlyArray<{ reservationId: string; status: GuestRequestStatus; fingerprint: string }>): Promise<void> {
  if (served.length === 0) return;
  await db.raw(
    `INSERT INTO alpinebits_guest_requests (api_key_id, reservation_id, served_status, served_fingerprint, served_at)
     SELECT ?, s.reservation_id, s.status, s.fingerprint, now()
     FROM unnest(?::uuid[], ?::text[], ?::text[]) AS s(reservation_id, status, fingerprint)
     ON CONFLICT (api_key_id, reservation_id) DO UPDATE
       SET served_status = excluded.served_status, served_fingerprint = excluded.served_fingerprint, served_at = excluded.served_at`,
    [apiKeyId, served.map((s) => s.reservationId), served.map((s) => s.status), served.map((s) => s.fingerprint)],
  );
}

/** Which of `reservationIds` (bookings of the property) were ever served to the client. */
export async function servedReservations(db: DbHandle, apiKeyId: number, propertyId: number, reservationIds: readonly string[]): Promise<Set<string>> {
  if (reservationIds.length === 0) return new Set();
  const rows = await db('alpinebits_guest_requests as g')
    .join('reservations as r', 'r.id', 'g.reservation_id')
    .where({ 'g.api_key_id': apiKeyId, 'r.property_id': propertyId })
    .whereIn('g.reservation_id', [...reservationIds])
    .select<Array<{ reservation_id: string }>>('g.reservation_id');
  return new Set(rows.map((r) => r.reservation_id));
}

/**
 * The client confirms what it was served last (or refuses it: `refused` says why). Returns the
 * rows that changed, so that a repeated acknowledgement writes nothing and reports nothing new.
 */
export async function acknowledgeServed(
  db: DbHandle,
  apiKeyId: number,
  reservationIds: readonly string[],
  refused: string | null,
): Promise<Array<{ reservationId: string; status: GuestRequestStatus }>> {
  if (reservationIds.length === 0) return [];
  const { rows } = await db.raw<{ rows: Array<{ reservation_id: string; served_status: GuestRequestStatus }> }>(
    `UPDATE alpinebits_guest_requests
     SET acked_status = served_status, acked_fingerprint = served_fingerprint, acked_at = now(), refused = ?
     WHERE api_key_id = ? AND reservation_id = ANY(?::uuid[])
       AND (acked_fingerprint IS DISTINCT FROM served_fingerprint OR acked_status IS DISTINCT FROM served_status)
     RETURNING reservation_id, served_status`,
    [refused, apiKeyId, [...reservationIds]],
  );
  return rows.map((r) => ({ reservationId: r.reservation_id, status: r.served_status }));
}

// ---------------------------------------------------------------------------------------------
// RatePlans pushed by a PMS (migration 20261202110000_alpinebits_rate_plans)

export type RatePlanAmounts = 'per-person' | 'per-room';

/** How the PMS prices each of `ratePlans` (Tidewater codes), as its last Full declared. */
export async function ratePlanAmounts(db: DbHandle, propertyId: number, ratePlans: readonly string[]): Promise<Map<string, RatePlanAmounts>> {
  if (ratePlans.length === 0) return new Map();
  const rows = await db('alpinebits_rate_plans')
    .where({ property_id: propertyId })
    .whereIn('rate_plan', [...ratePlans])
    .select<Array<{ rate_plan: string; amounts: RatePlanAmounts }>>('rate_plan', 'amounts');
  return new Map(rows.map((r) => [r.rate_plan, r.amounts]));
}

export async function saveRatePlanAmounts(db: DbHandle, propertyId: number, amounts: ReadonlyMap<string, RatePlanAmounts>): Promise<void> {
  if (amounts.size === 0) return;
  await db('alpinebits_rate_plans')
    .insert([...amounts].map(([ratePlan, value]) => ({ property_id: propertyId, rate_plan: ratePlan, amounts: value, updated_at: db.fn.now() })))
    .onConflict(['property_id', 'rate_plan'])
    .merge(['amounts', 'updated_at']);
}

/** The last night the ledger holds a rate cell of each plan (by rate_plans.id). */
export async function lastRateNights(db: DbHandle, propertyId: number, ratePlanIds: readonly number[]): Promise<Map<number, string>> {
  if (ratePlanIds.length === 0) return new Map();
  const rows = await db('rate_cells')
    .where({ property_id: propertyId })
    .whereIn('rate_plan_id', [...ratePlanIds])
    .groupBy('rate_plan_id')
    .select<Array<{ rate_plan_id: number; last: string }>>('rate_plan_id', db.raw(`to_char(max(stay_date), 'YYYY-MM-DD') AS last`));
  return new Map(rows.map((r) => [r.rate_plan_id, r.last]));
}
