import { daysBetween, todayIn, type IsoDate } from './dates';
import { applyMarkup, currencyDecimals, toScaled } from './money';
import { nightOccupancy, planLineage, priceCell, type NightCounts } from './pricing';
import type { ChannelConfig, Property } from './property';

/** What one channel should show for a room type on a night: Tidewater codes, after buffers. */
export interface ChannelInventoryCell {
  roomType: string;
  date: IsoDate;
  available: number;
}

export interface ChannelRateCell {
  roomType: string;
  ratePlan: string;
  date: IsoDate;
  /** Decimal string in the property currency, or null while no rate is loaded. */
  amount: string | null;
  minStay: number | null;
  maxStay: number | null;
  closedToArrival: boolean;
  closedToDeparture: boolean;
  stopSell: boolean;
}

export interface ChannelView {
  inventory: ChannelInventoryCell[];
  rates: ChannelRateCell[];
}

/**
 * The ledger's sellable count and rate cells for a range, before any channel's buffer. The counts
 * (`sold`, `total`, and from a PMS that pushes `available` also `pmsAvailable`, `inFlight`,
 * `outOfOrder`) feed occupancy pricing rules through nightOccupancy; a night without them has no
 * occupancy, so those rules do not apply to it (readers that serve delivery, reconciliation and
 * drift checks always give them).
 */
export interface LedgerSlice {
  inventory: Array<{ roomType: string; date: IsoDate; available: number } & NightCounts>;
  rates: ChannelRateCell[];
}

/** Rooms withheld by a safety buffer: a share of the room type's rooms, at least one. */
export function safetyBufferRooms(rooms: number, percent: number): number {
  if (percent <= 0 || rooms <= 0) return 0;
  return Math.max(1, Math.ceil((rooms * percent) / 100));
}

/**
 * The view a channel should hold: only mapped room types and rate plans, with the channel's own
 * buffer and any property-wide safety buffer taken off availability (never below zero), the
 * property's pricing rules on every pushed rate, and the channel's markup on top. Delivery,
 * reconciliation and the sample channels' drift check all take the channel's side from here, so
 * neither a markup nor a pricing rule ever shows up as drift, and `rate explain` runs the same
 * functions (priceCell, applyMarkup) to show how a price came about.
 *
 * Prices are computed here, at view time, rather than stored: the ledger keeps the rate the PMS
 * pushed, and a change of occupancy (a booking) or of the rules re-prices whatever a channel reads
 * next. `today` (the property's date) is what booking-window rules count from.
 */
export function channelViewOf(
  property: Property,
  channel: ChannelConfig,
  slice: LedgerSlice,
  safetyBufferPercent = 0,
  today: IsoDate = todayIn(property.timezone),
): ChannelView {
  const withheld = new Map(
    property.roomTypes.map((r) => [r.code, channel.buffer.rooms + safetyBufferRooms(r.rooms, safetyBufferPercent)]),
  );
  const price = nightPricer(property, channel);
  const counts = new Map(slice.inventory.map((c) => [inventoryKey(c), c]));
  return {
    inventory: slice.inventory
      .filter((c) => channel.roomTypes[c.roomType] !== undefined)
      .map((c) => ({ roomType: c.roomType, date: c.date, available: Math.max(0, c.available - (withheld.get(c.roomType) ?? 0)) })),
    rates: slice.rates
      .filter((c) => channel.roomTypes[c.roomType] !== undefined && channel.ratePlans[c.ratePlan] !== undefined)
      .map((c) =>
        c.amount === null
          ? c
          : { ...c, amount: price({ ...c, amount: c.amount }, { occupancy: counts.get(inventoryKey(c)) ?? {}, today }) },
      ),
  };
}

/** One night of one cell as the ledger holds it: the rate the PMS pushed (or derived at push). */
export interface NightRate {
  roomType: string;
  ratePlan: string;
  date: IsoDate;
  amount: string;
}

export interface NightPriceContext {
  /** The night's counts as the ledger holds them (a booking priced for itself: before it), judged by nightOccupancy. */
  occupancy: NightCounts;
  /** The property's date that booking-window rules count from. */
  today: IsoDate;
}

