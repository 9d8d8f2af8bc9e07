/**
 * Exchange rates for channels that sell in another currency than the property's.
 *
 * The table is loaded by the hotel (`tidewater fx load`), never fetched: a price a guest sees must
 * not change because a feed moved overnight, and a channel manager has no business picking a rate
 * source for the hotel.
 *
 * Which row converts a night: the latest row of the pair whose `validFrom` is on or before the
 * night's own date (not today's). Loading today's rate with today's date therefore converts every
 * future night at it, which is what revenue managers usually want; a row dated at the start of a
 * season pins that season's nights to its rate until a later-dated row takes over. Because the
 * rule depends on the night and the table only, never on the day it runs, delivery, reconciliation,
 * rate parity and `rate explain` convert a night the same way whenever they run, and only loading
 * the table changes a converted price (the load marks the affected channels for a resend).
 *
 * Only rows in the selling direction are used (from the property's currency to the channel's):
 * inverting a GBP→EUR row would add a rounding of its own and leave two answers when both rows exist.
 */
import { isIsoDate, type IsoDate } from './dates';
import { TidewaterError } from './errors';
import { convertAmount, currencyDecimals, decimalPlaces, isDecimalString, isKnownCurrency, toScaled } from './money';
import type { Property } from './property';

export interface ExchangeRate {
  /** ISO 4217 code of the property's currency (what is converted). */
  from: string;
  /** ISO 4217 code of the channel's currency (what is sent). */
  to: string;
  /** First night the rate converts (a date in the property's time zone, like every night). */
  validFrom: IsoDate;
  /** Units of `to` for one unit of `from`, a positive decimal string of up to 8 decimals. */
  rate: string;
}

/** Looks up the rate that converts a night; see the module comment for the rule. */
export interface FxRates {
  rateFor(from: string, to: string, night: IsoDate): ExchangeRate | undefined;
}

export const NO_FX_RATES: FxRates = { rateFor: () => undefined };

export function fxRatesOf(rows: readonly ExchangeRate[]): FxRates {
  const byPair = new Map<string, ExchangeRate[]>();
  for (const row of rows) {
    const key = `${row.from}>${row.to}`;
    byPair.set(key, [...(byPair.get(key) ?? []), row]);
  }
  for (const list of byPair.values()) list.sort((a, b) => (a.validFrom < b.validFrom ? -1 : a.validFrom > b.validFrom ? 1 : 0));
  return {
    rateFor(from, to, night) {
      const list = byPair.get(`${from}>${to}`);
      if (!list) return undefined;
      // Binary search for the last row dated on or before the night: a year of nights × a few hundred rows.
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((list[mid] as ExchangeRate).validFrom <= night) lo = mid + 1;
        else hi = mid;
      }
      return lo > 0 ? list[lo - 1] : undefined;
    },
  };
}

/** The currency a channel is sent prices in: its own, or the property's when it names none. */
export function channelCurrency(property: Pick<Property, 'currency'>, channel: { currency?: string | undefined }): string {
  return channel.currency ?? property.currency;
}

/** Nights of a channel view whose price could not be converted: no row of the pair on or before them. */
export interface MissingExchangeRate {
  from: string;
  to: string;
  /** The nights left without a price, sorted, each once. */
  nights: IsoDate[];
}

/**
 * The last step of a channel's price: each priced cell converted into the channel's currency at
 * its night's rate. Cells of a night without a rate lose their amount (null: the connectors send no
 * price for them, restrictions still go) and are listed in `missing`, because a price in the wrong
 * currency is worse than none. Same currency: the cells as they are.
 */
export function convertChannelRates<C extends { date: IsoDate; amount: string | null }>(
  cells: C[],
  propertyCurrency: string,
  toCurrency: string,
  fx: FxRates,
): { cells: C[]; missing?: MissingExchangeRate } {
  if (toCurrency === propertyCurrency) return { cells };
  const decimals = currencyDecimals(toCurrency);
  const missing = new Set<IsoDate>();
  const converted = cells.map((c) => {
    if (c.amount === null) return c;
    const rate = fx.rateFor(propertyCurrency, toCurrency, c.date);
    if (!rate) {
      missing.add(c.date);
      return { ...c, amount: null };
    }
    return { ...c, amount: convertAmount(c.amount, propertyCurrency, toCurrency, rate.rate, decimals) };
  });
  if (missing.size === 0) return { cells: converted };
  return { cells: converted, missing: { from: propertyCurrency, to: toCurrency, nights: [...missing].sort() } };
}

// ---- the rate file -----------------------------------------------------------------------------

export interface RateFileProblem {
  /** 1-based line of the file. */
  line: number;
  reason: string;
}

/** A rate file that cannot be loaded as a whole; nothing of it was loaded. */
export class ExchangeRateFileError extends TidewaterError {
  readonly code = 'invalid-exchange-rate-file';
  readonly title = 'Exchange rate file not valid';
  constructor(
    readonly file: string,
    readonly problems: RateFileProblem[],
  ) {
    const shown = problems.slice(0, 20).map((p) => `${file}:${p.line}: ${p.reason}`);
    super([...shown, ...(problems.length > shown.length ? [`… and ${problems.length - shown.length} more`] : [])].join('\n'));
  }
}

const MAX_RATE_DECIMALS = 8;
const CSV_HEADER = 'date,from,to,rate';

/**
 * Reads a rate file: CSV (`date,from,to,rate`, an optional header line of exactly those names,
 * blank lines and `#` comments skipped) or JSON (an array of `{ "date", "from", "to", "rate" }`).
 * Rates are decimal strings; a JSON number is refused, because a float cannot say 0.1 exactly and
 * money here is never a float. Every problem is reported with its line, and any problem refuses the
 * whole file: half a table would convert some nights at a stale rate.
 */
