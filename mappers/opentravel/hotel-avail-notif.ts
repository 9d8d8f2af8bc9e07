/**
 * OTA_HotelAvailNotifRQ ⇄ ARI updates: availability (BookingLimit), stop sell and closed to
 * arrival / departure (RestrictionStatus), minimum and maximum stay (LengthsOfStay).
 */
import type { AriUpdate } from '../../core/ari';
import type { XmlWarning } from '../xml/errors';
import { attribute, childElement, childElements, errorAt, type XmlElement } from '../xml/parse';
import { renderXmlDocument, type XmlNode } from '../xml/write';
import {
  assertLength,
  assertOnlyFields,
  headerAttributes,
  readHeader,
  readInteger,
  readTarget,
  requireAttribute,
  rootOf,
  statusApplicationControl,
  warn,
  type OtaHeader,
  type OtaHeaderInput,
  type ReadOptions,
} from './common';
import { detectStandard } from './standard';

export const HOTEL_AVAIL_NOTIF_RQ = 'OTA_HotelAvailNotifRQ';
/** The 2015B schema's version of this message. */
const SCHEMA_VERSION = '4.000';

export interface HotelAvailNotifMessage extends OtaHeader {
  hotelCode: string;
  updates: AriUpdate[];
  /** What was skipped or reinterpreted; the rest was read. */
  warnings: XmlWarning[];
}

export interface HotelAvailNotifInput extends OtaHeaderInput {
  hotelCode: string;
  updates: readonly AriUpdate[];
}

const STAY_RANGE = { min: 0, max: 999 };
const BOOKING_LIMIT_RANGE = { min: 0, max: 100_000 };
const KNOWN_CHILDREN = new Set(['StatusApplicationControl', 'LengthsOfStay', 'RestrictionStatus', 'UniqueID']);

export function readHotelAvailNotif(input: string | Uint8Array | XmlElement, options: ReadOptions = {}): HotelAvailNotifMessage {
  const root = rootOf(input, HOTEL_AVAIL_NOTIF_RQ, options);
  const standard = options.standard ?? detectStandard(root);
  const warnings: XmlWarning[] = [];
  const container = childElement(root, 'AvailStatusMessages');
  if (!container) throw errorAt(root, 'missing-field', '<AvailStatusMessages> is required');
  const hotelCode = requireAttribute(container, 'HotelCode');

  const updates: AriUpdate[] = [];
  for (const message of childElements(container, 'AvailStatusMessage')) {
    const sac = childElement(message, 'StatusApplicationControl');
    if (!sac) throw errorAt(message, 'missing-field', '<StatusApplicationControl> is required: it says which room type and dates the status is for');
    const update: AriUpdate = { ...readTarget(sac, { standard, warnings }) };
    readBookingLimit(message, update);
    const lengths = childElement(message, 'LengthsOfStay');
    if (lengths) for (const los of childElements(lengths, 'LengthOfStay')) readLengthOfStay(los, update, warnings);
    const restriction = childElement(message, 'RestrictionStatus');
    if (restriction) readRestriction(restriction, update, warnings);
    for (const child of message.children) {
      if (!KNOWN_CHILDREN.has(child.name)) warn(warnings, child, `<${child.name}> is not used by Tidewater and was ignored`);
    }
    if (setsSomething(update)) updates.push(update);
    else warn(warnings, message, 'sets nothing Tidewater keeps (availability, stop sell, arrival/departure, length of stay); skipped');
  }
  return { ...readHeader(root), hotelCode, updates: mergeAdjacent(updates), warnings };
}

function readBookingLimit(message: XmlElement, update: AriUpdate): void {
  const type = attribute(message, 'BookingLimitMessageType') ?? 'SetLimit';
  if (attribute(message, 'BookingLimit') === undefined) {
    if (attribute(message, 'BookingLimitMessageType') !== undefined && type !== 'SetLimit') throw unsupportedLimit(message, type);
    return;
  }
  if (type !== 'SetLimit') throw unsupportedLimit(message, type);
  // Kept together with a RatePlanCode when the partner sends one (a per-plan allotment): the ledger
  // counts rooms per room type and refuses that with a precise error, where widening it to the
  // room type here would silently hand out rooms the partner meant for one plan.
  update.available = readInteger(message, 'BookingLimit', BOOKING_LIMIT_RANGE) as number;
}

