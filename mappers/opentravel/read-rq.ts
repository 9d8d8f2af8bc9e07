/**
 * OTA_ReadRQ ⇄ ReadRQMessage: how a reservation puller asks a channel (or Tidewater) for bookings.
 *
 * Tidewater reads HotelReadRequest (HotelCode, SelectionCriteria Start/End/DateType/SelectionType
 * /ResStatus) and a reservation asked for by id (the root UniqueID, or ReadRequest/UniqueID).
 * Other verticals' requests (AirReadRequest, PkgReadRequest …) are reported as warnings, not
 * refused, so `xml inspect` shows every ReadRQ a partner might send.
 *
 * Paging: the root's ResponseGroup — MaxResponses (page size) and MoreDataEchoToken (where the
 * previous OTA_ResRetrieveRS with MoreIndicator="true" left off).
 * AlpineBits GuestRequests allows only HotelCode, HotelName and SelectionCriteria/@Start (the
 * instant since when requests are wanted), and no payload attribute but Version and TimeStamp.
 */
import type { XmlWarning } from '../xml/errors';
import { attribute, childElement, childElements, errorAt, type XmlElement } from '../xml/parse';
import { renderXmlDocument, type XmlAttributeValue, type XmlNode } from '../xml/write';
import {
  assertLength,
  formatTimeStamp,
  headerAttributes,
  readHeader,
  readInteger,
  requireAttribute,
  rootOf,
  warn,
  type OtaHeader,
  type OtaHeaderInput,
  type ReadOptions,
  type XmlStandard,
} from './common';
import { detectStandard } from './standard';

export const READ_RQ = 'OTA_ReadRQ';
const SCHEMA_VERSION = '5.002';

export const SELECTION_DATE_TYPES = ['ArrivalDate', 'DepartureDate', 'CreateDate', 'LastUpdateDate', 'CancelDeadlineDate', 'PaymentDeadlineDate'] as const;
export type SelectionDateType = (typeof SELECTION_DATE_TYPES)[number];
export const SELECTION_TYPES = ['All', 'PreviouslyDelivered', 'Undelivered'] as const;
export type SelectionType = (typeof SELECTION_TYPES)[number];

export interface ReadSelection {
  /** xs:date or xs:dateTime as sent: AlpineBits sends an instant ("requests since"), others dates. */
  start?: string;
  end?: string;
  dateType?: SelectionDateType;
  selectionType?: SelectionType;
  resStatus?: string;
}

export interface HotelReadRequest {
  /** Absent when the partner selects by chain, city or guest: the endpoint knows the hotel from the credentials. */
  hotelCode?: string;
  hotelName?: string;
  selection: ReadSelection[];
}

export interface ReadRQMessage {
  header: OtaHeader;
  standard: XmlStandard;
  hotelReadRequests: HotelReadRequest[];
  /** Reservations asked for by the channel's id (root UniqueID and ReadRequest/UniqueID). */
  reservationIds: string[];
  maxResponses?: number;
  moreDataEchoToken?: string;
  warnings: XmlWarning[];
}

export interface ReadRQInput {
  header?: OtaHeaderInput;
  hotelCode: string;
  hotelName?: string;
  selection?: ReadSelection;
  maxResponses?: number;
  moreDataEchoToken?: string;
  standard?: XmlStandard;
}

const DATE_OR_DATETIME = /^-?\d{4,}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/;
const MAX_RESPONSES_RANGE = { min: 1, max: 1_000_000 };

export function readReadRQ(input: string | Uint8Array | XmlElement, options: ReadOptions = {}): ReadRQMessage {
  const root = rootOf(input, READ_RQ, options);
  const warnings: XmlWarning[] = [];
  const reservationIds: string[] = [];
  const rootId = childElement(root, 'UniqueID');
  if (rootId) reservationIds.push(requireAttribute(rootId, 'ID'));
  const hotelReadRequests: HotelReadRequest[] = [];
  const requests = childElement(root, 'ReadRequests');
  for (const request of requests ? requests.children : []) {
    if (request.name === 'HotelReadRequest') {
      hotelReadRequests.push(readHotelReadRequest(request, warnings));
    } else if (request.name === 'ReadRequest') {
      reservationIds.push(requireAttribute(requireChildElement(request, 'UniqueID'), 'ID'));
    } else {
      warn(warnings, request, `${request.name} is not a hotel reservation request; ignored`);
    }
  }
  if (hotelReadRequests.length === 0 && reservationIds.length === 0) {
    warn(warnings, root, 'asks for no hotel reservations (no HotelReadRequest, ReadRequest or UniqueID)');
  }
  const maxResponses = readInteger(root, 'MaxResponses', MAX_RESPONSES_RANGE);
  const moreDataEchoToken = attribute(root, 'MoreDataEchoToken');
  return {
    header: readHeader(root),
    standard: options.standard ?? detectStandard(root),
    hotelReadRequests,
    reservationIds,
    ...(maxResponses !== undefined ? { maxResponses } : {}),
    ...(moreDataEchoToken !== undefined ? { moreDataEchoToken } : {}),
    warnings,
  };
}

function requireChildElement(element: XmlElement, name: string): XmlElement {
  const child = childElement(element, name);
  if (!child) throw errorAt(element, 'missing-field', `<${name}> is required`);
  return child;
}

