/**
 * What a client pulling the property's bookings (a PMS: AlpineBits OTA_Read:GuestRequests or
 * OpenTravel OTA_ReadRQ on /ota/v1) was served and acknowledged. A client is an API key, whatever
 * protocol it pulls through: both serve the same versions (see FINGERPRINT) under the same id, so
 * what a key acknowledged through one is acknowledged for the other too.
 *
 * The table keeps the name it was created with (migration 20261202100000_alpinebits_guest_requests):
 * the AlpineBits pull came first, and renaming a table every deployed database holds buys nothing.
 */
import type { BookingStatus } from '../core/booking';
import type { DbHandle } from './connection';

/** What a booking was served as: new (Reserved), changed since acknowledged (Modify), or Cancelled. */
export type PullStatus = 'Reserved' | 'Modify' | 'Cancelled';

export interface PullCandidate {
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
  servedStatus: PullStatus | null;
  ackedStatus: PullStatus | null;
  ackedFingerprint: string | null;
  /** Where this row sits in the scan order, for paging (see PullCursor). */
  cursor: PullCursor;
}

/** A position in the scan order (updated_at, id); updated_at in microseconds, exact. */
export interface PullCursor {
  changedMicros: string;
  id: string;
}

/**
 * A date range the partner selects by. Instants (created, changed) are compared as the partner
 * wrote the bound: a date is a whole local day of the property, a date and time without offset is
 * the property's local time. Stay dates (arrival, departure) are local dates already; only their date
 * part counts. Both bounds are inclusive.
 */
export interface PullWindow {
  on: 'created' | 'changed' | 'arrival' | 'departure';
  from?: string;
  to?: string;
}

/**
 * Which bookings a scan includes:
 *   - `pending`: what the client has to be served (confirmed ones whose current digest it has not
 *     acknowledged, cancelled ones it was served before and has not acknowledged as cancelled);
 *   - `known`: every booking the client could know of (confirmed, or cancelled after it was served
 *     one), acknowledged or not: a re-read;
 *   - `acknowledged`: those it has acknowledged (or refused) at least once.
 * With `windows`, only bookings inside one of them.
 */
