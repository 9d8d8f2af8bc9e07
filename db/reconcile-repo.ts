import type { Knex } from 'knex';
import type { ReconciledBooking, ReconciledStay } from '../core/booking-reconcile';
import type { IsoDate } from '../core/dates';
import type { SoldCount } from '../core/pms-reconcile';
import type { DbHandle } from './connection';
import type { StoredProperty } from './properties-repo';

interface BookingRow {
  id: string;
  external_ref: string;
  status: string;
  revision: string | null;
  total_amount: string | null;
  currency: string | null;
  stays: unknown;
}

/**
 * Tidewater's bookings from one channel whose stay touches the range, plus those the channel
 * names (`refs`) wherever their stay lies: a booking whose dates moved out of the range on one
 * side only is then compared field by field instead of showing up as missing on both.
 */
export async function readChannelBookings(db: DbHandle, propertyId: number, channelCode: string, range: { from: IsoDate; to: IsoDate }, refs: readonly string[]): Promise<ReconciledBooking[]> {
  const { rows } = await db.raw<{ rows: BookingRow[] }>(
    `SELECT r.id, r.external_ref, r.status, r.revision, r.total_amount::text AS total_amount, r.currency, r.stays
     FROM reservations r
     WHERE r.property_id = ? AND r.source = ? AND r.external_ref IS NOT NULL
       -- A row with no revision is a booking id seen in a transaction that never committed anything.
       AND r.revision IS NOT NULL
       AND (r.external_ref = ANY(?::text[])
            OR EXISTS (SELECT 1 FROM jsonb_array_elements(r.stays) s WHERE s->>'checkIn' <= ? AND s->>'checkOut' > ?))
     ORDER BY r.external_ref`,
    [propertyId, channelCode, [...refs], range.to, range.from] as unknown as Knex.RawBinding[],
  );
  return rows.map((r) => ({
    channelBookingId: r.external_ref,
    bookingId: r.id,
    // Channel bookings are confirmed or cancelled; holds and manual recovery are direct bookings' states.
    status: r.status === 'cancelled' ? 'cancelled' : 'confirmed',
    ...(r.revision !== null ? { revision: r.revision } : {}),
    stays: storedStays(r.stays),
    total: r.total_amount !== null && r.currency !== null ? { amount: r.total_amount, currency: r.currency.trim() } : null,
  }));
}

function storedStays(value: unknown): ReconciledStay[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((s: unknown) => {
    if (typeof s !== 'object' || s === null) return [];
    const stay = s as Record<string, unknown>;
    if (typeof stay.roomType !== 'string' || typeof stay.checkIn !== 'string' || typeof stay.checkOut !== 'string') return [];
    return [
      {
        roomType: stay.roomType,
        ...(typeof stay.ratePlan === 'string' ? { ratePlan: stay.ratePlan } : {}),
        checkIn: stay.checkIn,
        checkOut: stay.checkOut,
        rooms: typeof stay.rooms === 'number' ? stay.rooms : 1,
      },
    ];
  });
}

/**
 * Rooms per room type and night of the confirmed bookings a PMS channel receives: every source
 * but the PMS itself (queuePmsDelivery skips a booking's own channel). Holds are left out, since
 * a booking reaches the PMS only once it is confirmed.
 */
export async function readHubSoldCounts(db: DbHandle, stored: StoredProperty, range: { from: IsoDate; to: IsoDate }, pmsChannelCode: string): Promise<SoldCount[]> {
  const { rows } = await db.raw<{ rows: { room_type_id: number; stay_date: string; sold: number }[] }>(
    `SELECT n.room_type_id, n.stay_date, sum(n.rooms)::int AS sold
     FROM reservation_nights n JOIN reservations r ON r.id = n.reservation_id
     WHERE r.property_id = ? AND r.status = 'confirmed' AND r.source IS DISTINCT FROM ? AND n.stay_date BETWEEN ? AND ?
     GROUP BY n.room_type_id, n.stay_date`,
    [stored.id, pmsChannelCode, range.from, range.to],
  );
  const code = new Map([...stored.roomTypeIds].map(([c, id]) => [id, c]));
  return rows.map((r) => ({ roomType: code.get(r.room_type_id) ?? String(r.room_type_id), date: r.stay_date, sold: r.sold }));
}

/**
 * Queues the bookings with nights on the given cells for the PMS channel again (confirmed and
 * cancelled alike, so a cancellation the PMS missed travels too), unless one is already waiting.
 * The delivery worker sends each one's current state; the PMS dedupes on its Idempotency-Key.
 */
export async function queuePmsRedelivery(
  db: DbHandle,
  stored: StoredProperty,
  pmsChannel: { id: number; code: string },
  cells: ReadonlyArray<{ roomType: string; date: IsoDate }>,
): Promise<number> {
  const known = cells.filter((c) => stored.roomTypeIds.has(c.roomType));
  if (known.length === 0) return 0;
  const { rowCount } = await db.raw<{ rowCount: number }>(
    `INSERT INTO booking_deliveries (channel_id, reservation_id)
     SELECT DISTINCT ?::int, r.id
     FROM unnest(?::int[], ?::date[]) AS c(room_type_id, stay_date)
     JOIN reservation_nights n ON n.room_type_id = c.room_type_id AND n.stay_date = c.stay_date
     JOIN reservations r ON r.id = n.reservation_id
     WHERE r.property_id = ? AND r.status IN ('confirmed', 'cancelled') AND r.source IS DISTINCT FROM ?
       AND NOT EXISTS (SELECT 1 FROM booking_deliveries d WHERE d.channel_id = ? AND d.reservation_id = r.id AND d.delivered_at IS NULL)`,
    [
      pmsChannel.id,
      known.map((c) => stored.roomTypeIds.get(c.roomType) as number),
      known.map((c) => c.date),
      stored.id,
      pmsChannel.code,
      pmsChannel.id,
    ] as unknown as Knex.RawBinding[],
  );
  return rowCount;
}
