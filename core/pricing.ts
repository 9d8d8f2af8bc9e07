/**
 * Pricing rules: a property's own, ordered multipliers on the rate the PMS pushed (season, day of
 * week, occupancy, booking window, events), bounded by a floor and a ceiling and rounded to the
 * currency or to a price ending such as .99. Everything here is pure and exact: amounts are BigInt
 * minor units, factors and percentages are decimal strings, and nothing is ever a float.
 *
 * Rounding policy. Every step is rounded half away from zero to the currency's minor unit, as
 * deriveAmount does for derived plans. Rounding once at the end would drift less in theory, but
 * then the explain output could show "148.35 × 1.10 = 163.18", which nobody can check by hand;
 * with per-step rounding every line of `rate explain` is reproducible with a pocket calculator.
 */
import { addDays, daysBetween, weekdayOf, type IsoDate, type Weekday } from './dates';
import { deriveAmount, toScaled } from './money';
import type { Property, RateAdjustment } from './property';

export const PRICING_RULE_KINDS = ['season', 'weekday', 'occupancy', 'booking-window', 'event'] as const;
export type PricingRuleKind = (typeof PRICING_RULE_KINDS)[number];

/** The floor and ceiling when a `pricing` section leaves them out, in percent of the base rate. */
export const DEFAULT_FLOOR_PERCENT = '70';
export const DEFAULT_CEILING_PERCENT = '300';

/** `MM-DD`, recurring every year. */
export type MonthDay = string;

export type PriceRounding =
  /** To the currency's minor unit only (every step already is). */
  | { mode: 'currency' }
  /**
   * To the nearest price ending in `ending`: ".99" gives 129.99, ".00" whole units, "9.99" 139.99,
   * and for a currency without decimals "00" hundreds or "9" 12,349. Fraction digits never exceed
   * the currency's.
   */
  | { mode: 'ending'; ending: string };

interface RuleCommon {
  /** Unique within the property; `rate explain` names each step by it. */
  name: string;
  /** Decimal string, > 0: "1.15" adds 15 %, "0.90" takes 10 % off. */
  factor: string;
  /** Only these room types; all when absent. */
  roomTypes?: string[];
  /** Only these plans and the plans derived from them (rules flow down like rates do); all when absent. */
  ratePlans?: string[];
}

export type PricingRule = RuleCommon &
  (
    | { kind: 'season'; when: { from: MonthDay; to: MonthDay } }
    | { kind: 'weekday'; when: { days: Weekday[] } }
    | { kind: 'occupancy'; when: { atLeastPercent?: string; belowPercent?: string } }
    | { kind: 'booking-window'; when: { minDays?: number; maxDays?: number } }
    | { kind: 'event'; when: { from: IsoDate; to: IsoDate } }
  );

export interface PricingRules {
  /** Lowest price as a percentage of the base rate, 0–100 so the base itself is always sellable. */
  floorPercent: string;
  /** Highest price as a percentage of the base rate, at least 100. */
  ceilingPercent: string;
  rounding: PriceRounding;
  /** Applied in this order; every rule that matches multiplies. */
  rules: PricingRule[];
}

export const NO_PRICING: PricingRules = {
  floorPercent: DEFAULT_FLOOR_PERCENT,
  ceilingPercent: DEFAULT_CEILING_PERCENT,
  rounding: { mode: 'currency' },
  rules: [],
};

/** What the ledger holds about a room type's night (the names of RoomTypeDay and the ledger slice). */
export interface NightCounts {
  /** Rooms of hub bookings. */
  sold?: number;
  /** Rooms allotted to distribution. */
  total?: number;
  outOfOrder?: number;
  /** The PMS's own sellable count from its last `available` push; null or absent when it pushes `total`. */
  pmsAvailable?: number | null;
  /** Rooms of hub bookings that pmsAvailable does not include yet (the in-flight rule). */
  inFlight?: number;
}

