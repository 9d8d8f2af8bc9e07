/**
 * Money is a decimal string in the property currency ("129.00"), never a float. Arithmetic runs on
 * BigInt at a fixed internal scale and rounds half away from zero to the currency's minor unit,
 * which is what PMSs and OTAs do (and what Postgres NUMERIC round() does).
 */

const DECIMAL = /^-?\d{1,12}(\.\d{1,8})?$/;
const SCALE = 8;
const SCALE_FACTOR = 10n ** BigInt(SCALE);

const supportedCurrencies: ReadonlySet<string> = new Set(
  typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('currency') : [],
);

export function isKnownCurrency(code: string): boolean {
  return /^[A-Z]{3}$/.test(code) && (supportedCurrencies.size === 0 || supportedCurrencies.has(code));
}

/** ISO 4217 minor units: EUR 2, JPY 0, KWD 3. */
export function currencyDecimals(code: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits ?? 2;
}

export function isDecimalString(value: string): boolean {
  return DECIMAL.test(value);
}

export function decimalPlaces(value: string): number {
  const dot = value.indexOf('.');
  return dot < 0 ? 0 : value.length - dot - 1;
}

/** Parses a decimal string into an integer at the internal scale. */
export function toScaled(value: string): bigint {
  if (!isDecimalString(value)) throw new RangeError(`not a decimal amount: ${value}`);
  const negative = value.startsWith('-');
  const [whole, frac = ''] = (negative ? value.slice(1) : value).split('.') as [string, string?];
  const scaled = BigInt(whole) * SCALE_FACTOR + BigInt((frac + '0'.repeat(SCALE)).slice(0, SCALE));
  return negative ? -scaled : scaled;
}

/** Rounds a scaled integer half away from zero to `decimals` places and formats it. */
export function formatScaled(scaled: bigint, decimals: number): string {
  const drop = 10n ** BigInt(SCALE - decimals);
  const negative = scaled < 0n;
  const abs = negative ? -scaled : scaled;
  let units = abs / drop;
  if ((abs % drop) * 2n >= drop) units += 1n;
  const factor = 10n ** BigInt(decimals);
  const whole = (units / factor).toString();
  const frac = decimals > 0 ? '.' + (units % factor).toString().padStart(decimals, '0') : '';
  return (negative && units !== 0n ? '-' : '') + whole + frac;
}

/** Normalises "129" or "129.0" to the currency's decimals ("129.00"). */
export function formatAmount(value: string, decimals: number): string {
  return formatScaled(toScaled(value), decimals);
}

export type Adjustment = { percent: string } | { amount: string };

/** The price of a derived rate plan: parent adjusted by a percentage or a fixed amount, in currency decimals. */
export function deriveAmount(parent: string, adjust: Adjustment, decimals: number): string {
  const base = toScaled(parent);
  const result =
    'percent' in adjust
      ? divRound(base * (100n * SCALE_FACTOR + toScaled(adjust.percent)), 100n * SCALE_FACTOR)
      : base + toScaled(adjust.amount);
  return formatScaled(result, decimals);
}

/**
 * A channel's price after its markup: amount × (100 + percent) / 100, rounded once, half up (away
 * from zero) in the currency's minor unit: 99.99 at +12.5 % is 112.48875 → 112.49, 100.00 at
 * +0.005 % is 100.005 → 100.01. One rounding only: rounding first to the internal scale and then to
 * the minor unit could turn …4999999996 into …5 and round up a price that should round down.
 */
export function applyMarkup(amount: string, percent: string, decimals: number): string {
  const numerator = toScaled(amount) * (100n * SCALE_FACTOR + toScaled(percent));
  const minorUnits = divRound(numerator, 100n * SCALE_FACTOR * 10n ** BigInt(SCALE - decimals));
  return formatScaled(minorUnits * 10n ** BigInt(SCALE - decimals), decimals);
}

/**
 * The price before a channel's markup, at the internal scale (not rounded to the currency), so that
 * comparing two channels' prices adds no rounding of its own: shown × 100 / (100 + percent).
 */
export function withoutMarkup(shown: string, percent: string): bigint {
  return divRound(toScaled(shown) * 100n * SCALE_FACTOR, 100n * SCALE_FACTOR + toScaled(percent));
}

/**
 * An amount in another currency: amount × rate, rounded once, half up (away from zero), to the
 * target currency's minor unit (JPY 0, BHD 3). `rate` is units of `currencyTo` for one unit of
 * `currencyFrom` ("0.8563" EUR→GBP), a positive decimal string of up to 8 decimals. One rounding
 * only, for the reason applyMarkup gives. Converting a currency into itself is the identity and
 * takes rate 1 only: anything else is a table or caller error, not a conversion.
 */
export function convertAmount(amount: string, currencyFrom: string, currencyTo: string, rate: string, decimalsTo: number = currencyDecimals(currencyTo)): string {
  if (!isDecimalString(rate) || toScaled(rate) <= 0n) throw new RangeError(`an exchange rate must be a positive decimal; got ${rate}`);
  if (!Number.isInteger(decimalsTo) || decimalsTo < 0 || decimalsTo > SCALE) throw new RangeError(`decimals must be 0 to ${SCALE}; got ${decimalsTo}`);
  if (currencyFrom === currencyTo && toScaled(rate) !== SCALE_FACTOR) throw new RangeError(`${currencyFrom} converts into itself at 1 only; got ${rate}`);
  const drop = 10n ** BigInt(SCALE - decimalsTo);
  const minorUnits = divRound(toScaled(amount) * toScaled(rate), SCALE_FACTOR * drop);
  return formatScaled(minorUnits * drop, decimalsTo);
}

/**
 * A converted amount taken back to the currency it came from, at the internal scale (not rounded
 * to that currency): shown ÷ rate. Rate parity compares channels on it, so a conversion's rounding
 * to the channel currency never counts as a spread of its own.
 */
export function withoutConversion(shown: string, rate: string): bigint {
  return divRound(toScaled(shown) * SCALE_FACTOR, toScaled(rate));
}

/** withoutMarkup of an amount already at the internal scale (after withoutConversion, say). */
export function withoutMarkupScaled(scaled: bigint, percent: string): bigint {
  return divRound(scaled * 100n * SCALE_FACTOR, 100n * SCALE_FACTOR + toScaled(percent));
}

function divRound(numerator: bigint, denominator: bigint): bigint {
  const q = numerator / denominator;
  const r = numerator % denominator;
  if (r === 0n) return q;
  const twice = (r < 0n ? -r : r) * 2n;
  if (twice >= denominator) return numerator < 0n ? q - 1n : q + 1n;
  return q;
}

export function isNegativeAmount(value: string): boolean {
  return toScaled(value) < 0n;
}