function unsupportedLimit(message: XmlElement, type: string) {
  // A relative adjustment or "no limit" cannot be applied to a ledger of absolute counts without
  // risking a double sale, so it is refused rather than approximated.
  return errorAt(message, 'unsupported-value', `BookingLimitMessageType ${type} is not supported; send SetLimit with the absolute number of rooms`);
}

function readLengthOfStay(los: XmlElement, update: AriUpdate, warnings: XmlWarning[]): void {
  const type = attribute(los, 'MinMaxMessageType');
  switch (type) {
    case 'RemoveMinLOS':
      update.minStay = null;
      return;
    case 'RemoveMaxLOS':
      update.maxStay = null;
      return;
    case 'SetMinLOS':
    case 'MinLOS':
    case 'SetMaxLOS':
    case 'MaxLOS': {
      const nights = readNights(los);
      // Time="0" is how several PMSs say "no limit".
      const value = nights === 0 ? null : nights;
      if (type === 'SetMinLOS' || type === 'MinLOS') update.minStay = value;
      else update.maxStay = value;
      return;
    }
    default:
      warn(warnings, los, `MinMaxMessageType ${type ?? '(none)'} is not supported and was ignored`);
  }
}

function readNights(los: XmlElement): number {
  const time = readInteger(los, 'Time', STAY_RANGE);
  if (time === undefined) throw errorAt(los, 'missing-field', 'Time is required with MinMaxMessageType');
  const unit = attribute(los, 'TimeUnit') ?? 'Day';
  if (unit === 'Day') return time;
  if (unit === 'Week' && time * 7 <= STAY_RANGE.max) return time * 7;
  throw errorAt(los, 'unsupported-value', `TimeUnit ${unit} is not supported for a length of stay; send Day`);
}

function readRestriction(element: XmlElement, update: AriUpdate, warnings: XmlWarning[]): void {
  const status = attribute(element, 'Status');
  const restriction = attribute(element, 'Restriction') ?? 'Master';
  if (status === undefined) {
    if (attribute(element, 'Restriction') !== undefined) throw errorAt(element, 'missing-field', 'Status (Open or Close) is required with Restriction');
    return;
  }
  if (status === 'ClosedOnArrival') {
    update.closedToArrival = true;
    return;
  }
  if (status === 'RemoveCloseOnly') {
    update.stopSell = false;
    return;
  }
  if (status !== 'Open' && status !== 'Close') {
    warn(warnings, element, `Status ${status} is not supported and was ignored`);
    return;
  }
  const closed = status === 'Close';
  if (restriction === 'Master') update.stopSell = closed;
  else if (restriction === 'Arrival') update.closedToArrival = closed;
  else if (restriction === 'Departure') update.closedToDeparture = closed;
  else warn(warnings, element, `Restriction ${restriction} is not supported and was ignored`);
}

const STATUS_FIELDS = ['available', 'minStay', 'maxStay', 'stopSell', 'closedToArrival', 'closedToDeparture'] as const;

function setsSomething(update: AriUpdate): boolean {
  return STATUS_FIELDS.some((f) => update[f] !== undefined);
}

/**
 * One RestrictionStatus per AvailStatusMessage means a sender (us included) splits a stop sell
 * plus a closed-to-arrival for the same dates into consecutive messages. Joining consecutive
 * updates with the same target changes nothing (later fields win either way) and gives back one
 * update per intent.
 */
function mergeAdjacent(updates: AriUpdate[]): AriUpdate[] {
  const merged: AriUpdate[] = [];
  for (const update of updates) {
    const last = merged[merged.length - 1];
    if (last && sameTarget(last, update)) merged[merged.length - 1] = { ...last, ...update };
    else merged.push(update);
  }
  return merged;
}

