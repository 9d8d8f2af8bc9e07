/**
 * AlpineBits RatePlans (action `OTA_HotelRatePlanNotif:RatePlans`): prices and booking rules per
 * rate plan in OTA_HotelRatePlanNotifRQ.
 *
 * What Tidewater sends, and why:
 *   - Only `RatePlanNotifType="Overlay"` (needs the server capability
 *     OTA_HotelRatePlanNotif_accept_overlay) and `Remove`. An Overlay changes the plan only for the
 *     periods it names, which is what a sync of changed cells is. `Full`/`New` would replace the
 *     whole plan and must carry its static data (static Rate with MealsIncluded, OfferRule,
 *     descriptions) that Tidewater does not hold.
 *   - An Overlay has no static Rate: every Rate is date-depending (InvTypeCode, Start, End).
 *   - Prices: a BaseByGuestAmt per NumberOfGuests from 1 to the room type's maximum
 *     (AgeQualifyingCode 10, AmountAfterTax: Tidewater publishes what the guest pays), each the
 *     room's price for that many guests: the plan's occupancy prices where it has them (`byGuests`),
 *     else the one room price for every count. This is exact on a plan the server defines as priced
 *     per room (static BaseByGuestAmt Type 25). AlpineBits forbids AmountAfterTax 0, so a zero price
 *     cannot be sent. Extra child amounts are not sent: AlpineBits AdditionalGuestAmounts for
 *     children are per age band (MinAge/MaxAge), which Tidewater's plans do not have.
 *   - Restrictions per room category: one BookingRule `CodeContext="ROOMTYPE" Code=<InvTypeCode>`
 *     per run of equal restrictions (capability ..._accept_RatePlan_RoomType_BookingRule), with
 *       minStay → LengthOfStay SetMinLOS, maxStay → SetMaxLOS (arrival based, as in OpenTravel);
 *       closedToArrival → DOW_Restrictions/ArrivalDaysOfWeek with every day 0 over exactly those
 *         nights (capability ..._accept_ArrivalDOW), left out when arrival is open;
 *       stopSell → RestrictionStatus Restriction="Master" Status="Close" (Open otherwise).
 *     Under Overlay a BookingRule replaces the rules for its period, so a limit that is no longer
 *     set is cleared by leaving it out.
 *   - closedToDeparture is NOT sent: AlpineBits' DepartureDaysOfWeek is a weekday pattern of the
 *     rule a stay falls under, not a closure of particular departure dates; expressing one closed
 *     night with it would also close other stays' departures on that weekday. The connector reports
 *     such cells as a warning instead of silently approximating them.
 *
 * Reading is tolerant (any notif type, generic rules without Code, a static Rate, Supplements and
 * Offers skipped with a warning), so the official examples and other clients' messages can be read.
 */
import { addDays, isIsoDate, WEEKDAYS, type IsoDate, type Weekday } from '../../core/dates';
import { currencyDecimals, formatScaled, isDecimalString, isKnownCurrency, isNegativeAmount, toScaled } from '../../core/money';
import type { XmlWarning } from '../xml/errors';
import { attribute, childElement, childElements, errorAt, type ParseXmlOptions, type XmlElement } from '../xml/parse';
import { renderXmlDocument, type XmlNode } from '../xml/write';
import { assertLength, formatTimeStamp, isCompleteSet, OTA_NAMESPACE, readDate, readHeader, readInteger, requireAttribute, rootOf, warn, type OtaHeader } from '../opentravel/common';
import { baseOccupancy, type OccupancyRate } from '../opentravel/hotel-rate-amount-notif';
import { assertRoomCategory } from './free-rooms';

export const RATE_PLAN_NOTIF_ROOT = 'OTA_HotelRatePlanNotifRQ';
const SCHEMA_VERSION = '1.000';
/** Adult, in the OpenTravel Age Qualifying Code list. */
const ADULT = '10';

export type RatePlanNotifType = 'New' | 'Full' | 'Overlay' | 'Remove';

