/**
 * OTA_NotifReportRQ/RS: the confirmation that closes the pull loop. After applying an
 * OTA_ResRetrieveRS page, the puller names every reservation it took (HotelReservation/UniqueID,
 * Type 15 for a cancellation as AlpineBits asks) and may add its own id for it
 * (ResGlobalInfo/HotelReservationIDs, e.g. the PMS confirmation number). Reservations it refused go
 * in Warnings with RecordID = the channel's id (the AlpineBits convention), so the channel stops
 * resending them or alerts; anything not named is sent again on the next pull.
 */
import type { XmlWarning } from '../xml/errors';
import { childElement, childElements, type XmlElement } from '../xml/parse';
import { renderXmlDocument, type XmlAttributeValue } from '../xml/write';
import {
  acknowledgementNodes,
  formatTimeStamp,
  headerAttributes,
  readHeader,
  rootOf,
  warn,
  type AcknowledgementNotice,
  type OtaHeader,
  type OtaHeaderInput,
  type ReadOptions,
  type XmlStandard,
} from './common';
import { ackNode, readAck, type ReadReservationAck, type ReservationAck } from './hotel-res-notif';
import { readOtaResponse, renderOtaResponse, type OtaNotice, type OtaResponse } from './response';
import { detectStandard } from './standard';

export const NOTIF_REPORT_RQ = 'OTA_NotifReportRQ';
export const NOTIF_REPORT_RS = 'OTA_NotifReportRS';
const RQ_SCHEMA_VERSION = '4.000';
const RS_SCHEMA_VERSION = '3.000';

export interface NotifReportRQMessage {
  header: OtaHeader;
  standard: XmlStandard;
  status: 'success' | 'warnings' | 'errors';
  /** Reservations refused, by RecordID (the channel's id). */
  notices: OtaNotice[];
  errors: OtaNotice[];
  /** Reservations delivered and taken. */
  confirmed: ReadReservationAck[];
  warnings: XmlWarning[];
}

export interface NotifReportRQInput {
  header?: OtaHeaderInput;
  confirmed: readonly ReservationAck[];
  /** Per-reservation refusals; give each a `recordId` (the channel's reservation id). */
  refused?: readonly AcknowledgementNotice[];
  /** The whole page failed: nothing is confirmed. */
  errors?: readonly AcknowledgementNotice[];
  /** AlpineBits allows only Version and TimeStamp on the root and no ids beyond UniqueID. */
  standard?: XmlStandard;
}

export function readNotifReportRQ(input: string | Uint8Array | XmlElement, options: ReadOptions = {}): NotifReportRQMessage {
  const root = rootOf(input, NOTIF_REPORT_RQ, options);
  // The acknowledgement head is the same as any RS's; readOtaResponse only checks the name's suffix.
  const ack = readOtaResponse({ ...root, name: NOTIF_REPORT_RS });
  const warnings: XmlWarning[] = [];
  const details = childElement(root, 'NotifDetails');
  const report = details ? childElement(details, 'HotelNotifReport') : undefined;
  const reservations = report ? childElement(report, 'HotelReservations') : undefined;
  if (report) {
    for (const other of report.children.filter((c) => c.name !== 'HotelReservations')) {
      warn(warnings, other, `${other.name} reports on something other than reservations; ignored`);
    }
  }
  return {
    header: readHeader(root),
    standard: options.standard ?? detectStandard(root),
    status: ack.status,
    notices: ack.warnings,
    errors: ack.errors,
    confirmed: reservations ? childElements(reservations, 'HotelReservation').map(readAck) : [],
    warnings,
  };
}

export function renderNotifReportRQ(message: NotifReportRQInput, now?: () => Date): string {
  const errors = message.errors ?? [];
  const refused = message.refused ?? [];
  const confirmed = errors.length > 0 ? [] : message.confirmed;
  const alpineBits = message.standard === 'alpinebits';
  if (alpineBits) {
    if (errors.length > 0) throw new RangeError('an AlpineBits NotifReport cannot carry Errors; refuse reservations one by one in `refused`');
    refused.forEach((r, i) => {
      if (r.recordId === undefined || r.code === undefined) throw new RangeError(`/refused/${i}: AlpineBits requires Code and RecordID on each Warning`);
    });
    confirmed.forEach((c, i) => {
      if (c.hotelReservationIds !== undefined || c.hotelCode !== undefined) throw new RangeError(`/confirmed/${i}: AlpineBits acknowledges by UniqueID only`);
    });
  }
  const header = headerAttributes(message.header ?? {}, alpineBits ? '1.000' : RQ_SCHEMA_VERSION, now);
  const attributes: Record<string, XmlAttributeValue> = alpineBits
    ? { xmlns: header.xmlns, Version: header.Version, TimeStamp: message.header?.timeStamp !== undefined ? formatTimeStamp(message.header.timeStamp) : undefined }
    : header;
  return renderXmlDocument({
    name: NOTIF_REPORT_RQ,
    attributes,
    children: [
      ...acknowledgementNodes(errors, refused),
      confirmed.length > 0 && {
        name: 'NotifDetails',
        children: [{ name: 'HotelNotifReport', children: [{ name: 'HotelReservations', children: confirmed.map((c, i) => ackNode(c, `/confirmed/${i}`)) }] }],
      },
    ],
  });
}

export interface NotifReportRSInput {
  header?: OtaHeaderInput;
  warnings?: readonly OtaNotice[];
  errors?: readonly OtaNotice[];
}

/** The channel's answer to a NotifReport: a bare acknowledgement. */
export function renderNotifReportRS(message: NotifReportRSInput = {}, now?: () => Date): string {
  return renderOtaResponse({ ...(message.header ?? {}), version: message.header?.version ?? RS_SCHEMA_VERSION, root: NOTIF_REPORT_RS, errors: message.errors ?? [], warnings: message.warnings ?? [] }, now);
}

export function readNotifReportRS(input: string | Uint8Array | XmlElement, options: ReadOptions = {}): OtaResponse {
  return readOtaResponse(rootOf(input, NOTIF_REPORT_RS, options));
}
