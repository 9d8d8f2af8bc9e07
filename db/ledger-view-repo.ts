import { eachDate, type IsoDate } from '../core/dates';
import { formatAmount } from '../core/money';
import type { Knex } from 'knex';
import type { DbHandle } from './connection';
import type { StoredProperty } from './properties-repo';

export interface RatePlanDay {
  ratePlan: string;
  rate: string | null;
  /** Per-guest prices the PMS pushed with the rate ({"1": "99.00"}); null when it pushed the rate alone. */
  rateByGuests: Record<string, string> | null;
  minStay: number | null;
  maxStay: number | null;
  closedToArrival: boolean;
  closedToDeparture: boolean;
  stopSell: boolean;
  version: number;
}

export interface RoomTypeDay {
  roomType: string;
  available: number;
  total: number;
  sold: number;
  outOfOrder: number;
  /** The PMS's own count from its last `available` push, and the hub bookings it did not include yet. */
  pmsAvailable: number | null;
  inFlight: number;
  version: number;
  ratePlans: RatePlanDay[];
}

export interface LedgerDay {
  date: IsoDate;
  roomTypes: RoomTypeDay[];
}

export interface LedgerViewQuery {
  from: IsoDate;
  to: IsoDate;
  roomType?: string;
  ratePlan?: string;
}

/** The ledger as channels should see it before buffers, one entry per date; nights never written show defaults. */
export async function readLedgerView(db: DbHandle, stored: StoredProperty, query: LedgerViewQuery): Promise<LedgerDay[]> {
  const { property } = stored;
  const roomTypes = property.roomTypes.filter((r) => query.roomType === undefined || r.code === query.roomType);
  const ratePlans = property.ratePlans.filter((p) => query.ratePlan === undefined || p.code === query.ratePlan);
  const roomTypeIds = roomTypes.map((r) => stored.roomTypeIds.get(r.code) as number);
  const [inventory, rates] = await Promise.all([
    db('inventory_cells')
      .where({ property_id: stored.id })
      .whereIn('room_type_id', roomTypeIds)
      .whereBetween('stay_date', [query.from, query.to])
      .select<InventoryRow[]>('room_type_id', 'stay_date', 'available', 'total', 'sold', 'blocked', 'pms_available', 'in_flight', 'version'),
    db('rate_cells')
      .where({ property_id: stored.id })
      .whereIn('room_type_id', roomTypeIds)
      .whereIn('rate_plan_id', ratePlans.map((p) => stored.ratePlanIds.get(p.code) as number))
      .whereBetween('stay_date', [query.from, query.to])
      .select<RateRow[]>('rate_plan_id', 'room_type_id', 'stay_date', 'amount', 'amounts_by_guests', 'min_stay', 'max_stay', 'closed_to_arrival', 'closed_to_departure', 'stop_sell', 'version'),
  ]);
  const inventoryByCell = new Map(inventory.map((r) => [`${r.room_type_id}|${r.stay_date}`, r]));
  const rateByCell = new Map(rates.map((r) => [`${r.rate_plan_id}|${r.room_type_id}|${r.stay_date}`, r]));

  return eachDate(query.from, query.to).map((date) => ({
    date,
    roomTypes: roomTypes.map((roomType) => {
      const rtId = stored.roomTypeIds.get(roomType.code) as number;
      const cell = inventoryByCell.get(`${rtId}|${date}`);
      return {
        roomType: roomType.code,
        available: cell?.available ?? roomType.rooms,
        total: cell?.total ?? roomType.rooms,
        sold: cell?.sold ?? 0,
        outOfOrder: cell?.blocked ?? 0,
        pmsAvailable: cell?.pms_available ?? null,
        inFlight: cell?.in_flight ?? 0,
        version: cell?.version ?? 0,
        ratePlans: ratePlans
          .filter((p) => p.roomTypes.includes(roomType.code))
          .map((plan) => {
            const rate = rateByCell.get(`${stored.ratePlanIds.get(plan.code)}|${rtId}|${date}`);
            return {
              ratePlan: plan.code,
              rate: rate?.amount != null ? formatAmount(rate.amount, stored.currencyDecimals) : null,
              rateByGuests: byGuestsOf(rate?.amounts_by_guests, stored.currencyDecimals),
              minStay: rate?.min_stay ?? null,
              maxStay: rate?.max_stay ?? null,
              closedToArrival: rate?.closed_to_arrival ?? false,
              closedToDeparture: rate?.closed_to_departure ?? false,
              stopSell: rate?.stop_sell ?? false,
              version: rate?.version ?? 0,
            };
          }),
      };
    }),
  }));
}

interface InventoryRow {
  room_type_id: number;
  stay_date: string;
  available: number;
  total: number;
  sold: number;
  blocked: number;
  pms_available: number | null;
  in_flight: number;
  version: number;
}

interface RateRow {
  rate_plan_id: number;
  room_type_id: number;
  stay_date: string;
  amount: string | null;
  amounts_by_guests: Record<string, string> | null;
  min_stay: number | null;
  max_stay: number | null;
  closed_to_arrival: boolean;
  closed_to_departure: boolean;
  stop_sell: boolean;
  version: number;
}