export interface BookingRuleInput {
  /** Room category the rule is for (BookingRule Code with CodeContext ROOMTYPE). */
  roomType: string;
  from: IsoDate;
  to: IsoDate;
  minStay: number | null;
  maxStay: number | null;
  closedToArrival: boolean;
  stopSell: boolean;
}

export interface RateInput {
  roomType: string;
  from: IsoDate;
  to: IsoDate;
  /** Price per room and night, a decimal string in the plan's currency. */
  amount: string;
  /** The NumberOfGuests values to price (the room price applies to each, unless `byGuests` has its own). */
  guests: readonly number[];
  /**
   * Occupancy prices: the room's price per number of guests (keys "1", "2", …). Given, a count of
   * `guests` without a price here is left out (a price Tidewater does not sell it at).
   */
  byGuests?: Readonly<Record<string, string>>;
}

export interface RatePlanInput {
  ratePlan: string;
  notifType?: 'Overlay' | 'Remove';
  currency: string;
  bookingRules?: readonly BookingRuleInput[];
  rates?: readonly RateInput[];
}

export interface RatePlansInput {
  hotelCode: string;
  hotelName?: string;
  ratePlans: readonly RatePlanInput[];
  timeStamp?: string | Date;
}

export function renderRatePlans(input: RatePlansInput, now: () => Date = () => new Date()): string {
  assertLength(input.hotelCode, 16, 'hotelCode');
  if (input.ratePlans.length === 0) throw new RangeError(`an ${RATE_PLAN_NOTIF_ROOT} needs at least one rate plan`);
  const plans = input.ratePlans.map((plan, i) => renderRatePlan(plan, `/ratePlans/${i}`));
  return renderXmlDocument({
    name: RATE_PLAN_NOTIF_ROOT,
    attributes: { xmlns: OTA_NAMESPACE, Version: SCHEMA_VERSION, TimeStamp: formatTimeStamp(input.timeStamp ?? now()) },
    children: [{ name: 'RatePlans', attributes: { HotelCode: input.hotelCode, HotelName: input.hotelName?.slice(0, 128) }, children: plans }],
  });
}

function renderRatePlan(plan: RatePlanInput, where: string): XmlNode {
  assertLength(plan.ratePlan, 64, `${where}/ratePlan`);
  if (!isKnownCurrency(plan.currency)) throw new RangeError(`${where}/currency must be an ISO 4217 code; got "${plan.currency}"`);
  const notifType = plan.notifType ?? 'Overlay';
  const rules = plan.bookingRules ?? [];
  const rates = plan.rates ?? [];
  if (notifType === 'Remove' && (rules.length > 0 || rates.length > 0)) throw new RangeError(`${where}: a Remove carries no booking rules or rates`);
  if (notifType === 'Overlay' && rules.length === 0 && rates.length === 0) throw new RangeError(`${where}: an Overlay needs at least one booking rule or rate`);
  assertNoOverlap(rules, `${where}/bookingRules`);
  assertNoOverlap(rates, `${where}/rates`);
  const decimals = currencyDecimals(plan.currency);
  return {
    name: 'RatePlan',
    attributes: { RatePlanNotifType: notifType, CurrencyCode: plan.currency, RatePlanCode: plan.ratePlan },
    children: [
      rules.length > 0 && { name: 'BookingRules', children: rules.map((rule, i) => renderBookingRule(rule, `${where}/bookingRules/${i}`)) },
      rates.length > 0 && { name: 'Rates', children: rates.map((rate, i) => renderRate(rate, decimals, `${where}/rates/${i}`)) },
    ],
  };
}

