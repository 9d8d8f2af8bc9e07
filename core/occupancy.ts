/**
 * Occupancy prices: what a room costs per number of guests. The ledger's `rate` is the price for a
 * plan's base occupancy; a PMS may push other counts' prices (`rateByGuests`, kept per cell), and
 * the counts it did not push are derived from the rate by the plan's `occupancy` settings. Pure and
 * exact like core/pricing.ts: amounts are decimal strings, arithmetic is BigInt.
 */
import { deriveAmount, formatScaled, toScaled } from './money';
import type { OccupancyPricing, Property } from './property';

/**
 * The occupancy a rate is quoted for when a plan says nothing: a standard double, as the
 * OpenTravel reader's base occupancy rule has it (mappers/opentravel/hotel-rate-amount-notif.ts).
 */
export const DEFAULT_BASE_GUESTS = 2;

/** Guest counts keyed as JSON has them ("1", "2"); amounts are decimal strings. */
export type AmountsByGuests = Readonly<Record<string, string>>;

/** A plan's occupancy settings: its own, else the nearest parent's (derived plans inherit them). */
export function occupancyOf(property: Pick<Property, 'ratePlans'>, ratePlan: string): OccupancyPricing | undefined {
  const seen = new Set<string>();
  let code: string | undefined = ratePlan;
  while (code !== undefined && !seen.has(code)) {
    seen.add(code);
    const plan = property.ratePlans.find((p) => p.code === code);
    if (plan?.occupancy) return plan.occupancy;
    code = plan?.derivedFrom;
  }
  return undefined;
}

/** The number of guests a rate is the price for on a room type. */
export function baseGuests(occupancy: OccupancyPricing | undefined, maxOccupancy: number): number {
  return Math.min(occupancy?.base ?? DEFAULT_BASE_GUESTS, maxOccupancy);
}

/** Whether a cell has prices that depend on the number of guests at all (else `rate` is the room's price whoever stays). */
export function hasOccupancyPrices(occupancy: OccupancyPricing | undefined, pushed: AmountsByGuests | null | undefined): boolean {
  return occupancy !== undefined || (pushed !== null && pushed !== undefined && Object.keys(pushed).length > 0);
}

/**
 * A cell's price for every number of guests from 1 to `maxOccupancy`, before pricing rules: the
 * price the PMS pushed for that count; else, for the base occupancy, the rate; else the count's
 * offset on the rate; else, above the base, the rate plus `extraAdult` per guest beyond it; else the
 * rate (fewer guests than the base pay the room's price). An amount offset larger than a low rate
 * gives a negative amount, returned as it is: a push refuses it, a view leaves that count out.
 */
export function ledgerPricesByGuests(input: {
  amount: string;
  pushed?: AmountsByGuests | null | undefined;
  occupancy: OccupancyPricing | undefined;
  maxOccupancy: number;
  decimals: number;
}): Record<number, string> {
  const { amount, pushed, occupancy, maxOccupancy, decimals } = input;
  const base = baseGuests(occupancy, maxOccupancy);
  const out: Record<number, string> = {};
  for (let guests = 1; guests <= maxOccupancy; guests++) {
    const given = pushed?.[String(guests)];
    const offset = occupancy?.offsets[String(guests)];
    if (given !== undefined) out[guests] = formatScaled(toScaled(given), decimals);
    else if (guests === base) out[guests] = formatScaled(toScaled(amount), decimals);
    else if (offset !== undefined) out[guests] = deriveAmount(amount, offset, decimals);
    else if (guests > base && occupancy?.extraAdult !== undefined) {
      out[guests] = formatScaled(toScaled(amount) + BigInt(guests - base) * toScaled(occupancy.extraAdult), decimals);
    } else out[guests] = formatScaled(toScaled(amount), decimals);
  }
  return out;
}

/**
 * What a room of a stay is charged for: the price for `guests`, plus `extraChildren` times the
 * plan's extraChild amount. Without an extraChild amount children are guests like adults. With one,
 * guests up to the base occupancy are charged as the base price has them (a child in the second bed
 * of a double costs nothing extra), and beyond it children take the extra places first, each paying
 * extraChild instead of a guest's price: the cheaper reading for the guest, and how hotels quote
 * "children sharing" supplements. 2 adults + 1 child in a double for two: the 2-guest price + one
 * extraChild; 3 adults + 1 child: the 3-guest price + one extraChild.
 */
export function chargedParty(adults: number, children: number, occupancy: OccupancyPricing | undefined, maxOccupancy: number): { guests: number; extraChildren: number } {
  const guests = adults + children;
  const base = baseGuests(occupancy, maxOccupancy);
  if (occupancy?.extraChild === undefined || guests <= base) return { guests, extraChildren: 0 };
  const extraChildren = Math.min(children, guests - base);
  return { guests: guests - extraChildren, extraChildren };
}