/** A night's occupancy as occupancy rules judge it: `sold` rooms taken of `total`. */
export interface Occupancy {
  sold: number;
  total: number;
  /** Present when the PMS's count decided `sold`, with the figures it came from (for `rate explain`). */
  pms?: { available: number; inFlight: number; outOfOrder: number };
}

/**
 * Rooms taken on a night, the one definition that delivery, reconciliation, direct bookings and
 * `rate explain` all price by. `sold` alone counts hub bookings only; a PMS that pushes `available`
 * also counts its own (walk-ins, phone bookings), which the hub never sees. By the in-flight rule
 * (README "Availability from the PMS") the PMS can still sell `available − inFlight` rooms, so
 * `total − outOfOrder − (available − inFlight)` are taken; out-of-order rooms are neither sellable
 * nor occupied, and the PMS's sellable count leaves them out as the hub's `total − sold − outOfOrder`
 * does. The larger of that and `sold` is used (a stale push never makes hub bookings vanish),
 * capped at `total`. Without an `available` push: `sold`.
 */
export function nightOccupancy(counts: NightCounts): Occupancy {
  const sold = counts.sold ?? 0;
  const total = counts.total ?? 0;
  if (counts.pmsAvailable === null || counts.pmsAvailable === undefined || total <= 0) return { sold, total };
  const inFlight = counts.inFlight ?? 0;
  const outOfOrder = counts.outOfOrder ?? 0;
  const taken = Math.min(total, total - outOfOrder - (counts.pmsAvailable - inFlight));
  if (taken <= sold) return { sold, total };
  return { sold: taken, total, pms: { available: counts.pmsAvailable, inFlight, outOfOrder } };
}

/** What a rule can look at for one cell. */
export interface PricingContext {
  date: IsoDate;
  /** Rooms taken and rooms allotted that night (nightOccupancy of the ledger's counts). */
  occupancy: Occupancy;
  /** Whole days from today (in the property's time zone) to the night; 0 for tonight. */
  daysBeforeArrival: number;
  roomType?: string;
  /** The plan and every plan it derives from, nearest first (see planLineage). */
  ratePlans?: readonly string[];
}

/**
 * One line of a price explanation. `amount` is the running price after the step, in the property
 * currency. The first kinds come from the derivation chain and the channel; priceCell makes the
 * rule, floor, ceiling and rounding steps.
 */
export type ExplainStep =
  | { kind: 'rate'; label: string; amount: string; ratePlan: string }
  | { kind: 'derived'; label: string; amount: string; ratePlan: string; from: string; adjust: RateAdjustment; note?: string }
  | { kind: 'rule'; label: string; amount: string; rule: string; ruleKind: PricingRuleKind; factor: string; reason: string }
  | { kind: 'floor' | 'ceiling'; label: string; amount: string; percent: string }
  | { kind: 'rounding'; label: string; amount: string; ending: string; note?: string }
  | { kind: 'markup'; label: string; amount: string; channel: string; detail: Record<string, string> };

export interface NotAppliedRule {
  rule: string;
  ruleKind: PricingRuleKind;
  reason: string;
}

export interface PricedCell {
  final: string;
  floor: string;
  ceiling: string;
  steps: ExplainStep[];
  notApplied: NotAppliedRule[];
}

const SCALE = 10n ** 8n; // toScaled's internal scale
const HUNDRED = 100n * SCALE;

/**
 * The price of one cell: `base` × every matching rule's factor (rounded at each step), clamped to
 * [floor, ceiling] and rounded to the price ending. Never below the floor, never above the
 * ceiling, never more decimals than the currency; a price ending that would break a bound gives
 * way to it, and the rounding step says so.
 */
