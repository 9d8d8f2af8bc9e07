import type { AriPlan } from '../core/ari';
import { dirtyRanges } from '../core/ari';
import { InventoryConflictError, SoldOutError, UnknownReservationError, type ShortNight } from '../core/errors';
import type { StayNight } from '../core/property';
import type { Knex } from 'knex';
import type { DbHandle } from './connection';
import { appendOutbox, OUTBOX_TOPIC_LEDGER_CHANGED } from './outbox-repo';
import type { StoredProperty } from './properties-repo';

/**
 * Lock order. Every writer of inventory_cells creates missing rows and then locks its rows with
 * SELECT … FOR UPDATE, both ordered by (room_type_id, stay_date), before changing them, so two transactions touching overlapping cells
 * always queue instead of deadlocking. ARI batches additionally lock their property row first,
 * which serialises batches of one property (and gives them a strictly increasing batch version).
 */

export interface AppliedBatch {
  version: number;
  cells: number;
  changed: number;
}

export async function applyAriPlan(trx: DbHandle, stored: StoredProperty, plan: AriPlan): Promise<AppliedBatch> {
  const [prop] = await trx.raw<{ rows: { ledger_version: number }[] }>(
    'UPDATE properties SET ledger_version = ledger_version + 1 WHERE id = ? RETURNING ledger_version',
    [stored.id],
  ).then((r) => r.rows);
  const version = (prop as { ledger_version: number }).ledger_version;
  const changedCells: Array<{ roomType: string; ratePlan: string | null; date: string }> = [];
  const roomCode = invert(stored.roomTypeIds);
  const planCode = invert(stored.ratePlanIds);

  if (plan.inventory.length > 0) {
    const p = plan.inventory;
    const params = bind(
      stored.id,
      p.map((c) => stored.roomTypeIds.get(c.roomType) as number),
      p.map((c) => c.date),
      p.map((c) => c.available ?? null),
      p.map((c) => c.total ?? null),
      p.map((c) => c.outOfOrder ?? null),
    );
    const patch = `unnest(?::int[], ?::date[], ?::int[], ?::int[], ?::int[]) AS p(room_type_id, stay_date, available, total, blocked)`;
    await trx.raw(
      `INSERT INTO inventory_cells (property_id, room_type_id, stay_date, total)
       SELECT ?, p.room_type_id, p.stay_date, rt.rooms FROM ${patch} JOIN room_types rt ON rt.id = p.room_type_id
       ORDER BY p.room_type_id, p.stay_date
       ON CONFLICT DO NOTHING`,
      params,
    );
    await trx.raw(
      `SELECT 1 FROM inventory_cells c JOIN ${patch} ON c.room_type_id = p.room_type_id AND c.stay_date = p.stay_date
       WHERE c.property_id = ? ORDER BY c.room_type_id, c.stay_date FOR UPDATE OF c`,
      bind(...params.slice(1), stored.id),
    );
    const conflicts = await trx.raw<{ rows: { room_type_id: number; stay_date: string; total: number; sold: number; blocked: number }[] }>(
      `SELECT c.room_type_id, c.stay_date, COALESCE(p.total, c.total) AS total, c.sold, COALESCE(p.blocked, c.blocked) AS blocked
       FROM inventory_cells c JOIN ${patch} ON c.room_type_id = p.room_type_id AND c.stay_date = p.stay_date
       WHERE c.property_id = ? AND COALESCE(p.total, c.total) < c.sold + COALESCE(p.blocked, c.blocked)
       ORDER BY c.room_type_id, c.stay_date LIMIT 50`,
      bind(...params.slice(1), stored.id),
    );
    if (conflicts.rows.length > 0) {
      throw new InventoryConflictError(
        conflicts.rows.map((c) => ({
          pointer: '/updates',
          detail: `${roomCode.get(c.room_type_id)} on ${c.stay_date}: total ${c.total} is below ${c.sold} sold + ${c.blocked} out of order`,
        })),
      );
    }
    // A pushed `available` is the PMS's own count: it already includes every reservation the PMS has
    // acknowledged, and none that it has not. So in_flight is reset to the rooms of reservations
    // still unacknowledged at this moment (the in-flight rule, README "Availability from the PMS").
    const updated = await trx.raw<{ rows: { room_type_id: number; stay_date: string }[] }>(
      `UPDATE inventory_cells c SET
         total = COALESCE(p.total, c.total),
         blocked = COALESCE(p.blocked, c.blocked),
         pms_available = COALESCE(p.available, c.pms_available),
         pms_available_at = CASE WHEN p.available IS NULL THEN c.pms_available_at ELSE now() END,
         in_flight = CASE WHEN p.available IS NULL THEN c.in_flight ELSE COALESCE((
           SELECT sum(n.rooms) FROM reservation_nights n JOIN reservations r ON r.id = n.reservation_id
           WHERE n.room_type_id = c.room_type_id AND n.stay_date = c.stay_date
             AND r.pms_acked_at IS NULL AND r.status <> 'cancelled'), 0) END,
         version = c.version + 1,
         updated_at = now()
       FROM ${patch}
       WHERE c.property_id = ? AND c.room_type_id = p.room_type_id AND c.stay_date = p.stay_date
       RETURNING c.room_type_id, c.stay_date`,
      bind(...params.slice(1), stored.id),
    );
    for (const r of updated.rows) changedCells.push({ roomType: roomCode.get(r.room_type_id) as string, ratePlan: null, date: r.stay_date });
  }

  if (plan.rates.length > 0) {
    const p = plan.rates;
    const flag = (v: boolean | undefined) => (v === undefined ? null : v);
    const params = bind(
      stored.id,
      p.map((c) => stored.ratePlanIds.get(c.ratePlan) as number),
      p.map((c) => stored.roomTypeIds.get(c.roomType) as number),
      p.map((c) => c.date),
      p.map((c) => c.amount ?? null),
      p.map((c) => c.minStay !== undefined),
      p.map((c) => c.minStay ?? null),
      p.map((c) => c.maxStay !== undefined),
      p.map((c) => c.maxStay ?? null),
      p.map((c) => flag(c.closedToArrival)),
      p.map((c) => flag(c.closedToDeparture)),
      p.map((c) => flag(c.stopSell)),
      stored.id,
    );
    // Rate cells are written only by ARI batches, which the property lock above serialises, so
    // merging with the current row in the SELECT cannot race another writer.
    const upserted = await trx.raw<{ rows: { rate_plan_id: number; room_type_id: number; stay_date: string }[] }>(
      `INSERT INTO rate_cells AS t (property_id, rate_plan_id, room_type_id, stay_date, amount, min_stay, max_stay,
                              closed_to_arrival, closed_to_departure, stop_sell)
       SELECT ?, p.rate_plan_id, p.room_type_id, p.stay_date,
              COALESCE(p.amount, c.amount),
              CASE WHEN p.min_set THEN p.min_stay ELSE c.min_stay END,
              CASE WHEN p.max_set THEN p.max_stay ELSE c.max_stay END,
              COALESCE(p.cta, c.closed_to_arrival, false),
              COALESCE(p.ctd, c.closed_to_departure, false),
              COALESCE(p.stop_sell, c.stop_sell, false)
       FROM unnest(?::int[], ?::int[], ?::date[], ?::numeric[], ?::bool[], ?::int[], ?::bool[], ?::int[], ?::bool[], ?::bool[], ?::bool[])
            AS p(rate_plan_id, room_type_id, stay_date, amount, min_set, min_stay, max_set, max_stay, cta, ctd, stop_sell)
       LEFT JOIN rate_cells c ON c.property_id = ? AND c.rate_plan_id = p.rate_plan_id
                             AND c.room_type_id = p.room_type_id AND c.stay_date = p.stay_date
       ON CONFLICT (property_id, rate_plan_id, room_type_id, stay_date) DO UPDATE SET
         amount = EXCLUDED.amount, min_stay = EXCLUDED.min_stay, max_stay = EXCLUDED.max_stay,
         closed_to_arrival = EXCLUDED.closed_to_arrival, closed_to_departure = EXCLUDED.closed_to_departure,
         stop_sell = EXCLUDED.stop_sell, version = t.version + 1, updated_at = now()
       WHERE (t.amount, t.min_stay, t.max_stay, t.closed_to_arrival, t.closed_to_departure, t.stop_sell)
             IS DISTINCT FROM (EXCLUDED.amount, EXCLUDED.min_stay, EXCLUDED.max_stay,
                               EXCLUDED.closed_to_arrival, EXCLUDED.closed_to_departure, EXCLUDED.stop_sell)
       RETURNING t.rate_plan_id, t.room_type_id, t.stay_date`,
      params,
    );
    for (const r of upserted.rows) {
      changedCells.push({ roomType: roomCode.get(r.room_type_id) as string, ratePlan: planCode.get(r.rate_plan_id) as string, date: r.stay_date });
    }
  }

  if (changedCells.length > 0) {
    await appendOutbox(trx, stored.id, OUTBOX_TOPIC_LEDGER_CHANGED, { version, reason: 'ari', ranges: dirtyRanges(changedCells) });
  }
  return { version, cells: plan.inventory.length + plan.rates.length, changed: changedCells.length };
}