function renderBookingRule(rule: BookingRuleInput, where: string): XmlNode {
  assertRoomCategory(rule.roomType, `${where}/roomType`);
  assertRange(rule, where);
  const stays: XmlNode[] = [];
  for (const [value, type, field] of [
    [rule.minStay, 'SetMinLOS', 'minStay'],
    [rule.maxStay, 'SetMaxLOS', 'maxStay'],
  ] as const) {
    if (value === null) continue;
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`${where}/${field} must be a whole number ≥ 1`);
    stays.push({ name: 'LengthOfStay', attributes: { Time: value, TimeUnit: 'Day', MinMaxMessageType: type } });
  }
  if (rule.minStay !== null && rule.maxStay !== null && rule.minStay > rule.maxStay) throw new RangeError(`${where}: minStay ${rule.minStay} is above maxStay ${rule.maxStay}`);
  const closedDays = Object.fromEntries(DOW_ATTRIBUTES.map(([, name]) => [name, '0']));
  return {
    name: 'BookingRule',
    attributes: { CodeContext: 'ROOMTYPE', Code: rule.roomType, Start: rule.from, End: rule.to },
    children: [
      stays.length > 0 && { name: 'LengthsOfStay', children: stays },
      rule.closedToArrival && { name: 'DOW_Restrictions', children: [{ name: 'ArrivalDaysOfWeek', attributes: closedDays }] },
      { name: 'RestrictionStatus', attributes: { Restriction: 'Master', Status: rule.stopSell ? 'Close' : 'Open' } },
    ],
  };
}

function renderRate(rate: RateInput, decimals: number, where: string): XmlNode {
  assertRoomCategory(rate.roomType, `${where}/roomType`);
  assertRange(rate, where);
  if (!isDecimalString(rate.amount) || isNegativeAmount(rate.amount) || toScaled(rate.amount) === 0n) {
    throw new RangeError(`${where}/amount must be a decimal amount above 0 for AlpineBits; got "${rate.amount}"`);
  }
  if (rate.guests.length === 0) throw new RangeError(`${where}/guests must name at least one occupancy`);
  if (new Set(rate.guests).size !== rate.guests.length || rate.guests.some((g) => !Number.isInteger(g) || g < 1)) {
    throw new RangeError(`${where}/guests must be distinct whole numbers ≥ 1`);
  }
  const written = (value: string) => formatScaled(toScaled(value), Math.max(decimals, decimalsOf(value)));
  const priced = [...rate.guests]
    .sort((a, b) => a - b)
    .map((guests) => [guests, rate.byGuests ? rate.byGuests[String(guests)] : rate.amount] as const)
    .filter((entry): entry is readonly [number, string] => entry[1] !== undefined);
  for (const [guests, amount] of priced) {
    if (!isDecimalString(amount) || toScaled(amount) <= 0n) throw new RangeError(`${where}/byGuests/${guests} must be a decimal amount above 0 for AlpineBits; got "${amount}"`);
  }
  if (priced.length === 0) throw new RangeError(`${where}/byGuests has no price for any of the guest counts ${rate.guests.join(', ')}`);
  return {
    name: 'Rate',
    attributes: { InvTypeCode: rate.roomType, Start: rate.from, End: rate.to },
    children: [
      {
        name: 'BaseByGuestAmts',
        children: priced.map(([guests, amount]) => ({ name: 'BaseByGuestAmt', attributes: { NumberOfGuests: guests, AgeQualifyingCode: ADULT, AmountAfterTax: written(amount) } })),
      },
    ],
  };
}

function decimalsOf(amount: string): number {
  const dot = amount.indexOf('.');
  return dot < 0 ? 0 : amount.length - dot - 1;
}

function assertRange(target: { from: IsoDate; to: IsoDate }, where: string): void {
  if (!isIsoDate(target.from) || !isIsoDate(target.to)) throw new RangeError(`${where}: from/to must be dates in YYYY-MM-DD form`);
  if (target.from > target.to) throw new RangeError(`${where}: from (${target.from}) is after to (${target.to})`);
}

/** AlpineBits servers refuse overlapping periods for one room category (which one would win?). */
function assertNoOverlap(items: ReadonlyArray<{ roomType: string; from: IsoDate; to: IsoDate }>, where: string): void {
  const sorted = [...items].sort((a, b) => (a.roomType + a.from < b.roomType + b.from ? -1 : 1));
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1] as (typeof sorted)[number];
    const b = sorted[i] as (typeof sorted)[number];
    if (a.roomType === b.roomType && b.from <= a.to) throw new RangeError(`${where}: periods of ${a.roomType} overlap (${a.from}…${a.to} and ${b.from}…${b.to})`);
  }
}

