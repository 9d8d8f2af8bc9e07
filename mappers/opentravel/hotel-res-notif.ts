/**
 * OTA_HotelResNotifRQ/RS ⇄ ChannelReservation, and the HotelReservation reader and writer that
 * OTA_ResRetrieveRS and OTA_NotifReportRQ reuse.
 *
 * Status (HotelReservation/@ResStatus, else the root's @ResStatus, else UniqueID/@Type):
 *   - Book, Commit, CommitOverrideEdits, Initiate, Reserved → `new`; Reserved (a state, not an
 *     action, as AlpineBits sends it for new and changed bookings alike) is `modified` when
 *     LastModifyDateTime is later than CreateDateTime;
 *   - Modify → `modified`; Cancel, Cancelled, or no ResStatus and UniqueID Type 15 → `cancelled`;
 *   - no status at all → `new` (a notification without one announces a booking);
 *   - Requested (AlpineBits quote requests and newsletter sign-ups), Quote, Hold, Waitlisted,
 *     Request denied, Ignore, VerifyPrice and the PMS stay states (In-house, Checked out, No-show)
 *     take no room from a channel's point of view: they are listed in `skipped` with their id, so a
 *     puller can still acknowledge them, never dropped silently.
 * Revision: LastModifyDateTime, else CreateDateTime, else the root TimeStamp, as a UTC instant.
 * Rooms: RoomRate/@NumberOfUnits (every RoomRate of a stay must agree), else
 * RoomType/@NumberOfUnits, else 1. Guests: AgeQualifyingCode 10 (and other adult codes) are
 * adults, 3/4/5/7/8/9 children; without a code, a GuestCount with an Age under 18 is a child (the
 * AlpineBits convention) and any other an adult. IsPerRoom="true" counts are multiplied by rooms.
 */
import type { IsoDate } from '../../core/dates';
import { addDays, daysBetween } from '../../core/dates';
import { currencyDecimals, decimalPlaces, formatScaled, isDecimalString, isKnownCurrency, isNegativeAmount, toScaled } from '../../core/money';
import type {
  ChannelReservation,
  ChannelReservationStatus,
  ChannelRoomStay,
  ReservationAmount,
  ReservationGuest,
  ReservationReference,
  RevisionSource,
} from '../../core/reservation-message';
import { XmlMessageError, type XmlProblem, type XmlWarning } from '../xml/errors';
import { attribute, childElement, childElements, errorAt, type XmlElement } from '../xml/parse';
import { renderXmlDocument, type XmlAttributeValue, type XmlNode } from '../xml/write';
import {
  acknowledgementNodes,
  assertLength,
  headerAttributes,
  readBoolean,
  readDate,
  readHeader,
  readInstant,
  readInteger,
  requireAttribute,
  rootOf,
  warn,
  type AcknowledgementNotice,
  type OtaHeader,
  type OtaHeaderInput,
  type ReadOptions,
  type XmlStandard,
} from './common';
import { readOtaResponse, type OtaNotice } from './response';
import { detectStandard } from './standard';

export const HOTEL_RES_NOTIF_RQ = 'OTA_HotelResNotifRQ';
export const HOTEL_RES_NOTIF_RS = 'OTA_HotelResNotifRS';
const SCHEMA_VERSION = '6.000';

/** OpenTravel Unique ID Type (UIT) codes used on HotelReservation/UniqueID. */
export const UNIQUE_ID_TYPE = { reservation: '14', cancellation: '15' } as const;

export interface ReservationReadOptions extends ReadOptions {
  /**
   * What to do with a HotelReservation that cannot be understood: `throw` (default) refuses the
   * whole message with the reason; `collect` lists it in `rejected` and reads the others, for
   * record-level answers and for tools that must show everything a partner sent.
   */
  invalidReservations?: 'throw' | 'collect';
}

/** A HotelReservation that is not a booking (a quote request, a hold …), with the id to acknowledge it by. */
export interface SkippedReservation {
  line: number;
  channelReservationId?: string;
  resStatus?: string;
  reason: string;
}

/** A HotelReservation refused in `collect` mode; the fields of the XmlMessageError it raised. */
export interface RejectedReservation {
  channelReservationId?: string;
  problem: XmlProblem;
  reason: string;
  line?: number;
  element?: string;
  otaType: string;
  otaCode: string;
}

export interface ReservationBatch {
  reservations: ChannelReservation[];
  skipped: SkippedReservation[];
  rejected: RejectedReservation[];
  warnings: XmlWarning[];
}

export interface HotelResNotifMessage extends ReservationBatch {
  header: OtaHeader;
  standard: XmlStandard;
}

export interface HotelResNotifInput {
  header?: OtaHeaderInput;
  reservations: readonly ChannelReservation[];
}

/** What the receiver says about one reservation in an RS or a NotifReport. */
export interface ReservationAck {
  channelReservationId: string;
  /** Acknowledged as a cancellation (UniqueID Type 15, as AlpineBits asks). */
  cancelled?: boolean;
  hotelCode?: string;
  /** The receiver's own ids for the reservation, e.g. Tidewater's booking id or the PMS's confirmation number. */
  hotelReservationIds?: ReservationReference[];
}

