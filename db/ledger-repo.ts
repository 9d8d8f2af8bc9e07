import type { AriPlan } from '../core/ari';
import { dirtyRanges } from '../core/ari';
import { InventoryConflictError, SoldOutError, UnknownReservationError, type ShortNight } from '../core/errors';
import type { StayNight } from '../core/property';
import type { Knex } from 'knex';
import type { DbHandle } from './connection';
import { appendOutbox, OUTBOX_TOPIC_LEDGER_CHANGED, type ChangeOrigin } from './outbox-repo';
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

export async function applyAriPlan(trx: DbHandle, stored: StoredProperty, plan: AriPlan, origin: ChangeOrigin = {}): Promise<AppliedBatch> {
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
         -- Rooms the push frees absorb earlier overbookings first.
         sold = c.sold + LEAST(c.overbooked, GREATEST(0, COALESCE(p.total, c.total) - c.sold - COALESCE(p.blocked, c.blocked))),
         overbooked = c.overbooked - LEAST(c.overbooked, GREATEST(0, COALESCE(p.total, c.total) - c.sold - COALESCE(p.blocked, c.blocked))),
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
      p.map((c) => (c.amountsByGuests ? JSON.stringify(c.amountsByGuests) : null)),
      stored.id,
    );
    // Rate cells are written only by ARI batches, which the property lock above serialises, so
    // merging with the current row in the SELECT cannot race another writer. Per-guest prices go
    // with the rate: a rate pushed without them drops the old ones, a restriction keeps them.
    const upserted = await trx.raw<{ rows: { rate_plan_id: number; room_type_id: number; stay_date: string }[] }>(
      `INSERT INTO rate_cells AS t (property_id, rate_plan_id, room_type_id, stay_date, amount, min_stay, max_stay,
                              closed_to_arrival, closed_to_departure, stop_sell, amounts_by_guests)
       SELECT ?, p.rate_plan_id, p.room_type_id, p.stay_date,
              COALESCE(p.amount, c.amount),
              CASE WHEN p.min_set THEN p.min_stay ELSE c.min_stay END,
              CASE WHEN p.max_set THEN p.max_stay ELSE c.max_stay END,
              COALESCE(p.cta, c.closed_to_arrival, false),
              COALESCE(p.ctd, c.closed_to_departure, false),
              COALESCE(p.stop_sell, c.stop_sell, false),
              CASE WHEN p.amount IS NOT NULL THEN p.by_guests ELSE c.amounts_by_guests END
       FROM unnest(?::int[], ?::int[], ?::date[], ?::numeric[], ?::bool[], ?::int[], ?::bool[], ?::int[], ?::bool[], ?::bool[], ?::bool[], ?::jsonb[])
            AS p(rate_plan_id, room_type_id, stay_date, amount, min_set, min_stay, max_set, max_stay, cta, ctd, stop_sell, by_guests)
       LEFT JOIN rate_cells c ON c.property_id = ? AND c.rate_plan_id = p.rate_plan_id
                             AND c.room_type_id = p.room_type_id AND c.stay_date = p.stay_date
       ON CONFLICT (property_id, rate_plan_id, room_type_id, stay_date) DO UPDATE SET
         amount = EXCLUDED.amount, min_stay = EXCLUDED.min_stay, max_stay = EXCLUDED.max_stay,
         closed_to_arrival = EXCLUDED.closed_to_arrival, closed_to_departure = EXCLUDED.closed_to_departure,
         stop_sell = EXCLUDED.stop_sell, amounts_by_guests = EXCLUDED.amounts_by_guests, version = t.version + 1, updated_at = now()
       WHERE (t.amount, t.min_stay, t.max_stay, t.closed_to_arrival, t.closed_to_departure, t.stop_sell, t.amounts_by_guests)
             IS DISTINCT FROM (EXCLUDED.amount, EXCLUDED.min_stay, EXCLUDED.max_stay,
                               EXCLUDED.closed_to_arrival, EXCLUDED.closed_to_departure, EXCLUDED.stop_sell, EXCLUDED.amounts_by_guests)
       RETURNING t.rate_plan_id, t.room_type_id, t.stay_date`,
      params,
    );
    for (const r of upserted.rows) {
      changedCells.push({ roomType: roomCode.get(r.room_type_id) as string, ratePlan: planCode.get(r.rate_plan_id) as string, date: r.stay_date });
    }
  }

  if (changedCells.length > 0) {
    await appendOutbox(trx, stored.id, OUTBOX_TOPIC_LEDGER_CHANGED, { version, reason: 'ari', ranges: dirtyRanges(changedCells) }, origin);
  }
  return { version, cells: plan.inventory.length + plan.rates.length, changed: changedCells.length };
}