const DOW_ATTRIBUTES: ReadonlyArray<readonly [Weekday, string]> = [
  ['mon', 'Mon'],
  ['tue', 'Tue'],
  ['wed', 'Weds'],
  ['thu', 'Thur'],
  ['fri', 'Fri'],
  ['sat', 'Sat'],
  ['sun', 'Sun'],
];

// ---------------------------------------------------------------------------------------------
// Reading

export interface ReadBookingRule {
  /** Absent: a generic rule for every room category of the plan. */
  roomType?: string;
  from: IsoDate;
  to: IsoDate;
  minStay?: number;
  maxStay?: number;
  /** Weekdays on which arrival is allowed; absent when the rule has no ArrivalDaysOfWeek. */
  arrivalDays?: Weekday[];
  departureDays?: Weekday[];
  /** RestrictionStatus Master: Close is a stop sell. */
  status?: 'Open' | 'Close';
}

export interface ReadRate {
  roomType?: string;
  from: IsoDate;
  to: IsoDate;
  /** Every BaseByGuestAmt, amounts in the plan's currency decimals. */
  occupancyRates: OccupancyRate[];
  /** The base occupancy price (see baseOccupancy in the OpenTravel rate mapper). */
  amount: string;
}

export interface ReadRatePlan {
  ratePlan: string;
  notifType: RatePlanNotifType;
  currency?: string;
  /** From the static Rate (Type 7 per person, 25 per room), when the message has one. */
  amountType?: 'per-person' | 'per-room';
  bookingRules: ReadBookingRule[];
  rates: ReadRate[];
}

export interface RatePlanNotifMessage extends OtaHeader {
  hotelCode: string;
  hotelName?: string;
  completeSet: boolean;
  ratePlans: ReadRatePlan[];
  warnings: XmlWarning[];
}

const NOTIF_TYPES: readonly RatePlanNotifType[] = ['New', 'Full', 'Overlay', 'Remove'];
const STAY_RANGE = { min: 0, max: 999 };
const GUESTS_RANGE = { min: 1, max: 99 };

export function readRatePlanNotif(input: string | Uint8Array | XmlElement, options: ParseXmlOptions = {}): RatePlanNotifMessage {
  const root = rootOf(input, RATE_PLAN_NOTIF_ROOT, options);
  const warnings: XmlWarning[] = [];
  const container = childElement(root, 'RatePlans');
  if (!container) throw errorAt(root, 'missing-field', '<RatePlans> is required');
  const hotelCode = requireAttribute(container, 'HotelCode');
  const hotelName = attribute(container, 'HotelName');
  const ratePlans = childElements(container, 'RatePlan').map((plan) => readRatePlan(plan, warnings));
  return {
    ...readHeader(root),
    hotelCode,
    ...(hotelName !== undefined ? { hotelName } : {}),
    completeSet: isCompleteSet(root),
    ratePlans,
    warnings,
  };
}

function readRatePlan(plan: XmlElement, warnings: XmlWarning[]): ReadRatePlan {
  const ratePlan = requireAttribute(plan, 'RatePlanCode');
  const rawType = attribute(plan, 'RatePlanNotifType');
  const notifType = NOTIF_TYPES.find((t) => t === rawType);
  if (notifType === undefined) throw errorAt(plan, rawType === undefined ? 'missing-field' : 'unsupported-value', `RatePlanNotifType must be New, Full, Overlay or Remove; got ${rawType ?? 'none'}`);
  const rawCurrency = attribute(plan, 'CurrencyCode');
  const currency = rawCurrency?.toUpperCase();
  if (currency !== undefined && !isKnownCurrency(currency)) throw errorAt(plan, 'invalid-currency', `CurrencyCode "${rawCurrency}" is not an ISO 4217 currency`);
  const bookingRules = childElements(childElement(plan, 'BookingRules') ?? plan, 'BookingRule').map((rule) => readBookingRule(rule, warnings));
  let amountType: ReadRatePlan['amountType'];
  const rates: ReadRate[] = [];
  for (const rate of childElements(childElement(plan, 'Rates') ?? plan, 'Rate')) {
    if (attribute(rate, 'Start') === undefined && attribute(rate, 'End') === undefined && attribute(rate, 'InvTypeCode') === undefined) {
      // The static Rate: what the amounts of this plan mean, not a price.
      const type = attribute(childElement(childElement(rate, 'BaseByGuestAmts') ?? rate, 'BaseByGuestAmt') ?? rate, 'Type');
      if (type === '7') amountType = 'per-person';
      else if (type === '25') amountType = 'per-room';
      continue;
    }
    rates.push(readRate(rate, currency, warnings));
  }
  for (const skipped of ['Supplements', 'Offers']) {
    const element = childElement(plan, skipped);
    if (element) warn(warnings, element, `${skipped} are not kept by Tidewater and were ignored`);
  }
  return { ratePlan, notifType, ...(currency !== undefined ? { currency } : {}), ...(amountType ? { amountType } : {}), bookingRules, rates };
}

