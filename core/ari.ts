import { z } from 'zod';
import { addDays, addYears, eachDate, isIsoDate, todayIn, WEEKDAYS, type IsoDate } from './dates';
import { ValidationError, type FieldError } from './errors';
import { currencyDecimals, decimalPlaces, formatAmount, isDecimalString, isNegativeAmount, toScaled } from './money';
import { baseGuests, ledgerPricesByGuests, occupancyOf, type AmountsByGuests } from './occupancy';
import { deriveRate } from './pricing';
import { descendantsOf, findRatePlan, findRoomType, RESTRICTION_FIELDS, type Property, type RestrictionField } from './property';
import { zodIssuesToFieldErrors } from './property-document';

/** The longest range one update may cover: 3 years from its `from` date. */
export const MAX_RANGE_YEARS = 3;
/** How far into the past a push may reach, in days, measured in the property's time zone. */
export const MAX_PAST_DAYS = 1;

const isoDate = z.string().refine(isIsoDate, 'must be a date in YYYY-MM-DD form');
const count = z.number().int('must be a whole number').min(0, 'must not be negative').max(100_000);
const money = z
  .union([z.string(), z.number()])
  .transform(String)
  .refine(isDecimalString, 'must be a decimal amount such as "129.00"');
const stay = z.number().int('must be a whole number').min(1, 'must be at least 1').max(999).nullable();

export const ariUpdateSchema = z
  .object({
    roomType: z.string().min(1),
    ratePlan: z.string().min(1).optional(),
    from: isoDate,
    to: isoDate,
    days: z.array(z.enum(WEEKDAYS)).max(7).optional(),
    available: count.optional(),
    total: count.optional(),
    outOfOrder: count.optional(),
    rate: money.optional(),
    /** Prices per number of guests ("1": "99.00"); `rate` is the base occupancy's and must agree with it. */
    rateByGuests: z.record(z.string(), money).optional(),
    minStay: stay.optional(),
    maxStay: stay.optional(),
    closedToArrival: z.boolean().optional(),
    closedToDeparture: z.boolean().optional(),
    stopSell: z.boolean().optional(),
  })
  .strict();

export const ariBatchSchema = z
  .object({ updates: z.array(ariUpdateSchema).min(1, 'must contain at least one update').max(100_000) })
  .strict();

export type AriUpdate = z.output<typeof ariUpdateSchema>;
export type AriBatch = z.output<typeof ariBatchSchema>;

/** Inventory fields of one room type on one night; absent fields stay as they are. */
export interface InventoryPatch {
  roomType: string;
  date: IsoDate;
  available?: number;
  total?: number;
  outOfOrder?: number;
}

/** Rate and restriction fields of one rate plan × room type on one night. `null` clears a stay limit. */
export interface RatePatch {
  ratePlan: string;
  roomType: string;
  date: IsoDate;
  amount?: string;
  /**
   * Per-guest prices pushed with `amount` (keys "1", "2", …). Only with `amount`; an `amount`
   * without them replaces per-guest prices pushed before, which were prices beside the old rate,
   * and the plan's occupancy settings derive every count again.
   */
  amountsByGuests?: AmountsByGuests;
  minStay?: number | null;
  maxStay?: number | null;
  closedToArrival?: boolean;
  closedToDeparture?: boolean;
  stopSell?: boolean;
}

export interface AriPlan {
  inventory: InventoryPatch[];
  rates: RatePatch[];
}

const INVENTORY_FIELDS = ['available', 'total', 'outOfOrder'] as const;
const RATE_FIELDS = ['rate', 'rateByGuests', 'minStay', 'maxStay', 'closedToArrival', 'closedToDeparture', 'stopSell'] as const;

export function parseAriBatch(input: unknown): AriBatch {
  const parsed = ariBatchSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError(zodIssuesToFieldErrors(parsed.error.issues));
  return parsed.data;
}

/**
 * Turns a batch of range updates into one patch per cell, checked against the property.
 *
 * Later updates win field by field, as if the batch were applied in order. A rate or restriction on
 * a plan flows down to every plan derived from it in the same batch, so a parent and its children
 * can never be seen out of step. Every problem is reported with its JSON pointer; nothing is
 * returned unless the whole batch is valid.
 */