export interface ReserveRequest {
  source: string;
  /** The channel's own reference; with `source` it identifies the reservation. */
  externalRef?: string;
  status?: 'held' | 'confirmed';
  nights: StayNight[];
}

export interface Reservation {
  id: string;
  status: 'held' | 'confirmed' | 'cancelled';
  nights: StayNight[];
}

/**
 * Takes rooms for a whole stay (any number of room types and nights) or nothing at all. Rows are
 * locked in the global (room_type_id, stay_date) order, so concurrent multi-room bookings queue
 * rather than deadlock, and the availability check and the increment happen under the same lock.
 */
export async function reserveRooms(trx: DbHandle, stored: StoredProperty, request: ReserveRequest): Promise<Reservation> {
  const nights = mergeNights(request.nights);
  const roomTypeIds = nights.map((n) => stored.roomTypeIds.get(n.roomType) as number);
  const params = bind(roomTypeIds, nights.map((n) => n.date), nights.map((n) => n.rooms));
  const cells = `unnest(?::int[], ?::date[], ?::int[]) AS p(room_type_id, stay_date, rooms)`;
  await trx.raw(
    `INSERT INTO inventory_cells (property_id, room_type_id, stay_date, total)
     SELECT ?, p.room_type_id, p.stay_date, rt.rooms FROM ${cells} JOIN room_types rt ON rt.id = p.room_type_id
     ORDER BY p.room_type_id, p.stay_date
     ON CONFLICT DO NOTHING`,
    bind(stored.id, ...params),
  );
  const locked = await trx.raw<{ rows: { room_type_id: number; stay_date: string; available: number; rooms: number }[] }>(
    `SELECT c.room_type_id, c.stay_date, c.available, p.rooms
     FROM inventory_cells c JOIN ${cells} ON c.room_type_id = p.room_type_id AND c.stay_date = p.stay_date
     WHERE c.property_id = ? ORDER BY c.room_type_id, c.stay_date FOR UPDATE OF c`,
    bind(...params, stored.id),
  );
  const roomCode = invert(stored.roomTypeIds);
  const short: ShortNight[] = locked.rows
    .filter((c) => c.available < c.rooms)
    .map((c) => ({ roomType: roomCode.get(c.room_type_id) as string, date: c.stay_date, requested: c.rooms, available: c.available }));
  if (short.length > 0) throw new SoldOutError(short);

  await trx.raw(
    `UPDATE inventory_cells c SET sold = c.sold + p.rooms, in_flight = c.in_flight + p.rooms,
       version = c.version + 1, updated_at = now()
     FROM ${cells} WHERE c.property_id = ? AND c.room_type_id = p.room_type_id AND c.stay_date = p.stay_date`,
    bind(...params, stored.id),
  );
  const status = request.status ?? 'confirmed';
  const [reservation] = await trx('reservations')
    .insert({ property_id: stored.id, source: request.source, external_ref: request.externalRef ?? null, status })
    .returning<{ id: string }[]>('id');
  const id = (reservation as { id: string }).id;
  await trx('reservation_nights').insert(
    nights.map((n, i) => ({ reservation_id: id, room_type_id: roomTypeIds[i], stay_date: n.date, rooms: n.rooms })),
  );
  await appendOutbox(trx, stored.id, OUTBOX_TOPIC_LEDGER_CHANGED, {
    version: 0,
    reason: 'reservation',
    ranges: dirtyRanges(nights),
  });
  return { id, status, nights };
}