export interface HotelResNotifRSInput {
  header?: OtaHeaderInput;
  reservations?: readonly ReservationAck[];
  warnings?: readonly AcknowledgementNotice[];
  /** Any error makes the answer `Errors` only. */
  errors?: readonly AcknowledgementNotice[];
}

/**
 * An acknowledgement as read. The channel's id is missing when a partner identifies the
 * reservation by HotelReservationIDs only (the OpenTravel samples do).
 */
export type ReadReservationAck = Omit<ReservationAck, 'channelReservationId'> & { channelReservationId?: string };

export interface HotelResNotifRSMessage {
  header: OtaHeader;
  status: 'success' | 'warnings' | 'errors';
  warnings: OtaNotice[];
  errors: OtaNotice[];
  reservations: ReadReservationAck[];
}

// ---------------------------------------------------------------------------------------------
// Reading

export function readHotelResNotif(input: string | Uint8Array | XmlElement, options: ReservationReadOptions = {}): HotelResNotifMessage {
  const root = rootOf(input, HOTEL_RES_NOTIF_RQ, options);
  const header = readHeader(root);
  const container = childElement(root, 'HotelReservations');
  if (!container) throw errorAt(root, 'missing-field', '<HotelReservations> is required');
  const batch = readHotelReservations(childElements(container, 'HotelReservation'), {
    ...(header.timeStamp !== undefined ? { timeStamp: root } : {}),
    ...(attribute(root, 'ResStatus') !== undefined ? { defaultStatusFrom: root } : {}),
    invalidReservations: options.invalidReservations ?? 'throw',
  });
  return { header, standard: options.standard ?? detectStandard(root), ...batch };
}

export interface HotelReservationsContext {
  /** The element whose TimeStamp is the last-resort revision (the message root). */
  timeStamp?: XmlElement;
  /** The element whose ResStatus applies to reservations without their own (OTA_HotelResNotifRQ root). */
  defaultStatusFrom?: XmlElement;
  invalidReservations: 'throw' | 'collect';
}

/** Reads HotelReservation elements of any message (ResNotif, ResRetrieve, NotifReport). */
export function readHotelReservations(elements: readonly XmlElement[], context: HotelReservationsContext): ReservationBatch {
  const batch: ReservationBatch = { reservations: [], skipped: [], rejected: [], warnings: [] };
  for (const element of elements) {
    const warnings: XmlWarning[] = [];
    try {
      const read = readHotelReservation(element, context, warnings);
      if ('skipped' in read) batch.skipped.push(read.skipped);
      else batch.reservations.push(read.reservation);
      batch.warnings.push(...warnings);
    } catch (error) {
      if (!(error instanceof XmlMessageError) || context.invalidReservations === 'throw') throw error;
      const id = uniqueIdOf(element);
      batch.rejected.push({
        ...(id !== undefined ? { channelReservationId: id } : {}),
        problem: error.problem,
        reason: error.reason,
        ...(error.line !== undefined ? { line: error.line } : {}),
        ...(error.element !== undefined ? { element: error.element } : {}),
        otaType: error.otaType,
        otaCode: error.otaCode,
      });
    }
  }
  return batch;
}

/** The channel's id for a reservation, without judging the rest (for acknowledgements and rejections). */
export function uniqueIdOf(reservation: XmlElement): string | undefined {
  const element = pickUniqueId(reservation);
  return element ? attribute(element, 'ID') : undefined;
}

function pickUniqueId(reservation: XmlElement): XmlElement | undefined {
  const ids = childElements(reservation, 'UniqueID');
  return ids.find((u) => attribute(u, 'Type') === UNIQUE_ID_TYPE.reservation || attribute(u, 'Type') === UNIQUE_ID_TYPE.cancellation) ?? ids[0];
}

const STATUS_BY_RES_STATUS: Record<string, ChannelReservationStatus> = {
  book: 'new',
  commit: 'new',
  commitoverrideedits: 'new',
  initiate: 'new',
  reserved: 'new',
  modify: 'modified',
  cancel: 'cancelled',
  cancelled: 'cancelled',
};
const NOT_A_BOOKING: Record<string, string> = {
  requested: 'a request (AlpineBits quote request or newsletter sign-up), not a booking',
  quote: 'a quote, not a booking',
  hold: 'a hold, not a confirmed booking',
  waitlisted: 'waitlisted, not a confirmed booking',
  'request denied': 'a denied request, not a booking',
  ignore: 'marked Ignore by the sender',
  verifyprice: 'a price check, not a booking',
  'in-house': 'a PMS stay state, not a channel booking change',
  'checked out': 'a PMS stay state, not a channel booking change',
  'no-show': 'a PMS stay state, not a channel booking change',
};

type ReadOne = { reservation: ChannelReservation } | { skipped: SkippedReservation };