export function planAriBatch(property: Property, batch: AriBatch, now: Date = new Date()): AriPlan {
  const errors: FieldError[] = [];
  const decimals = currencyDecimals(property.currency);
  const earliest = addDays(todayIn(property.timezone, now), -MAX_PAST_DAYS);
  const inventory = new Map<string, InventoryPatch>();
  const rates = new Map<string, RatePatch>();

  batch.updates.forEach((u, i) => {
    const at = (field: string) => `/updates/${i}${field ? '/' + field : ''}`;
    const before = errors.length;
    const roomType = findRoomType(property, u.roomType);
    if (!roomType) errors.push({ pointer: at('roomType'), detail: `unknown room type ${u.roomType} for property ${property.code}` });
    const plan = u.ratePlan !== undefined ? findRatePlan(property, u.ratePlan) : undefined;
    if (u.ratePlan !== undefined && !plan) {
      errors.push({ pointer: at('ratePlan'), detail: `unknown rate plan ${u.ratePlan} for property ${property.code}` });
    } else if (plan && roomType && !plan.roomTypes.includes(roomType.code)) {
      errors.push({ pointer: at('ratePlan'), detail: `rate plan ${plan.code} is not sold on room type ${roomType.code}` });
    }
    if (u.from > u.to) errors.push({ pointer: at('to'), detail: `ends (${u.to}) before it starts (${u.from})` });
    else if (u.to >= addYears(u.from, MAX_RANGE_YEARS)) {
      errors.push({ pointer: at('to'), detail: `a range may cover at most ${MAX_RANGE_YEARS} years` });
    }
    if (u.from < earliest) {
      errors.push({
        pointer: at('from'),
        detail: `${u.from} is more than ${MAX_PAST_DAYS} day in the past in ${property.timezone} (earliest ${earliest})`,
      });
    }
    const setsInventory = INVENTORY_FIELDS.filter((f) => u[f] !== undefined);
    const setsRates = RATE_FIELDS.filter((f) => u[f] !== undefined);
    if (setsInventory.length === 0 && setsRates.length === 0) {
      errors.push({ pointer: at(''), detail: 'sets nothing: give available, total, outOfOrder, rate or a restriction' });
    }
    if (u.ratePlan !== undefined) {
      for (const f of setsInventory) {
        errors.push({ pointer: at(f), detail: `${f} is counted per room type; send it without ratePlan` });
      }
    }
    if (u.rate !== undefined) {
      if (u.ratePlan === undefined) errors.push({ pointer: at('rate'), detail: 'a rate needs a ratePlan' });
      if (isNegativeAmount(u.rate)) errors.push({ pointer: at('rate'), detail: 'must not be negative' });
      if (decimalPlaces(u.rate) > decimals) {
        errors.push({ pointer: at('rate'), detail: `${property.currency} has ${decimals} decimals; got ${u.rate}` });
      }
      if (plan?.derivedFrom !== undefined) {
        errors.push({ pointer: at('rate'), detail: `${plan.code} is derived from ${plan.derivedFrom}; push the rate of ${plan.derivedFrom}` });
      }
    }
    const rate = u.rateByGuests !== undefined && roomType && plan ? checkRateByGuests(property, u, plan.code, roomType.maxOccupancy, at, errors) : u.rate;
    if (u.rateByGuests !== undefined) {
      if (u.ratePlan === undefined) errors.push({ pointer: at('rateByGuests'), detail: 'per-guest prices need a ratePlan' });
      if (plan?.derivedFrom !== undefined) {
        errors.push({ pointer: at('rateByGuests'), detail: `${plan.code} is derived from ${plan.derivedFrom}; push the prices of ${plan.derivedFrom}` });
      }
    }
    if (typeof u.minStay === 'number' && typeof u.maxStay === 'number' && u.minStay > u.maxStay) {
      errors.push({ pointer: at('maxStay'), detail: `maxStay ${u.maxStay} is below minStay ${u.minStay}` });
    }
    if (errors.length > before || !roomType) return;

    const dates = eachDate(u.from, u.to, u.days);
    if (setsInventory.length > 0) {
      for (const date of dates) {
        const key = `${roomType.code}|${date}`;
        const cell = inventory.get(key) ?? { roomType: roomType.code, date };
        if (u.available !== undefined) cell.available = u.available;
        if (u.total !== undefined) cell.total = u.total;
        if (u.outOfOrder !== undefined) cell.outOfOrder = u.outOfOrder;
        inventory.set(key, cell);
      }
    }
    if (setsRates.length === 0) return;
    // Restrictions without a plan apply to every plan sold on the room type.
    const targets = plan ? [plan] : property.ratePlans.filter((p) => p.roomTypes.includes(roomType.code));
    const withDerived = new Map<string, string | undefined>(); // plan code → its amount for this update
    // plan code → the restrictions of this update it takes: all for a plan the update names, its
    // parent's minus those it keeps for itself (ownRestrictions) for a plan reached by derivation.
    const takes = new Map<string, ReadonlySet<RestrictionField>>();
    const setRestrictions = new Set(RESTRICTION_FIELDS.filter((f) => u[f] !== undefined));
    const byGuestsOf = new Map<string, AmountsByGuests | null>(); // plan code → its per-guest prices, where it has an amount
    const amount = rate !== undefined ? formatAmount(rate, decimals) : undefined;
    const pushedByGuests = u.rateByGuests !== undefined ? normaliseByGuests(u.rateByGuests, decimals) : null;
    for (const target of targets) {
      if (withDerived.has(target.code)) continue;
      withDerived.set(target.code, amount);
      takes.set(target.code, setRestrictions);
      byGuestsOf.set(target.code, pushedByGuests);
      for (const child of descendantsOf(property, target.code)) {
        if (!child.roomTypes.includes(roomType.code) || withDerived.has(child.code)) continue;
        // An update without a plan names every plan of the room type: each takes all of it.
        const fromParent = (child.derivedFrom !== undefined ? takes.get(child.derivedFrom) : undefined) ?? new Set<RestrictionField>();
        takes.set(child.code, plan ? new Set([...fromParent].filter((f) => !child.ownRestrictions?.includes(f))) : setRestrictions);
        const parentAmount = child.derivedFrom !== undefined ? withDerived.get(child.derivedFrom) : undefined;
        if (parentAmount !== undefined && child.adjust) {
          const derived = deriveRate(parentAmount, child.adjust, decimals, child.rounding?.ending);
          if (isNegativeAmount(derived)) {
            errors.push({ pointer: at('rate'), detail: `derived rate of ${child.code} would be negative (${derived})` });
            return;
          }
          withDerived.set(child.code, derived);
          // Per-guest prices flow down like the rate: each adjusted as the parent's rate is.
          const parentByGuests = child.derivedFrom !== undefined ? byGuestsOf.get(child.derivedFrom) ?? null : null;
          const adjust = child.adjust;
          byGuestsOf.set(child.code, parentByGuests && Object.fromEntries(Object.entries(parentByGuests).map(([g, a]) => [g, deriveRate(a, adjust, decimals, child.rounding?.ending)])));
        } else {
          withDerived.set(child.code, undefined);
        }
      }
    }
    for (const [planCode, planAmount] of withDerived) {
      if (planAmount === undefined) continue;
      // Every price a guest count would get must be a price: a derived rate's per-guest prices, and
      // an amount offset of the plan's occupancy settings on a low rate, can go below zero.
      const ledger = ledgerPricesByGuests({ amount: planAmount, pushed: byGuestsOf.get(planCode), occupancy: occupancyOf(property, planCode), maxOccupancy: roomType.maxOccupancy, decimals });
      const negative = Object.entries(ledger).find(([, price]) => isNegativeAmount(price));
      if (negative) {
        const [guests, price] = negative;
        errors.push({ pointer: at(u.rateByGuests?.[guests] !== undefined ? `rateByGuests/${guests}` : 'rate'), detail: `the ${guests}-guest price of ${planCode} on ${roomType.code} would be negative (${price}); see the plan's occupancy settings` });
        return;
      }
    }
    for (const [planCode, planAmount] of withDerived) {
      for (const date of dates) {
        const key = `${planCode}|${roomType.code}|${date}`;
        const cell = rates.get(key) ?? { ratePlan: planCode, roomType: roomType.code, date };
        if (planAmount !== undefined) {
          cell.amount = planAmount;
          const byGuests = byGuestsOf.get(planCode);
          if (byGuests) cell.amountsByGuests = byGuests;
          else delete cell.amountsByGuests; // a later update of the batch set the rate alone
        }
        const taken = takes.get(planCode);
        if (u.minStay !== undefined && taken?.has('minStay')) cell.minStay = u.minStay;
        if (u.maxStay !== undefined && taken?.has('maxStay')) cell.maxStay = u.maxStay;
        if (u.closedToArrival !== undefined && taken?.has('closedToArrival')) cell.closedToArrival = u.closedToArrival;
        if (u.closedToDeparture !== undefined && taken?.has('closedToDeparture')) cell.closedToDeparture = u.closedToDeparture;
        if (u.stopSell !== undefined && taken?.has('stopSell')) cell.stopSell = u.stopSell;
        // A plan that takes nothing of a restrictions-only update has no change from it.
        if (planAmount === undefined && (taken?.size ?? 0) === 0 && !rates.has(key)) continue;
        rates.set(key, cell);
      }
    }
  });

  if (errors.length > 0) throw new ValidationError(errors.slice(0, 200));
  return { inventory: [...inventory.values()], rates: [...rates.values()] };
}