export interface ReserveRequest {
  source: string;
  /** The channel's own reference; with `source` it identifies the reservation. */
  externalRef?: string;
  status?: 'held' | 'confirmed';
  nights: StayNight[];
  /**
   * OTA bookings are already confirmed on the OTA's side: take them even without a room left.
   * The excess is counted in `overbooked`, never as a negative availability.
   */
  allowOverbooking?: boolean;
  holdExpiresAt?: Date;
  /** The request that made the booking, carried to the channel deliveries it causes. */
  correlationId?: string | undefined;
}

export interface Reservation {
  id: string;
  status: 'held' | 'confirmed' | 'cancelled' | 'manual-recovery';
  nights: StayNight[];
  /** Nights taken beyond the rooms left (only with allowOverbooking), by how many rooms. */
  overbooked: ShortNight[];
}

interface CellDelta {
  roomTypeId: number;
  date: string;
  release: number;
  /** in_flight to give back with the release (see releaseInFlight). */
  releaseInFlight: number;
  take: number;
}

/**
 * The one way rooms move in the ledger: release some nights and take others in one step, under row
 * locks taken in the global (room_type_id, stay_date) order over the union of both sets, so a
 * modification can never deadlock with another booking or an ARI push. Releases give back
 * overbooked rooms first; takes fill free rooms first and, when allowed, overbook the rest.
 */
