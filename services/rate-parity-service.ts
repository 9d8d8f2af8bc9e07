import type { ChannelView } from '../core/channel-view';
import { addDays, todayIn, type IsoDate } from '../core/dates';
import { ValidationError, type FieldError } from '../core/errors';
import { isDecimalString, toScaled } from '../core/money';
import type { ChannelConfig } from '../core/property';
import { findParityViolations, type ParityViolation } from '../core/rate-parity';
import type { Db } from '../db/connection';
import type { StoredProperty } from '../db/properties-repo';
import { readFxRatesFor } from '../db/fx-repo';
import { channelCurrency } from '../core/fx';
import { builtInConnectors } from '../connectors';
import type { ChannelConnector } from '../connectors/types';
import { readAcknowledgedSide, readChannelSide, type ChannelSideSource } from './channel-side';
import { carriedFields } from './reconcile-service';

export const DEFAULT_PARITY_DAYS = 30;
export const DEFAULT_PARITY_TOLERANCE_PERCENT = '0.5';
/** A report is read by people waiting for it: a channel that does not answer is compared on what it acknowledged. */
const DEFAULT_READ_TIMEOUT_MS = 10_000;

export interface RateParityOptions {
  /** Nights compared, from today at the property. */
  days?: number;
  /** Decimal string: the spread allowed between the highest and lowest normalized price, in percent of the lowest. */
  tolerancePercent?: string;
  connectors?: ReadonlyMap<string, ChannelConnector>;
  readTimeoutMs?: number;
}

export interface RateParityChannel {
  channel: string;
  source: ChannelSideSource;
  markupPercent: string | null;
  /** The channel's currency, when not the property's: its prices are converted back before comparing. */
  currency?: string;
  /** Why the channel's own view could not be read (its acknowledged state was compared instead). */
  error?: string;
}

export interface RateParityReport {
  tolerancePercent: number;
  window: { from: IsoDate; to: IsoDate };
  /** (room type, rate plan, night) cells that at least two channels price. */
  checked: number;
  violations: ParityViolation[];
  channels: RateParityChannel[];
}

/** Refuses a window or tolerance that makes no sense, with the option's pointer. */
export function validateParityOptions(options: Pick<RateParityOptions, 'days' | 'tolerancePercent'>): void {
  const errors: FieldError[] = [];
  if (options.days !== undefined && (!Number.isInteger(options.days) || options.days < 1 || options.days > 366)) {
    errors.push({ pointer: '/parityDays', detail: 'must be a whole number of days from 1 to 366' });
  }
  const tolerance = options.tolerancePercent;
  if (tolerance !== undefined && (!isDecimalString(tolerance) || toScaled(tolerance) < 0n || toScaled(tolerance) > toScaled('100'))) {
    errors.push({ pointer: '/parityTolerance', detail: 'must be a percentage from 0 to 100, such as 0.5' });
  }
  if (errors.length > 0) throw new ValidationError(errors);
}

/**
 * The prices each channel shows for the same room, plan and night over the next `days` nights,
 * compared after taking each channel's price back to the property currency (the exchange rate it
 * was converted at) and taking off its markup. Channels that carry no rates (iCal, PMS) are
 * left out; with fewer than two rate channels nothing is read at all.
 */
export async function checkRateParity(db: Db, stored: StoredProperty, options: RateParityOptions = {}): Promise<RateParityReport> {
  validateParityOptions(options);
  const tolerancePercent = options.tolerancePercent ?? DEFAULT_PARITY_TOLERANCE_PERCENT;
  const from = todayIn(stored.property.timezone);
  const window = { from, to: addDays(from, (options.days ?? DEFAULT_PARITY_DAYS) - 1) };
  const priced = stored.property.channels.filter((c) => carriedFields(c.type).rates && stored.channelIds.has(c.code));
  const report: RateParityReport = { tolerancePercent: Number(tolerancePercent), window, checked: 0, violations: [], channels: [] };
  if (priced.length < 2) {
    report.channels = priced.map((c) => ({ channel: c.code, source: 'acknowledged', markupPercent: c.markup?.percent ?? null }));
    return report;
  }
  const connectors = options.connectors ?? builtInConnectors();
  const sides = await Promise.all(priced.map((c) => shownBy(db, stored, c, connectors.get(c.type), window, options.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS)));
  const { property } = stored;
  const fx = await readFxRatesFor(db, property);
  const currencyOf = (c: ChannelConfig) => (channelCurrency(property, c) !== property.currency ? channelCurrency(property, c) : undefined);
  const result = findParityViolations(
    sides.map(({ channel, view }) => ({
      channel: channel.code,
      markupPercent: channel.markup?.percent ?? '0',
      ...(currencyOf(channel) !== undefined
        ? { conversion: { currency: currencyOf(channel) as string, rateFor: (night: IsoDate) => fx.rateFor(property.currency, currencyOf(channel) as string, night)?.rate } }
        : {}),
      // Codes nobody mapped are reconciliation's business: parity compares what the hub sells.
      rates: view.rates.filter((r) => channel.roomTypes[r.roomType] !== undefined && channel.ratePlans[r.ratePlan] !== undefined),
    })),
    tolerancePercent,
    stored.currencyDecimals,
  );
  report.checked = result.checked;
  report.violations = result.violations;
  report.channels = sides.map(({ channel, source, error }) => {
    const currency = currencyOf(channel);
    return { channel: channel.code, source, markupPercent: channel.markup?.percent ?? null, ...(currency !== undefined ? { currency } : {}), ...(error !== undefined ? { error } : {}) };
  });
  return report;
}

async function shownBy(
  db: Db,
  stored: StoredProperty,
  channel: ChannelConfig,
  connector: ChannelConnector | undefined,
  window: { from: IsoDate; to: IsoDate },
  timeoutMs: number,
): Promise<{ channel: ChannelConfig; view: ChannelView; source: ChannelSideSource; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    return { channel, ...(await Promise.race([readChannelSide(db, stored, channel, connector, window), timeout])) };
  } catch (error) {
    return { channel, view: await readAcknowledgedSide(db, stored, channel, window), source: 'acknowledged', error: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
