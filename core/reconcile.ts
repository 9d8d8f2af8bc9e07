import { byGuestsText, inventoryKey, rateKey, type ChannelRateCell, type ChannelView } from './channel-view';
import type { IsoDate } from './dates';

/** What a channel carries; a GDS, say, loads rates only, so its missing availability is no drift. */
export interface CarriedFields {
  availability: boolean;
  rates: boolean;
  restrictions: boolean;
}

/** `rateByGuests` reads "1:99.00 2:129.00" (byGuestsText); it and the supplements exist for channels sent occupancy prices. */
export const RATE_FIELDS = ['rate', 'rateByGuests', 'extraAdult', 'extraChild'] as const;
export const RESTRICTION_FIELDS = ['minStay', 'maxStay', 'closedToArrival', 'closedToDeparture', 'stopSell'] as const;
export type DriftField = 'available' | (typeof RATE_FIELDS)[number] | (typeof RESTRICTION_FIELDS)[number];

/** One difference between what a channel shows and what it should show. */
export interface DriftFinding {
  date: IsoDate;
  roomType: string;
  ratePlan: string | null;
  field: DriftField;
  /** What the ledger says the channel should show; null: the channel should show nothing here. */
  ledger: string | null;
  /** What the channel shows; null: it shows nothing for this cell. */
  channel: string | null;
}

const show = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function rateValue(cell: ChannelRateCell, field: DriftField): unknown {
  if (field === 'rate') return cell.amount;
  if (field === 'rateByGuests') return byGuestsText(cell.byGuests);
  return cell[field as keyof ChannelRateCell];
}

/**
 * Every difference between the expected view (ledger after mappings and buffers) and the channel's
 * own view, field by field, in Tidewater codes. Cells the channel shows but should not (a room type
 * nobody mapped, a rate plan it should not sell) are drift too. Rate cells the ledger has no value
 * for are not expected on the channel. Per-guest prices and supplements are compared as fields of
 * their own (`rateByGuests`, `extraAdult`, `extraChild`).
 */
export function findDrift(expected: ChannelView, actual: ChannelView, carries: CarriedFields): DriftFinding[] {
  const findings: DriftFinding[] = [];
  if (carries.availability) {
    const have = new Map(actual.inventory.map((c) => [inventoryKey(c), c]));
    const want = new Set(expected.inventory.map(inventoryKey));
    for (const cell of expected.inventory) {
      const got = have.get(inventoryKey(cell));
      if (got?.available !== cell.available) {
        findings.push({ date: cell.date, roomType: cell.roomType, ratePlan: null, field: 'available', ledger: show(cell.available), channel: show(got?.available) });
      }
    }
    for (const cell of actual.inventory) {
      if (!want.has(inventoryKey(cell))) findings.push({ date: cell.date, roomType: cell.roomType, ratePlan: null, field: 'available', ledger: null, channel: show(cell.available) });
    }
  }
  const fields: DriftField[] = [...(carries.rates ? RATE_FIELDS : []), ...(carries.restrictions ? RESTRICTION_FIELDS : [])];
  if (fields.length > 0) {
    const have = new Map(actual.rates.map((c) => [rateKey(c), c]));
    const want = new Map(expected.rates.map((c) => [rateKey(c), c]));
    for (const cell of expected.rates) {
      if (cell.amount === null) continue;
      const got = have.get(rateKey(cell));
      for (const field of fields) {
        // With per-guest prices on both sides they stand for the price: which of them a channel's
        // own view calls its rate is its reader's rule (OpenTravel: two guests), not the plan's base,
        // and the ledger's base price is one of them either way.
        if (field === 'rate' && cell.byGuests !== undefined && got?.byGuests !== undefined) continue;
        const ledger = rateValue(cell, field);
        const channel = got ? rateValue(got, field) : undefined;
        if (show(ledger) !== show(channel)) findings.push({ date: cell.date, roomType: cell.roomType, ratePlan: cell.ratePlan, field, ledger: show(ledger), channel: show(channel) });
      }
    }
    for (const cell of actual.rates) {
      const expectedCell = want.get(rateKey(cell));
      // Only a price the channel should not show is drift; restriction flags without a price sell nothing.
      if (cell.amount !== null && (!expectedCell || expectedCell.amount === null)) {
        findings.push({ date: cell.date, roomType: cell.roomType, ratePlan: cell.ratePlan, field: 'rate', ledger: null, channel: show(cell.amount) });
      }
    }
  }
  return findings.sort((a, b) => (a.date + a.roomType + (a.ratePlan ?? '') + a.field < b.date + b.roomType + (b.ratePlan ?? '') + b.field ? -1 : 1));
}
