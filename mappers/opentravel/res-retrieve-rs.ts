/**
 * OTA_ResRetrieveRS ⇄ reservations: the answer to an OTA_ReadRQ, read by Tidewater's pollers and
 * rendered when a PMS pulls from Tidewater.
 *
 * Paging (2015B ResponseGroup on the root): MoreIndicator="true" says more reservations remain;
 * MoreDataEchoToken marks where this page ended and goes back in the next OTA_ReadRQ. Some
 * channels send MoreIndicator without a token and expect the same request again after the
 * NotifReport; `more` is true either way and `moreDataEchoToken` is set only when sent.
 * ReservationsList is a choice per vertical: Air, Package, Golf … reservations are listed in
 * `skipped` (never a hotel booking), HotelReservations go through the HotelResNotif reader.
 */
import type { ChannelReservation } from '../../core/reservation-message';
import type { XmlWarning } from '../xml/errors';
import { attribute, childElement, childElements, type XmlElement } from '../xml/parse';
import { renderXmlDocument } from '../xml/write';
import {
  acknowledgementNodes,
  assertLength,
  headerAttributes,
  readBoolean,
  readHeader,
  rootOf,
  type AcknowledgementNotice,
  type OtaHeader,
  type OtaHeaderInput,
  type XmlStandard,
} from './common';
import { hotelReservationNode, readHotelReservations, type RejectedReservation, type ReservationReadOptions, type SkippedReservation } from './hotel-res-notif';
import { readOtaResponse, type OtaNotice } from './response';
import { detectStandard } from './standard';

export const RES_RETRIEVE_RS = 'OTA_ResRetrieveRS';
const SCHEMA_VERSION = '7.000';

export interface ResRetrieveRSMessage {
  header: OtaHeader;
  standard: XmlStandard;
  status: 'success' | 'warnings' | 'errors';
  errors: OtaNotice[];
  /** The partner's Warnings (AlpineBits: RecordID names a reservation it could not send). */
  notices: OtaNotice[];
  reservations: ChannelReservation[];
  skipped: SkippedReservation[];
  rejected: RejectedReservation[];
  /** More reservations are waiting: ask again (with `moreDataEchoToken` when given). */
  more: boolean;
  moreDataEchoToken?: string;
  warnings: XmlWarning[];
}

export interface ResRetrieveRSInput {
  header?: OtaHeaderInput;
  reservations?: readonly ChannelReservation[];
  warnings?: readonly AcknowledgementNotice[];
  /** Any error makes the answer `Errors` only. */
  errors?: readonly AcknowledgementNotice[];
  more?: boolean;
  moreDataEchoToken?: string;
}

export function readResRetrieveRS(input: string | Uint8Array | XmlElement, options: ReservationReadOptions = {}): ResRetrieveRSMessage {
  const root = rootOf(input, RES_RETRIEVE_RS, options);
  const response = readOtaResponse(root);
  const list = childElement(root, 'ReservationsList');
  const hotel = list ? childElements(list, 'HotelReservation') : [];
  const batch = readHotelReservations(hotel, {
    ...(attribute(root, 'TimeStamp') !== undefined ? { timeStamp: root } : {}),
    invalidReservations: options.invalidReservations ?? 'throw',
  });
  for (const other of list ? list.children.filter((c) => c.name !== 'HotelReservation') : []) {
    const idElement = childElement(other, 'UniqueID');
    const id = (idElement ? attribute(idElement, 'ID') : undefined) ?? attribute(other, 'BookingReferenceID');
    batch.skipped.push({ line: other.line, ...(id !== undefined ? { channelReservationId: id } : {}), reason: `${other.name} is not a hotel reservation` });
  }
  const moreDataEchoToken = attribute(root, 'MoreDataEchoToken');
  return {
    header: readHeader(root),
    standard: options.standard ?? detectStandard(root),
    status: response.status,
    errors: response.errors,
    notices: response.warnings,
    reservations: batch.reservations,
    skipped: batch.skipped,
    rejected: batch.rejected,
    more: readBoolean(root, 'MoreIndicator') === true,
    ...(moreDataEchoToken !== undefined ? { moreDataEchoToken } : {}),
    warnings: batch.warnings,
  };
}

export function renderResRetrieveRS(message: ResRetrieveRSInput, now?: () => Date): string {
  const errors = message.errors ?? [];
  if (message.moreDataEchoToken !== undefined) assertLength(message.moreDataEchoToken, 128, 'moreDataEchoToken');
  if (message.moreDataEchoToken !== undefined && !message.more) throw new RangeError('moreDataEchoToken is only sent with more: true');
  const reservations = errors.length > 0 ? [] : (message.reservations ?? []);
  return renderXmlDocument({
    name: RES_RETRIEVE_RS,
    attributes: {
      ...headerAttributes(message.header ?? {}, SCHEMA_VERSION, now),
      MoreIndicator: errors.length === 0 && message.more ? true : undefined,
      MoreDataEchoToken: errors.length === 0 ? message.moreDataEchoToken : undefined,
    },
    children: [
      ...acknowledgementNodes(errors, message.warnings),
      // An empty ReservationsList says "nothing waiting", which AlpineBits requires and OpenTravel allows.
      errors.length === 0 && { name: 'ReservationsList', children: reservations.map((r, i) => hotelReservationNode(r, `/reservations/${i}`)) },
    ],
  });
}