function readPeriod(element: XmlElement): { from: IsoDate; to: IsoDate } {
  const from = readDate(element, 'Start');
  const to = readDate(element, 'End');
  if (from === undefined) throw errorAt(element, 'missing-field', 'Start is required');
  if (to === undefined) throw errorAt(element, 'missing-field', 'End is required');
  if (from > to) throw errorAt(element, 'invalid-date-range', `Start (${from}) is after End (${to}); End is the last night, inclusive`);
  return { from, to };
}

function readBookingRule(rule: XmlElement, warnings: XmlWarning[]): ReadBookingRule {
  const period = readPeriod(rule);
  const out: ReadBookingRule = { ...period };
  const code = attribute(rule, 'Code');
  if (code !== undefined) {
    const context = attribute(rule, 'CodeContext');
    if (context !== undefined && context !== 'ROOMTYPE') throw errorAt(rule, 'unsupported-value', `CodeContext ${context} is not supported; only ROOMTYPE`);
    out.roomType = code;
  }
  for (const los of childElements(childElement(rule, 'LengthsOfStay') ?? rule, 'LengthOfStay')) {
    const type = attribute(los, 'MinMaxMessageType');
    const time = readInteger(los, 'Time', STAY_RANGE);
    if (time === undefined) throw errorAt(los, 'missing-field', 'Time is required');
    if (type === 'SetMinLOS') {
      if (time > 0) out.minStay = time;
    } else if (type === 'SetMaxLOS') {
      if (time > 0) out.maxStay = time;
    } else {
      // Stay-through limits apply to every night of a stay; Tidewater's limits are by arrival.
      warn(warnings, los, `MinMaxMessageType ${type ?? '(none)'} is not kept by Tidewater and was ignored`);
    }
  }
  const dow = childElement(rule, 'DOW_Restrictions');
  const arrival = dow ? childElement(dow, 'ArrivalDaysOfWeek') : undefined;
  const departure = dow ? childElement(dow, 'DepartureDaysOfWeek') : undefined;
  if (arrival) out.arrivalDays = readAllowedDays(arrival);
  if (departure) out.departureDays = readAllowedDays(departure);
  const status = childElement(rule, 'RestrictionStatus');
  if (status) {
    const value = attribute(status, 'Status');
    if (value !== 'Open' && value !== 'Close') throw errorAt(status, 'invalid-value', `Status must be Open or Close; got ${value ?? 'none'}`);
    out.status = value;
  }
  return out;
}

/** A weekday left out of a DaysOfWeek element is allowed: only an explicit 0/false closes it. */
function readAllowedDays(element: XmlElement): Weekday[] {
  return DOW_ATTRIBUTES.filter(([, name]) => {
    const value = attribute(element, name)?.toLowerCase();
    if (value === undefined || value === '1' || value === 'true') return true;
    if (value === '0' || value === 'false') return false;
    throw errorAt(element, 'invalid-value', `${name} must be 1, 0, true or false; got "${value}"`);
  }).map(([day]) => day);
}