export interface PullScope {
  kind: 'pending' | 'known' | 'acknowledged';
  windows?: readonly PullWindow[];
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

/** First night and departure: from the stays as booked, else from the nights held (older rows have no stays). */
const ARRIVAL = `coalesce(
  (SELECT min(s->>'checkIn') FROM jsonb_array_elements(CASE WHEN jsonb_typeof(r.stays) = 'array' THEN r.stays ELSE '[]'::jsonb END) s),
  (SELECT to_char(min(n.stay_date), 'YYYY-MM-DD') FROM reservation_nights n WHERE n.reservation_id = r.id))`;
const DEPARTURE = `coalesce(
  (SELECT max(s->>'checkOut') FROM jsonb_array_elements(CASE WHEN jsonb_typeof(r.stays) = 'array' THEN r.stays ELSE '[]'::jsonb END) s),
  (SELECT to_char(max(n.stay_date) + 1, 'YYYY-MM-DD') FROM reservation_nights n WHERE n.reservation_id = r.id))`;

const SCOPE_SQL: Record<PullScope['kind'], string> = {
  pending: `((status = 'confirmed' AND (acked_fingerprint IS DISTINCT FROM fingerprint OR acked_status = 'Cancelled'))
             OR (status = 'cancelled' AND served_status IS NOT NULL AND acked_status IS DISTINCT FROM 'Cancelled'))`,
  known: `(status = 'confirmed' OR served_status IS NOT NULL)`,
  acknowledged: `(acked_status IS NOT NULL AND (status = 'confirmed' OR served_status IS NOT NULL))`,
};

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const WITH_OFFSET = /(Z|[+-]\d{2}:\d{2})$/;

/** One bound of an instant window as SQL: the time zone turns local dates and times into instants. */
function instantBound(column: string, value: string, side: 'from' | 'to', timeZone: string, bindings: Array<string | number>): string {
  if (DATE_ONLY.test(value)) {
    bindings.push(value, timeZone);
    // A date is the whole local day: up to the next local midnight, excluded.
    return side === 'from' ? `${column} >= (?::date)::timestamp AT TIME ZONE ?` : `${column} < ((?::date) + 1)::timestamp AT TIME ZONE ?`;
  }
  const op = side === 'from' ? '>=' : '<=';
  if (WITH_OFFSET.test(value)) {
    bindings.push(value);
    return `${column} ${op} ?::timestamptz`;
  }
  bindings.push(value, timeZone);
  return `${column} ${op} ?::timestamp AT TIME ZONE ?`;
}

function windowSql(window: PullWindow, timeZone: string, bindings: Array<string | number>): string {
  const parts: string[] = [];
  if (window.on === 'created' || window.on === 'changed') {
    const column = window.on === 'created' ? 'created_at' : 'greatest(created_at, updated_at)';
    if (window.from !== undefined) parts.push(instantBound(column, window.from, 'from', timeZone, bindings));
    if (window.to !== undefined) parts.push(instantBound(column, window.to, 'to', timeZone, bindings));
  } else {
    const column = window.on === 'arrival' ? 'arrival' : 'departure';
    if (window.from !== undefined) {
      parts.push(`${column} >= ?`);
      bindings.push(window.from.slice(0, 10));
    }
    if (window.to !== undefined) {
      parts.push(`${column} <= ?`);
      bindings.push(window.to.slice(0, 10));
    }
  }
  return parts.length > 0 ? `(${parts.join(' AND ')})` : 'true';
}

/**
 * Bookings a client may have to be served, in scan order (oldest change first): those in any of
 * `scopes`, after `after` when paging. The caller decides what each row is served as; this only
 * narrows the scan.
 *
 * The digest is compared rather than updated_at against acked_at: updated_at is the time its
 * transaction started, so a change committed after an acknowledgement can carry an earlier time.
 */
export async function pullCandidates(
  db: DbHandle,
  options: { apiKeyId: number; propertyId: number; timeZone: string; scopes: readonly PullScope[]; after?: PullCursor; limit: number },
): Promise<PullCandidate[]> {
  if (options.scopes.length === 0) return [];
  const bindings: Array<string | number> = [options.apiKeyId, options.propertyId];
  const scopes = options.scopes.map((scope) => {
    const windows = scope.windows && scope.windows.length > 0 ? `(${scope.windows.map((w) => windowSql(w, options.timeZone, bindings)).join(' OR ')})` : 'true';
    return `(${SCOPE_SQL[scope.kind]} AND ${windows})`;
  });
  let after = '';
  if (options.after) {
    after = 'AND (changed_micros, id) > (?::bigint, ?::uuid)';
    bindings.push(options.after.changedMicros, options.after.id);
  }
  bindings.push(options.limit);
  // Stay dates cost two subqueries per booking: only computed when a window asks for them.
  const byStay = options.scopes.some((s) => s.windows?.some((w) => w.on === 'arrival' || w.on === 'departure'));
  const stayColumns = byStay ? `, ${ARRIVAL} AS arrival, ${DEPARTURE} AS departure` : '';
  const { rows } = await db.raw<{ rows: Array<Record<string, unknown>> }>(
    `WITH current AS (
       SELECT r.id, r.status, r.source, r.external_ref, r.stays, r.total_amount::text AS total_amount, r.currency,
              r.created_at, r.updated_at, (extract(epoch FROM r.updated_at) * 1000000)::bigint AS changed_micros,
              ${FINGERPRINT} AS fingerprint${stayColumns},
              g.served_status, g.acked_status, g.acked_fingerprint
       FROM reservations r
       LEFT JOIN alpinebits_guest_requests g ON g.reservation_id = r.id AND g.api_key_id = ?
       WHERE r.property_id = ? AND r.status IN ('confirmed', 'cancelled')
     )
     SELECT *, changed_micros::text AS cursor_micros FROM current
     WHERE (${scopes.join(' OR ')}) ${after}
     ORDER BY changed_micros, id
     LIMIT ?`,
    bindings,
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
    servedStatus: (r.served_status as PullStatus | null) ?? null,
    ackedStatus: (r.acked_status as PullStatus | null) ?? null,
    ackedFingerprint: (r.acked_fingerprint as string | null) ?? null,
    cursor: { changedMicros: r.cursor_micros as string, id: r.id as string },
  }));
}

/** Records what was just served, so that an acknowledgement confirms exactly that. */
export async function recordServed(db: DbHandle, apiKeyId: number, served: ReadonlyArray<{ reservationId: string; status: PullStatus; fingerprint: string }>): Promise<void> {
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
): Promise<Array<{ reservationId: string; status: PullStatus }>> {
  if (reservationIds.length === 0) return [];
  const { rows } = await db.raw<{ rows: Array<{ reservation_id: string; served_status: PullStatus }> }>(
    `UPDATE alpinebits_guest_requests
     SET acked_status = served_status, acked_fingerprint = served_fingerprint, acked_at = now(), refused = ?
     WHERE api_key_id = ? AND reservation_id = ANY(?::uuid[])
       AND (acked_fingerprint IS DISTINCT FROM served_fingerprint OR acked_status IS DISTINCT FROM served_status)
     RETURNING reservation_id, served_status`,
    [refused, apiKeyId, [...reservationIds]],
  );
  return rows.map((r) => ({ reservationId: r.reservation_id, status: r.served_status }));
}

/** The PMS's own id for the booking, as its acknowledgement names it (OpenTravel HotelReservationIDs). */
export async function savePmsReference(db: DbHandle, reservationId: string, reference: string): Promise<void> {
  await db('reservations').where({ id: reservationId }).whereRaw('pms_reference IS DISTINCT FROM ?', [reference]).update({ pms_reference: reference });
}
