import type { GenericXmlNode } from '../xml/generic-tree';
import { parseXml, errorAt, type ParseXmlOptions, type XmlElement } from '../xml/parse';
import type { XmlStandard } from './common';
import { HOTEL_AVAIL_NOTIF_RQ, readHotelAvailNotif } from './hotel-avail-notif';
import { HOTEL_INV_COUNT_NOTIF_RQ, readHotelInvCountNotif } from './hotel-inv-count-notif';
import { HOTEL_RATE_AMOUNT_NOTIF_RQ, readHotelRateAmountNotif } from './hotel-rate-amount-notif';
import { HOTEL_RES_NOTIF_RQ, HOTEL_RES_NOTIF_RS, readHotelResNotif, readHotelResNotifRS } from './hotel-res-notif';
import { NOTIF_REPORT_RQ, NOTIF_REPORT_RS, readNotifReportRQ, readNotifReportRS } from './notif-report';
import { READ_RQ, readReadRQ } from './read-rq';
import { RES_RETRIEVE_RS, readResRetrieveRS } from './res-retrieve-rs';
import { readOtaResponse } from './response';
import { detectStandard } from './standard';

export * from './common';
export * from './hotel-avail-notif';
export * from './hotel-inv-count-notif';
export * from './hotel-rate-amount-notif';
export * from './hotel-res-notif';
export * from './notif-report';
export * from './read-rq';
export * from './res-retrieve-rs';
export * from './response';
export { detectStandard } from './standard';
export { XmlMessageError, type XmlProblem, type XmlWarning } from '../xml/errors';
export { parseXml, type XmlElement, type ParseXmlOptions } from '../xml/parse';

/**
 * A message we have no mapper for yet, as a plain tree: every element, attribute and text kept.
 * Declared beside its writer (mappers/xml/generic-tree), which turns it back into XML.
 */
export type { GenericXmlNode };

export type InspectKind =
  | 'hotel-avail-notif'
  | 'hotel-inv-count-notif'
  | 'hotel-rate-amount-notif'
  | 'hotel-res-notif'
  | 'hotel-res-notif-response'
  | 'read-request'
  | 'res-retrieve'
  | 'notif-report'
  | 'notif-report-response'
  | 'response'
  | 'generic';

export interface InspectResult {
  root: string;
  namespace?: string;
  standard: XmlStandard;
  kind: InspectKind;
  normalized: unknown;
}

const RESPONSES = new Set(['OTA_HotelAvailNotifRS', 'OTA_HotelInvCountNotifRS', 'OTA_HotelRateAmountNotifRS']);

/**
 * Reads any OpenTravel or AlpineBits message: the notifications Tidewater maps (and their
 * responses) into their domain form, every other OTA_* root into a generic tree. The namespace is
 * reported, not enforced: partners with a missing or dated namespace still mean the same message.
 */
export function inspectXml(xml: string | Uint8Array, options: ParseXmlOptions & { standard?: XmlStandard } = {}): InspectResult {
  const root = parseXml(xml, options);
  if (!root.name.startsWith('OTA_')) {
    throw errorAt(root, 'unsupported-message', `${root.name} is not an OpenTravel message (their root elements start with OTA_)`);
  }
  const standard = options.standard ?? detectStandard(root);
  const base = { root: root.name, ...(root.namespace !== undefined ? { namespace: root.namespace } : {}), standard };
  switch (root.name) {
    case HOTEL_AVAIL_NOTIF_RQ:
      return { ...base, kind: 'hotel-avail-notif', normalized: readHotelAvailNotif(root, { standard }) };
    case HOTEL_INV_COUNT_NOTIF_RQ:
      return { ...base, kind: 'hotel-inv-count-notif', normalized: readHotelInvCountNotif(root, { standard }) };
    case HOTEL_RATE_AMOUNT_NOTIF_RQ:
      return { ...base, kind: 'hotel-rate-amount-notif', normalized: readHotelRateAmountNotif(root, { standard }) };
    // Reservations a partner sent are shown even when some cannot be booked: those are listed in
    // `rejected` with their reason, as the record-level errors the RS would carry.
    case HOTEL_RES_NOTIF_RQ:
      return { ...base, kind: 'hotel-res-notif', normalized: readHotelResNotif(root, { standard, invalidReservations: 'collect' }) };
    case HOTEL_RES_NOTIF_RS:
      return { ...base, kind: 'hotel-res-notif-response', normalized: readHotelResNotifRS(root) };
    case READ_RQ:
      return { ...base, kind: 'read-request', normalized: readReadRQ(root, { standard }) };
    case RES_RETRIEVE_RS:
      return { ...base, kind: 'res-retrieve', normalized: readResRetrieveRS(root, { standard, invalidReservations: 'collect' }) };
    case NOTIF_REPORT_RQ:
      return { ...base, kind: 'notif-report', normalized: readNotifReportRQ(root, { standard }) };
    case NOTIF_REPORT_RS:
      return { ...base, kind: 'notif-report-response', normalized: readNotifReportRS(root) };
    default:
      if (RESPONSES.has(root.name)) return { ...base, kind: 'response', normalized: readOtaResponse(root) };
      return { ...base, kind: 'generic', normalized: genericTree(root) };
  }
}

export function genericTree(element: XmlElement): GenericXmlNode {
  const attributes = Object.keys(element.attributes).length > 0 ? { ...element.attributes } : undefined;
  return {
    name: element.name,
    ...(attributes ? { attributes } : {}),
    ...(element.text !== '' ? { text: element.text } : {}),
    ...(element.children.length > 0 ? { children: element.children.map(genericTree) } : {}),
  };
}