/** A night of a span: the sellable count, and the counts occupancy pricing judges (core/pricing.ts nightOccupancy). */
export interface LedgerSpanNight {
  roomType: string;
  date: IsoDate;
  available: number;
  sold: number;
  total: number;
  outOfOrder: number;
  pmsAvailable: number | null;
  inFlight: number;
}

/**
 * The ledger for a set of (room type, date range) spans, in two queries however many spans:
 * every night of every span, with defaults for nights never written. What a channel sync reads.
 */
export async function readLedgerSpans(
  db: DbHandle,
  stored: StoredProperty,
  spans: ReadonlyArray<{ roomTypeId: number; from: IsoDate; to: IsoDate }>,
): Promise<{ inventory: Array<LedgerSpanNight>; rates: Array<{ roomType: string; ratePlan: string; date: IsoDate; amount: string | null; amountsByGuests: Record<string, string> | null; minStay: number | null; maxStay: number | null; closedToArrival: boolean; closedToDeparture: boolean; stopSell: boolean }> }> {
  if (spans.length === 0) return { inventory: [], rates: [] };
  const bindings = [spans.map((s) => s.roomTypeId), spans.map((s) => s.from), spans.map((s) => s.to)] as unknown as Knex.RawBinding[];
  const nights = `unnest(?::int[], ?::date[], ?::date[]) AS s(room_type_id, from_date, to_date)
                  CROSS JOIN LATERAL generate_series(s.from_date, s.to_date, interval '1 day') AS g(night)`;
  const [inventory, rates] = await Promise.all([
    // sold, total and the PMS's counts: occupancy pricing rules judge each night by them (core/pricing.ts nightOccupancy).
    db.raw<{ rows: { room_type_id: number; night: string; available: number; sold: number; total: number; blocked: number; pms_available: number | null; in_flight: number }[] }>(
      `SELECT s.room_type_id, g.night::date::text AS night, COALESCE(c.available, rt.rooms) AS available,
              COALESCE(c.sold, 0) AS sold, COALESCE(c.total, rt.rooms) AS total,
              COALESCE(c.blocked, 0) AS blocked, c.pms_available, COALESCE(c.in_flight, 0) AS in_flight
       FROM ${nights}
       JOIN room_types rt ON rt.id = s.room_type_id
       LEFT JOIN inventory_cells c ON c.property_id = ? AND c.room_type_id = s.room_type_id AND c.stay_date = g.night::date`,
      [...bindings, stored.id],
    ),
    db.raw<{ rows: Array<{ room_type_id: number; rate_plan_id: number; night: string; amount: string | null; amounts_by_guests: Record<string, string> | null; min_stay: number | null; max_stay: number | null; closed_to_arrival: boolean | null; closed_to_departure: boolean | null; stop_sell: boolean | null }> }>(
      `SELECT s.room_type_id, rp.id AS rate_plan_id, g.night::date::text AS night, c.amount, c.amounts_by_guests, c.min_stay, c.max_stay,
              c.closed_to_arrival, c.closed_to_departure, c.stop_sell
       FROM ${nights}
       JOIN rate_plan_room_types rprt ON rprt.room_type_id = s.room_type_id
       JOIN rate_plans rp ON rp.id = rprt.rate_plan_id AND rp.active
       LEFT JOIN rate_cells c ON c.property_id = ? AND c.rate_plan_id = rp.id AND c.room_type_id = s.room_type_id AND c.stay_date = g.night::date`,
      [...bindings, stored.id],
    ),
  ]);
  const roomCode = new Map([...stored.roomTypeIds].map(([code, id]) => [id, code]));
  const planCode = new Map([...stored.ratePlanIds].map(([code, id]) => [id, code]));
  return {
    inventory: inventory.rows
      .filter((r) => roomCode.has(r.room_type_id))
      .map((r) => ({
        roomType: roomCode.get(r.room_type_id) as string,
        date: r.night,
        available: r.available,
        sold: r.sold,
        total: r.total,
        outOfOrder: r.blocked,
        pmsAvailable: r.pms_available,
        inFlight: r.in_flight,
      })),
    rates: rates.rows
      .filter((r) => roomCode.has(r.room_type_id) && planCode.has(r.rate_plan_id))
      .map((r) => ({
        roomType: roomCode.get(r.room_type_id) as string,
        ratePlan: planCode.get(r.rate_plan_id) as string,
        date: r.night,
        amount: r.amount !== null ? formatAmount(r.amount, stored.currencyDecimals) : null,
        amountsByGuests: byGuestsOf(r.amounts_by_guests, stored.currencyDecimals),
        minStay: r.min_stay,
        maxStay: r.max_stay,
        closedToArrival: r.closed_to_arrival ?? false,
        closedToDeparture: r.closed_to_departure ?? false,
        stopSell: r.stop_sell ?? false,
      })),
  };
}

/** Per-guest prices as stored (jsonb), in the currency's decimals; null for none. */
function byGuestsOf(stored: Record<string, string> | null | undefined, decimals: number): Record<string, string> | null {
  if (!stored) return null;
  return Object.fromEntries(Object.entries(stored).map(([guests, amount]) => [guests, formatAmount(String(amount), decimals)]));
}
