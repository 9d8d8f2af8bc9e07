import { z } from 'zod';
import { isIsoDate, WEEKDAYS } from './dates';
import type { FieldError } from './errors';
import { isDecimalString, toScaled } from './money';
import {
  DEFAULT_CEILING_PERCENT,
  DEFAULT_FLOOR_PERCENT,
  endingProblem,
  type PricingRule,
  type PricingRules,
} from './pricing';

/**
 * The `pricing` section of a property document. Decisions a reader may look for:
 * - Rules are applied in document order and every matching rule multiplies; nothing is exclusive.
 *   Overlapping seasons or occupancy bands are therefore allowed and compound ("summer" × "August
 *   peak"); to make tiers exclusive, give them disjoint bands (atLeastPercent/belowPercent).
 * - `when` objects are strict: a misspelt bound would otherwise be dropped and the rule would match
 *   every night.
 * - floorPercent ≤ 100 ≤ ceilingPercent, so the rate the PMS pushed is always a valid price.
 */

const decimalString = z.union([z.string(), z.number()]).transform(String).refine(isDecimalString, 'must be a decimal number such as "1.15"');
const positiveDecimal = decimalString.refine((v) => toScaled(v) > 0n, 'must be greater than 0');
const percent = decimalString.refine((v) => toScaled(v) >= 0n, 'must not be negative');
const MONTH_DAY = /^(\d{2})-(\d{2})$/;
const monthDay = z.string().refine(isMonthDay, 'must be a day of the year in MM-DD form, such as 07-15');
const isoDate = z.string().refine(isIsoDate, 'must be a date in YYYY-MM-DD form');
const codes = z.array(z.string().min(1)).min(1).optional();

const common = {
  name: z.string().min(1).max(100),
  factor: positiveDecimal.refine((v) => toScaled(v) <= toScaled('100'), 'must be at most 100'),
  roomTypes: codes,
  ratePlans: codes,
};

const ruleSchema = z.discriminatedUnion('kind', [
  z.object({ ...common, kind: z.literal('season'), when: z.object({ from: monthDay, to: monthDay }).strict() }).strict(),
  z.object({ ...common, kind: z.literal('weekday'), when: z.object({ days: z.array(z.enum(WEEKDAYS)).min(1).max(7) }).strict() }).strict(),
  z
    .object({
      ...common,
      kind: z.literal('occupancy'),
      when: z.object({ atLeastPercent: percent.optional(), belowPercent: percent.optional() }).strict(),
    })
    .strict(),
  z
    .object({
      ...common,
      kind: z.literal('booking-window'),
      when: z.object({ minDays: z.number().int().min(0).max(1100).optional(), maxDays: z.number().int().min(0).max(1100).optional() }).strict(),
    })
    .strict(),
  z.object({ ...common, kind: z.literal('event'), when: z.object({ from: isoDate, to: isoDate }).strict() }).strict(),
]);

export const pricingDocumentSchema = z
  .object({
    floorPercent: percent.default(DEFAULT_FLOOR_PERCENT),
    ceilingPercent: percent.default(DEFAULT_CEILING_PERCENT),
    rounding: z
      .discriminatedUnion('mode', [
        z.object({ mode: z.literal('currency') }).strict(),
        z.object({ mode: z.literal('ending'), ending: z.string() }).strict(),
      ])
      .default({ mode: 'currency' }),
    rules: z.array(ruleSchema).max(500).default([]),
  })
  .strict();

export type PricingDocument = z.input<typeof pricingDocumentSchema>;
type ParsedPricing = z.output<typeof pricingDocumentSchema>;

/**
 * The cross-references and bounds a schema cannot see, with pointers under `/pricing`: codes that
 * the property does not have, floor and ceiling around 100 %, empty or inverted bands, duplicate
 * rule names, a price ending the currency cannot express.
 */
