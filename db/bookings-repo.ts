import type { BookingStatus } from '../core/booking';
import type { DbHandle } from './connection';

export interface GuestRecord {
  firstName?: string | undefined;
  lastName?: string | undefined;
  email?: string | undefined;
  phone?: string | undefined;
}

export interface BookingRow {
  id: string;
  property_id: number;
  source: string;
  external_ref: string | null;
  status: BookingStatus;
  revision: string | null;
  total_amount: string | null;
  currency: string | null;
  stays: unknown;
  payment_status: string;
  overbooked: boolean;
  pms_acked_at: Date | null;
  pms_reference: string | null;
  created_at: Date;
  updated_at: Date;
}

/**
 * Finds or creates the row a channel booking lives in, locked for this transaction. Concurrent
 * deliveries of the same booking queue on this row, so a duplicate sees the first one's result.
 * A new row starts as `cancelled` with no revision: "known id, nothing applied yet".
 */
export async function lockChannelBooking(trx: DbHandle, propertyId: number, source: string, externalRef: string): Promise<BookingRow> {
  await trx.raw(
    `INSERT INTO reservations (property_id, source, external_ref, status) VALUES (?, ?, ?, 'cancelled')
     ON CONFLICT (property_id, source, external_ref) DO NOTHING`,
    [propertyId, source, externalRef],
  );
  return trx('reservations').where({ property_id: propertyId, source, external_ref: externalRef }).forUpdate().first<BookingRow>();
}

export async function findBooking(db: DbHandle, propertyId: number, id: string): Promise<BookingRow | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  return db('reservations').where({ property_id: propertyId, id }).first<BookingRow | undefined>();
}

export async function updateBooking(trx: DbHandle, id: string, fields: Partial<Record<string, unknown>>): Promise<void> {
  await trx('reservations').where({ id }).update({ ...fields, updated_at: trx.fn.now() });
}

/** Personal data goes here and nowhere else (not in events, logs or outbox payloads). */
export async function saveGuest(trx: DbHandle, reservationId: string, guest: GuestRecord): Promise<void> {
  await trx('guests')
    .insert({ reservation_id: reservationId, first_name: guest.firstName ?? null, last_name: guest.lastName ?? null, email: guest.email ?? null, phone: guest.phone ?? null })
    .onConflict('reservation_id')
    .merge();
}

export async function findGuest(db: DbHandle, reservationId: string): Promise<(GuestRecord & { erasedAt: Date | null }) | undefined> {
  const row = await db('guests').where({ reservation_id: reservationId }).first<{ first_name: string | null; last_name: string | null; email: string | null; phone: string | null; erased_at: Date | null }>();
  if (!row) return undefined;
  return {
    ...(row.first_name ? { firstName: row.first_name } : {}),
    ...(row.last_name ? { lastName: row.last_name } : {}),
    ...(row.email ? { email: row.email } : {}),
    ...(row.phone ? { phone: row.phone } : {}),
    erasedAt: row.erased_at,
  };
}

/** Removes the person, keeps the stay: what a right-to-erasure request asks for. */
export async function eraseGuest(db: DbHandle, reservationId: string): Promise<boolean> {
  const n = await db('guests')
    .where({ reservation_id: reservationId })
    .update({ first_name: null, last_name: null, email: null, phone: null, erased_at: db.fn.now() });
  return n > 0;
}

export async function addBookingEvent(trx: DbHandle, reservationId: string, kind: string, revision: string | null, detail: object = {}): Promise<void> {
  await trx('booking_events').insert({ reservation_id: reservationId, kind, revision, detail: JSON.stringify(detail) });
}

/** Queues the booking for every PMS channel of the property, in the booking's own transaction. */
export async function queuePmsDelivery(trx: DbHandle, propertyId: number, reservationId: string, exceptChannelCode?: string): Promise<number> {
  const { rowCount } = await trx.raw<{ rowCount: number }>(
    `INSERT INTO booking_deliveries (channel_id, reservation_id)
     SELECT id, ? FROM channels WHERE property_id = ? AND type = 'pms' AND active AND code IS DISTINCT FROM ?`,
    [reservationId, propertyId, exceptChannelCode ?? null],
  );
  return rowCount;
}

export async function openIncident(trx: DbHandle, entry: { propertyId: number; channelId: number | null; kind: string; details: object }): Promise<number | undefined> {
  const rows = await trx.raw<{ rows: { id: number }[] }>(
    `INSERT INTO incidents (property_id, channel_id, kind, status, details) VALUES (?, ?, ?, 'open', ?::jsonb)
     ON CONFLICT DO NOTHING RETURNING id`,
    [entry.propertyId, entry.channelId, entry.kind, JSON.stringify(entry.details)],
  );
  return rows.rows[0]?.id;
}