function readHotelReservation(element: XmlElement, context: HotelReservationsContext, warnings: XmlWarning[]): ReadOne {
  const uniqueId = pickUniqueId(element);
  if (!uniqueId) throw errorAt(element, 'missing-field', "<UniqueID> is required: it carries the channel's reservation id");
  const channelReservationId = requireAttribute(uniqueId, 'ID');
  const idType = attribute(uniqueId, 'Type');

  const ownStatus = attribute(element, 'ResStatus');
  const statusElement = ownStatus !== undefined ? element : context.defaultStatusFrom;
  const resStatus = statusElement ? attribute(statusElement, 'ResStatus') : undefined;
  if (resStatus !== undefined) {
    const reason = NOT_A_BOOKING[resStatus.toLowerCase()];
    if (reason !== undefined) return { skipped: { line: element.line, channelReservationId, resStatus, reason: `ResStatus ${resStatus}: ${reason}` } };
  }
  let status: ChannelReservationStatus;
  if (resStatus === undefined) {
    status = idType === UNIQUE_ID_TYPE.cancellation ? 'cancelled' : 'new';
  } else {
    const mapped = STATUS_BY_RES_STATUS[resStatus.toLowerCase()];
    if (mapped === undefined) throw errorAt(statusElement ?? element, 'unsupported-value', `ResStatus "${resStatus}" is not a reservation status Tidewater knows`);
    if (idType === UNIQUE_ID_TYPE.cancellation && mapped !== 'cancelled') {
      throw errorAt(uniqueId, 'invalid-value', `UniqueID Type 15 marks a cancellation, but ResStatus is ${resStatus}`);
    }
    status = mapped;
  }

  const createdAt = readInstant(element, 'CreateDateTime', warnings);
  const modifiedAt = readInstant(element, 'LastModifyDateTime', warnings);
  const sentAt = () => (context.timeStamp ? readInstant(context.timeStamp, 'TimeStamp', warnings) : undefined);
  const [revision, revisionSource]: [string | undefined, RevisionSource] =
    modifiedAt !== undefined ? [modifiedAt, 'LastModifyDateTime'] : createdAt !== undefined ? [createdAt, 'CreateDateTime'] : [sentAt(), 'TimeStamp'];
  if (revision === undefined) {
    throw errorAt(element, 'missing-field', 'LastModifyDateTime or CreateDateTime (or the message TimeStamp) is required: it orders the versions of a reservation');
  }
  if (status === 'new' && resStatus?.toLowerCase() === 'reserved' && modifiedAt !== undefined && createdAt !== undefined && modifiedAt > createdAt) {
    status = 'modified';
  }

  const global = childElement(element, 'ResGlobalInfo');
  const globalTotal = global ? childElement(global, 'Total') : undefined;
  const total = globalTotal ? readTotal(globalTotal, undefined) : undefined;
  const roomStaysElement = childElement(element, 'RoomStays');
  const stayElements = roomStaysElement ? childElements(roomStaysElement, 'RoomStay') : [];
  if (stayElements.length === 0 && status !== 'cancelled') {
    return {
      skipped: {
        line: element.line,
        channelReservationId,
        ...(resStatus !== undefined ? { resStatus } : {}),
        reason: 'a status update without RoomStays: there is no stay to book',
      },
    };
  }
  const roomStays = stayElements.map((stay) => readRoomStay(stay, total?.currency, warnings));
  const hotelCode = readHotelCode(global, stayElements);
  if (hotelCode === undefined && status !== 'cancelled') {
    throw errorAt(global ?? element, 'missing-field', 'HotelCode is required (ResGlobalInfo/BasicPropertyInfo or RoomStay/BasicPropertyInfo)');
  }
  const guest = readGuest(element);
  const comments = readComments([global, ...stayElements]);
  const references = global ? readReferences(global, warnings) : [];

  const reservation: ChannelReservation = {
    channelReservationId,
    status,
    revision,
    revisionSource,
    ...(hotelCode !== undefined ? { hotelCode } : {}),
    roomStays,
    ...(guest ? { guest } : {}),
    ...(total ? { total } : {}),
    ...(createdAt !== undefined ? { createdAt } : {}),
    ...(comments !== undefined ? { comments } : {}),
    ...(references.length > 0 ? { references } : {}),
  };
  return { reservation };
}

function readHotelCode(global: XmlElement | undefined, stays: readonly XmlElement[]): string | undefined {
  const sources = [global, ...stays].flatMap((e) => (e ? childElements(e, 'BasicPropertyInfo') : []));
  let code: string | undefined;
  for (const info of sources) {
    const value = attribute(info, 'HotelCode');
    if (value === undefined) continue;
    if (code !== undefined && value !== code) {
      throw errorAt(info, 'unsupported-value', `HotelCode ${value} differs from ${code} elsewhere in the reservation; send one reservation per hotel`);
    }
    code = value;
  }
  return code;
}

const CHILD_AGE_CODES = new Set(['3', '4', '5', '7', '8', '9']);
const ADULT_AGE = 18;