export function parseExchangeRateFile(text: string, file: string): ExchangeRate[] {
  const trimmed = text.replace(/^\uFEFF/, '').trimStart();
  const json = file.toLowerCase().endsWith('.json') || trimmed.startsWith('[') || trimmed.startsWith('{');
  const entries = json ? jsonEntries(text, file) : csvEntries(text);
  const problems: RateFileProblem[] = [];
  const rows: ExchangeRate[] = [];
  const seen = new Map<string, { line: number; rate: string }>();
  for (const { line, fields, problem } of entries) {
    const reasons = problem !== undefined ? [problem] : checkEntry(fields);
    if (reasons.length > 0) {
      problems.push(...reasons.map((reason) => ({ line, reason })));
      continue;
    }
    const row: ExchangeRate = { validFrom: fields.date as string, from: (fields.from as string).toUpperCase(), to: (fields.to as string).toUpperCase(), rate: fields.rate as string };
    const key = `${row.from}>${row.to}@${row.validFrom}`;
    const earlier = seen.get(key);
    if (earlier) {
      if (toScaled(earlier.rate) !== toScaled(row.rate)) problems.push({ line, reason: `${row.from}→${row.to} from ${row.validFrom} is on line ${earlier.line} already, with rate ${earlier.rate}` });
      continue;
    }
    seen.set(key, { line, rate: row.rate });
    rows.push(row);
  }
  if (problems.length > 0) throw new ExchangeRateFileError(file, problems);
  if (rows.length === 0) throw new ExchangeRateFileError(file, [{ line: 1, reason: `no rates: expected lines of ${CSV_HEADER}, e.g. 2027-03-01,EUR,GBP,0.8563` }]);
  return rows;
}

type Entry = { line: number; fields: Record<string, unknown>; problem?: string };

function checkEntry(fields: Record<string, unknown>): string[] {
  const reasons: string[] = [];
  const text = (name: string) => (typeof fields[name] === 'string' ? (fields[name] as string) : undefined);
  const date = text('date');
  if (date === undefined || !isIsoDate(date)) reasons.push(`date must be a date in YYYY-MM-DD form; got ${show(fields.date)}`);
  for (const side of ['from', 'to'] as const) {
    const code = text(side)?.toUpperCase();
    if (code === undefined || !isKnownCurrency(code)) reasons.push(`${side} must be an ISO 4217 currency code such as EUR; got ${show(fields[side])}`);
  }
  if (text('from') !== undefined && text('from')?.toUpperCase() === text('to')?.toUpperCase()) reasons.push(`from and to are both ${text('from')?.toUpperCase()}: a currency needs no rate into itself`);
  const rate = text('rate');
  if (typeof fields.rate === 'number') reasons.push(`rate must be a decimal string such as "0.8563", not a JSON number (a float cannot hold every rate exactly)`);
  else if (rate === undefined || !/^\d+(\.\d+)?$/.test(rate)) reasons.push(`rate must be a positive decimal such as 0.8563; got ${show(fields.rate)}`);
  else if (decimalPlaces(rate) > MAX_RATE_DECIMALS) reasons.push(`rate has more than ${MAX_RATE_DECIMALS} decimals: ${rate}`);
  else if (!isDecimalString(rate)) reasons.push(`rate is out of range: ${rate}`);
  else if (toScaled(rate) === 0n) reasons.push('rate must be above zero');
  return reasons;
}

function show(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

function csvEntries(text: string): Entry[] {
  const entries: Entry[] = [];
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((raw, i) => {
      const content = raw.trim();
      if (content === '' || content.startsWith('#')) return;
      const cells = content.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
      if (entries.length === 0 && cells.join(',').toLowerCase() === CSV_HEADER) return;
      if (cells.length !== 4) {
        entries.push({ line: i + 1, fields: {}, problem: `expected 4 columns (${CSV_HEADER}); got ${cells.length}` });
        return;
      }
      const [date, from, to, rate] = cells as [string, string, string, string];
      entries.push({ line: i + 1, fields: { date, from, to, rate } });
    });
  return entries;
}

function jsonEntries(text: string, file: string): Entry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    throw new ExchangeRateFileError(file, [{ line: jsonErrorLine(text, message), reason: `not valid JSON: ${message}` }]);
  }
  if (!Array.isArray(parsed)) throw new ExchangeRateFileError(file, [{ line: 1, reason: 'expected a JSON array of { "date", "from", "to", "rate" }' }]);
  const lines = topLevelElementLines(text);
  return parsed.map((item, i): Entry => {
    const line = lines[i] ?? 1;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return { line, fields: {}, problem: 'expected an object { "date", "from", "to", "rate" }' };
    return { line, fields: item as Record<string, unknown> };
  });
}

/** The line of a JSON.parse error: Node names a position (or a line) in its message. */
function jsonErrorLine(text: string, message: string): number {
  const line = /line (\d+)/.exec(message);
  if (line) return Number(line[1]);
  const position = /position (\d+)/.exec(message);
  return position ? lineAt(text, Number(position[1])) : 1;
}

/** The line each element of a top-level JSON array starts on, for errors that name a line. */
function topLevelElementLines(text: string): number[] {
  const lines: number[] = [];
  let depth = 0;
  let inString = false;
  let expectElement = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (/\s/.test(ch)) continue;
    if (depth === 1 && expectElement && ch !== ']') {
      lines.push(lineAt(text, i));
      expectElement = false;
    }
    if (ch === '"') inString = true;
    else if (ch === '[' || ch === '{') {
      depth++;
      if (depth === 1) expectElement = true;
    } else if (ch === ']' || ch === '}') depth--;
    else if (ch === ',' && depth === 1) expectElement = true;
  }
  return lines;
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === '\n') line++;
  return line;
}