/**
 * The price shown for one night: the property's pricing rules (priceCell) on the ledger's rate,
 * then the channel's markup; the ledger's rate as it is for a property without rules, and no markup
 * without a channel. The one implementation: channelViewOf prices every cell a channel is sent
 * through it and a direct booking charges through it, so a guest pays what the booking engine
 * showed. `rate explain` runs the same priceCell and applyMarkup to show the steps, and a property
 * test holds the two together.
 */
export function priceNight(property: Property, channel: Pick<ChannelConfig, 'markup'> | undefined, cell: NightRate, ctx: NightPriceContext): string {
  return nightPricer(property, channel)(cell, ctx);
}

/** priceNight with the per-property work (currency, plan chains, markup) done once, for many cells. */
export function nightPricer(property: Property, channel: Pick<ChannelConfig, 'markup'> | undefined): (cell: NightRate, ctx: NightPriceContext) => string {
  const pricing = property.pricing;
  const markup = channel?.markup && toScaled(channel.markup.percent) !== 0n ? channel.markup.percent : undefined;
  if (!pricing && markup === undefined) return (cell) => cell.amount;
  const decimals = currencyDecimals(property.currency);
  const lineage = new Map(property.ratePlans.map((p) => [p.code, planLineage(property, p.code)]));
  return (cell, ctx) => {
    let amount = cell.amount;
    if (pricing) {
      const context = {
        date: cell.date,
        occupancy: nightOccupancy(ctx.occupancy),
        daysBeforeArrival: daysBetween(ctx.today, cell.date),
        roomType: cell.roomType,
        ratePlans: lineage.get(cell.ratePlan) ?? [cell.ratePlan],
      };
      amount = priceCell(amount, context, pricing, decimals).final;
    }
    return markup === undefined ? amount : applyMarkup(amount, markup, decimals);
  };
}

export function inventoryKey(c: { roomType: string; date: IsoDate }): string {
  return `${c.roomType}|${c.date}`;
}

export function rateKey(c: { roomType: string; ratePlan: string; date: IsoDate }): string {
  return `${c.roomType}|${c.ratePlan}|${c.date}`;
}

function sameRate(a: ChannelRateCell, b: ChannelRateCell): boolean {
  return (
    a.amount === b.amount &&
    a.minStay === b.minStay &&
    a.maxStay === b.maxStay &&
    a.closedToArrival === b.closedToArrival &&
    a.closedToDeparture === b.closedToDeparture &&
    a.stopSell === b.stopSell
  );
}

/** The cells of `desired` that the channel does not hold yet (unknown or different in `acked`). */
export function diffChannelView(desired: ChannelView, acked: ChannelView): ChannelView {
  const ackedInventory = new Map(acked.inventory.map((c) => [inventoryKey(c), c.available]));
  const ackedRates = new Map(acked.rates.map((c) => [rateKey(c), c]));
  return {
    inventory: desired.inventory.filter((c) => ackedInventory.get(inventoryKey(c)) !== c.available),
    rates: desired.rates.filter((c) => {
      const old = ackedRates.get(rateKey(c));
      return !old || !sameRate(old, c);
    }),
  };
}

export function isEmptyView(view: ChannelView): boolean {
  return view.inventory.length === 0 && view.rates.length === 0;
}

/** A run of consecutive nights with identical values: one StatusApplicationControl Start…End (inclusive). */
export interface Run<T> {
  from: IsoDate;
  to: IsoDate;
  value: T;
}

/**
 * Groups cells into runs of consecutive dates with equal values per key, so that a year of one
 * price becomes one message element instead of 365.
 */
export function compressRuns<C extends { date: IsoDate }, T>(
  cells: C[],
  keyOf: (c: C) => string,
  valueOf: (c: C) => T,
  nextDay: (d: IsoDate) => IsoDate,
): Array<Run<T> & { key: string; sample: C }> {
  const sorted = [...cells].sort((a, b) => (keyOf(a) + a.date < keyOf(b) + b.date ? -1 : 1));
  const runs: Array<Run<T> & { key: string; sample: C; json: string }> = [];
  for (const cell of sorted) {
    const key = keyOf(cell);
    const value = valueOf(cell);
    const json = JSON.stringify(value);
    const last = runs[runs.length - 1];
    if (last && last.key === key && last.json === json && nextDay(last.to) === cell.date) last.to = cell.date;
    else runs.push({ key, from: cell.date, to: cell.date, value, sample: cell, json });
  }
  return runs.map(({ json: _json, ...run }) => run);
}