function readRoomStay(stay: XmlElement, currency: string | undefined, warnings: XmlWarning[]): ChannelRoomStay {
  const roomTypes = grandchildren(stay, 'RoomTypes', 'RoomType');
  const ratePlans = grandchildren(stay, 'RatePlans', 'RatePlan');
  const roomRates = grandchildren(stay, 'RoomRates', 'RoomRate');

  const roomType = oneCode([...roomTypes, ...roomRates], 'RoomTypeCode', 'room type');
  if (roomType === undefined) throw errorAt(stay, 'missing-field', 'RoomTypeCode is required (RoomTypes/RoomType or RoomRates/RoomRate): it names the room type booked');
  const ratePlan = oneCode([...ratePlans, ...roomRates], 'RatePlanCode', 'rate plan');

  const rooms = readRooms(roomTypes, roomRates);
  const { checkIn, checkOut } = readTimeSpan(stay);
  const guests = readGuestCounts(stay, rooms, warnings);
  const totalElement = childElement(stay, 'Total');
  const total = totalElement ? readTotal(totalElement, currency) : undefined;
  return {
    roomType,
    ...(ratePlan !== undefined ? { ratePlan } : {}),
    checkIn,
    checkOut,
    rooms,
    ...guests,
    ...(total ? { total } : {}),
  };
}

function grandchildren(element: XmlElement, container: string, name: string): XmlElement[] {
  const holder = childElement(element, container);
  return holder ? childElements(holder, name) : [];
}

function oneCode(elements: readonly XmlElement[], name: string, what: string): string | undefined {
  let code: string | undefined;
  for (const element of elements) {
    const value = attribute(element, name);
    if (value === undefined) continue;
    if (code !== undefined && value !== code) {
      throw errorAt(element, 'unsupported-value', `a RoomStay names two ${what}s (${code} and ${value}); send one RoomStay per ${what}`);
    }
    code = value;
  }
  return code;
}

const UNITS_RANGE = { min: 1, max: 999 };

function readRooms(roomTypes: readonly XmlElement[], roomRates: readonly XmlElement[]): number {
  let rooms: number | undefined;
  for (const rate of roomRates) {
    const units = readInteger(rate, 'NumberOfUnits', UNITS_RANGE);
    if (units === undefined) continue;
    if (rooms !== undefined && units !== rooms) {
      throw errorAt(rate, 'invalid-value', `RoomRates of one RoomStay disagree on NumberOfUnits (${rooms} and ${units})`);
    }
    rooms = units;
  }
  if (rooms !== undefined) return rooms;
  for (const type of roomTypes) {
    const units = readInteger(type, 'NumberOfUnits', UNITS_RANGE);
    if (units !== undefined) return units;
  }
  return 1;
}

const MAX_NIGHTS = 999;

function readTimeSpan(stay: XmlElement): { checkIn: IsoDate; checkOut: IsoDate } {
  const span = childElement(stay, 'TimeSpan');
  if (!span) throw errorAt(stay, 'missing-field', '<TimeSpan> is required: it gives the arrival (Start) and departure (End)');
  const checkIn = readDate(span, 'Start');
  if (checkIn === undefined) {
    const reason = childElement(span, 'StartDateWindow') ? 'a StartDateWindow is a request for dates, not a booking; Start is required' : 'Start (the arrival date) is required';
    throw errorAt(span, childElement(span, 'StartDateWindow') ? 'unsupported-value' : 'missing-field', reason);
  }
  let checkOut = readDate(span, 'End');
  if (checkOut === undefined) {
    const duration = attribute(span, 'Duration');
    const nights = duration !== undefined ? /^P(\d{1,3})N$/.exec(duration)?.[1] : undefined;
    if (duration === undefined) throw errorAt(span, 'missing-field', 'End (the departure date) is required');
    if (nights === undefined) throw errorAt(span, 'unsupported-value', `Duration "${duration}" is not supported; send End (the departure date) or a number of nights such as P3N`);
    checkOut = addDays(checkIn, Number(nights));
  }
  const length = daysBetween(checkIn, checkOut);
  if (length < 1) {
    throw errorAt(span, 'invalid-date-range', `End (${checkOut}) must be after Start (${checkIn}); End is the departure date, exclusive`);
  }
  if (length > MAX_NIGHTS) throw errorAt(span, 'invalid-date-range', `a stay of ${length} nights is longer than ${MAX_NIGHTS}`);
  return { checkIn, checkOut };
}

const COUNT_RANGE = { min: 1, max: 999 };
const AGE_RANGE = { min: 0, max: 999 };

function readGuestCounts(stay: XmlElement, rooms: number, warnings: XmlWarning[]): Pick<ChannelRoomStay, 'adults' | 'children' | 'childAges'> {
  const container = childElement(stay, 'GuestCounts');
  const counts = container ? childElements(container, 'GuestCount') : [];
  if (counts.length === 0) throw errorAt(container ?? stay, 'missing-field', '<GuestCounts> with at least one GuestCount is required');
  const factor = container && readBoolean(container, 'IsPerRoom') === true ? rooms : 1;
  let adults = 0;
  let children = 0;
  const childAges: number[] = [];
  for (const element of counts) {
    let count = readInteger(element, 'Count', COUNT_RANGE);
    if (count === undefined) {
      warn(warnings, element, 'GuestCount without Count read as 1 guest');
      count = 1;
    }
    count *= factor;
    const code = attribute(element, 'AgeQualifyingCode');
    const age = readInteger(element, 'Age', AGE_RANGE);
    const child = code !== undefined ? CHILD_AGE_CODES.has(code) : age !== undefined && age < ADULT_AGE;
    if (child) {
      children += count;
      if (age !== undefined) for (let i = 0; i < count; i++) childAges.push(age);
    } else {
      adults += count;
    }
  }
  return { adults, children, ...(childAges.length > 0 ? { childAges } : {}) };
}

