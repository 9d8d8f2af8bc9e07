/**
 * OTA_HotelRateAmountNotifRQ ⇄ ARI rate updates.
 *
 * Base occupancy rule (which BaseByGuestAmt becomes `AriUpdate.rate`):
 *   1. the amount without NumberOfGuests: it is the room's price whoever stays;
 *   2. otherwise the one for the most guests up to 2, the standard double occupancy that hotel
 *      rates are quoted at (2 beats 1);
 *   3. otherwise (only prices for 3+ guests) the one for the fewest guests.
 * Every BaseByGuestAmt is kept in `rates[i].occupancyRates` (the ledger keeps only the base one
 * from an inbound message for now).
 *
 * Rendering: an update with `rateByGuests` becomes one BaseByGuestAmt per NumberOfGuests, in
 * ascending order, each with AgeQualifyingCode 10 (adult: the counts are guests priced as adults;
 * children beyond the base occupancy go in AdditionalGuestAmounts, AgeQualifyingCode 8). Without
 * it, one BaseByGuestAmt without NumberOfGuests: the room's price whoever stays.
 *
 * Amounts honour DecimalPlaces the OpenTravel way: it gives the implied decimals of an amount
 * written without a decimal point (AmountAfterTax="12900" DecimalPlaces="2" is 129.00); an amount
 * with a point is taken as written. AmountAfterTax is preferred to AmountBeforeTax when both are
 * sent, since Tidewater publishes what the guest pays.
 */
import type { AriUpdate } from '../../core/ari';
import { currencyDecimals, decimalPlaces, formatScaled, isDecimalString, isKnownCurrency, isNegativeAmount, toScaled } from '../../core/money';
import type { XmlWarning } from '../xml/errors';
import { attribute, childElement, childElements, errorAt, type XmlElement } from '../xml/parse';
import { renderXmlDocument, type XmlAttributeValue, type XmlNode } from '../xml/write';
import {
  assertLength,
  assertOnlyFields,
  headerAttributes,
  readHeader,
  readInteger,
  readTarget,
  readDate,
  readWeekdays,
  requireAttribute,
  rootOf,
  statusApplicationControl,
  warn,
  type AriTarget,
  type OtaHeader,
  type OtaHeaderInput,
  type ReadOptions,
} from './common';
import { detectStandard } from './standard';

export const HOTEL_RATE_AMOUNT_NOTIF_RQ = 'OTA_HotelRateAmountNotifRQ';
const SCHEMA_VERSION = '5.000';

export interface OccupancyRate {
  /** Absent: the amount applies to any number of guests. */
  guests?: number;
  amount: string;
  /** Rendered when given (the reader does not keep it): OpenTravel AQC, 10 adult. */
  ageQualifyingCode?: string;
}

export interface AdditionalGuestAmount {
  amount: string;
  /** OpenTravel Age Qualifying Code (AQC): 10 adult, 8 child, 7 infant. */
  ageQualifyingCode?: string;
  maxAdditionalGuests?: number;
}

/** Everything a Rate said, beyond the base amount that went into the update. */
export interface RateAmountDetail {
  currency?: string;
  taxes: 'included' | 'excluded';
  occupancyRates: OccupancyRate[];
  additionalGuestAmounts: AdditionalGuestAmount[];
}

export interface HotelRateAmountNotifMessage extends OtaHeader {
  hotelCode: string;
  notifType?: 'Delta' | 'Overlay' | 'Remove';
  updates: AriUpdate[];
  /** One per update, same order. */
  rates: RateAmountDetail[];
  warnings: XmlWarning[];
}

export interface HotelRateAmountNotifInput extends OtaHeaderInput {
  hotelCode: string;
  updates: readonly AriUpdate[];
  /** Currency of every update's rate; required unless each `rates[i]` names one. */
  currency?: string;
  /** Default 'included' (AmountAfterTax). */
  taxes?: 'included' | 'excluded';
  /** Per update (same index): occupancy prices to send instead of the single base amount. */
  rates?: ReadonlyArray<RateAmountDetail | undefined>;
  notifType?: 'Delta' | 'Overlay' | 'Remove';
}

const GUESTS_RANGE = { min: 1, max: 999 };
/** OpenTravel Age Qualifying Code (AQC) list. */
export const ADULT = '10';
export const CHILD = '8';
const DECIMALS_RANGE = { min: 0, max: 8 };
const NOTIF_TYPES = ['Delta', 'Overlay', 'Remove'] as const;

