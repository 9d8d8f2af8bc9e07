import type { IsoDate } from './dates';
import type { PricingRules } from './pricing';

/** A property as the ledger knows it: the parsed, validated property document. */
export interface Property {
  code: string;
  name: string;
  timezone: string;
  currency: string;
  roomTypes: RoomType[];
  ratePlans: RatePlan[];
  channels: ChannelConfig[];
  /** Rules that turn a pushed rate into the price channels are sent; absent means none. */
  pricing?: PricingRules;
}

export interface RoomType {
  code: string;
  name: string;
  /** Physical rooms of this type; the default `total` of every night until the PMS pushes one. */
  rooms: number;
  maxOccupancy: number;
}

export type RateAdjustment = { percent: string } | { amount: string };

export interface RatePlan {
  code: string;
  name: string;
  /** Room types this plan is sold on; derived plans default to their parent's. */
  roomTypes: string[];
  derivedFrom?: string;
  adjust?: RateAdjustment;
  /** A derived plan's price ending (".99"): its rate is moved to the nearest such price after the adjustment. */
  rounding?: { ending: string };
  /** Prices per number of guests derived from the rate; derived plans without their own inherit the parent's. */
  occupancy?: OccupancyPricing;
  /**
   * Derived plans only: restrictions the plan keeps for itself. A parent's push of one of these does
   * not flow down to this plan (nor to plans derived from it); the plan's own pushes set it.
   */
  ownRestrictions?: RestrictionField[];
}

/** The restrictions of a rate cell, as ARI updates name them. */
export const RESTRICTION_FIELDS = ['minStay', 'maxStay', 'closedToArrival', 'closedToDeparture', 'stopSell'] as const;
export type RestrictionField = (typeof RESTRICTION_FIELDS)[number];

/**
 * How a plan's price depends on the number of guests. The plan's rate is the price for `base`
 * guests; a PMS may push other counts' prices itself (`rateByGuests`), and the counts it does not
 * push are derived from the rate here (core/occupancy.ts).
 */
export interface OccupancyPricing {
  /** The number of guests the plan's rate is the price for. */
  base: number;
  /** Per number of guests ("1", "3"): the base-occupancy price adjusted, as a derived plan's `adjust`. */
  offsets: Record<string, RateAdjustment>;
  /** Added per guest above `base` for the counts without an offset; channels get it as the extra adult amount. */
  extraAdult?: string;
  /** Per child beyond the base occupancy, charged instead of that guest's share (core/occupancy.ts chargedParty). */
  extraChild?: string;
}

export type ChannelType = 'ota-xml' | 'alpinebits' | 'gds' | 'direct' | 'ical' | 'pms';

export interface ChannelConfig {
  code: string;
  type: ChannelType;
  endpoint?: string;
  critical: boolean;
  hotelCode?: string;
  credentials?: Record<string, string>;
  /** Tidewater room type code → the channel's own code. Unmapped room types are never sent. */
  roomTypes: Record<string, string>;
  ratePlans: Record<string, string>;
  buffer: { rooms: number };
  /**
   * Added to every price this channel is sent (a negative percent passes a commission on as a
   * discount); see `applyMarkup` for the rounding. Reconciliation and rate parity expect it too.
   */
  markup?: ChannelMarkup;
  /**
   * ISO 4217 code of the currency this channel is sent prices in; absent: the property's. Prices
   * are converted last, after the markup, at the hotel's exchange rate table (core/fx.ts).
   */
  currency?: string;
  /** Connector-specific settings (rate limits, batch sizes), validated by the connector. */
  settings?: Record<string, unknown>;
}

/** A percentage as a decimal string ("12.5", "-3"); above -100, so a price never drops to zero. */
export interface ChannelMarkup {
  percent: string;
}

/** A night of a stay: `rooms` rooms of a room type on one date. */
export interface StayNight {
  roomType: string;
  date: IsoDate;
  rooms: number;
}

export function findRoomType(property: Property, code: string): RoomType | undefined {
  return property.roomTypes.find((r) => r.code === code);
}

export function findRatePlan(property: Property, code: string): RatePlan | undefined {
  return property.ratePlans.find((r) => r.code === code);
}

/** Plans derived (directly or through a chain) from `parent`, parents before children. */
export function descendantsOf(property: Property, parent: string): RatePlan[] {
  const out: RatePlan[] = [];
  const queue = [parent];
  while (queue.length > 0) {
    const current = queue.shift() as string;
    for (const plan of property.ratePlans) {
      if (plan.derivedFrom === current) {
        out.push(plan);
        queue.push(plan.code);
      }
    }
  }
  return out;
}
