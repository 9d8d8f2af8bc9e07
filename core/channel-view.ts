import { daysBetween, todayIn, type IsoDate } from './dates';
import { channelCurrency, convertChannelRates, NO_FX_RATES, type FxRates, type MissingExchangeRate } from './fx';
import { applyMarkup, currencyDecimals, formatAmount, isNegativeAmount, toScaled } from './money';
import { hasOccupancyPrices, ledgerPricesByGuests, occupancyOf, type AmountsByGuests } from './occupancy';
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
  /**
   * Decimal string, or null while no rate is loaded. In the ledger: the property currency; in a
   * channel's view: the channel's currency (null too for a night with no exchange rate).
   */
  amount: string | null;
  minStay: number | null;
  maxStay: number | null;
  closedToArrival: boolean;
  closedToDeparture: boolean;
  stopSell: boolean;
  /**
   * A channel's view only, for channels that take occupancy prices (occupancyPricedChannel) and a
   * plan with occupancy settings or per-guest prices pushed: the price per number of guests, 1 to
   * the room type's maximum, each priced exactly like `amount` (which is the base occupancy's, so
   * byGuests[base] === amount). A count whose price would be negative is left out. Absent: `amount`
   * whoever stays.
   */
  byGuests?: Record<number, string>;
  /** With byGuests, when the plan sets them: the extra adult and child amounts, with the channel's markup. */
  extraAdult?: string;
  extraChild?: string;
}

/** A rate cell as the ledger holds it: the per-guest prices a PMS pushed with the rate, if any (keys "1", "2", …). */
export type LedgerRateCell = ChannelRateCell & { amountsByGuests?: AmountsByGuests | null };