function sameTarget(a: AriUpdate, b: AriUpdate): boolean {
  return (
    a.roomType === b.roomType &&
    a.ratePlan === b.ratePlan &&
    a.from === b.from &&
    a.to === b.to &&
    (a.days ?? []).join(',') === (b.days ?? []).join(',')
  );
}

// ---------------------------------------------------------------------------------------------

/**
 * Renders one AvailStatusMessage per update, plus one more per extra restriction (the schema
 * allows a single RestrictionStatus per message). Rates and room totals cannot be expressed here
 * and are refused: use OTA_HotelRateAmountNotifRQ and OTA_HotelInvCountNotifRQ.
 */
export function renderHotelAvailNotif(message: HotelAvailNotifInput, now?: () => Date): string {
  assertLength(message.hotelCode, 16, 'hotelCode');
  if (message.updates.length === 0) throw new RangeError('an OTA_HotelAvailNotifRQ needs at least one update');
  const messages: XmlNode[] = [];
  message.updates.forEach((update, i) => {
    const where = `/updates/${i}`;
    assertOnlyFields(update, STATUS_FIELDS, where, `${HOTEL_AVAIL_NOTIF_RQ} (rates go in OTA_HotelRateAmountNotifRQ, total and outOfOrder in OTA_HotelInvCountNotifRQ)`);
    if (!setsSomething(update)) throw new RangeError(`${where} sets nothing an ${HOTEL_AVAIL_NOTIF_RQ} can carry`);
    const sac = statusApplicationControl(update, where);
    const restrictions = (
      [
        ['Master', update.stopSell],
        ['Arrival', update.closedToArrival],
        ['Departure', update.closedToDeparture],
      ] as const
    ).filter((r): r is readonly ['Master' | 'Arrival' | 'Departure', boolean] => r[1] !== undefined);
    const restrictionNode = (r: readonly [string, boolean]): XmlNode => ({
      name: 'RestrictionStatus',
      attributes: { Restriction: r[0], Status: r[1] ? 'Close' : 'Open' },
    });
    if (update.available !== undefined && (!Number.isInteger(update.available) || update.available < 0)) {
      throw new RangeError(`${where}/available must be a whole number ≥ 0`);
    }
    messages.push({
      name: 'AvailStatusMessage',
      attributes:
        update.available !== undefined ? { BookingLimitMessageType: 'SetLimit', BookingLimit: update.available } : {},
      children: [sac, lengthsOfStay(update, where), restrictions[0] && restrictionNode(restrictions[0])],
    });
    for (const extra of restrictions.slice(1)) {
      messages.push({ name: 'AvailStatusMessage', children: [sac, restrictionNode(extra)] });
    }
  });
  return renderXmlDocument({
    name: HOTEL_AVAIL_NOTIF_RQ,
    attributes: headerAttributes(message, SCHEMA_VERSION, now),
    children: [{ name: 'AvailStatusMessages', attributes: { HotelCode: message.hotelCode }, children: messages }],
  });
}

function lengthsOfStay(update: AriUpdate, where: string): XmlNode | undefined {
  const entries: XmlNode[] = [];
  const add = (value: number | null | undefined, set: string, remove: string, field: string) => {
    if (value === undefined) return;
    if (value === null) {
      entries.push({ name: 'LengthOfStay', attributes: { MinMaxMessageType: remove } });
      return;
    }
    if (!Number.isInteger(value) || value < 1 || value > STAY_RANGE.max) throw new RangeError(`${where}/${field} must be a whole number from 1 to 999`);
    entries.push({ name: 'LengthOfStay', attributes: { Time: value, TimeUnit: 'Day', MinMaxMessageType: set } });
  };
  add(update.minStay, 'SetMinLOS', 'RemoveMinLOS', 'minStay');
  add(update.maxStay, 'SetMaxLOS', 'RemoveMaxLOS', 'maxStay');
  return entries.length > 0 ? { name: 'LengthsOfStay', children: entries } : undefined;
}