export function priceCell(base: string, ctx: PricingContext, pricing: PricingRules, currencyDecimals: number): PricedCell {
  const fmt = (minor: bigint) => formatMinor(minor, currencyDecimals);
  const baseMinor = toMinor(base, currencyDecimals);
  if (baseMinor < 0n) throw new RangeError(`a base rate cannot be negative: ${base}`);
  // The floor rounds up and the ceiling down, so both bounds are prices the currency can express and
  // still hold exactly; with floor ≤ 100 ≤ ceiling the base lies between them.
  const floor = ceilDiv(baseMinor * toScaled(pricing.floorPercent), HUNDRED);
  const ceiling = maxBig(floor, floorDiv(baseMinor * toScaled(pricing.ceilingPercent), HUNDRED));

  const steps: ExplainStep[] = [];
  const notApplied: NotAppliedRule[] = [];
  let amount = baseMinor;
  for (const rule of pricing.rules) {
    const outOfScope = scopeMismatch(rule, ctx);
    if (outOfScope) continue; // not this cell's rule at all: explain stays about the cell
    const verdict = ruleVerdict(rule, ctx);
    if (!verdict.applies) {
      notApplied.push({ rule: rule.name, ruleKind: rule.kind, reason: verdict.reason });
      continue;
    }
    amount = divRoundHalfUp(amount * toScaled(rule.factor), SCALE);
    steps.push({
      kind: 'rule',
      label: `${rule.name} (${verdict.reason})`,
      amount: fmt(amount),
      rule: rule.name,
      ruleKind: rule.kind,
      factor: rule.factor,
      reason: verdict.reason,
    });
  }
  if (amount < floor) {
    amount = floor;
    steps.push({ kind: 'floor', label: `floor ${pricing.floorPercent}% of ${fmt(baseMinor)}`, amount: fmt(amount), percent: pricing.floorPercent });
  } else if (amount > ceiling) {
    amount = ceiling;
    steps.push({ kind: 'ceiling', label: `ceiling ${pricing.ceilingPercent}% of ${fmt(baseMinor)}`, amount: fmt(amount), percent: pricing.ceilingPercent });
  }
  if (pricing.rounding.mode === 'ending') {
    const { ending } = pricing.rounding;
    const ended = roundToEnding(amount, ending, currencyDecimals, floor, ceiling);
    if (ended.amount === undefined) {
      const note = `no price ending in ${ending} lies between the floor ${fmt(floor)} and the ceiling ${fmt(ceiling)}; kept ${fmt(amount)}`;
      steps.push({ kind: 'rounding', label: `ending ${ending} skipped`, amount: fmt(amount), ending, note });
    } else if (ended.bound) {
      const note = `the nearest price ending in ${ending}, ${fmt(ended.nearest)}, is ${ended.bound === 'floor' ? 'below the floor' : 'above the ceiling'} ${fmt(ended.bound === 'floor' ? floor : ceiling)}`;
      steps.push({ kind: 'rounding', label: `ending ${ending}, within the ${ended.bound}`, amount: fmt(ended.amount), ending, note });
      amount = ended.amount;
    } else {
      steps.push({ kind: 'rounding', label: `ending ${ending}`, amount: fmt(ended.amount), ending });
      amount = ended.amount;
    }
  }
  return { final: fmt(amount), floor: fmt(floor), ceiling: fmt(ceiling), steps, notApplied };
}

/**
 * The nearest price ending in `ending` (ties go up), moved inside [floor, ceiling] if it falls
 * outside. Nearest rather than always down or always up: charm pricing that always rounds down
 * gives away up to a whole unit on every night, always up overshoots what the rules asked for;
 * nearest keeps the price within half a step of the computed one. The bounds are hard limits the
 * revenue manager set, so they win over the ending; when no such price fits between them the
 * caller keeps the unrounded amount.
 */