export function readHotelRateAmountNotif(input: string | Uint8Array | XmlElement, options: ReadOptions = {}): HotelRateAmountNotifMessage {
  const root = rootOf(input, HOTEL_RATE_AMOUNT_NOTIF_RQ, options);
  const standard = options.standard ?? detectStandard(root);
  const warnings: XmlWarning[] = [];
  const container = childElement(root, 'RateAmountMessages');
  if (!container) throw errorAt(root, 'missing-field', '<RateAmountMessages> is required');
  const hotelCode = requireAttribute(container, 'HotelCode');
  const notifType = NOTIF_TYPES.find((t) => t === attribute(root, 'NotifType'));
  if (notifType === 'Remove') {
    throw errorAt(root, 'unsupported-value', 'NotifType Remove is not supported; send the rates to keep (stop sell closes a plan)');
  }

  const updates: AriUpdate[] = [];
  const rates: RateAmountDetail[] = [];
  for (const message of childElements(container, 'RateAmountMessage')) {
    const sac = childElement(message, 'StatusApplicationControl');
    if (!sac) throw errorAt(message, 'missing-field', '<StatusApplicationControl> is required: it says which room type, rate plan and dates the rate is for');
    const target = readTarget(sac, { standard, warnings });
    if (target.ratePlan === undefined) throw errorAt(sac, 'missing-field', 'RatePlanCode is required: a rate belongs to a rate plan');
    const rateList = childElement(message, 'Rates');
    const rateElements = rateList ? childElements(rateList, 'Rate') : [];
    if (rateElements.length === 0) warn(warnings, message, 'a RateAmountMessage without Rates sets nothing; skipped');
    for (const rate of rateElements) {
      const read = readRate(rate, target, warnings);
      if (!read) continue;
      updates.push(read.update);
      rates.push(read.detail);
    }
  }
  return { ...readHeader(root), hotelCode, ...(notifType ? { notifType } : {}), updates, rates, warnings };
}

function readRate(rate: XmlElement, target: AriTarget, warnings: XmlWarning[]): { update: AriUpdate; detail: RateAmountDetail } | undefined {
  // A Rate may narrow the message's dates and weekdays with its own Start/End and pattern.
  const from = readDate(rate, 'Start') ?? target.from;
  const to = readDate(rate, 'End') ?? (readDate(rate, 'Start') !== undefined ? from : target.to);
  if (from > to) throw errorAt(rate, 'invalid-date-range', `Start (${from}) is after End (${to}); End is the last night, inclusive`);
  const days = readWeekdays(rate) ?? target.days;
  const rateCurrency = readCurrency(rate);
  const amounts = rate.children.filter((c) => c.name === 'BaseByGuestAmts').flatMap((c) => childElements(c, 'BaseByGuestAmt'));
  if (amounts.length === 0) {
    warn(warnings, rate, 'a Rate without BaseByGuestAmt sets no amount; skipped');
    return undefined;
  }

  let currency = rateCurrency;
  let taxes: 'included' | 'excluded' | undefined;
  const occupancyRates: OccupancyRate[] = [];
  for (const amt of amounts) {
    const amtCurrency = readCurrency(amt) ?? rateCurrency;
    if (currency !== undefined && amtCurrency !== undefined && amtCurrency !== currency) {
      throw errorAt(amt, 'invalid-currency', `CurrencyCode ${amtCurrency} differs from ${currency} elsewhere in the same Rate`);
    }
    currency = amtCurrency ?? currency;
    const { amount, taxIncluded } = readAmount(amt, amtCurrency, rate);
    if (taxes !== undefined && taxes !== (taxIncluded ? 'included' : 'excluded')) {
      throw errorAt(amt, 'invalid-value', 'mixes AmountAfterTax and AmountBeforeTax within one Rate');
    }
    taxes = taxIncluded ? 'included' : 'excluded';
    const guests = readInteger(amt, 'NumberOfGuests', GUESTS_RANGE);
    if (occupancyRates.some((o) => o.guests === guests)) {
      throw errorAt(amt, 'invalid-value', guests === undefined ? 'two BaseByGuestAmt without NumberOfGuests' : `two BaseByGuestAmt for NumberOfGuests ${guests}`);
    }
    occupancyRates.push({ ...(guests !== undefined ? { guests } : {}), amount });
  }
  const additionalGuestAmounts = readAdditionalGuests(rate, currency);
  const base = baseOccupancy(occupancyRates);
  const update: AriUpdate = {
    roomType: target.roomType,
    ...(target.ratePlan !== undefined ? { ratePlan: target.ratePlan } : {}),
    from,
    to,
    ...(days ? { days } : {}),
    rate: base.amount,
  };
  return {
    update,
    detail: { ...(currency !== undefined ? { currency } : {}), taxes: taxes ?? 'included', occupancyRates, additionalGuestAmounts },
  };
}