const DECIMALS_RANGE = { min: 0, max: 8 };

/** A TotalType element (AmountAfterTax preferred, as it is what the guest pays). */
function readTotal(element: XmlElement, inheritedCurrency: string | undefined): ReservationAmount {
  const afterTax = attribute(element, 'AmountAfterTax');
  const beforeTax = attribute(element, 'AmountBeforeTax');
  const raw = afterTax ?? beforeTax;
  const name = afterTax !== undefined ? 'AmountAfterTax' : 'AmountBeforeTax';
  if (raw === undefined) throw errorAt(element, 'missing-field', 'AmountAfterTax or AmountBeforeTax is required');
  const rawCurrency = attribute(element, 'CurrencyCode');
  let currency = inheritedCurrency;
  if (rawCurrency !== undefined) {
    currency = rawCurrency.toUpperCase();
    if (!isKnownCurrency(currency)) throw errorAt(element, 'invalid-currency', `CurrencyCode "${rawCurrency}" is not an ISO 4217 currency`);
  }
  if (currency === undefined) throw errorAt(element, 'missing-field', `CurrencyCode is required with ${name}`);
  const value = raw.startsWith('+') ? raw.slice(1) : raw;
  if (!isDecimalString(value)) throw errorAt(element, 'invalid-value', `${name} must be a decimal amount such as 258.00; got "${raw}"`);
  if (isNegativeAmount(value)) throw errorAt(element, 'invalid-value', `${name} must not be negative; got ${raw}`);
  // DecimalPlaces gives the implied decimals of an amount written without a point (25800 with 2 is 258.00).
  const implied = readInteger(element, 'DecimalPlaces', DECIMALS_RANGE);
  let exact = value;
  if (implied !== undefined && implied > 0 && !value.includes('.')) {
    const digits = value.padStart(implied + 1, '0');
    exact = `${digits.slice(0, -implied)}.${digits.slice(-implied)}`;
  }
  const scaled = toScaled(exact);
  const inCurrency = formatScaled(scaled, currencyDecimals(currency));
  // Finer than the currency allows is kept as sent (trailing zeros dropped) so a later check can name it.
  const amount = toScaled(inCurrency) === scaled ? inCurrency : exact.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
  return { amount, currency, taxIncluded: afterTax !== undefined };
}

function readGuest(reservation: XmlElement): ReservationGuest | undefined {
  const resGuests = grandchildren(reservation, 'ResGuests', 'ResGuest');
  const primary = resGuests.find((g) => readBooleanLenient(g, 'PrimaryIndicator')) ?? resGuests[0];
  if (!primary) return undefined;
  const customer = childElements(childElement(primary, 'Profiles') ?? primary, 'ProfileInfo')
    .map((info) => childElement(info, 'Profile'))
    .map((profile) => (profile ? childElement(profile, 'Customer') : undefined))
    .find((c): c is XmlElement => c !== undefined);
  if (!customer) return undefined;
  const guest: ReservationGuest = {};
  const name = childElement(customer, 'PersonName');
  const firstName = name ? childElement(name, 'GivenName')?.text : undefined;
  const lastName = name ? childElement(name, 'Surname')?.text : undefined;
  const email = childElement(customer, 'Email')?.text;
  const phones = childElements(customer, 'Telephone');
  // Voice (1) or mobile (5) before fax (3) and the rest.
  const phoneElement = phones.find((t) => ['1', '5'].includes(attribute(t, 'PhoneTechType') ?? '1')) ?? phones[0];
  const phone = phoneElement ? attribute(phoneElement, 'PhoneNumber') : undefined;
  if (firstName) guest.firstName = firstName;
  if (lastName) guest.lastName = lastName;
  if (email) guest.email = email;
  if (phone) guest.phone = phone;
  return Object.keys(guest).length > 0 ? guest : undefined;
}

/** A flag where a malformed value means "not set": who is the primary guest is never worth refusing a booking over. */
function readBooleanLenient(element: XmlElement, name: string): boolean {
  const value = attribute(element, name)?.toLowerCase();
  return value === 'true' || value === '1';
}

function readComments(holders: ReadonlyArray<XmlElement | undefined>): string | undefined {
  const parts: string[] = [];
  for (const holder of holders) {
    const container = holder ? childElement(holder, 'Comments') : undefined;
    if (!container) continue;
    for (const comment of childElements(container, 'Comment')) {
      const items = childElements(comment, 'ListItem').map((i) => normalizeText(i.text)).filter((t) => t !== '');
      if (items.length > 0) parts.push(items.join(', '));
      for (const text of childElements(comment, 'Text')) {
        const normalized = normalizeText(text.text);
        if (normalized !== '') parts.push(normalized);
      }
    }
  }
  return parts.length > 0 ? parts.join('\n') : undefined;
}