export function roundToEnding(
  amount: bigint,
  ending: string,
  currencyDecimals: number,
  floor: bigint,
  ceiling: bigint,
): { nearest: bigint; amount: bigint | undefined; bound?: 'floor' | 'ceiling' } {
  const { step, offset } = parseEnding(ending, currencyDecimals);
  const at = (k: bigint) => k * step + offset;
  // Nearest k·step + offset to amount, ties up: k = floor((amount − offset + step/2) / step).
  let k = floorDiv(2n * (amount - offset) + step, 2n * step);
  if (k < 0n) k = 0n;
  const nearest = at(k);
  if (nearest >= floor && nearest <= ceiling) return { nearest, amount: nearest };
  if (nearest < floor) {
    const up = ceilDiv(floor - offset, step);
    const candidate = at(up < 0n ? 0n : up);
    return candidate >= floor && candidate <= ceiling ? { nearest, amount: candidate, bound: 'floor' } : { nearest, amount: undefined };
  }
  const down = floorDiv(ceiling - offset, step);
  return down >= 0n && at(down) >= floor ? { nearest, amount: at(down), bound: 'ceiling' } : { nearest, amount: undefined };
}

const ENDING = /^(\d{0,6})(?:\.(\d{1,8}))?$/;

/** Checks an ending against a currency; undefined when fine, else why not. */
export function endingProblem(ending: string, currencyDecimals: number): string | undefined {
  const m = ENDING.exec(ending);
  if (!m || ending === '' || ending === '.') return 'must look like ".99", ".00", "9.99" or "9"';
  if ((m[2] ?? '').length > currencyDecimals) {
    return currencyDecimals === 0 ? 'this currency has no decimals: use whole digits such as "9" or "00"' : `has more than ${currencyDecimals} decimals`;
  }
  if ((m[1] ?? '') === '' && currencyDecimals === 0) return 'this currency has no decimals: use whole digits such as "9" or "00"';
  return undefined;
}

/** ".99" → every 1.00 at offset 0.99; "9.99" → every 10.00 at 9.99; "00" (JPY) → every 100 at 0. */
function parseEnding(ending: string, currencyDecimals: number): { step: bigint; offset: bigint } {
  const problem = endingProblem(ending, currencyDecimals);
  if (problem) throw new RangeError(`price ending ${JSON.stringify(ending)} ${problem}`);
  const [, whole = '', frac = ''] = ENDING.exec(ending) as RegExpExecArray;
  const unit = 10n ** BigInt(currencyDecimals);
  const step = 10n ** BigInt(whole.length) * unit;
  const offset = BigInt(whole || '0') * unit + BigInt((frac + '0'.repeat(currencyDecimals)).slice(0, currencyDecimals) || '0');
  return { step, offset };
}

function scopeMismatch(rule: PricingRule, ctx: PricingContext): boolean {
  if (rule.roomTypes && (ctx.roomType === undefined || !rule.roomTypes.includes(ctx.roomType))) return true;
  if (rule.ratePlans && !(ctx.ratePlans ?? []).some((p) => rule.ratePlans?.includes(p))) return true;
  return false;
}

type Verdict = { applies: boolean; reason: string };

