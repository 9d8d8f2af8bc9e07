import { z } from 'zod';
import { addDays, daysBetween, isIsoDate, type IsoDate } from './dates';
import { ValidationError, type FieldError } from './errors';
import { currencyDecimals, formatScaled, toScaled } from './money';
import { nightPricer, occupancyPricer, type NightRate } from './channel-view';
import { chargedParty, occupancyOf, type AmountsByGuests } from './occupancy';
import type { NightCounts } from './pricing';
import { findRatePlan, findRoomType, type ChannelConfig, type Property } from './property';

export const bookingStatuses = ['held', 'confirmed', 'cancelled', 'manual-recovery'] as const;
export type BookingStatus = (typeof bookingStatuses)[number];

/** Allowed status changes, as data: every change is checked against it. */
export const bookingTransitions: Readonly<Record<BookingStatus, readonly BookingStatus[]>> = {
  held: ['confirmed', 'cancelled', 'manual-recovery'],
  confirmed: ['confirmed', 'cancelled'],
  cancelled: ['confirmed'],
  'manual-recovery': ['confirmed', 'cancelled'],
};

export class InvalidTransitionError extends Error {
  readonly code = 'invalid-transition';
  constructor(readonly from: BookingStatus, readonly to: BookingStatus) {
    super(`a booking cannot go from ${from} to ${to}`);
  }
}

export function assertTransition(from: BookingStatus, to: BookingStatus): void {
  if (!bookingTransitions[from].includes(to)) throw new InvalidTransitionError(from, to);
}

const code = z.string().min(1).max(64);
const isoDate = z.string().refine(isIsoDate, 'must be a date in YYYY-MM-DD form');

export const roomStaySchema = z
  .object({
    roomType: code,
    ratePlan: code,
    checkIn: isoDate,
    checkOut: isoDate,
    rooms: z.number().int().min(1).max(50).default(1),
    // No default: a party left unsaid pays the room's rate (the plan's base occupancy), not the
    // cheaper 1-guest price of a plan with occupancy prices.
    adults: z.number().int().min(1).max(20).optional(),
    children: z.number().int().min(0).max(20).default(0),
  })
  .strict();

export const directBookingSchema = z
  .object({
    roomStays: z.array(roomStaySchema).min(1).max(20),
    guest: z
      .object({
        firstName: z.string().min(1).max(100),
        lastName: z.string().min(1).max(100),
        email: z.email().max(254),
        phone: z.string().max(40).optional(),
      })
      .strict(),
    payment: z.object({ provider: z.string().min(1).max(40), token: z.string().min(1).max(500) }).strict(),
  })
  .strict();

export type RoomStay = z.output<typeof roomStaySchema>;
export type DirectBookingRequest = z.output<typeof directBookingSchema>;

/** What a stay costs and whether it may be sold, from the ledger's rate cells. */
export interface StayRateCell {
  date: IsoDate;
  /** The ledger's rate (pushed, or derived at push), before pricing rules and markup. */
  rate: string | null;
  /** Per-guest prices the PMS pushed with the rate (keys "1", "2", …); null for none. */
  rateByGuests: AmountsByGuests | null;
  minStay: number | null;
  maxStay: number | null;
  closedToArrival: boolean;
  closedToDeparture: boolean;
  stopSell: boolean;
  /** The night's counts before this booking: the occupancy the guest was shown a price for. */
  occupancy: NightCounts;
}

/** Who stays in one room: priced by occupancy prices where the plan has them. */
export interface Party {
  adults: number;
  children: number;
}

/**
 * The price of one room for one night of a stay from its ledger rate and counts (see
 * directBookingPricer); for a party, what that party pays. Undefined: no price for that party (a
 * per-guest price that would be negative).
 */
export type StayNightPrice = (night: NightRate & { amountsByGuests?: AmountsByGuests | null }, occupancy: NightCounts, party?: Party) => string | undefined;

/**
 * How direct bookings are priced: like the property's booking engine shows them. The pricing rules
 * apply to every night (what every channel's view gets), and the markup of the property's `direct`
 * channel when it has exactly one; with none, or with several (nothing says which one the guest
 * booked on), no markup. The same priceNight channelViewOf uses, so the total charged is the sum
 * of the nights the booking engine was sent.
 *
 * With occupancy prices (the plan's occupancy settings or per-guest prices pushed), a party pays
 * the price for its number of guests, priced by the same occupancyPricer channels get theirs from,
 * plus the extra child amount for each child beyond the base occupancy when the plan sets one
 * (core/occupancy.ts chargedParty): 3 adults pay the 3-guest price.
 */
export function directBookingPricer(property: Property, today: IsoDate): StayNightPrice {
  const channel = directPricingChannel(property);
  const price = nightPricer(property, channel);
  const byGuests = occupancyPricer(property, channel, price);
  const decimals = currencyDecimals(property.currency);
  const maxOccupancy = new Map(property.roomTypes.map((r) => [r.code, r.maxOccupancy]));
  const occupancy = new Map(property.ratePlans.map((p) => [p.code, occupancyOf(property, p.code)]));
  return (night, counts, party) => {
    const ctx = { occupancy: counts, today };
    const prices = party ? byGuests(night, ctx) : undefined;
    if (!prices || !party) return price(night, ctx);
    const { guests, extraChildren } = chargedParty(party.adults, party.children, occupancy.get(night.ratePlan), maxOccupancy.get(night.roomType) ?? 1);
    const room = prices.byGuests[guests];
    if (room === undefined || extraChildren === 0) return room;
    return formatScaled(toScaled(room) + BigInt(extraChildren) * toScaled(prices.extraChild ?? '0'), decimals);
  };
}