/**
 * Gives a reservation's rooms back. A room that the PMS's last `available` push did not count yet
 * leaves in_flight too; one it did count stays out of pms_available until the PMS pushes again,
 * because only the PMS knows when it has freed the room on its side.
 */
export async function releaseReservation(trx: DbHandle, stored: StoredProperty, reservationId: string): Promise<Reservation> {
  const reservation = await trx('reservations')
    .where({ id: reservationId, property_id: stored.id })
    .forUpdate()
    .first<{ id: string; status: Reservation['status']; pms_acked_at: Date | null }>();
  if (!reservation) throw new UnknownReservationError(reservationId);
  const nights = await reservationNights(trx, stored, reservationId);
  if (reservation.status === 'cancelled') return { id: reservationId, status: 'cancelled', nights };

  await trx.raw(
    `SELECT 1 FROM inventory_cells c JOIN reservation_nights n ON n.room_type_id = c.room_type_id AND n.stay_date = c.stay_date
     WHERE c.property_id = ? AND n.reservation_id = ? ORDER BY c.room_type_id, c.stay_date FOR UPDATE OF c`,
    [stored.id, reservationId],
  );
  await trx.raw(
    `UPDATE inventory_cells c SET
       sold = c.sold - n.rooms,
       in_flight = CASE WHEN ?::timestamptz IS NULL OR c.pms_available_at IS NULL OR ?::timestamptz > c.pms_available_at
                        THEN GREATEST(0, c.in_flight - n.rooms) ELSE c.in_flight END,
       version = c.version + 1, updated_at = now()
     FROM reservation_nights n
     WHERE n.reservation_id = ? AND c.property_id = ? AND c.room_type_id = n.room_type_id AND c.stay_date = n.stay_date`,
    bind(reservation.pms_acked_at, reservation.pms_acked_at, reservationId, stored.id),
  );
  await trx('reservations').where({ id: reservationId }).update({ status: 'cancelled', updated_at: trx.fn.now() });
  await appendOutbox(trx, stored.id, OUTBOX_TOPIC_LEDGER_CHANGED, { version: 0, reason: 'release', ranges: dirtyRanges(nights) });
  return { id: reservationId, status: 'cancelled', nights };
}