/** Trims every line (partners indent their text with the XML) and keeps at most one blank line in a row. */
function normalizeText(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function readReferences(global: XmlElement, warnings: XmlWarning[]): ReservationReference[] {
  const container = childElement(global, 'HotelReservationIDs');
  if (!container) return [];
  const references: ReservationReference[] = [];
  for (const element of childElements(container, 'HotelReservationID')) {
    const type = attribute(element, 'ResID_Type');
    const value = attribute(element, 'ResID_Value');
    if (type === undefined || value === undefined) {
      warn(warnings, element, 'HotelReservationID without ResID_Type and ResID_Value names no id; ignored');
      continue;
    }
    const source = attribute(element, 'ResID_Source');
    const context = attribute(element, 'ResID_SourceContext');
    references.push({ type, value, ...(source !== undefined ? { source } : {}), ...(context !== undefined ? { context } : {}) });
  }
  return references;
}

// ---------------------------------------------------------------------------------------------
// Rendering

const RES_STATUS_OUT: Record<ChannelReservationStatus, string> = { new: 'Book', modified: 'Modify', cancelled: 'Cancel' };

export function renderHotelResNotif(message: HotelResNotifInput, now?: () => Date): string {
  if (message.reservations.length === 0) throw new RangeError('an OTA_HotelResNotifRQ needs at least one reservation');
  return renderXmlDocument({
    name: HOTEL_RES_NOTIF_RQ,
    attributes: headerAttributes(message.header ?? {}, SCHEMA_VERSION, now),
    children: [{ name: 'HotelReservations', children: message.reservations.map((r, i) => hotelReservationNode(r, `/reservations/${i}`)) }],
  });
}

/** One HotelReservation in 2015B schema order; `where` prefixes error messages (a JSON pointer). */
export function hotelReservationNode(reservation: ChannelReservation, where: string): XmlNode {
  assertLength(reservation.channelReservationId, 32, `${where}/channelReservationId`);
  assertInstant(reservation.revision, `${where}/revision`);
  if (reservation.createdAt !== undefined) assertInstant(reservation.createdAt, `${where}/createdAt`);
  if (reservation.roomStays.length === 0 && reservation.status !== 'cancelled') throw new RangeError(`${where}/roomStays: a ${reservation.status} reservation needs at least one room stay`);
  if (reservation.hotelCode === undefined && reservation.status !== 'cancelled') throw new RangeError(`${where}/hotelCode is required`);
  if (reservation.hotelCode !== undefined) assertLength(reservation.hotelCode, 16, `${where}/hotelCode`);
  const cancelled = reservation.status === 'cancelled';
  const sameAsCreated = reservation.createdAt !== undefined && reservation.createdAt === reservation.revision;

  const stays = reservation.roomStays.map((stay, i) => roomStayNode(stay, `${where}/roomStays/${i}`));
  const guest = reservation.guest ? guestNode(reservation.guest, `${where}/guest`) : undefined;
  const references = reservation.references ?? [];
  const needsGlobal = reservation.hotelCode !== undefined || reservation.total !== undefined || reservation.comments !== undefined || references.length > 0;
  return {
    name: 'HotelReservation',
    attributes: {
      CreateDateTime: reservation.createdAt,
      LastModifyDateTime: sameAsCreated ? undefined : reservation.revision,
      ResStatus: RES_STATUS_OUT[reservation.status],
    },
    children: [
      { name: 'UniqueID', attributes: { Type: cancelled ? UNIQUE_ID_TYPE.cancellation : UNIQUE_ID_TYPE.reservation, ID: reservation.channelReservationId } },
      stays.length > 0 && { name: 'RoomStays', children: stays },
      guest,
      needsGlobal && {
        name: 'ResGlobalInfo',
        children: [
          reservation.comments !== undefined && reservation.comments.trim() !== '' && { name: 'Comments', children: [{ name: 'Comment', children: [{ name: 'Text', text: reservation.comments }] }] },
          reservation.total && totalNode(reservation.total, `${where}/total`),
          references.length > 0 && { name: 'HotelReservationIDs', children: references.map((r, i) => referenceNode(r, `${where}/references/${i}`)) },
          // ResGlobalInfo requires BasicPropertyInfo in 2015B, even when the hotel is not named.
          { name: 'BasicPropertyInfo', attributes: { HotelCode: reservation.hotelCode } },
        ],
      },
    ],
  };
}

function roomStayNode(stay: ChannelRoomStay, where: string): XmlNode {
  assertLength(stay.roomType, 16, `${where}/roomType`);
  if (stay.ratePlan !== undefined) assertLength(stay.ratePlan, 16, `${where}/ratePlan`);
  if (!Number.isInteger(stay.rooms) || stay.rooms < 1 || stay.rooms > UNITS_RANGE.max) throw new RangeError(`${where}/rooms must be a whole number from 1 to ${UNITS_RANGE.max}`);
  if (daysBetween(stay.checkIn, stay.checkOut) < 1) throw new RangeError(`${where}: checkOut (${stay.checkOut}) must be after checkIn (${stay.checkIn})`);
  return {
    name: 'RoomStay',
    children: [
      { name: 'RoomTypes', children: [{ name: 'RoomType', attributes: { RoomTypeCode: stay.roomType } }] },
      stay.ratePlan !== undefined && { name: 'RatePlans', children: [{ name: 'RatePlan', attributes: { RatePlanCode: stay.ratePlan } }] },
      {
        name: 'RoomRates',
        children: [{ name: 'RoomRate', attributes: { RoomTypeCode: stay.roomType, NumberOfUnits: stay.rooms, RatePlanCode: stay.ratePlan } }],
      },
      { name: 'GuestCounts', children: guestCountNodes(stay, where) },
      { name: 'TimeSpan', attributes: { Start: stay.checkIn, End: stay.checkOut } },
      stay.total && totalNode(stay.total, `${where}/total`),
    ],
  };
}

/** Adults as AgeQualifyingCode 10; children as 8, one GuestCount per run of equal ages, then those without an age. */
function guestCountNodes(stay: ChannelRoomStay, where: string): XmlNode[] {
  const ages = stay.childAges ?? [];
  for (const [field, value] of [['adults', stay.adults], ['children', stay.children]] as const) {
    if (!Number.isInteger(value) || value < 0 || value > COUNT_RANGE.max) throw new RangeError(`${where}/${field} must be a whole number from 0 to ${COUNT_RANGE.max}`);
  }
  if (stay.adults + stay.children === 0) throw new RangeError(`${where}: a room stay needs at least one guest`);
  if (ages.length > stay.children) throw new RangeError(`${where}/childAges lists ${ages.length} ages for ${stay.children} children`);
  if (ages.some((a) => !Number.isInteger(a) || a < 0 || a >= ADULT_AGE)) throw new RangeError(`${where}/childAges must be whole numbers from 0 to ${ADULT_AGE - 1}`);
  const nodes: XmlNode[] = [];
  if (stay.adults > 0) nodes.push({ name: 'GuestCount', attributes: { AgeQualifyingCode: '10', Count: stay.adults } });
  for (let i = 0; i < ages.length; ) {
    let j = i;
    while (j < ages.length && ages[j] === ages[i]) j++;
    nodes.push({ name: 'GuestCount', attributes: { AgeQualifyingCode: '8', Age: ages[i], Count: j - i } });
    i = j;
  }
  if (stay.children > ages.length) nodes.push({ name: 'GuestCount', attributes: { AgeQualifyingCode: '8', Count: stay.children - ages.length } });
  return nodes;
}

function totalNode(total: ReservationAmount, where: string): XmlNode {
  const currency = total.currency;
  if (!isKnownCurrency(currency)) throw new RangeError(`${where}/currency must be an ISO 4217 currency; got "${currency}"`);
  if (!isDecimalString(total.amount) || isNegativeAmount(total.amount)) throw new RangeError(`${where}/amount must be a non-negative decimal; got "${total.amount}"`);
  const decimals = currencyDecimals(currency);
  if (decimalPlaces(total.amount) > decimals) throw new RangeError(`${where}/amount: ${currency} has ${decimals} decimals; got ${total.amount}`);
  // OpenTravel Money allows three fraction digits, enough for every currency in use but CLF/UYW.
  if (decimals > 3) throw new RangeError(`${where}: ${currency} amounts cannot be written in OpenTravel Money (3 decimals at most)`);
  const amount = formatScaled(toScaled(total.amount), decimals);
  const attributes: Record<string, XmlAttributeValue> = total.taxIncluded ? { AmountAfterTax: amount } : { AmountBeforeTax: amount };
  attributes.CurrencyCode = currency;
  return { name: 'Total', attributes };
}

function guestNode(guest: ReservationGuest, where: string): XmlNode | undefined {
  // PersonName requires a Surname: a first name alone cannot be sent, and dropping it silently would lose data.
  if (guest.firstName !== undefined && guest.lastName === undefined) throw new RangeError(`${where}/lastName is required when firstName is given`);
  if (guest.lastName !== undefined) assertLength(guest.lastName, 64, `${where}/lastName`);
  if (guest.firstName !== undefined) assertLength(guest.firstName, 64, `${where}/firstName`);
  if (guest.phone !== undefined) assertLength(guest.phone, 32, `${where}/phone`);
  const children: XmlNode[] = [];
  if (guest.lastName !== undefined) {
    children.push({
      name: 'PersonName',
      children: [guest.firstName !== undefined && { name: 'GivenName', text: guest.firstName }, { name: 'Surname', text: guest.lastName }],
    });
  }
  if (guest.phone !== undefined) children.push({ name: 'Telephone', attributes: { PhoneTechType: '1', PhoneNumber: guest.phone } });
  if (guest.email !== undefined) children.push({ name: 'Email', text: guest.email });
  if (children.length === 0) return undefined;
  return {
    name: 'ResGuests',
    children: [
      {
        name: 'ResGuest',
        attributes: { PrimaryIndicator: true },
        children: [{ name: 'Profiles', children: [{ name: 'ProfileInfo', children: [{ name: 'Profile', children: [{ name: 'Customer', children }] }] }] }],
      },
    ],
  };
}

function referenceNode(reference: ReservationReference, where: string): XmlNode {
  assertLength(reference.value, 64, `${where}/value`);
  if (reference.source !== undefined) assertLength(reference.source, 64, `${where}/source`);
  if (reference.context !== undefined) assertLength(reference.context, 64, `${where}/context`);
  if (!/^[0-9A-Z]{1,3}(\.[A-Z]{3}(\.X)?)?$/.test(reference.type)) throw new RangeError(`${where}/type must be an OpenTravel code such as 14; got "${reference.type}"`);
  return {
    name: 'HotelReservationID',
    attributes: { ResID_Type: reference.type, ResID_Value: reference.value, ResID_Source: reference.source, ResID_SourceContext: reference.context },
  };
}

function assertInstant(value: string, where: string): void {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value) || Number.isNaN(Date.parse(value))) {
    throw new RangeError(`${where} must be an ISO 8601 date and time with a zone; got "${value}"`);
  }
}