/** The property's one `direct` channel, whose markup a direct booking pays; undefined for none or several. */
export function directPricingChannel(property: Pick<Property, 'channels'>): ChannelConfig | undefined {
  const direct = property.channels.filter((c) => c.type === 'direct');
  return direct.length === 1 ? direct[0] : undefined;
}

/**
 * Checks a stay against its rate plan's restrictions and prices it. Restrictions are read the way
 * channels read them: min/max stay and closed-to-arrival on the arrival night, closed-to-departure
 * on the departure date, stop-sell on every night. Each night costs what `price` makes of its
 * ledger rate and occupancy for the stay's party (adults and children per room).
 */
export function priceStay(
  stay: RoomStay,
  cells: ReadonlyMap<IsoDate, StayRateCell>,
  decimals: number,
  at: string,
  price: StayNightPrice,
): { total: string; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const nights = daysBetween(stay.checkIn, stay.checkOut);
  let sum = 0n;
  const arrival = cells.get(stay.checkIn);
  if (arrival?.closedToArrival) errors.push({ pointer: `${at}/checkIn`, detail: `closed to arrival on ${stay.checkIn}` });
  if (arrival?.minStay != null && nights < arrival.minStay) errors.push({ pointer: `${at}/checkOut`, detail: `minimum stay from ${stay.checkIn} is ${arrival.minStay} nights` });
  if (arrival?.maxStay != null && nights > arrival.maxStay) errors.push({ pointer: `${at}/checkOut`, detail: `maximum stay from ${stay.checkIn} is ${arrival.maxStay} nights` });
  if (cells.get(stay.checkOut)?.closedToDeparture) errors.push({ pointer: `${at}/checkOut`, detail: `closed to departure on ${stay.checkOut}` });
  for (let d = stay.checkIn; d < stay.checkOut; d = addDays(d, 1)) {
    const cell = cells.get(d);
    if (!cell || cell.rate === null) {
      errors.push({ pointer: `${at}/ratePlan`, detail: `no rate loaded for ${stay.ratePlan} on ${d}` });
      break;
    }
    if (cell.stopSell) {
      errors.push({ pointer: `${at}/ratePlan`, detail: `${stay.ratePlan} is closed (stop-sell) on ${d}` });
      break;
    }
    const party = stay.adults !== undefined ? { adults: stay.adults, children: stay.children } : undefined;
    const night = price({ roomType: stay.roomType, ratePlan: stay.ratePlan, date: d, amount: cell.rate, amountsByGuests: cell.rateByGuests }, cell.occupancy, party);
    if (night === undefined) {
      errors.push({ pointer: `${at}/adults`, detail: `${stay.ratePlan} has no price for ${(stay.adults ?? 1) + stay.children} guests on ${d}` });
      break;
    }
    sum += toScaled(night);
  }
  return { total: formatScaled(sum * BigInt(stay.rooms), decimals), errors };
}

export function sumAmounts(amounts: string[], decimals: number): string {
  return formatScaled(amounts.reduce((acc, a) => acc + toScaled(a), 0n), decimals);
}

/** Structural checks of stays against the property (codes, dates, occupancy). */
export function checkStays(property: Property, stays: RoomStay[], today: IsoDate): FieldError[] {
  const errors: FieldError[] = [];
  stays.forEach((s, i) => {
    const at = `/roomStays/${i}`;
    const roomType = findRoomType(property, s.roomType);
    const plan = findRatePlan(property, s.ratePlan);
    if (!roomType) errors.push({ pointer: `${at}/roomType`, detail: `unknown room type ${s.roomType}` });
    if (!plan) errors.push({ pointer: `${at}/ratePlan`, detail: `unknown rate plan ${s.ratePlan}` });
    else if (roomType && !plan.roomTypes.includes(roomType.code)) errors.push({ pointer: `${at}/ratePlan`, detail: `${plan.code} is not sold on ${roomType.code}` });
    if (s.checkOut <= s.checkIn) errors.push({ pointer: `${at}/checkOut`, detail: 'must be after checkIn' });
    else if (daysBetween(s.checkIn, s.checkOut) > 90) errors.push({ pointer: `${at}/checkOut`, detail: 'a stay may last at most 90 nights' });
    if (s.checkIn < today) errors.push({ pointer: `${at}/checkIn`, detail: `${s.checkIn} is in the past (today is ${today} at the property)` });
    if (roomType && (s.adults ?? 1) + s.children > roomType.maxOccupancy) {
      errors.push({ pointer: `${at}/adults`, detail: `${roomType.code} sleeps at most ${roomType.maxOccupancy}` });
    }
  });
  return errors;
}

export function throwIfErrors(errors: FieldError[]): void {
  if (errors.length > 0) throw new ValidationError(errors);
}
