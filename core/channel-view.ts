import type { IsoDate } from './dates';
import { applyMarkup, currencyDecimals, toScaled } from './money';
import type { ChannelConfig, ChannelMarkup, Property } from './property';

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

/** The ledger's sellable count and rate cells for a range, before any channel's buffer. */
export interface LedgerSlice {
  inventory: Array<{ roomType: string; date: IsoDate; available: number }>;
  rates: ChannelRateCell[];
}

/** Rooms withheld by a safety buffer: a share of the room type's rooms, at least one. */
export function safetyBufferRooms(rooms: number, percent: number): number {
  if (percent <= 0 || rooms <= 0) return 0;
  return Math.max(1, Math.ceil((rooms * percent) / 100));
}

/**
 * The view a channel should hold: only mapped room types and rate plans, with the channel's own
 * buffer and any property-wide safety buffer taken off availability (never below zero), and the
 * channel's markup on every price. Delivery, reconciliation and the sample channels' drift check
 * all take the channel's side from here, so a markup never shows up as drift.
 */
export function channelViewOf(
  property: Property,
  channel: ChannelConfig,
  slice: LedgerSlice,
  safetyBufferPercent = 0,
): ChannelView {
  const withheld = new Map(
    property.roomTypes.map((r) => [r.code, channel.buffer.rooms + safetyBufferRooms(r.rooms, safetyBufferPercent)]),
  );
  return {
    inventory: slice.inventory
      .filter((c) => channel.roomTypes[c.roomType] !== undefined)
      .map((c) => ({ roomType: c.roomType, date: c.date, available: Math.max(0, c.available - (withheld.get(c.roomType) ?? 0)) })),
    rates: markedUp(
      slice.rates.filter((c) => channel.roomTypes[c.roomType] !== undefined && channel.ratePlans[c.ratePlan] !== undefined),
      channel.markup,
      property.currency,
    ),
  };
}

function markedUp(rates: ChannelRateCell[], markup: ChannelMarkup | undefined, currency: string): ChannelRateCell[] {
  if (!markup || toScaled(markup.percent) === 0n) return rates;
  const decimals = currencyDecimals(currency);
  return rates.map((c) => (c.amount === null ? c : { ...c, amount: applyMarkup(c.amount, markup.percent, decimals) }));
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