export interface ChannelView {
  inventory: ChannelInventoryCell[];
  rates: ChannelRateCell[];
  /** channelViewOf only: nights whose price was not sent because no exchange rate converts it. */
  missingExchangeRate?: MissingExchangeRate;
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
  rates: LedgerRateCell[];
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
 *
 * A channel selling in another currency gets its prices converted last (pricing, ending, markup,
 * then conversion): the rules, floors, ceilings and endings are written in the property's
 * currency, the markup is a percentage that the conversion carries along, and converting last
 * rounds once into the channel's minor unit, so rate parity can undo it (conversion, then markup)
 * and `rate explain` shows the property-currency price before the conversion. `fx` is the
 * exchange rate table (db/fx-repo readFxRatesFor); without a rate for a night its price is not sent.
 */
export function channelViewOf(
  property: Property,
  channel: ChannelConfig,
  slice: LedgerSlice,
  safetyBufferPercent = 0,
  today: IsoDate = todayIn(property.timezone),
  fx: FxRates = NO_FX_RATES,
): ChannelView {
  const withheld = new Map(
    property.roomTypes.map((r) => [r.code, channel.buffer.rooms + safetyBufferRooms(r.rooms, safetyBufferPercent)]),
  );
  const price = nightPricer(property, channel);
  const byGuests = occupancyPricedChannel(channel) ? occupancyPricer(property, channel, price) : undefined;
  const counts = new Map(slice.inventory.map((c) => [inventoryKey(c), c]));
  const view: ChannelView = {
    inventory: slice.inventory
      .filter((c) => channel.roomTypes[c.roomType] !== undefined)
      .map((c) => ({ roomType: c.roomType, date: c.date, available: Math.max(0, c.available - (withheld.get(c.roomType) ?? 0)) })),
    rates: slice.rates
      .filter((c) => channel.roomTypes[c.roomType] !== undefined && channel.ratePlans[c.ratePlan] !== undefined)
      .map(({ amountsByGuests, ...c }) => {
        if (c.amount === null) return c;
        const night = { ...c, amount: c.amount, amountsByGuests };
        const ctx = { occupancy: counts.get(inventoryKey(c)) ?? {}, today };
        return { ...c, amount: price(night, ctx), ...byGuests?.(night, ctx) };
      }),
  };
  const converted = convertChannelRates(view.rates, property.currency, channelCurrency(property, channel), fx);
  const rates = convertOccupancyPrices(converted.cells, property.currency, channelCurrency(property, channel), fx);
  return { ...view, rates, ...(converted.missing ? { missingExchangeRate: converted.missing } : {}) };
}

/**
 * Channel types whose messages carry a price per number of guests: OpenTravel BaseByGuestAmts per
 * NumberOfGuests (OTAs, and GDS switches, which take the same RateAmountNotif), AlpineBits
 * RatePlans, and the hotel's booking engine (direct JSON `rateByGuests`: it shows the searching
 * party's price, which a direct booking is charged). The others (iCal, a PMS) take one price.
 */
export function occupancyPricedChannel(channel: Pick<ChannelConfig, 'type'>): boolean {
  return channel.type === 'ota-xml' || channel.type === 'gds' || channel.type === 'alpinebits' || channel.type === 'direct';
}

export interface OccupancyPrices {
  byGuests: Record<number, string>;
  extraAdult?: string;
  extraChild?: string;
}

/**
 * A night's prices per number of guests for one channel (undefined for a plan without occupancy
 * prices): each count's ledger price (core/occupancy.ts ledgerPricesByGuests) through the same
 * `price` as the base occupancy's (pricing rules, floor, ceiling, ending, markup), so nothing but
 * the starting amount differs between them. A count whose ledger price is negative (an amount
 * offset larger than a later, lower rate) is left out rather than sold at zero. The extra adult and
 * child amounts are fixed supplements: they get the channel's markup, not the pricing rules, whose
 * floors, ceilings and price endings are about room prices. Conversion into the channel's currency
 * follows in channelViewOf, as for `amount`.
 */
export function occupancyPricer(
  property: Property,
  channel: Pick<ChannelConfig, 'markup'> | undefined,
  price: (cell: NightRate, ctx: NightPriceContext) => string = nightPricer(property, channel),
): (cell: NightRate & { amountsByGuests?: AmountsByGuests | null | undefined }, ctx: NightPriceContext) => OccupancyPrices | undefined {
  const decimals = currencyDecimals(property.currency);
  const markup = channel?.markup && toScaled(channel.markup.percent) !== 0n ? channel.markup.percent : undefined;
  const supplement = (amount: string) => (markup === undefined ? formatAmount(amount, decimals) : applyMarkup(amount, markup, decimals));
  const plans = new Map(property.ratePlans.map((p) => [p.code, occupancyOf(property, p.code)]));
  const maxOccupancy = new Map(property.roomTypes.map((r) => [r.code, r.maxOccupancy]));
  return (cell, ctx) => {
    const occupancy = plans.get(cell.ratePlan);
    if (!hasOccupancyPrices(occupancy, cell.amountsByGuests)) return undefined;
    const ledger = ledgerPricesByGuests({ amount: cell.amount, pushed: cell.amountsByGuests, occupancy, maxOccupancy: maxOccupancy.get(cell.roomType) ?? 1, decimals });
    const byGuests: Record<number, string> = {};
    for (const [guests, amount] of Object.entries(ledger)) {
      if (!isNegativeAmount(amount)) byGuests[Number(guests)] = price({ ...cell, amount }, ctx);
    }
    return {
      byGuests,
      ...(occupancy?.extraAdult !== undefined ? { extraAdult: supplement(occupancy.extraAdult) } : {}),
      ...(occupancy?.extraChild !== undefined ? { extraChild: supplement(occupancy.extraChild) } : {}),
    };
  };
}

/**
 * The per-guest prices and supplements of converted cells, converted the way `amount` was (the
 * same convertChannelRates, night by night); dropped where the night has no exchange rate, since
 * `amount` is then null too.
 */
function convertOccupancyPrices(cells: ChannelRateCell[], from: string, to: string, fx: FxRates): ChannelRateCell[] {
  if (from === to) return cells;
  return cells.map((c) => {
    if (c.byGuests === undefined && c.extraAdult === undefined && c.extraChild === undefined) return c;
    const { byGuests, extraAdult, extraChild, ...rest } = c;
    if (c.amount === null) return rest;
    const convert = (amount: string) => convertChannelRates([{ date: c.date, amount }], from, to, fx).cells[0]?.amount ?? null;
    const converted = Object.entries(byGuests ?? {}).map(([guests, amount]) => [Number(guests), convert(amount)] as const);
    const adult = extraAdult !== undefined ? convert(extraAdult) : undefined;
    const child = extraChild !== undefined ? convert(extraChild) : undefined;
    if (converted.some(([, amount]) => amount === null) || adult === null || child === null) return rest;
    return {
      ...rest,
      ...(byGuests !== undefined ? { byGuests: Object.fromEntries(converted) as Record<number, string> } : {}),
      ...(adult !== undefined ? { extraAdult: adult } : {}),
      ...(child !== undefined ? { extraChild: child } : {}),
    };
  });
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
    sameOccupancyPrices(a, b) &&
    a.minStay === b.minStay &&
    a.maxStay === b.maxStay &&
    a.closedToArrival === b.closedToArrival &&
    a.closedToDeparture === b.closedToDeparture &&
    a.stopSell === b.stopSell
  );
}

/** Equal per-guest prices and supplements; a cell without them equals only another without them. */
export function sameOccupancyPrices(a: Pick<ChannelRateCell, 'byGuests' | 'extraAdult' | 'extraChild'>, b: Pick<ChannelRateCell, 'byGuests' | 'extraAdult' | 'extraChild'>): boolean {
  return a.extraAdult === b.extraAdult && a.extraChild === b.extraChild && byGuestsText(a.byGuests) === byGuestsText(b.byGuests);
}

/** Per-guest prices as one comparable, readable value ("1:99.00 2:129.00"); null without them. */
export function byGuestsText(byGuests: Readonly<Record<number, string>> | undefined | null): string | null {
  if (!byGuests) return null;
  return Object.entries(byGuests)
    .map(([guests, amount]) => [Number(guests), amount] as const)
    .sort((a, b) => a[0] - b[0])
    .map(([guests, amount]) => `${guests}:${amount}`)
    .join(' ');
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