// ---------------------------------------------------------------------------------------------
// The acknowledgement

export function renderHotelResNotifRS(message: HotelResNotifRSInput, now?: () => Date): string {
  const errors = message.errors ?? [];
  const acks = errors.length > 0 ? [] : (message.reservations ?? []);
  return renderXmlDocument({
    name: HOTEL_RES_NOTIF_RS,
    attributes: headerAttributes(message.header ?? {}, SCHEMA_VERSION, now),
    children: [
      ...acknowledgementNodes(errors, message.warnings),
      acks.length > 0 && { name: 'HotelReservations', children: acks.map((a, i) => ackNode(a, `/reservations/${i}`)) },
    ],
  });
}

/** A HotelReservation that only identifies a reservation (RS and NotifReport acknowledgements). */
export function ackNode(ack: ReservationAck, where: string): XmlNode {
  assertLength(ack.channelReservationId, 32, `${where}/channelReservationId`);
  if (ack.hotelCode !== undefined) assertLength(ack.hotelCode, 16, `${where}/hotelCode`);
  const references = ack.hotelReservationIds ?? [];
  return {
    name: 'HotelReservation',
    children: [
      { name: 'UniqueID', attributes: { Type: ack.cancelled ? UNIQUE_ID_TYPE.cancellation : UNIQUE_ID_TYPE.reservation, ID: ack.channelReservationId } },
      (references.length > 0 || ack.hotelCode !== undefined) && {
        name: 'ResGlobalInfo',
        children: [
          references.length > 0 && { name: 'HotelReservationIDs', children: references.map((r, i) => referenceNode(r, `${where}/hotelReservationIds/${i}`)) },
          { name: 'BasicPropertyInfo', attributes: { HotelCode: ack.hotelCode } },
        ],
      },
    ],
  };
}

