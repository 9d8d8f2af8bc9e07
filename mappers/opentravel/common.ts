/**
 * What the OpenTravel notification messages share: the payload attributes on the root, and
 * StatusApplicationControl (which room type, rate plan, dates and weekdays a status applies to).
 */
import type { OtaNotice } from './response';
import type { AriUpdate } from '../../core/ari';
import { isIsoDate, WEEKDAYS, type IsoDate, type Weekday } from '../../core/dates';
import type { XmlWarning } from '../xml/errors';
import { attribute, errorAt, parseXml, type ParseXmlOptions, type XmlElement } from '../xml/parse';
import type { XmlAttributeValue, XmlNode } from '../xml/write';

export const OTA_NAMESPACE = 'http://www.opentravel.org/OTA/2003/05';

/** Which family of partner sent a message: AlpineBits reuses OpenTravel roots with its own rules. */
export type XmlStandard = 'opentravel' | 'alpinebits';

export interface ReadOptions extends ParseXmlOptions {
  /** Read with AlpineBits rules; detected from the message when not given. */
  standard?: XmlStandard;
}

/** The OTA_PayloadStdAttributes we keep. */
export interface OtaHeader {
  echoToken?: string;
  /** As the sender wrote it: partners send every time zone notation there is. */
  timeStamp?: string;
  version?: string;
  target?: 'Test' | 'Production';
}

export interface OtaHeaderInput {
  echoToken?: string;
  /** A Date is written as ISO 8601 in UTC with an explicit offset; a string must already be an xs:dateTime. */
  timeStamp?: string | Date;
  version?: string;
  target?: 'Test' | 'Production';
}

/** The part of an ARI update that says where it applies. */
export type AriTarget = Pick<AriUpdate, 'roomType' | 'ratePlan' | 'from' | 'to' | 'days'>;

// ---------------------------------------------------------------------------------------------
// Reading

/** Parses (unless given a tree) and checks the root is the expected message. */
export function rootOf(input: string | Uint8Array | XmlElement, expected: string, options: ParseXmlOptions = {}): XmlElement {
  const root = typeof input === 'object' && 'children' in input ? input : parseXml(input, options);
  if (root.name !== expected) {
    throw errorAt(root, 'unsupported-message', `expected an ${expected} message, got ${root.name}`);
  }
  return root;
}

export function readHeader(root: XmlElement): OtaHeader {
  const header: OtaHeader = {};
  const echoToken = attribute(root, 'EchoToken');
  const timeStamp = attribute(root, 'TimeStamp');
  const version = attribute(root, 'Version');
  const target = attribute(root, 'Target')?.toLowerCase();
  if (echoToken !== undefined) header.echoToken = echoToken;
  if (timeStamp !== undefined) header.timeStamp = timeStamp;
  if (version !== undefined) header.version = version;
  if (target === 'test') header.target = 'Test';
  else if (target === 'production') header.target = 'Production';
  return header;
}

export function requireAttribute(element: XmlElement, name: string): string {
  const value = attribute(element, name);
  if (value === undefined) throw errorAt(element, 'missing-field', `${name} is required`);
  return value;
}

export function requireChild(element: XmlElement, name: string): XmlElement {
  const child = element.children.find((c) => c.name === name);
  if (!child) throw errorAt(element, 'missing-field', `<${name}> is required`);
  return child;
}

/** xs:boolean, plus the capitalised spellings some PMSs send. */
export function readBoolean(element: XmlElement, name: string): boolean | undefined {
  const value = attribute(element, name);
  if (value === undefined) return undefined;
  const lower = value.toLowerCase();
  if (lower === 'true' || lower === '1') return true;
  if (lower === 'false' || lower === '0') return false;
  throw errorAt(element, 'invalid-value', `${name} must be true, false, 1 or 0; got "${value}"`);
}