function readHotelReadRequest(request: XmlElement, warnings: XmlWarning[]): HotelReadRequest {
  const hotelCode = attribute(request, 'HotelCode');
  if (hotelCode === undefined) warn(warnings, request, 'names no HotelCode; the hotel is the one the credentials belong to');
  const hotelName = attribute(request, 'HotelName');
  for (const child of request.children) {
    if (child.name !== 'SelectionCriteria' && child.name !== 'TPA_Extensions') warn(warnings, child, `${child.name} is not used to select reservations; ignored`);
  }
  const selection = childElements(request, 'SelectionCriteria').map(readSelection);
  return { ...(hotelCode !== undefined ? { hotelCode } : {}), ...(hotelName !== undefined ? { hotelName } : {}), selection };
}

function readSelection(criteria: XmlElement): ReadSelection {
  const start = readDateOrDateTime(criteria, 'Start');
  const end = readDateOrDateTime(criteria, 'End');
  // Compared on the date part only: a dateTime and a date on the same day are not "before".
  if (start !== undefined && end !== undefined && end.slice(0, 10) < start.slice(0, 10)) {
    throw errorAt(criteria, 'invalid-date-range', `End (${end}) is before Start (${start})`);
  }
  const dateType = oneOf(criteria, 'DateType', SELECTION_DATE_TYPES);
  const selectionType = oneOf(criteria, 'SelectionType', SELECTION_TYPES);
  const resStatus = attribute(criteria, 'ResStatus');
  return {
    ...(start !== undefined ? { start } : {}),
    ...(end !== undefined ? { end } : {}),
    ...(dateType !== undefined ? { dateType } : {}),
    ...(selectionType !== undefined ? { selectionType } : {}),
    ...(resStatus !== undefined ? { resStatus } : {}),
  };
}

function readDateOrDateTime(element: XmlElement, name: string): string | undefined {
  const value = attribute(element, name);
  if (value === undefined) return undefined;
  if (!DATE_OR_DATETIME.test(value) || Number.isNaN(Date.parse(value.slice(0, 10)))) {
    throw errorAt(element, 'invalid-date', `${name} must be a date or date and time such as 2027-03-01 or 2027-03-01T09:30:00+01:00; got "${value}"`);
  }
  return value;
}

function oneOf<T extends string>(element: XmlElement, name: string, values: readonly T[]): T | undefined {
  const value = attribute(element, name);
  if (value === undefined) return undefined;
  const match = values.find((v) => v.toLowerCase() === value.toLowerCase());
  if (match === undefined) throw errorAt(element, 'invalid-value', `${name} must be one of ${values.join(', ')}; got "${value}"`);
  return match;
}

// ---------------------------------------------------------------------------------------------

export function renderReadRQ(message: ReadRQInput, now?: () => Date): string {
  assertLength(message.hotelCode, 16, 'hotelCode');
  if (message.hotelName !== undefined) assertLength(message.hotelName, 128, 'hotelName');
  const selection = message.selection;
  for (const [field, value] of [['start', selection?.start], ['end', selection?.end]] as const) {
    if (value !== undefined && !DATE_OR_DATETIME.test(value)) throw new RangeError(`selection/${field} must be an xs:date or xs:dateTime; got "${value}"`);
  }
  if (selection?.start !== undefined && selection.end !== undefined && selection.end.slice(0, 10) < selection.start.slice(0, 10)) {
    throw new RangeError(`selection/end (${selection.end}) is before start (${selection.start})`);
  }
  if (message.maxResponses !== undefined && (!Number.isInteger(message.maxResponses) || message.maxResponses < 1)) throw new RangeError('maxResponses must be a whole number ≥ 1');
  if (message.moreDataEchoToken !== undefined) assertLength(message.moreDataEchoToken, 128, 'moreDataEchoToken');

  const alpineBits = message.standard === 'alpinebits';
  if (alpineBits) {
    const extra = (['end', 'dateType', 'selectionType', 'resStatus'] as const).filter((k) => selection?.[k] !== undefined);
    if (extra.length > 0) throw new RangeError(`selection/${extra[0]} cannot be sent to an AlpineBits partner (GuestRequests knows only Start)`);
    if (message.maxResponses !== undefined || message.moreDataEchoToken !== undefined) throw new RangeError('AlpineBits GuestRequests has no paging');
    if (selection?.start !== undefined && !/T/.test(selection.start)) throw new RangeError('selection/start must be a date and time for AlpineBits');
  }
  const criteria: XmlNode | undefined =
    selection && Object.values(selection).some((v) => v !== undefined)
      ? {
          name: 'SelectionCriteria',
          attributes: {
            Start: selection.start,
            End: selection.end,
            DateType: selection.dateType,
            SelectionType: selection.selectionType,
            ResStatus: selection.resStatus,
          },
        }
      : undefined;
  const header = headerAttributes(message.header ?? {}, alpineBits ? '1.001' : SCHEMA_VERSION, now);
  // AlpineBits allows Version and TimeStamp only.
  const rootAttributes: Record<string, XmlAttributeValue> = alpineBits
    ? { xmlns: header.xmlns, Version: header.Version, TimeStamp: message.header?.timeStamp !== undefined ? formatTimeStamp(message.header.timeStamp) : undefined }
    : { ...header, MaxResponses: message.maxResponses, MoreDataEchoToken: message.moreDataEchoToken };
  return renderXmlDocument({
    name: READ_RQ,
    attributes: rootAttributes,
    children: [
      {
        name: 'ReadRequests',
        children: [{ name: 'HotelReadRequest', attributes: { HotelCode: message.hotelCode, HotelName: message.hotelName }, children: [criteria] }],
      },
    ],
  });
}