function ruleVerdict(rule: PricingRule, ctx: PricingContext): Verdict {
  switch (rule.kind) {
    case 'season': {
      const md = ctx.date.slice(5);
      const { from, to } = rule.when;
      // A season may wrap the year end (12-15 … 01-10).
      const inside = from <= to ? md >= from && md <= to : md >= from || md <= to;
      return { applies: inside, reason: `season ${from}…${to}${inside ? '' : `, not ${md}`}` };
    }
    case 'event': {
      const { from, to } = rule.when;
      const inside = ctx.date >= from && ctx.date <= to;
      return { applies: inside, reason: `event ${from}…${to}${inside ? '' : `, not ${ctx.date}`}` };
    }
    case 'weekday': {
      const day = weekdayOf(ctx.date);
      const inside = rule.when.days.includes(day);
      return { applies: inside, reason: `weekday ${day}${inside ? '' : `, not ${rule.when.days.join('/')}`}` };
    }
    case 'occupancy': {
      const { sold, total } = ctx.occupancy;
      const { atLeastPercent, belowPercent } = rule.when;
      const band = [atLeastPercent !== undefined ? `≥ ${atLeastPercent}%` : '', belowPercent !== undefined ? `< ${belowPercent}%` : '']
        .filter(Boolean)
        .join(' and ');
      if (total <= 0) return { applies: false, reason: `no rooms allotted that night, so no occupancy (rule ${band})` };
      // sold / total ≥ p / 100  ⇔  sold · 100 · SCALE ≥ p · SCALE · total, all integers.
      const left = BigInt(sold) * HUNDRED;
      const atLeast = atLeastPercent === undefined || left >= toScaled(atLeastPercent) * BigInt(total);
      const below = belowPercent === undefined || left < toScaled(belowPercent) * BigInt(total);
      const applies = atLeast && below;
      return { applies, reason: `occupancy ${sold}/${total} = ${occupancyPercent(sold, total)}%${applies ? ' ' : ', rule '}${band}${occupancySource(ctx.occupancy)}` };
    }
    case 'booking-window': {
      const days = ctx.daysBeforeArrival;
      const { minDays, maxDays } = rule.when;
      const window = [minDays !== undefined ? `≥ ${minDays}` : '', maxDays !== undefined ? `≤ ${maxDays}` : ''].filter(Boolean).join(' and ');
      const applies = (minDays === undefined || days >= minDays) && (maxDays === undefined || days <= maxDays);
      return { applies, reason: `${days} ${days === 1 ? 'day' : 'days'} before arrival${applies ? ', ' : ', rule '}${window}` };
    }
  }
}

/** How `sold` was counted, when the PMS's count decided it: every figure, so the line can be checked by hand. */
export function occupancySource(occupancy: Occupancy): string {
  const pms = occupancy.pms;
  if (!pms) return '';
  const ooo = pms.outOfOrder > 0 ? ` − ${pms.outOfOrder} out of order` : '';
  return `; taken by the PMS's count: ${occupancy.total}${ooo} − (${pms.available} available − ${pms.inFlight} in flight) = ${occupancy.sold}`;
}

/** sold ÷ total as a percentage with at most one decimal ("85", "33.3"). */
export function occupancyPercent(sold: number, total: number): string {
  if (total <= 0) return '0';
  const tenths = divRoundHalfUp(BigInt(sold) * 1000n, BigInt(total));
  const whole = tenths / 10n;
  const frac = tenths % 10n;
  return frac === 0n ? whole.toString() : `${whole}.${frac}`;
}

/** The plan and every plan it derives from, nearest first: NRF → [NRF, BAR, RACK]. */
export function planLineage(property: Pick<Property, 'ratePlans'>, ratePlan: string): string[] {
  const out: string[] = [];
  let current: string | undefined = ratePlan;
  while (current !== undefined && !out.includes(current)) {
    out.push(current);
    current = property.ratePlans.find((p) => p.code === current)?.derivedFrom;
  }
  return out;
}

/**
 * The nights whose price a booking-window rule may change between `yesterday` and `today` without
 * any ledger change: those where some booking-window rule applies on one day and not on the other
 * (the night's days-before-arrival crossed the rule's minDays or maxDays). Only nights from `today`
 * on: past nights are no longer sold. Inclusive date ranges, sorted and merged. Room type and plan
 * scopes are ignored (every room type's nights are listed): a channel sync re-reads the ledger and
 * sends only cells whose price changed, so listing a night too many costs a diff, not a message.
 * Works for any two days (a job that skipped days passes the last day it ran).
 */