export function readInteger(element: XmlElement, name: string, range: { min: number; max: number }): number | undefined {
  const value = attribute(element, name);
  if (value === undefined) return undefined;
  if (!/^[+-]?\d+$/.test(value)) throw errorAt(element, 'invalid-value', `${name} must be a whole number; got "${value}"`);
  const n = Number(value);
  if (n < range.min) {
    throw errorAt(element, 'invalid-value', range.min === 0 ? `${name} must not be negative; got ${value}` : `${name} must be at least ${range.min}; got ${value}`);
  }
  if (n > range.max) throw errorAt(element, 'invalid-value', `${name} must be at most ${range.max}; got ${value}`);
  return n;
}

/**
 * A night from an xs:date / xs:dateTime attribute. Only the calendar date counts: a hotel night
 * is a date in the property's own time zone, so a time or zone suffix ("2027-03-01T00:00:00+05:00",
 * "2027-03-01Z", "2027-03-01 CET") is read as the date the sender wrote, never shifted.
 */
export function readDate(element: XmlElement, name: string): IsoDate | undefined {
  const value = attribute(element, name);
  if (value === undefined) return undefined;
  const date = /^(\d{4}-\d{2}-\d{2})(?:$|[T\sZz+-])/.exec(value)?.[1];
  if (date === undefined || !isIsoDate(date)) {
    throw errorAt(element, 'invalid-date', `${name} must be a date such as 2027-03-01; got "${value}"`);
  }
  return date;
}

const WEEKDAY_ATTRIBUTES: ReadonlyArray<readonly [Weekday, readonly string[]]> = [
  ['mon', ['Mon']],
  ['tue', ['Tue', 'Tues']],
  ['wed', ['Weds', 'Wed']],
  ['thu', ['Thur', 'Thu']],
  ['fri', ['Fri']],
  ['sat', ['Sat']],
  ['sun', ['Sun']],
];

/**
 * Weekday pattern (DOW_PatternGroup). None given: every day. Some given: exactly the ones that
 * are true, since a partner that names Fri and Sat means "only Fri and Sat".
 */
export function readWeekdays(element: XmlElement): Weekday[] | undefined {
  let any = false;
  const days: Weekday[] = [];
  for (const [day, names] of WEEKDAY_ATTRIBUTES) {
    const name = names.find((n) => attribute(element, n) !== undefined);
    if (name === undefined) continue;
    any = true;
    if (readBoolean(element, name)) days.push(day);
  }
  if (!any || days.length === WEEKDAYS.length) return undefined;
  if (days.length === 0) throw errorAt(element, 'invalid-value', 'the weekday attributes (Mon … Sun) exclude every day');
  return days;
}

export interface TargetOptions {
  standard: XmlStandard;
  warnings: XmlWarning[];
}

/** Reads StatusApplicationControl (or any element with Start/End/InvTypeCode/RatePlanCode and weekdays). */
export function readTarget(sac: XmlElement, options: TargetOptions): AriTarget {
  const from = readDate(sac, 'Start');
  if (from === undefined) throw errorAt(sac, 'missing-field', 'Start is required');
  let to = readDate(sac, 'End');
  if (to === undefined) {
    // A lone Start is one night (the official samples send HurdleRate that way); a Duration we
    // would have to guess whether it counts nights or days, so it is refused rather than guessed.
    if (attribute(sac, 'Duration') !== undefined) {
      throw errorAt(sac, 'unsupported-value', 'Duration is not supported; send End (inclusive) instead');
    }
    to = from;
  }
  if (from > to) {
    throw errorAt(sac, 'invalid-date-range', `Start (${from}) is after End (${to}); End is the last night, inclusive`);
  }
  const roomType = readRoomType(sac, options);
  const ratePlan = attribute(sac, 'RatePlanCode');
  const days = readWeekdays(sac);
  return { roomType, ...(ratePlan !== undefined ? { ratePlan } : {}), from, to, ...(days ? { days } : {}) };
}