/**
 * Checks an update's per-guest prices and returns the base occupancy's price, which is the rate:
 * `rate` when given (and then rateByGuests[base], when given, must be the same price), else
 * rateByGuests[base].
 */
function checkRateByGuests(property: Property, u: AriUpdate, ratePlan: string, maxOccupancy: number, at: (field: string) => string, errors: FieldError[]): string | undefined {
  const byGuests = u.rateByGuests ?? {};
  const decimals = currencyDecimals(property.currency);
  const base = baseGuests(occupancyOf(property, ratePlan), maxOccupancy);
  for (const [key, amount] of Object.entries(byGuests)) {
    const where = at(`rateByGuests/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
    const guests = /^[1-9]\d{0,2}$/.test(key) ? Number(key) : undefined;
    if (guests === undefined || guests > maxOccupancy) errors.push({ pointer: where, detail: `must be a number of guests from 1 to ${maxOccupancy}, the most ${u.roomType} sleeps` });
    if (isNegativeAmount(amount)) errors.push({ pointer: where, detail: 'must not be negative' });
    else if (decimalPlaces(amount) > decimals) errors.push({ pointer: where, detail: `${property.currency} has ${decimals} decimals; got ${amount}` });
  }
  const atBase = byGuests[String(base)];
  if (u.rate === undefined) {
    if (atBase === undefined) errors.push({ pointer: at('rateByGuests'), detail: `give rate, or the price for ${base} guests (the base occupancy of ${ratePlan} on ${u.roomType}), which is the rate` });
    return atBase;
  }
  if (atBase !== undefined && isDecimalString(atBase) && toScaled(atBase) !== toScaled(u.rate)) {
    errors.push({ pointer: at(`rateByGuests/${base}`), detail: `must equal rate (${u.rate}): rate is the price for ${base} guests, the base occupancy of ${ratePlan} on ${u.roomType}` });
  }
  return u.rate;
}

function normaliseByGuests(byGuests: Readonly<Record<string, string>>, decimals: number): Record<string, string> {
  return Object.fromEntries(Object.entries(byGuests).map(([guests, amount]) => [String(Number(guests)), formatAmount(amount, decimals)]));
}

/** The smallest date range per room type (and rate plan) covering the given cells: what a channel must re-read. */
export function dirtyRanges(
  cells: ReadonlyArray<{ roomType: string; ratePlan?: string | null; date: IsoDate }>,
): Array<{ roomType: string; ratePlan: string | null; from: IsoDate; to: IsoDate }> {
  const ranges = new Map<string, { roomType: string; ratePlan: string | null; from: IsoDate; to: IsoDate }>();
  for (const c of cells) {
    const key = `${c.roomType}|${c.ratePlan ?? ''}`;
    const r = ranges.get(key);
    if (!r) ranges.set(key, { roomType: c.roomType, ratePlan: c.ratePlan ?? null, from: c.date, to: c.date });
    else {
      if (c.date < r.from) r.from = c.date;
      if (c.date > r.to) r.to = c.date;
    }
  }
  return [...ranges.values()];
}