export function checkPricing(
  pricing: ParsedPricing,
  known: { roomTypes: ReadonlySet<string>; ratePlans: ReadonlySet<string>; currency: string; currencyDecimals: number },
): FieldError[] {
  const errors: FieldError[] = [];
  const at = (path: string) => `/pricing${path}`;
  if (toScaled(pricing.floorPercent) > toScaled('100')) {
    errors.push({ pointer: at('/floorPercent'), detail: `must be at most 100, or the pushed rate itself could not be sold (got ${pricing.floorPercent})` });
  }
  if (toScaled(pricing.ceilingPercent) < toScaled('100')) {
    errors.push({ pointer: at('/ceilingPercent'), detail: `must be at least 100, or the pushed rate itself could not be sold (got ${pricing.ceilingPercent})` });
  }
  if (toScaled(pricing.ceilingPercent) > toScaled('1000')) {
    errors.push({ pointer: at('/ceilingPercent'), detail: 'must be at most 1000' });
  }
  if (pricing.rounding.mode === 'ending') {
    const problem = endingProblem(pricing.rounding.ending, known.currencyDecimals);
    if (problem) errors.push({ pointer: at('/rounding/ending'), detail: `${problem} (${known.currency} has ${known.currencyDecimals} decimals)` });
  }
  const names = new Set<string>();
  pricing.rules.forEach((rule, i) => {
    const r = (path: string) => at(`/rules/${i}${path}`);
    if (names.has(rule.name)) errors.push({ pointer: r('/name'), detail: `duplicate rule name ${rule.name}` });
    names.add(rule.name);
    rule.roomTypes?.forEach((code, j) => {
      if (!known.roomTypes.has(code)) errors.push({ pointer: r(`/roomTypes/${j}`), detail: `unknown room type ${code}` });
    });
    rule.ratePlans?.forEach((code, j) => {
      if (!known.ratePlans.has(code)) errors.push({ pointer: r(`/ratePlans/${j}`), detail: `unknown rate plan ${code}` });
    });
    switch (rule.kind) {
      case 'event':
        if (rule.when.from > rule.when.to) errors.push({ pointer: r('/when/to'), detail: `ends (${rule.when.to}) before it starts (${rule.when.from})` });
        break;
      case 'occupancy': {
        const { atLeastPercent, belowPercent } = rule.when;
        if (atLeastPercent === undefined && belowPercent === undefined) {
          errors.push({ pointer: r('/when'), detail: 'give atLeastPercent, belowPercent or both' });
        } else if (atLeastPercent !== undefined && belowPercent !== undefined && toScaled(atLeastPercent) >= toScaled(belowPercent)) {
          errors.push({ pointer: r('/when/belowPercent'), detail: `must be above atLeastPercent (${atLeastPercent}), or the rule never applies` });
        }
        break;
      }
      case 'booking-window': {
        const { minDays, maxDays } = rule.when;
        if (minDays === undefined && maxDays === undefined) errors.push({ pointer: r('/when'), detail: 'give minDays, maxDays or both' });
        else if (minDays !== undefined && maxDays !== undefined && minDays > maxDays) {
          errors.push({ pointer: r('/when/maxDays'), detail: `must not be below minDays (${minDays})` });
        }
        break;
      }
      case 'season':
      case 'weekday':
        break;
    }
  });
  return errors;
}

/** The validated section as the domain type; call after checkPricing found nothing. */
export function toPricingRules(pricing: ParsedPricing): PricingRules {
  return {
    floorPercent: pricing.floorPercent,
    ceilingPercent: pricing.ceilingPercent,
    rounding: pricing.rounding.mode === 'ending' ? { mode: 'ending', ending: pricing.rounding.ending } : { mode: 'currency' },
    rules: pricing.rules.map((rule): PricingRule => {
      const scope = {
        name: rule.name,
        factor: rule.factor,
        ...(rule.roomTypes ? { roomTypes: rule.roomTypes } : {}),
        ...(rule.ratePlans ? { ratePlans: rule.ratePlans } : {}),
      };
      switch (rule.kind) {
        case 'season':
          return { ...scope, kind: 'season', when: { from: rule.when.from, to: rule.when.to } };
        case 'event':
          return { ...scope, kind: 'event', when: { from: rule.when.from, to: rule.when.to } };
        case 'weekday':
          return { ...scope, kind: 'weekday', when: { days: rule.when.days } };
        case 'occupancy':
          return { ...scope, kind: 'occupancy', when: withoutUndefined(rule.when) };
        case 'booking-window':
          return { ...scope, kind: 'booking-window', when: withoutUndefined(rule.when) };
      }
    }),
  };
}

/** Property documents are stored as JSON and compared key by key; absent beats `undefined`. */
function withoutUndefined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}

function isMonthDay(value: string): boolean {
  const m = MONTH_DAY.exec(value);
  if (!m) return false;
  // 2024 is a leap year, so 02-29 is a valid season bound.
  return isIsoDate(`2024-${m[1]}-${m[2]}`);
}