function readRoomType(sac: XmlElement, options: TargetOptions): string {
  const invTypeCode = attribute(sac, 'InvTypeCode');
  const invCode = attribute(sac, 'InvCode');
  if (invTypeCode !== undefined && invCode !== undefined && invTypeCode !== invCode) {
    if (options.standard === 'alpinebits') {
      // AlpineBits sends InvCode with InvTypeCode to mean one physical room: a count of 1 for it
      // is not the count of its category, so taking the category here would be wrong.
      throw errorAt(sac, 'unsupported-value', `availability per room (InvCode ${invCode}) is not supported; send room categories (InvTypeCode only)`);
    }
    options.warnings.push({ line: sac.line, element: sac.name, reason: `InvCode ${invCode} ignored; InvTypeCode ${invTypeCode} names the room type` });
  }
  const roomType = invTypeCode ?? invCode;
  if (roomType === undefined) {
    const reason =
      readBoolean(sac, 'AllInvCode') === true
        ? 'AllInvCode is not supported here; name the room type in InvTypeCode'
        : 'InvTypeCode (or InvCode) is required: it names the room type';
    throw errorAt(sac, 'missing-field', reason);
  }
  return roomType;
}

export function warn(warnings: XmlWarning[], element: XmlElement, reason: string): void {
  warnings.push({ line: element.line, element: element.name, reason });
}

/** The AlpineBits marker of a full resynchronisation. */
export function isCompleteSet(root: XmlElement): boolean {
  return root.children.some((c) => c.name === 'UniqueID' && attribute(c, 'Instance') === 'CompleteSet');
}

// ---------------------------------------------------------------------------------------------
// Rendering

export function headerAttributes(header: OtaHeaderInput, defaultVersion: string, now: () => Date = () => new Date()): Record<string, XmlAttributeValue> {
  const version = header.version ?? defaultVersion;
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(version)) throw new RangeError(`Version must be a decimal such as 1.000; got "${version}"`);
  return {
    xmlns: OTA_NAMESPACE,
    EchoToken: header.echoToken !== undefined && header.echoToken !== '' ? header.echoToken.slice(0, 128) : undefined,
    TimeStamp: formatTimeStamp(header.timeStamp ?? now()),
    Target: header.target,
    Version: version,
  };
}

const XS_DATETIME = /^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