/** The base occupancy rule in this file's header. */
export function baseOccupancy(rates: readonly OccupancyRate[]): OccupancyRate {
  const any = rates.find((r) => r.guests === undefined);
  if (any) return any;
  const upToTwo = rates.filter((r) => (r.guests as number) <= 2).sort((a, b) => (b.guests as number) - (a.guests as number))[0];
  if (upToTwo) return upToTwo;
  const fewest = [...rates].sort((a, b) => (a.guests as number) - (b.guests as number))[0];
  if (!fewest) throw new RangeError('no occupancy rates');
  return fewest;
}

function readCurrency(element: XmlElement): string | undefined {
  const raw = attribute(element, 'CurrencyCode');
  if (raw === undefined) return undefined;
  const code = raw.toUpperCase();
  if (!isKnownCurrency(code)) throw errorAt(element, 'invalid-currency', `CurrencyCode "${raw}" is not an ISO 4217 currency`);
  return code;
}

function readAmount(element: XmlElement, currency: string | undefined, rate: XmlElement): { amount: string; taxIncluded: boolean } {
  const afterTax = attribute(element, 'AmountAfterTax');
  const beforeTax = attribute(element, 'AmountBeforeTax');
  const raw = afterTax ?? beforeTax;
  const name = afterTax !== undefined ? 'AmountAfterTax' : 'AmountBeforeTax';
  if (raw === undefined) throw errorAt(element, 'missing-field', 'AmountAfterTax or AmountBeforeTax is required');
  const decimals = readInteger(element, 'DecimalPlaces', DECIMALS_RANGE) ?? readInteger(rate, 'DecimalPlaces', DECIMALS_RANGE);
  return { amount: readMoney(element, name, raw, decimals, currency), taxIncluded: afterTax !== undefined };
}

function readMoney(element: XmlElement, name: string, raw: string, impliedDecimals: number | undefined, currency: string | undefined): string {
  const value = raw.startsWith('+') ? raw.slice(1) : raw;
  if (!isDecimalString(value)) throw errorAt(element, 'invalid-value', `${name} must be a decimal amount such as 129.00; got "${raw}"`);
  if (isNegativeAmount(value)) throw errorAt(element, 'invalid-value', `${name} must not be negative; got ${raw}`);
  // What passed the check above with a minus sign is a zero ("-0", "-0.00"): drop the sign, or the
  // implied decimals below would be placed around it ("-0" → "0.-0").
  let exact = value.startsWith('-') ? value.slice(1) : value;
  if (impliedDecimals !== undefined && impliedDecimals > 0 && !exact.includes('.')) {
    const digits = exact.padStart(impliedDecimals + 1, '0');
    exact = `${digits.slice(0, -impliedDecimals)}.${digits.slice(-impliedDecimals)}`;
  }
  if (currency === undefined) return exact;
  // Written in the currency's own decimals when that loses nothing; an amount finer than the
  // currency allows is kept as sent so that the ledger's validation can name it.
  const decimals = currencyDecimals(currency);
  const scaled = toScaled(exact);
  const inCurrency = formatScaled(scaled, decimals);
  return toScaled(inCurrency) === scaled ? inCurrency : exact.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
}

function readAdditionalGuests(rate: XmlElement, currency: string | undefined): AdditionalGuestAmount[] {
  const container = childElement(rate, 'AdditionalGuestAmounts');
  if (!container) return [];
  return childElements(container, 'AdditionalGuestAmount').map((element) => {
    const amtCurrency = readCurrency(element) ?? currency;
    const raw = attribute(element, 'Amount') ?? attribute(element, 'AmountAfterTax') ?? attribute(element, 'AmountBeforeTax');
    if (raw === undefined) throw errorAt(element, 'missing-field', 'Amount is required');
    const amount = readMoney(element, 'Amount', raw, readInteger(element, 'DecimalPlaces', DECIMALS_RANGE), amtCurrency);
    const ageQualifyingCode = attribute(element, 'AgeQualifyingCode');
    const maxAdditionalGuests = readInteger(element, 'MaxAdditionalGuests', GUESTS_RANGE);
    return {
      amount,
      ...(ageQualifyingCode !== undefined ? { ageQualifyingCode } : {}),
      ...(maxAdditionalGuests !== undefined ? { maxAdditionalGuests } : {}),
    };
  });
}

// ---------------------------------------------------------------------------------------------

/**
 * One RateAmountMessage per update. Amounts are written with a decimal point and no
 * DecimalPlaces, which no reader can misread as implied decimals.
 */