function readRate(rate: XmlElement, currency: string | undefined, warnings: XmlWarning[]): ReadRate {
  const period = readPeriod(rate);
  const roomType = attribute(rate, 'InvTypeCode');
  const occupancyRates: OccupancyRate[] = [];
  for (const amt of childElements(childElement(rate, 'BaseByGuestAmts') ?? rate, 'BaseByGuestAmt')) {
    const raw = attribute(amt, 'AmountAfterTax');
    if (raw === undefined) throw errorAt(amt, 'missing-field', 'AmountAfterTax is required');
    if (!isDecimalString(raw) || isNegativeAmount(raw)) throw errorAt(amt, 'invalid-value', `AmountAfterTax must be a decimal amount such as 129.00; got "${raw}"`);
    const guests = readInteger(amt, 'NumberOfGuests', GUESTS_RANGE);
    if (occupancyRates.some((o) => o.guests === guests)) throw errorAt(amt, 'invalid-value', `two BaseByGuestAmt for NumberOfGuests ${guests ?? '(none)'}`);
    occupancyRates.push({ ...(guests !== undefined ? { guests } : {}), amount: inCurrency(raw, currency) });
  }
  if (occupancyRates.length === 0) throw errorAt(rate, 'missing-field', 'a Rate with Start and End needs a BaseByGuestAmt');
  if (childElement(rate, 'AdditionalGuestAmounts')) warn(warnings, rate, 'AdditionalGuestAmounts are not kept by Tidewater and were ignored');
  return { ...(roomType !== undefined ? { roomType } : {}), ...period, occupancyRates, amount: baseOccupancy(occupancyRates).amount };
}

/** Written in the currency's decimals when that loses nothing; finer amounts are kept as sent. */
function inCurrency(raw: string, currency: string | undefined): string {
  if (currency === undefined) return raw;
  const scaled = toScaled(raw);
  const formatted = formatScaled(scaled, currencyDecimals(currency));
  return toScaled(formatted) === scaled ? formatted : raw;
}

// ---------------------------------------------------------------------------------------------
// Into the ledger

/** What Tidewater knows about the plan a RatePlan element names, already resolved to its codes. */
export interface RatePlanTarget {
  /** Tidewater's rate plan code. */
  ratePlan: string;
  /** Tidewater room types the plan is sold on: where a generic BookingRule applies. */
  roomTypes: readonly string[];
  /** A derived plan gets its rates from its parent: a Full does not close nights it sends no rate for. */
  derived: boolean;
  /** The message's room category code as Tidewater's room type (undefined: the caller reports it). */
  roomTypeOf(code: string): string | undefined;
  /** Whether BaseByGuestAmt amounts are per person (static Type 7) or per room (Type 25). */
  amounts: 'per-person' | 'per-room' | undefined;
  /** The first night the ledger takes (anything before is in the past and dropped). */
  earliest: IsoDate;
  /** The last night the ledger holds a rate cell of the plan, if any: how far Full and Remove reach. */
  heldUntil: IsoDate | undefined;
}

export interface RatePlanLedgerResult {
  updates: RatePlanLedgerUpdate[];
  /** Per update, the part of the message it comes from, to say where a ledger refusal points. */
  origins: string[];
  /** What was not applied, or applied otherwise than sent. */
  notes: string[];
}

export interface RatePlanLedgerUpdate {
  roomType: string;
  ratePlan: string;
  from: IsoDate;
  to: IsoDate;
  days?: Weekday[];
  rate?: string;
  minStay?: number | null;
  maxStay?: number | null;
  closedToArrival?: boolean;
  closedToDeparture?: boolean;
  stopSell?: boolean;
}

/**
 * One RatePlan as ledger updates (the JSON ARI batch's shape), applied in order with later updates
 * winning field by field. The meaning of AlpineBits' notification types in what the ledger keeps
 * (a rate per room type and night, min/max stay, arrival and departure closures, stop sell):
 *   - Overlay: each BookingRule replaces the restrictions of its nights (a limit it does not set is
 *     cleared), for its room category or, without Code, for every room type of the plan; generic
 *     rules first, so a room category's own rule wins where both apply. ArrivalDaysOfWeek /
 *     DepartureDaysOfWeek close arrival / departure on the weekdays they exclude, on the rule's
 *     nights. RestrictionStatus Close is a stop sell. Each Rate sets the rate of its room category
 *     on its nights (Start…End, End the last night). Nothing else changes.
 *   - Full (New is its older name): the plan is replaced. Over the nights from `earliest` to the
 *     later of the last night sent and the last night held, restrictions not set by a rule are
 *     cleared and, unless the plan is derived, nights without a Rate are closed (stop sell): a plan
 *     without a price there cannot be sold, and Tidewater cannot delete a rate.
 *   - Remove: the plan stops selling (stop sell on every night held from `earliest` on); the plan
 *     itself is configuration and stays in the property document.
 * The rate is the amount for the base occupancy (baseOccupancy: two guests, else the nearest below,
 * else the fewest), times its guests when amounts are per person, since Tidewater keeps the price
 * of the room. Nights before `earliest` are dropped and said in `notes`.
 */