/** ISO 8601 in UTC with an explicit offset ("2027-03-01T09:30:00+00:00"), as xs:dateTime wants it. */
export function formatTimeStamp(value: string | Date): string {
  if (typeof value === 'string') {
    if (!XS_DATETIME.test(value)) throw new RangeError(`TimeStamp must be an xs:dateTime such as 2027-03-01T09:30:00+00:00; got "${value}"`);
    return value;
  }
  if (Number.isNaN(value.getTime())) throw new RangeError('TimeStamp is an invalid Date');
  return value.toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

const WEEKDAY_OUT: ReadonlyArray<readonly [Weekday, string]> = [
  ['mon', 'Mon'],
  ['tue', 'Tue'],
  ['wed', 'Weds'],
  ['thu', 'Thur'],
  ['fri', 'Fri'],
  ['sat', 'Sat'],
  ['sun', 'Sun'],
];

/** StatusApplicationControl for a target; every weekday is spelled out when a pattern is given. */
export function statusApplicationControl(target: AriTarget, where: string): XmlNode {
  assertTarget(target, where);
  const attributes: Record<string, XmlAttributeValue> = {
    Start: target.from,
    End: target.to,
    RatePlanCode: target.ratePlan,
    InvTypeCode: target.roomType,
  };
  const days = target.days && target.days.length > 0 && target.days.length < WEEKDAYS.length ? new Set(target.days) : undefined;
  if (days) for (const [day, name] of WEEKDAY_OUT) attributes[name] = days.has(day);
  return { name: 'StatusApplicationControl', attributes };
}

function assertTarget(target: AriTarget, where: string): void {
  if (!isIsoDate(target.from) || !isIsoDate(target.to)) throw new RangeError(`${where}: from/to must be dates in YYYY-MM-DD form`);
  if (target.from > target.to) throw new RangeError(`${where}: from (${target.from}) is after to (${target.to})`);
  assertLength(target.roomType, 16, `${where}/roomType`);
  if (target.ratePlan !== undefined) assertLength(target.ratePlan, 64, `${where}/ratePlan`);
}

export function assertLength(value: string, max: number, where: string): void {
  if (value.length < 1 || value.length > max) throw new RangeError(`${where} must be 1 to ${max} characters for OpenTravel; got "${value}"`);
}

/** Refuses fields a message type cannot carry, so that nothing is dropped silently. */
export function assertOnlyFields(update: AriUpdate, allowed: ReadonlyArray<keyof AriUpdate>, where: string, message: string): void {
  const targetFields: ReadonlyArray<keyof AriUpdate> = ['roomType', 'ratePlan', 'from', 'to', 'days'];
  for (const key of Object.keys(update) as Array<keyof AriUpdate>) {
    if (update[key] === undefined || targetFields.includes(key) || allowed.includes(key)) continue;
    throw new RangeError(`${where}/${key} cannot be sent in ${message}`);
  }
}


// ---------------------------------------------------------------------------------------------
// Shared by the reservation messages (HotelResNotif, ResRetrieve, NotifReport)

/**
 * An xs:dateTime attribute as a UTC instant ("2027-02-20T08:30:01.000Z"), so that revisions from
 * partners in different zones compare correctly as strings. A value without a zone is read as UTC
 * (a warning says so): JavaScript would otherwise read it in the server's own zone.
 */
export function readInstant(element: XmlElement, name: string, warnings: XmlWarning[]): string | undefined {
  const value = attribute(element, name);
  if (value === undefined) return undefined;
  if (!XS_DATETIME.test(value)) {
    throw errorAt(element, 'invalid-date', `${name} must be a date and time such as 2027-03-01T09:30:00+01:00; got "${value}"`);
  }
  const zoned = /(Z|[+-]\d{2}:\d{2})$/.test(value);
  if (!zoned) warn(warnings, element, `${name} has no time zone; read as UTC`);
  const instant = new Date(zoned ? value : `${value}Z`);
  if (Number.isNaN(instant.getTime())) throw errorAt(element, 'invalid-date', `${name} is not a real date and time; got "${value}"`);
  return instant.toISOString();
}

/** One OpenTravel Warning or Error to render: the same shape as response.ts's OtaNotice. */
export type AcknowledgementNotice = OtaNotice;

const OTA_NOTICE_CODE = /^[0-9A-Z]{1,3}(\.[A-Z]{3}(\.X)?)?$/;

/**
 * The MessageAcknowledgementType head shared by every `…RS` and by OTA_NotifReportRQ: `Success`
 * with optional `Warnings`, or `Errors` (which drop both, as the schema's choice requires).
 * Same rules as renderOtaResponse, for messages that carry more than the acknowledgement.
 */
export function acknowledgementNodes(errors: readonly AcknowledgementNotice[] = [], warnings: readonly AcknowledgementNotice[] = []): XmlNode[] {
  if (errors.length > 0) return [{ name: 'Errors', children: errors.slice(0, 99).map((e) => noticeNode('Error', e)) }];
  return [{ name: 'Success' }, ...(warnings.length > 0 ? [{ name: 'Warnings', children: warnings.map((w) => noticeNode('Warning', w)) }] : [])];
}

function noticeNode(name: 'Error' | 'Warning', n: AcknowledgementNotice): XmlNode {
  if (!OTA_NOTICE_CODE.test(n.type)) throw new RangeError(`${name} Type must be an OpenTravel code such as 3; got "${n.type}"`);
  if (n.code !== undefined && !OTA_NOTICE_CODE.test(n.code)) throw new RangeError(`${name} Code must be an OpenTravel code such as 404; got "${n.code}"`);
  const clip = (value: string | undefined) => (value === undefined || value === '' ? undefined : value.length <= 64 ? value : `${value.slice(0, 63)}…`);
  return {
    name,
    attributes: { Type: n.type, ShortText: clip(n.shortText), Code: n.code, Status: clip(n.status), Tag: n.tag, RecordID: clip(n.recordId) },
    ...(n.text !== undefined ? { text: n.text } : {}),
  };
}