export function renderHotelRateAmountNotif(message: HotelRateAmountNotifInput, now?: () => Date): string {
  assertLength(message.hotelCode, 16, 'hotelCode');
  if (message.updates.length === 0) throw new RangeError('an OTA_HotelRateAmountNotifRQ needs at least one update');
  const messages: XmlNode[] = message.updates.map((update, i) => {
    const where = `/updates/${i}`;
    assertOnlyFields(update, ['rate', 'rateByGuests'], where, `${HOTEL_RATE_AMOUNT_NOTIF_RQ} (restrictions go in OTA_HotelAvailNotifRQ, counts in OTA_HotelInvCountNotifRQ)`);
    if (update.ratePlan === undefined) throw new RangeError(`${where}/ratePlan is required for a rate`);
    if (update.rate === undefined) throw new RangeError(`${where}/rate is required`);
    const detail = message.rates?.[i];
    const currency = detail?.currency ?? message.currency;
    if (currency === undefined || !isKnownCurrency(currency)) throw new RangeError(`${where}: a known ISO 4217 currency is required; got ${currency ?? 'none'}`);
    const taxes = detail?.taxes ?? message.taxes ?? 'included';
    const occupancy = detail && detail.occupancyRates.length > 0 ? detail.occupancyRates : update.rateByGuests ? byGuestsRates(update.rateByGuests, where) : [{ amount: update.rate }];
    const amountAttribute = taxes === 'included' ? 'AmountAfterTax' : 'AmountBeforeTax';
    const baseAmounts = occupancy.map((o, j): XmlNode => {
      const amount = money(o.amount, currency, `${where}/occupancyRates/${j}`);
      const attributes: Record<string, XmlAttributeValue> = { [amountAttribute]: amount, CurrencyCode: currency };
      if (o.guests !== undefined) attributes.NumberOfGuests = o.guests;
      if (o.ageQualifyingCode !== undefined) attributes.AgeQualifyingCode = o.ageQualifyingCode;
      return { name: 'BaseByGuestAmt', attributes };
    });
    const additional = (detail?.additionalGuestAmounts ?? []).map(
      (a, j): XmlNode => ({
        name: 'AdditionalGuestAmount',
        attributes: {
          MaxAdditionalGuests: a.maxAdditionalGuests,
          AgeQualifyingCode: a.ageQualifyingCode,
          Amount: money(a.amount, currency, `${where}/additionalGuestAmounts/${j}`),
          CurrencyCode: currency,
        },
      }),
    );
    return {
      name: 'RateAmountMessage',
      children: [
        statusApplicationControl(update, where),
        {
          name: 'Rates',
          children: [
            {
              name: 'Rate',
              children: [
                { name: 'BaseByGuestAmts', children: baseAmounts },
                additional.length > 0 && { name: 'AdditionalGuestAmounts', children: additional },
              ],
            },
          ],
        },
      ],
    };
  });
  return renderXmlDocument({
    name: HOTEL_RATE_AMOUNT_NOTIF_RQ,
    attributes: { ...headerAttributes(message, SCHEMA_VERSION, now), NotifType: message.notifType },
    children: [{ name: 'RateAmountMessages', attributes: { HotelCode: message.hotelCode }, children: messages }],
  });
}

/** An update's per-guest prices as BaseByGuestAmts of adults, fewest guests first. */
function byGuestsRates(byGuests: Readonly<Record<string, string>>, where: string): OccupancyRate[] {
  const rates = Object.entries(byGuests).map(([key, amount]): OccupancyRate => {
    const guests = /^[1-9]\d{0,2}$/.test(key) ? Number(key) : undefined;
    if (guests === undefined) throw new RangeError(`${where}/rateByGuests/${key}: a number of guests from 1 to 999 is required`);
    return { guests, amount, ageQualifyingCode: ADULT };
  });
  if (rates.length === 0) throw new RangeError(`${where}/rateByGuests: at least one number of guests is required`);
  return rates.sort((a, b) => (a.guests as number) - (b.guests as number));
}

function money(amount: string, currency: string, where: string): string {
  if (!isDecimalString(amount) || isNegativeAmount(amount)) throw new RangeError(`${where}: amount must be a non-negative decimal; got "${amount}"`);
  const decimals = currencyDecimals(currency);
  if (decimalPlaces(amount) > decimals) throw new RangeError(`${where}: ${currency} has ${decimals} decimals; got ${amount}`);
  // OpenTravel's Money type allows three fraction digits, enough for every currency in use but CLF/UYW.
  if (decimals > 3) throw new RangeError(`${where}: ${currency} amounts cannot be written in OpenTravel Money (3 decimals at most)`);
  return formatScaled(toScaled(amount), decimals);
}