export function ratePlanLedgerUpdates(plan: ReadRatePlan, target: RatePlanTarget, decimals: number): RatePlanLedgerResult {
  const notes: string[] = [];
  const updates: RatePlanLedgerUpdate[] = [];
  const origins: string[] = [];
  const ratePlan = target.ratePlan;
  const clip = (period: { from: IsoDate; to: IsoDate }, what: string): { from: IsoDate; to: IsoDate } | undefined => {
    if (period.to < target.earliest) {
      notes.push(`${what} ${period.from}…${period.to} is in the past and was not applied`);
      return undefined;
    }
    return { from: period.from < target.earliest ? target.earliest : period.from, to: period.to };
  };

  if (plan.notifType === 'Remove') {
    if (target.heldUntil === undefined || target.heldUntil < target.earliest) {
      notes.push(`rate plan ${plan.ratePlan} has no nights to close`);
      return { updates, origins, notes };
    }
    for (const roomType of target.roomTypes) {
      for (const span of spans(target.earliest, target.heldUntil)) {
        updates.push({ roomType, ratePlan, ...span, stopSell: true });
        origins.push(`Remove (${roomType})`);
      }
    }
    return { updates, origins, notes };
  }

  const full = plan.notifType === 'Full' || plan.notifType === 'New';
  const rules: Sourced[] = [];
  // Generic rules first: a room category's own rule, applied after, wins where both apply.
  const ordered = [...plan.bookingRules.filter((r) => r.roomType === undefined), ...plan.bookingRules.filter((r) => r.roomType !== undefined)];
  for (const rule of ordered) {
    const period = clip(rule, 'a BookingRule for');
    if (!period) continue;
    const roomTypes = rule.roomType === undefined ? target.roomTypes : [target.roomTypeOf(rule.roomType)].filter((c): c is string => c !== undefined);
    const closedArrival = WEEKDAYS.filter((d) => rule.arrivalDays !== undefined && !rule.arrivalDays.includes(d));
    const closedDeparture = WEEKDAYS.filter((d) => rule.departureDays !== undefined && !rule.departureDays.includes(d));
    const origin = (roomType: string) => `BookingRule ${rule.roomType !== undefined ? `${rule.roomType} ` : ''}${rule.from}…${rule.to} (${roomType})`;
    for (const roomType of roomTypes) {
      rules.push({
        origin: origin(roomType),
        roomType,
        ratePlan,
        ...period,
        minStay: rule.minStay ?? null,
        maxStay: rule.maxStay ?? null,
        closedToArrival: false,
        closedToDeparture: false,
        stopSell: rule.status === 'Close',
      });
      if (closedArrival.length > 0) rules.push({ origin: origin(roomType), roomType, ratePlan, ...period, ...daysOf(closedArrival), closedToArrival: true });
      if (closedDeparture.length > 0) rules.push({ origin: origin(roomType), roomType, ratePlan, ...period, ...daysOf(closedDeparture), closedToDeparture: true });
    }
  }

  const rates: Sourced[] = [];
  const priced = new Map<string, Array<{ from: IsoDate; to: IsoDate }>>();
  if (plan.rates.length > 0 && target.amounts === undefined) {
    throw new RangeError(
      `rate plan ${plan.ratePlan}: Tidewater does not know whether its amounts are per person or per room; send the plan once with RatePlanNotifType Full and its static Rate (BaseByGuestAmt Type 7 or 25)`,
    );
  }
  for (const rate of plan.rates) {
    const period = clip(rate, 'a Rate for');
    if (!period) continue;
    if (rate.roomType === undefined) notes.push(`a Rate without InvTypeCode (${rate.from}…${rate.to}) was applied to every room type of ${ratePlan}`);
    const roomTypes = rate.roomType === undefined ? target.roomTypes : [target.roomTypeOf(rate.roomType)].filter((c): c is string => c !== undefined);
    const base = baseOccupancy(rate.occupancyRates);
    const perPerson = target.amounts === 'per-person';
    const amount = formatScaled(toScaled(base.amount) * BigInt(perPerson ? (base.guests ?? 1) : 1), Math.max(decimals, decimalsOf(base.amount)));
    for (const roomType of roomTypes) {
      rates.push({ origin: `Rate ${rate.roomType ?? ''} ${rate.from}…${rate.to} (${roomType})`.replace('Rate  ', 'Rate '), roomType, ratePlan, ...period, rate: amount });
      priced.set(roomType, [...(priced.get(roomType) ?? []), period]);
    }
  }

  if (!full) return unzip([...rules, ...rates], notes);

  const lastSent = [...plan.bookingRules, ...plan.rates].reduce<IsoDate | undefined>((max, p) => (max === undefined || p.to > max ? p.to : max), undefined);
  const until = [lastSent, target.heldUntil].reduce<IsoDate | undefined>((max, d) => (d !== undefined && (max === undefined || d > max) ? d : max), undefined);
  if (until === undefined || until < target.earliest) return unzip([...rules, ...rates], notes);
  const resets: Sourced[] = [];
  const closes: Sourced[] = [];
  for (const roomType of target.roomTypes) {
    for (const span of spans(target.earliest, until)) {
      resets.push({ origin: `${plan.notifType}: restrictions cleared (${roomType})`, roomType, ratePlan, ...span, minStay: null, maxStay: null, closedToArrival: false, closedToDeparture: false, stopSell: false });
    }
    if (target.derived) continue;
    for (const gap of gaps(target.earliest, until, priced.get(roomType) ?? [])) {
      for (const span of spans(gap.from, gap.to)) closes.push({ origin: `${plan.notifType}: nights without a Rate closed (${roomType})`, roomType, ratePlan, ...span, stopSell: true });
    }
  }
  return unzip([...resets, ...rules, ...rates, ...closes], notes);
}