async function moveRooms(
  trx: DbHandle,
  stored: StoredProperty,
  deltas: CellDelta[],
  allowOverbooking: boolean,
): Promise<{ short: ShortNight[] }> {
  if (deltas.length === 0) return { short: [] };
  const sorted = [...deltas].sort((a, b) => a.roomTypeId - b.roomTypeId || (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const ids = sorted.map((d) => d.roomTypeId);
  const dates = sorted.map((d) => d.date);
  await trx.raw(
    `INSERT INTO inventory_cells (property_id, room_type_id, stay_date, total)
     SELECT ?, p.room_type_id, p.stay_date, rt.rooms
     FROM unnest(?::int[], ?::date[]) WITH ORDINALITY AS p(room_type_id, stay_date, ord) JOIN room_types rt ON rt.id = p.room_type_id
     ORDER BY p.ord
     ON CONFLICT DO NOTHING`,
    bind(stored.id, ids, dates),
  );
  const locked = await trx.raw<{ rows: { room_type_id: number; stay_date: string; total: number; sold: number; blocked: number; overbooked: number; pms_available: number | null; in_flight: number }[] }>(
    `SELECT c.room_type_id, c.stay_date, c.total, c.sold, c.blocked, c.overbooked, c.pms_available, c.in_flight
     FROM inventory_cells c JOIN unnest(?::int[], ?::date[]) AS p(room_type_id, stay_date)
       ON c.room_type_id = p.room_type_id AND c.stay_date = p.stay_date
     WHERE c.property_id = ? ORDER BY c.room_type_id, c.stay_date FOR UPDATE OF c`,
    bind(ids, dates, stored.id),
  );
  const byCell = new Map(locked.rows.map((r) => [`${r.room_type_id}|${r.stay_date}`, r]));
  const roomCode = invert(stored.roomTypeIds);
  const short: ShortNight[] = [];
  const soldDelta: number[] = [];
  const overDelta: number[] = [];
  const inFlightDelta: number[] = [];
  for (const d of sorted) {
    const c = byCell.get(`${d.roomTypeId}|${d.date}`);
    if (!c) throw new Error(`inventory cell ${d.roomTypeId}/${d.date} vanished under lock`);
    // Release: overbooked rooms first (they were never in `sold`), then sold ones.
    const overReleased = Math.min(c.overbooked, d.release);
    let sold = c.sold - (d.release - overReleased);
    let overbooked = c.overbooked - overReleased;
    let inFlight = Math.max(0, c.in_flight - d.releaseInFlight);
    // Freed rooms absorb earlier overbookings before anyone else can sell them.
    const free = () => Math.max(0, c.total - sold - c.blocked);
    const absorbed = Math.min(overbooked, free());
    sold += absorbed;
    overbooked -= absorbed;
    if (d.take > 0) {
      const sellable = Math.max(0, Math.min(c.total - sold - c.blocked - overbooked, c.pms_available === null ? Infinity : c.pms_available - inFlight));
      const fit = Math.min(d.take, sellable);
      if (fit < d.take) short.push({ roomType: roomCode.get(d.roomTypeId) as string, date: d.date, requested: d.take, available: sellable });
      sold += fit;
      overbooked += d.take - fit;
      inFlight += d.take;
    }
    soldDelta.push(sold - c.sold);
    overDelta.push(overbooked - c.overbooked);
    inFlightDelta.push(inFlight - c.in_flight);
  }
  if (short.length > 0 && !allowOverbooking) throw new SoldOutError(short);
  await trx.raw(
    `UPDATE inventory_cells c SET sold = c.sold + p.sold, overbooked = c.overbooked + p.over, in_flight = c.in_flight + p.in_flight,
       version = c.version + 1, updated_at = now()
     FROM unnest(?::int[], ?::date[], ?::int[], ?::int[], ?::int[]) AS p(room_type_id, stay_date, sold, over, in_flight)
     WHERE c.property_id = ? AND c.room_type_id = p.room_type_id AND c.stay_date = p.stay_date`,
    bind(ids, dates, soldDelta, overDelta, inFlightDelta, stored.id),
  );
  return { short };
}

/**
 * Takes rooms for a whole stay (any number of room types and nights) or nothing at all. Rows are
 * locked in the global (room_type_id, stay_date) order, so concurrent multi-room bookings queue
 * rather than deadlock, and the availability check and the increment happen under the same lock.
 */
export async function reserveRooms(trx: DbHandle, stored: StoredProperty, request: ReserveRequest): Promise<Reservation> {
  const nights = mergeNights(request.nights);
  const { short } = await moveRooms(
    trx,
    stored,
    nights.map((n) => ({ roomTypeId: stored.roomTypeIds.get(n.roomType) as number, date: n.date, release: 0, releaseInFlight: 0, take: n.rooms })),
    request.allowOverbooking ?? false,
  );
  const status = request.status ?? 'confirmed';
  const [reservation] = await trx('reservations')
    .insert({
      property_id: stored.id,
      source: request.source,
      external_ref: request.externalRef ?? null,
      status,
      overbooked: short.length > 0,
      hold_expires_at: request.holdExpiresAt ?? null,
    })
    .returning<{ id: string }[]>('id');
  const id = (reservation as { id: string }).id;
  await insertNights(trx, stored, id, nights);
  await appendOutbox(trx, stored.id, OUTBOX_TOPIC_LEDGER_CHANGED, { version: 0, reason: 'reservation', ranges: dirtyRanges(nights) }, { correlationId: request.correlationId });
  return { id, status, nights, overbooked: short };
}

/**
 * Replaces a reservation's nights (a modification: dates, room types and counts may all change)
 * in one step. Rooms it already holds count as free for its own new nights.
 */
export async function rebookReservation(
  trx: DbHandle,
  stored: StoredProperty,
  reservationId: string,
  newNights: StayNight[],
  options: { allowOverbooking?: boolean } & ChangeOrigin = {},
): Promise<Reservation> {
  const reservation = await lockReservation(trx, stored, reservationId);
  const oldNights = reservation.status === 'cancelled' ? [] : await reservationNights(trx, stored, reservationId);
  const nights = mergeNights(newNights);
  const deltas = new Map<string, CellDelta>();
  const cell = (roomType: string, date: string) => {
    const roomTypeId = stored.roomTypeIds.get(roomType) as number;
    const key = `${roomTypeId}|${date}`;
    const d = deltas.get(key) ?? { roomTypeId, date, release: 0, releaseInFlight: 0, take: 0 };
    deltas.set(key, d);
    return d;
  };
  const pmsAvailableAt = await pmsPushTimes(trx, stored, oldNights);
  for (const n of oldNights) {
    const d = cell(n.roomType, n.date);
    d.release += n.rooms;
    d.releaseInFlight += releaseInFlight(reservation.pms_acked_at, pmsAvailableAt.get(`${n.roomType}|${n.date}`) ?? null, n.rooms);
  }
  for (const n of nights) cell(n.roomType, n.date).take += n.rooms;
  const { short } = await moveRooms(trx, stored, [...deltas.values()], options.allowOverbooking ?? false);
  await trx('reservation_nights').where({ reservation_id: reservationId }).delete();
  await insertNights(trx, stored, reservationId, nights);
  const status = reservation.status === 'cancelled' ? 'confirmed' : reservation.status;
  await trx('reservations').where({ id: reservationId }).update({ status, overbooked: short.length > 0, updated_at: trx.fn.now() });
  await appendOutbox(trx, stored.id, OUTBOX_TOPIC_LEDGER_CHANGED, { version: 0, reason: 'reservation', ranges: dirtyRanges([...oldNights, ...nights]) }, { correlationId: options.correlationId });
  return { id: reservationId, status, nights, overbooked: short };
}

/**
 * Gives a reservation's rooms back. A room that the PMS's last `available` push did not count yet
 * leaves in_flight too; one it did count stays out of pms_available until the PMS pushes again,
 * because only the PMS knows when it has freed the room on its side.
 */
export async function releaseReservation(trx: DbHandle, stored: StoredProperty, reservationId: string, origin: ChangeOrigin = {}): Promise<Reservation> {
  const reservation = await lockReservation(trx, stored, reservationId);
  const nights = await reservationNights(trx, stored, reservationId);
  if (reservation.status === 'cancelled') return { id: reservationId, status: 'cancelled', nights, overbooked: [] };
  const pmsAvailableAt = await pmsPushTimes(trx, stored, nights);
  await moveRooms(
    trx,
    stored,
    nights.map((n) => ({
      roomTypeId: stored.roomTypeIds.get(n.roomType) as number,
      date: n.date,
      release: n.rooms,
      releaseInFlight: releaseInFlight(reservation.pms_acked_at, pmsAvailableAt.get(`${n.roomType}|${n.date}`) ?? null, n.rooms),
      take: 0,
    })),
    false,
  );
  await trx('reservations').where({ id: reservationId }).update({ status: 'cancelled', hold_expires_at: null, updated_at: trx.fn.now() });
  await appendOutbox(trx, stored.id, OUTBOX_TOPIC_LEDGER_CHANGED, { version: 0, reason: 'release', ranges: dirtyRanges(nights) }, origin);
  return { id: reservationId, status: 'cancelled', nights, overbooked: [] };
}

/** In-flight rooms leave with a release unless the PMS's last push already counted the booking. */
function releaseInFlight(ackedAt: Date | null, pmsAvailableAt: Date | null, rooms: number): number {
  if (ackedAt === null || pmsAvailableAt === null || ackedAt > pmsAvailableAt) return rooms;
  return 0;
}

async function pmsPushTimes(trx: DbHandle, stored: StoredProperty, nights: StayNight[]): Promise<Map<string, Date | null>> {
  if (nights.length === 0) return new Map();
  const rows = await trx.raw<{ rows: { room_type_id: number; stay_date: string; pms_available_at: Date | null }[] }>(
    `SELECT c.room_type_id, c.stay_date, c.pms_available_at FROM inventory_cells c
     JOIN unnest(?::int[], ?::date[]) AS p(room_type_id, stay_date) ON c.room_type_id = p.room_type_id AND c.stay_date = p.stay_date
     WHERE c.property_id = ?`,
    bind(nights.map((n) => stored.roomTypeIds.get(n.roomType)), nights.map((n) => n.date), stored.id),
  );
  const roomCode = invert(stored.roomTypeIds);
  return new Map(rows.rows.map((r) => [`${roomCode.get(r.room_type_id)}|${r.stay_date}`, r.pms_available_at]));
}

async function lockReservation(trx: DbHandle, stored: StoredProperty, reservationId: string) {
  const reservation = await trx('reservations')
    .where({ id: reservationId, property_id: stored.id })
    .forUpdate()
    .first<{ id: string; status: Reservation['status']; pms_acked_at: Date | null }>();
  if (!reservation) throw new UnknownReservationError(reservationId);
  return reservation;
}

async function insertNights(trx: DbHandle, stored: StoredProperty, reservationId: string, nights: StayNight[]): Promise<void> {
  if (nights.length === 0) return;
  await trx('reservation_nights').insert(
    nights.map((n) => ({ reservation_id: reservationId, room_type_id: stored.roomTypeIds.get(n.roomType), stay_date: n.date, rooms: n.rooms })),
  );
}

/** The PMS has recorded the reservation: from its next `available` push on, that count includes it. */
export async function acknowledgeReservation(trx: DbHandle, stored: StoredProperty, reservationId: string): Promise<void> {
  const updated = await trx('reservations')
    .where({ id: reservationId, property_id: stored.id })
    .update({ pms_acked_at: trx.raw('COALESCE(pms_acked_at, now())'), updated_at: trx.fn.now() });
  if (updated === 0) throw new UnknownReservationError(reservationId);
}

export async function reservationNights(trx: DbHandle, stored: StoredProperty, reservationId: string): Promise<StayNight[]> {
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