export function readHotelResNotifRS(input: string | Uint8Array | XmlElement, options: ReadOptions = {}): HotelResNotifRSMessage {
  const root = rootOf(input, HOTEL_RES_NOTIF_RS, options);
  const response = readOtaResponse(root);
  const container = childElement(root, 'HotelReservations');
  const reservations = container ? childElements(container, 'HotelReservation').map(readAck) : [];
  return { header: readHeader(root), status: response.status, warnings: response.warnings, errors: response.errors, reservations };
}

/** Reads an acknowledging HotelReservation: its UniqueID and any ids the receiver assigned. */
export function readAck(element: XmlElement): ReadReservationAck {
  const uniqueId = pickUniqueId(element);
  const channelReservationId = uniqueId ? requireAttribute(uniqueId, 'ID') : undefined;
  const global = childElement(element, 'ResGlobalInfo');
  const hotelReservationIds = global ? readReferences(global, []) : [];
  const info = global ? childElement(global, 'BasicPropertyInfo') : undefined;
  const hotelCode = info ? attribute(info, 'HotelCode') : undefined;
  if (channelReservationId === undefined && hotelReservationIds.length === 0) {
    throw errorAt(element, 'missing-field', '<UniqueID> (or ResGlobalInfo/HotelReservationIDs) is required: it names the reservation acknowledged');
  }
  return {
    ...(channelReservationId !== undefined ? { channelReservationId } : {}),
    ...(uniqueId && attribute(uniqueId, 'Type') === UNIQUE_ID_TYPE.cancellation ? { cancelled: true } : {}),
    ...(hotelCode !== undefined ? { hotelCode } : {}),
    ...(hotelReservationIds.length > 0 ? { hotelReservationIds } : {}),
  };
}

/** The acknowledgement for a reservation as read: a cancellation is acknowledged as one. */
export function ackFor(reservation: ChannelReservation, hotelReservationIds?: ReservationReference[]): ReservationAck {
  return {
    channelReservationId: reservation.channelReservationId,
    ...(reservation.status === 'cancelled' ? { cancelled: true } : {}),
    ...(reservation.hotelCode !== undefined ? { hotelCode: reservation.hotelCode } : {}),
    ...(hotelReservationIds && hotelReservationIds.length > 0 ? { hotelReservationIds } : {}),
  };
}

/** A rejected reservation as the Warning that reports it (RecordID = the channel's id, as AlpineBits does). */
export function rejectionNotice(rejected: RejectedReservation): AcknowledgementNotice {
  return {
    type: rejected.otaType,
    code: rejected.otaCode,
    text: rejected.line !== undefined ? `line ${rejected.line}: ${rejected.reason}` : rejected.reason,
    ...(rejected.element !== undefined ? { tag: rejected.element } : {}),
    ...(rejected.channelReservationId !== undefined ? { recordId: rejected.channelReservationId } : {}),
  };
}