type Sourced = RatePlanLedgerUpdate & { origin: string };

function unzip(sourced: readonly Sourced[], notes: string[]): RatePlanLedgerResult {
  return { updates: sourced.map(({ origin: _origin, ...update }) => update), origins: sourced.map((s) => s.origin), notes };
}

function daysOf(days: readonly Weekday[]): { days?: Weekday[] } {
  return days.length === WEEKDAYS.length ? {} : { days: [...days] };
}

/** The nights of from…to that none of `covered` includes, as runs. */
function gaps(from: IsoDate, to: IsoDate, covered: ReadonlyArray<{ from: IsoDate; to: IsoDate }>): Array<{ from: IsoDate; to: IsoDate }> {
  const out: Array<{ from: IsoDate; to: IsoDate }> = [];
  let cursor = from;
  for (const c of [...covered].sort((a, b) => (a.from < b.from ? -1 : 1))) {
    if (c.to < cursor) continue;
    if (c.from > cursor) out.push({ from: cursor, to: addDays(c.from, -1) < to ? addDays(c.from, -1) : to });
    cursor = addDays(c.to, 1);
    if (cursor > to) return out;
  }
  if (cursor <= to) out.push({ from: cursor, to });
  return out.filter((g) => g.from <= g.to);
}

/** from…to in pieces of at most a year: one ledger update may cover at most three. */
function spans(from: IsoDate, to: IsoDate): Array<{ from: IsoDate; to: IsoDate }> {
  const out: Array<{ from: IsoDate; to: IsoDate }> = [];
  for (let start = from; start <= to; start = addDays(start, 366)) {
    const end = addDays(start, 365);
    out.push({ from: start, to: end < to ? end : to });
  }
  return out;
}