export function nightsRepricedBetween(rules: readonly PricingRule[], yesterday: IsoDate, today: IsoDate): Array<{ from: IsoDate; to: IsoDate }> {
  const shift = daysBetween(yesterday, today);
  if (shift === 0) return [];
  // In days before arrival counted from today (d): the rule applies today for d in [lo, hi] and
  // applied yesterday for d + shift in [lo, hi], i.e. d in [lo − shift, hi − shift].
  const changed: Array<[number, number]> = [];
  for (const rule of rules) {
    if (rule.kind !== 'booking-window') continue;
    const now: [number, number] = [rule.when.minDays ?? -Infinity, rule.when.maxDays ?? Infinity];
    const before: [number, number] = [now[0] - shift, now[1] - shift];
    for (const part of [...intervalMinus(now, before), ...intervalMinus(before, now)]) {
      const lo = Math.max(0, part[0]);
      if (lo <= part[1] && Number.isFinite(part[1])) changed.push([lo, part[1]]);
    }
  }
  changed.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const [lo, hi] of changed) {
    const last = merged[merged.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else merged.push([lo, hi]);
  }
  return merged.map(([lo, hi]) => ({ from: addDays(today, lo), to: addDays(today, hi) }));
}

/** The integers of [a0, a1] not in [b0, b1], as at most two intervals; bounds may be infinite. */
function intervalMinus(a: [number, number], b: [number, number]): Array<[number, number]> {
  if (a[0] > a[1]) return [];
  if (b[0] > b[1] || b[1] < a[0] || b[0] > a[1]) return [a];
  const out: Array<[number, number]> = [];
  if (a[0] < b[0]) out.push([a[0], b[0] - 1]);
  if (b[1] < a[1]) out.push([b[1] + 1, a[1]]);
  return out;
}

/** The context of one night for one cell: the ledger's occupancy and the days from `today`. */
export function pricingContext(
  property: Pick<Property, 'ratePlans'>,
  cell: { roomType: string; ratePlan: string; date: IsoDate },
  occupancy: Occupancy,
  today: IsoDate,
): PricingContext {
  return {
    date: cell.date,
    occupancy,
    daysBeforeArrival: daysBetween(today, cell.date),
    roomType: cell.roomType,
    ratePlans: planLineage(property, cell.ratePlan),
  };
}

/**
 * A derived plan's rate: the parent's adjusted (deriveAmount), then, when the plan asks for one,
 * moved to the nearest price ending (".99"). A negative result is returned as it is, so the caller
 * still refuses it rather than an ending turning it into a small positive price.
 */
export function deriveRate(parent: string, adjust: RateAdjustment, currencyDecimals: number, ending?: string): string {
  const derived = deriveAmount(parent, adjust, currencyDecimals);
  if (ending === undefined) return derived;
  const minor = toMinor(derived, currencyDecimals);
  if (minor < 0n) return derived;
  // No bounds for a derivation: only the pricing rules have a floor and a ceiling.
  const ended = roundToEnding(minor, ending, currencyDecimals, 0n, minor * 10n + 10n ** 12n);
  return formatMinor(ended.amount ?? minor, currencyDecimals);
}

/** Parses an amount into minor units, rounding half away from zero like formatAmount. */
export function toMinor(value: string, currencyDecimals: number): bigint {
  return divRoundHalfUp(toScaled(value), 10n ** BigInt(8 - currencyDecimals));
}

export function formatMinor(minor: bigint, currencyDecimals: number): string {
  const negative = minor < 0n;
  const abs = negative ? -minor : minor;
  const unit = 10n ** BigInt(currencyDecimals);
  const frac = currencyDecimals > 0 ? '.' + (abs % unit).toString().padStart(currencyDecimals, '0') : '';
  return (negative ? '-' : '') + (abs / unit).toString() + frac;
}

function divRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  let q = n / d;
  if ((n % d) * 2n >= d) q += 1n;
  return negative ? -q : q;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && a < 0n !== b < 0n) ? q - 1n : q;
}

function ceilDiv(a: bigint, b: bigint): bigint {
  return -floorDiv(-a, b);
}

function maxBig(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