/** The PMS has recorded the reservation: from its next `available` push on, that count includes it. */
export async function acknowledgeReservation(trx: DbHandle, stored: StoredProperty, reservationId: string): Promise<void> {
  const updated = await trx('reservations')
    .where({ id: reservationId, property_id: stored.id })
    .update({ pms_acked_at: trx.raw('COALESCE(pms_acked_at, now())'), updated_at: trx.fn.now() });
  if (updated === 0) throw new UnknownReservationError(reservationId);
}

async function reservationNights(trx: DbHandle, stored: StoredProperty, reservationId: string): Promise<StayNight[]> {
  const roomCode = invert(stored.roomTypeIds);
  const rows = await trx('reservation_nights')
    .where({ reservation_id: reservationId })
    .orderBy(['room_type_id', 'stay_date'])
    .select<{ room_type_id: number; stay_date: string; rooms: number }[]>('room_type_id', 'stay_date', 'rooms');
  return rows.map((r) => ({ roomType: roomCode.get(r.room_type_id) ?? String(r.room_type_id), date: r.stay_date, rooms: r.rooms }));
}

function mergeNights(nights: StayNight[]): StayNight[] {
  const merged = new Map<string, StayNight>();
  for (const n of nights) {
    const key = `${n.roomType}|${n.date}`;
    const existing = merged.get(key);
    merged.set(key, existing ? { ...existing, rooms: existing.rooms + n.rooms } : { ...n });
  }
  return [...merged.values()];
}

/** Postgres arrays go to `unnest(?::type[])` as JS arrays; pg serialises them. */
function bind(...values: unknown[]): Knex.RawBinding[] {
  return values as Knex.RawBinding[];
}

function invert<K, V>(map: Map<K, V>): Map<V, K> {
  return new Map([...map].map(([k, v]) => [v, k]));
}
