import { rateKey } from './channel-view';
import type { IsoDate } from './dates';
import { formatScaled, toScaled, withoutConversion, withoutMarkupScaled } from './money';

/** The prices one channel shows, in Tidewater codes, and the markup it is configured with. */
export interface ChannelPrices {
  channel: string;
  /** The channel's markup percent (decimal string); "0" for none. */
  markupPercent: string;
  rates: Array<{ roomType: string; ratePlan: string; date: IsoDate; amount: string | null }>;
  /**
   * For a channel selling in another currency: its currency and the rate each night was converted
   * at (the same table delivery uses). Its prices are taken back to the property currency before
   * the markup comes off; a night without a rate cannot be compared and is left out.
   */
  conversion?: { currency: string; rateFor: (night: IsoDate) => string | undefined };
}

export interface ParityPrice {
  channel: string;
  /** What the channel shows, in its currency. */
  shown: string;
  /** The channel's currency, when it is not the property's. */
  currency?: string;
  /** The same price in the property currency with the channel's markup taken off, in the currency's decimals. */
  normalized: string;
}

export interface ParityViolation {
  roomType: string;
  ratePlan: string;
  date: IsoDate;
  prices: ParityPrice[];
  /** (highest / lowest − 1) × 100 of the normalized prices, to two decimals; null when the lowest is 0. */
  spreadPercent: number | null;
}

export interface ParityResult {
  /** (room type, rate plan, date) cells that at least two channels price. */
  checked: number;
  violations: ParityViolation[];
}

/**
 * Rate parity: the same room, plan and night must cost the same on every channel once each
 * channel's price is taken back to the property currency (at the rate it was converted at) and
 * its own markup is taken off: channelViewOf's conversion and markup, undone in reverse order. A cell is a violation when its highest normalized price exceeds
 * the lowest by more than `tolerancePercent` of the lowest. Comparison runs on the unrounded
 * normalized prices, so a markup's rounding to the minor unit never counts as a spread; the
 * tolerance is there for channels that round their own way.
 */
export function findParityViolations(channels: ChannelPrices[], tolerancePercent: string, decimals: number): ParityResult {
  const tolerance = toScaled(tolerancePercent);
  const byCell = new Map<string, { roomType: string; ratePlan: string; date: IsoDate; prices: Array<ParityPrice & { exact: bigint }> }>();
  for (const c of channels) {
    for (const r of c.rates) {
      if (r.amount === null) continue;
      const rate = c.conversion ? c.conversion.rateFor(r.date) : '1';
      if (rate === undefined) continue;
      const exact = withoutMarkupScaled(withoutConversion(r.amount, rate), c.markupPercent);
      const key = rateKey(r);
      const cell = byCell.get(key) ?? { roomType: r.roomType, ratePlan: r.ratePlan, date: r.date, prices: [] };
      cell.prices.push({ channel: c.channel, shown: r.amount, ...(c.conversion ? { currency: c.conversion.currency } : {}), normalized: formatScaled(exact, decimals), exact });
      byCell.set(key, cell);
    }
  }
  let checked = 0;
  const violations: ParityViolation[] = [];
  for (const cell of byCell.values()) {
    if (cell.prices.length < 2) continue;
    checked++;
    let min = cell.prices[0]?.exact as bigint;
    let max = min;
    for (const p of cell.prices) {
      if (p.exact < min) min = p.exact;
      if (p.exact > max) max = p.exact;
    }
    // (max − min) / min > tolerance / 100, without dividing: tolerance is at the internal scale.
    if ((max - min) * 100n * toScaled('1') <= min * tolerance) continue;
    violations.push({
      roomType: cell.roomType,
      ratePlan: cell.ratePlan,
      date: cell.date,
      prices: cell.prices.map(({ exact: _exact, ...p }) => p).sort((a, b) => (a.channel < b.channel ? -1 : 1)),
      spreadPercent: min <= 0n ? null : Number((((max - min) * 20_000n) / min + 1n) / 2n) / 100,
    });
  }
  violations.sort((a, b) => (a.date + a.roomType + a.ratePlan < b.date + b.roomType + b.ratePlan ? -1 : 1));
  return { checked, violations };
}
