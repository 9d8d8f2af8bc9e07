import type { IsoDate } from '../../core/dates';
import type { DbHandle } from '../../db/connection';

/**
 * SQL the iCal import needs beyond db/: its blocks, the conflict incident and a per-room lock.
 * Each function takes the knex handle (or transaction) first, like the repositories in db/.
 */

export const ICAL_CONFLICT_KIND = 'ical-conflict';

/** An iCal block as the ledger holds it: a reservation of one room type, keyed by the event UID. */
export interface IcalBlock {
  reservationId: string;
  uid: string;
  nights: IsoDate[];
}

/** Active (not cancelled) blocks of one channel source on one room type. */
export async function listIcalBlocks(db: DbHandle, propertyId: number, source: string, roomTypeId: number): Promise<IcalBlock[]> {
  const { rows } = await db.raw<{ rows: { id: string; external_ref: string; nights: IsoDate[] }[] }>(
    `SELECT r.id, r.external_ref, array_agg(n.stay_date::text ORDER BY n.stay_date) AS nights
     FROM reservations r JOIN reservation_nights n ON n.reservation_id = r.id
     WHERE r.property_id = ? AND r.source = ? AND r.status <> 'cancelled' AND n.room_type_id = ?
     GROUP BY r.id, r.external_ref`,
    [propertyId, source, roomTypeId],
  );
  return rows.map((r) => ({ reservationId: r.id, uid: r.external_ref, nights: r.nights }));
}

/** Every reservation of the source that carries this UID, whatever its room type or status. */
export async function findBlocksByUid(db: DbHandle, propertyId: number, source: string, uid: string): Promise<Array<{ id: string; status: string }>> {
  return db('reservations').where({ property_id: propertyId, source, external_ref: uid }).select<Array<{ id: string; status: string }>>('id', 'status');
}

/**
 * Frees a released block's key: (property, source, external_ref) is unique even among cancelled
 * reservations, so a moved event could not be reserved again under its UID. The old row keeps its
 * history under `UID#<reservation id>`.
 */
export async function retireCancelledBlock(db: DbHandle, reservationId: string): Promise<void> {
  await db.raw(`UPDATE reservations SET external_ref = external_ref || '#' || id::text, updated_at = now() WHERE id = ? AND status = 'cancelled'`, [reservationId]);
}

/**
 * One importer per channel room at a time, across processes: two pollers diffing the same feed
 * would both reserve a new UID. Transaction-scoped, so a crashed poller cannot leave it held.
 */
export async function tryLockIcalRoom(trx: DbHandle, channelId: number, roomTypeId: number): Promise<boolean> {
  const { rows } = await trx.raw<{ rows: { locked: boolean }[] }>(`SELECT pg_try_advisory_xact_lock(hashtextextended(?, 0)) AS locked`, [
    `tidewater:ical-import:${channelId}:${roomTypeId}`,
  ]);
  return rows[0]?.locked === true;
}

export interface OpenIncident {
  id: number;
  details: Record<string, unknown>;
}

export async function findOpenIcalIncident(db: DbHandle, propertyId: number, channelId: number): Promise<OpenIncident | undefined> {
  return db('incidents')
    .where({ property_id: propertyId, channel_id: channelId, kind: ICAL_CONFLICT_KIND, status: 'open' })
    .first<OpenIncident | undefined>('id', 'details');
}

/**
 * Opens the channel's conflict incident or updates its details. The partial unique index allows one
 * open incident per (property, kind, channel), so concurrent pollers cannot open two.
 */
export async function upsertIcalIncident(db: DbHandle, propertyId: number, channelId: number, details: Record<string, unknown>): Promise<'opened' | 'updated'> {
  const inserted = await db.raw<{ rows: { id: number }[] }>(
    `INSERT INTO incidents (property_id, channel_id, kind, status, details) VALUES (?, ?, ?, 'open', ?::jsonb)
     ON CONFLICT DO NOTHING RETURNING id`,
    [propertyId, channelId, ICAL_CONFLICT_KIND, JSON.stringify(details)],
  );
  if (inserted.rows.length > 0) return 'opened';
  await db('incidents')
    .where({ property_id: propertyId, channel_id: channelId, kind: ICAL_CONFLICT_KIND, status: 'open' })
    .update({ details: JSON.stringify(details) });
  return 'updated';
}

export async function resolveIcalIncident(db: DbHandle, incident: OpenIncident, resolution: Record<string, unknown>): Promise<boolean> {
  const updated = await db('incidents')
    .where({ id: incident.id, status: 'open' })
    .update({ status: 'resolved', resolved_at: db.fn.now(), details: JSON.stringify({ ...incident.details, resolution }) });
  return updated > 0;
}

/** Active iCal channels of every property: what the poller walks. */
export async function listIcalChannels(db: DbHandle): Promise<Array<{ id: number; code: string; propertyId: number }>> {
  const rows = await db('channels').where({ type: 'ical', active: true }).orderBy('id').select<{ id: number; code: string; property_id: number }[]>('id', 'code', 'property_id');
  return rows.map((r) => ({ id: r.id, code: r.code, propertyId: r.property_id }));
}
