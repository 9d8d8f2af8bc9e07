import { z } from 'zod';
import { addDays, daysBetween, isIsoDate, type IsoDate } from './dates';
import { ValidationError, type FieldError } from './errors';
import { formatScaled, toScaled } from './money';
import { nightPricer, type NightRate } from './channel-view';
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
    adults: z.number().int().min(1).max(20).default(1),
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
  minStay: number | null;
  maxStay: number | null;
  closedToArrival: boolean;
  closedToDeparture: boolean;
  stopSell: boolean;
  /** The night's counts before this booking: the occupancy the guest was shown a price for. */
  occupancy: NightCounts;
}

/** The price of one night of a stay from its ledger rate and counts (see directBookingPricer). */
export type StayNightPrice = (night: NightRate, occupancy: NightCounts) => string;

/**
 * How direct bookings are priced: like the property's booking engine shows them. The pricing rules
 * apply to every night (what every channel's view gets), and the markup of the property's `direct`
 * channel when it has exactly one; with none, or with several (nothing says which one the guest
 * booked on), no markup. The same priceNight channelViewOf uses, so the total charged is the sum
 * of the nights the booking engine was sent.
 */
export function directBookingPricer(property: Property, today: IsoDate): StayNightPrice {
  const price = nightPricer(property, directPricingChannel(property));
  return (night, occupancy) => price(night, { occupancy, today });
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
 * ledger rate and occupancy.
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
    sum += toScaled(price({ roomType: stay.roomType, ratePlan: stay.ratePlan, date: d, amount: cell.rate }, cell.occupancy));
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
    if (roomType && s.adults + s.children > roomType.maxOccupancy) {
      errors.push({ pointer: `${at}/adults`, detail: `${roomType.code} sleeps at most ${roomType.maxOccupancy}` });
    }
  });
  return errors;
}

export function throwIfErrors(errors: FieldError[]): void {
  if (errors.length > 0) throw new ValidationError(errors);
}
