/**
 * The OpenTravel XML endpoint (`POST /ota/v1`) without HTTP: one raw message in, one `…RS` out.
 * The router and the fuzz test both call `handleOtaXml`, so what the fuzz test proves (every answer
 * is an RS, an answer with Errors never wrote anything) holds for the endpoint.
 *
 * Order of work, cheapest refusal first: authentication (before a byte is parsed), the hardened
 * reader (size, DOCTYPE, depth), the message mapper, the property and its code mapping, then
 * `applyAriBatch`: the JSON API's validation, transaction, outbox row and idempotency. Nothing before
 * `applyAriBatch` writes, and `applyAriBatch` writes all or nothing, so an `Errors` answer always
 * means the ledger is untouched.
 *
 * OTA_HotelResNotifRQ applies each reservation on its own (see handleResNotif). OTA_ReadRQ and
 * OTA_NotifReportRQ are the PMS's pull loop (see handleReadRQ, handleNotifReport): they write only
 * what was served and acknowledged, after everything was read and checked.
 */
import { createHash } from 'node:crypto';
import type { AriUpdate } from '../core/ari';
import { isIsoDate } from '../core/dates';
import { AuthenticationError, TidewaterError } from '../core/errors';
import { findRatePlan, findRoomType, type ChannelConfig, type Property } from '../core/property';
import type { ChannelReservation, ChannelRoomStay, ReservationGuest, ReservationReference } from '../core/reservation-message';
import type { ApiKeyPrincipal, ApiKeyRole } from '../db/api-keys-repo';
import { silentLogger, type Logger } from '../config/logger';
import { ackFor, HOTEL_RES_NOTIF_RQ, hotelReservationNode, readHotelResNotif, rejectionNotice, renderHotelResNotifRS } from '../mappers/opentravel/hotel-res-notif';
import { NOTIF_REPORT_RQ, NOTIF_REPORT_RS, readNotifReportRQ, renderNotifReportRS } from '../mappers/opentravel/notif-report';
import { READ_RQ, readReadRQ, type ReadSelection, type SelectionDateType, type SelectionType } from '../mappers/opentravel/read-rq';
import { RES_RETRIEVE_RS, renderResRetrieveRS } from '../mappers/opentravel/res-retrieve-rs';
import { bookingIdOf, requestIdOf } from '../mappers/alpinebits/guest-requests';
import type { AcknowledgementNotice } from '../mappers/opentravel/common';
import { applyChannelReservations } from './channel-reservation-service';
import {
  DIRECT_SOURCE,
  MAX_RESERVATIONS_PER_PULL,
  PMS_PULL_ROLES,
  acknowledgePulled,
  checkHotelCodeLength,
  pullPage,
  pulledBookingOf,
  recordPulled,
  refusalReason,
  requireOwnHotel,
  type PullConfirmation,
  type PullCursor,
  type PullPage,
  type PullRefusal,
  type PullScope,
  type PullWindow,
  type PulledBooking,
} from './pms-pull-service';
import type { Db } from '../db/connection';
import { findProperty, type StoredProperty } from '../db/properties-repo';
import { OTA_NAMESPACE, readHeader, type OtaHeader } from '../mappers/opentravel/common';
import { HOTEL_AVAIL_NOTIF_RQ, readHotelAvailNotif } from '../mappers/opentravel/hotel-avail-notif';
import { HOTEL_INV_COUNT_NOTIF_RQ, readHotelInvCountNotif } from '../mappers/opentravel/hotel-inv-count-notif';
import { HOTEL_RATE_AMOUNT_NOTIF_RQ, readHotelRateAmountNotif, type RateAmountDetail } from '../mappers/opentravel/hotel-rate-amount-notif';
import { renderOtaResponse, toOtaErrors, type OtaNotice } from '../mappers/opentravel/response';
import { XmlMessageError, type XmlWarning } from '../mappers/xml/errors';
import { childElement, DEFAULT_MAX_BYTES, parseXml, type XmlElement } from '../mappers/xml/parse';
import { applyAriBatch, type AriResult } from './ari-service';

/** Roles that may push ARI, as on `POST /v1/properties/{code}/ari`. */
export const OTA_ARI_ROLES = ['admin', 'pms'] as const;

/** The idempotency namespace of XML pushes, apart from JSON `Idempotency-Key` values. */
export const OTA_IDEMPOTENCY_SOURCE = 'ota-xml';

/** Channel types whose `hotelCode` is how a partner pushing to Tidewater names the property. */
export const HOTEL_CODE_CHANNEL_TYPES = ['pms', 'ota-xml'] as const;

/**
 * The RS for each RQ a partner may send. Roots we do not process still get their own RS (with
 * Errors), since partners match answers by root; only roots absent here get the fallback.
 */
const RESPONSE_ROOTS: Readonly<Record<string, string>> = {
  [HOTEL_AVAIL_NOTIF_RQ]: 'OTA_HotelAvailNotifRS',
  [HOTEL_INV_COUNT_NOTIF_RQ]: 'OTA_HotelInvCountNotifRS',
  [HOTEL_RATE_AMOUNT_NOTIF_RQ]: 'OTA_HotelRateAmountNotifRS',
  OTA_HotelResNotifRQ: 'OTA_HotelResNotifRS',
  [READ_RQ]: RES_RETRIEVE_RS,
  [NOTIF_REPORT_RQ]: NOTIF_REPORT_RS,
  OTA_HotelRatePlanNotifRQ: 'OTA_HotelRatePlanNotifRS',
  OTA_HotelInvNotifRQ: 'OTA_HotelInvNotifRS',
  OTA_HotelBookingRuleNotifRQ: 'OTA_HotelBookingRuleNotifRS',
  OTA_HotelDescriptiveContentNotifRQ: 'OTA_HotelDescriptiveContentNotifRS',
  OTA_HotelResModifyNotifRQ: 'OTA_HotelResModifyNotifRS',
  OTA_PingRQ: 'OTA_PingRS',
};
/**
 * For what is not XML or names no OpenTravel request: the acknowledgement of the endpoint's most
 * common message. Any valid RS would do; this one is schema-valid with just `Errors`.
 */
export const FALLBACK_RESPONSE_ROOT = 'OTA_HotelAvailNotifRS';

/** WarningsType allows 99 Warning elements. */
const MAX_WARNINGS = 99;
/** OpenTravel EWT 11: advisory. */
const ADVISORY = '11';

export interface OtaCaller {
  /** The API key's owner; undefined when no key or an unknown one was sent. */
  principal: ApiKeyPrincipal | undefined;
  /** Throws (ForbiddenError) unless the caller may push ARI (or, with roles, bookings) to the property: api/auth.ts `authorize`. */
  authorize(propertyCode: string, roles?: readonly ApiKeyRole[]): void;
}

export interface OtaXmlOptions {
  /** Where booking outcomes are logged (never with guest data). */
  logger?: Logger;
  /** Largest accepted message in bytes; default 5 MB. */
  maxBytes?: number;
  /** Set by the transport when it could not read the whole body (too large): answered as Errors. */
  transportError?: XmlMessageError;
  now?: Date;
  /** The inbound request's id, carried to the channel deliveries the message causes. */
  correlationId?: string | undefined;
}

export interface OtaXmlAnswer {
  /** The RS document, always schema-valid. */
  xml: string;
  root: string;
  status: 'success' | 'warnings' | 'errors';
  /** The property the message was applied to, once known. */
  propertyCode?: string;
  /** What `applyAriBatch` answered, when the message reached the ledger. */
  result?: AriResult;
  /** An error that is not one of ours: the RS says only "System error", the caller should log this. */
  unexpected?: unknown;
}

/** One OpenTravel message in, its RS out. Never throws for anything the message contains. */
export async function handleOtaXml(db: Db, body: string | Uint8Array, caller: OtaCaller, options: OtaXmlOptions = {}): Promise<OtaXmlAnswer> {
  const sniffed = sniffRequest(body);
  let responseRoot = RESPONSE_ROOTS[sniffed.root ?? ''] ?? FALLBACK_RESPONSE_ROOT;
  let header: OtaHeader = sniffed.echoToken !== undefined ? { echoToken: sniffed.echoToken } : {};
  let propertyCode: string | undefined;
  const warnings: OtaNotice[] = [];
  const respond = (errors: OtaNotice[], extra: Partial<OtaXmlAnswer> = {}): OtaXmlAnswer => {
    const shown = capWarnings(warnings);
    const xml = renderOtaResponse(
      {
        root: responseRoot,
        ...(header.echoToken !== undefined ? { echoToken: header.echoToken } : {}),
        ...(header.target !== undefined ? { target: header.target } : {}),
        errors,
        warnings: shown,
      },
      options.now ? () => options.now as Date : undefined,
    );
    const status = errors.length > 0 ? 'errors' : shown.length > 0 ? 'warnings' : 'success';
    return { xml, root: responseRoot, status, ...(propertyCode !== undefined ? { propertyCode } : {}), ...extra };
  };

  try {
    if (options.transportError) throw options.transportError;
    // Before parsing: an anonymous sender must not get to spend our CPU on 5 MB of XML.
    if (!caller.principal) {
      throw new AuthenticationError('send HTTP Basic auth with the API key as password, or Authorization: Bearer <api key>');
    }
    const root = parseXml(body, { maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES });
    responseRoot = RESPONSE_ROOTS[root.name] ?? FALLBACK_RESPONSE_ROOT;
    header = readHeader(root);
    if (root.name === HOTEL_RES_NOTIF_RQ) {
      const answer = await handleResNotif(db, root, caller.principal, caller, header, options);
      propertyCode = answer.propertyCode;
      return { ...answer, ...(propertyCode !== undefined ? { propertyCode } : {}) };
    }
    if (root.name === READ_RQ || root.name === NOTIF_REPORT_RQ) {
      // The pull serves the key's own hotel only: known before the message is read.
      caller.authorize(caller.principal.propertyCode, PMS_PULL_ROLES);
      propertyCode = caller.principal.propertyCode;
      warnings.push(...namespaceNotices(root));
      const pull = { db, root, principal: caller.principal, header, warnings, options };
      return root.name === READ_RQ ? await handleReadRQ(pull) : await handleNotifReport(pull);
    }
    const message = readMessage(root);
    warnings.push(...namespaceNotices(root));
    warnings.push(...message.warnings.map(warningNotice));

    const hotel = await resolveHotel(db, message.hotelCode, message.container, caller.principal);
    caller.authorize(hotel.stored.property.code);
    propertyCode = hotel.stored.property.code;
    if (message.rates) checkRates(message.rates, hotel.stored.property, warnings);
    const updates = translateCodes(message.updates, hotel.stored.property, hotel.channel);

    if (updates.length === 0) {
      if (warnings.length === 0) throw new XmlMessageError({ problem: 'missing-field', reason: `${root.name} contains no update`, element: message.container.name, line: message.container.line });
      warnings.push({ type: ADVISORY, text: 'nothing in the message is kept by Tidewater; the ledger is unchanged' });
      return respond([]);
    }
    const result = await applyAriBatch(db, propertyCode, { updates }, {
      idempotencyKey: idempotencyKeyOf(header.echoToken, body),
      source: OTA_IDEMPOTENCY_SOURCE,
      correlationId: options.correlationId,
      ...(options.now ? { now: options.now } : {}),
    });
    return respond([], { result });
  } catch (error) {
    return respond(noticesOf(error), error instanceof TidewaterError ? {} : { unexpected: error });
  }
}

// ---------------------------------------------------------------------------------------------
// Reading

interface ReadMessage {
  hotelCode: string;
  /** The element that carries HotelCode, for error locations. */
  container: XmlElement;
  updates: AriUpdate[];
  rates?: RateAmountDetail[];
  warnings: XmlWarning[];
}

function readMessage(root: XmlElement): ReadMessage {
  // /ota/v1 speaks OpenTravel; AlpineBits partners have their own endpoint, so no detection here.
  const options = { standard: 'opentravel' as const };
  switch (root.name) {
    case HOTEL_AVAIL_NOTIF_RQ: {
      const m = readHotelAvailNotif(root, options);
      return { hotelCode: m.hotelCode, container: childElement(root, 'AvailStatusMessages') as XmlElement, updates: m.updates, warnings: m.warnings };
    }
    case HOTEL_INV_COUNT_NOTIF_RQ: {
      const m = readHotelInvCountNotif(root, options);
      const container = childElement(root, 'Inventories') as XmlElement;
      if (m.completeSet) {
        // "Replace everything you hold" would need the absent nights reset too; refused, not half-done.
        throw refuse(container, 'a complete set (UniqueID Instance="CompleteSet") is not supported here; send the nights to change');
      }
      if (m.closedPeriods.length > 0) {
        throw refuse(container, 'closing the whole hotel (AllInvCode without InvCounts) is not supported; send counts per InvTypeCode');
      }
      return { hotelCode: m.hotelCode, container, updates: m.updates, warnings: m.warnings };
    }
    case HOTEL_RATE_AMOUNT_NOTIF_RQ: {
      const m = readHotelRateAmountNotif(root, options);
      return { hotelCode: m.hotelCode, container: childElement(root, 'RateAmountMessages') as XmlElement, updates: m.updates, rates: m.rates, warnings: m.warnings };
    }
    default:
      throw new XmlMessageError({
        problem: 'unsupported-message',
        reason: `${root.name} is not accepted at /ota/v1; send ${HOTEL_AVAIL_NOTIF_RQ}, ${HOTEL_INV_COUNT_NOTIF_RQ}, ${HOTEL_RATE_AMOUNT_NOTIF_RQ}, ${HOTEL_RES_NOTIF_RQ}, ${READ_RQ} or ${NOTIF_REPORT_RQ}`,
        element: root.name,
        line: root.line,
      });
  }
}

/**
 * Tolerated: several PMSs send the OpenTravel elements without xmlns (or with a dated one), and the
 * message means the same. Said back as a warning so the integrator can fix it.
 */
function namespaceNotices(root: XmlElement): OtaNotice[] {
  if (root.namespace === OTA_NAMESPACE) return [];
  return [
    {
      type: ADVISORY,
      tag: root.name,
      text:
        root.namespace === undefined
          ? `${root.name} has no namespace; read as OpenTravel (xmlns="${OTA_NAMESPACE}")`
          : `${root.name} is in namespace ${root.namespace}; read as OpenTravel (${OTA_NAMESPACE})`,
    },
  ];
}

function refuse(element: XmlElement, reason: string): XmlMessageError {
  return new XmlMessageError({ problem: 'unsupported-value', reason, element: element.name, line: element.line });
}

function warningNotice(w: XmlWarning): OtaNotice {
  return { type: ADVISORY, tag: w.element, text: `line ${w.line}, element <${w.element}>: ${w.reason}` };
}

function capWarnings(warnings: OtaNotice[]): OtaNotice[] {
  if (warnings.length <= MAX_WARNINGS) return warnings;
  return [...warnings.slice(0, MAX_WARNINGS - 1), { type: ADVISORY, text: `and ${warnings.length - MAX_WARNINGS + 1} more warnings` }];
}

/**
 * Root and EchoToken from the first start tag, without parsing: what a refused message (not XML,
 * too large, no credentials) is answered with, so the partner can still match the answer.
 */
function sniffRequest(body: string | Uint8Array): { root?: string; echoToken?: string } {
  const head = typeof body === 'string' ? body.slice(0, 4096) : Buffer.from(body.subarray(0, 4096)).toString('latin1');
  const tag = /^(?:\s|<\?[\s\S]*?\?>|<!--[\s\S]*?-->)*<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)([^<>]*)/.exec(head.replace(/^\uFEFF|^\xEF\xBB\xBF/, ''));
  if (!tag) return {};
  const echo = /\sEchoToken\s*=\s*(?:"([^"&<]{1,128})"|'([^'&<]{1,128})')/.exec(tag[2] ?? '');
  const echoToken = (echo?.[1] ?? echo?.[2])?.trim();
  // Only printable ASCII is echoed from an unparsed message: the bytes may be in any encoding.
  return { root: tag[1] as string, ...(echoToken && /^[\x20-\x7E]+$/.test(echoToken) ? { echoToken } : {}) };
}

/**
 * EchoToken plus a hash of the exact bytes: a resend of the same message replays the first answer,
 * while a partner that reuses one EchoToken for different content (many send a constant) still
 * gets each new message applied. Without EchoToken the hash alone is the key.
 */
export function idempotencyKeyOf(echoToken: string | undefined, body: string | Uint8Array): string {
  const hash = createHash('sha256').update(body).digest('hex');
  return echoToken !== undefined ? `${echoToken.slice(0, 128)}|sha256:${hash}` : `sha256:${hash}`;
}

// ---------------------------------------------------------------------------------------------
// Which property, which codes

interface Hotel {
  stored: StoredProperty;
  /** The channel whose hotelCode matched: its code mapping translates the partner's codes. */
  channel?: ChannelConfig;
}

/**
 * HotelCode names the property with that code, or a property with an active `pms` or `ota-xml`
 * channel whose `hotelCode` it is. Several may match (two properties can list the same extranet
 * code): the API key's own property wins, with a channel match preferred to a code match since it
 * brings a code mapping. If none of them is the key's, the first is returned for `authorize` to
 * refuse. Nothing matches: Errors 392.
 */
export async function resolveHotel(db: Db, hotelCode: string, container: XmlElement, principal: ApiKeyPrincipal): Promise<Hotel> {
  const rows = await db('channels as c')
    .join('properties as p', 'p.id', 'c.property_id')
    .where('c.active', true)
    .whereIn('c.type', HOTEL_CODE_CHANNEL_TYPES)
    .whereRaw(`c.config->>'hotelCode' = ?`, [hotelCode])
    .orderBy(['p.code', 'c.code'])
    .select<Array<{ propertyCode: string; channelCode: string }>>('p.code as propertyCode', 'c.code as channelCode');
  const own = rows.filter((r) => r.propertyCode === principal.propertyCode);
  const ordered: Array<{ propertyCode: string; channelCode?: string }> = [
    ...own,
    { propertyCode: hotelCode },
    ...rows.filter((r) => r.propertyCode !== principal.propertyCode),
  ];
  for (const candidate of ordered) {
    const stored = await findProperty(db, candidate.propertyCode);
    if (!stored) continue;
    const channel = candidate.channelCode !== undefined ? stored.property.channels.find((ch) => ch.code === candidate.channelCode) : undefined;
    return { stored, ...(channel ? { channel } : {}) };
  }
  throw new XmlMessageError({
    problem: 'invalid-value',
    reason: `HotelCode ${hotelCode} is neither a Tidewater property code nor the hotelCode of a property's pms or ota-xml channel`,
    element: container.name,
    line: container.line,
    otaType: '3',
    otaCode: '392',
  });
}

/**
 * A PMS pushing to Tidewater mostly uses Tidewater's own codes; a partner set up as a channel uses
 * that channel's. So a code is read through the matched channel's mapping first, then as a
 * Tidewater code. An unknown code is an error naming it, never a skipped update.
 */
export function translateCodes(updates: readonly AriUpdate[], property: Property, channel: ChannelConfig | undefined): AriUpdate[] {
  const rooms = inverse(channel?.roomTypes);
  const plans = inverse(channel?.ratePlans);
  const errors: OtaNotice[] = [];
  const seen = new Set<string>();
  const lookup = (code: string, mapping: Map<string, string[]>, known: (c: string) => boolean, kind: 'InvTypeCode' | 'RatePlanCode'): string | undefined => {
    const mapped = mapping.get(code);
    if (mapped && mapped.length === 1) return mapped[0];
    const key = `${kind}|${code}`;
    if (mapped && mapped.length > 1) {
      if (!seen.has(key)) errors.push({ type: '3', code: '320', shortText: 'Invalid value', tag: kind, text: `${kind} ${code} is mapped to ${mapped.join(' and ')} by channel ${channel?.code ?? ''}; the mapping must name one` });
    } else if (known(code)) {
      return code;
    } else if (!seen.has(key)) {
      const where = channel ? ` nor mapped by channel ${channel.code}` : '';
      errors.push(
        kind === 'InvTypeCode'
          ? { type: '3', code: '402', shortText: 'Invalid room type code', tag: kind, text: `InvTypeCode ${code} is not a room type of ${property.code}${where}` }
          : { type: '3', code: '249', shortText: 'Invalid rate code', tag: kind, text: `RatePlanCode ${code} is not a rate plan of ${property.code}${where}` },
      );
    }
    seen.add(key);
    return undefined;
  };
  const translated = updates.map((u) => {
    const roomType = lookup(u.roomType, rooms, (c) => findRoomType(property, c) !== undefined, 'InvTypeCode') ?? u.roomType;
    const ratePlan = u.ratePlan !== undefined ? lookup(u.ratePlan, plans, (c) => findRatePlan(property, c) !== undefined, 'RatePlanCode') ?? u.ratePlan : undefined;
    return { ...u, roomType, ...(ratePlan !== undefined ? { ratePlan } : {}) };
  });
  if (errors.length > 0) throw new OtaCodesError(errors);
  return translated;
}

function inverse(mapping: Record<string, string> | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [ours, theirs] of Object.entries(mapping ?? {})) out.set(theirs, [...(out.get(theirs) ?? []), ours]);
  return out;
}

/**
 * A rate is stored in the property's currency as the amount the guest pays. A different currency
 * is refused (no silent conversion); what the ledger cannot keep yet is said in Warnings.
 */
function checkRates(rates: readonly RateAmountDetail[], property: Property, warnings: OtaNotice[]): void {
  const errors: OtaNotice[] = [];
  const currencies = new Set(rates.map((r) => r.currency).filter((c): c is string => c !== undefined && c !== property.currency));
  for (const currency of currencies) {
    errors.push({ type: '3', code: '61', shortText: 'Invalid currency code', tag: 'CurrencyCode', text: `CurrencyCode ${currency} is not the currency of ${property.code} (${property.currency}); send amounts in ${property.currency}` });
  }
  if (errors.length > 0) throw new OtaCodesError(errors);
  if (rates.some((r) => r.taxes === 'excluded')) {
    warnings.push({ type: ADVISORY, tag: 'BaseByGuestAmt', text: 'AmountBeforeTax was stored as the rate: Tidewater keeps one amount per night and adds no taxes' });
  }
  if (rates.some((r) => r.occupancyRates.length > 1)) {
    warnings.push({ type: ADVISORY, tag: 'BaseByGuestAmt', text: 'only the base occupancy amount (2 guests, or the one without NumberOfGuests) is stored; other occupancies are not kept yet' });
  }
  if (rates.some((r) => r.additionalGuestAmounts.length > 0)) {
    warnings.push({ type: ADVISORY, tag: 'AdditionalGuestAmount', text: 'AdditionalGuestAmounts are not kept yet and were ignored' });
  }
}

/** Errors about codes and currencies found before the ledger: answered as they are. */
class OtaCodesError extends XmlMessageError {
  constructor(readonly notices: OtaNotice[]) {
    super({ problem: 'invalid-value', reason: notices.map((n) => n.text ?? '').join('; ') });
  }
}

/** The Errors of an answer: the notices collected above, or the one mapping of typed errors. */
export function noticesOf(error: unknown): OtaNotice[] {
  return error instanceof OtaCodesError ? error.notices : toOtaErrors(error);
}

// ---------------------------------------------------------------------------------------------
// Reservations pushed by an OTA (OTA_HotelResNotifRQ)

/** Reservations may be pushed by the OTA itself (a `channel` key) or relayed by the hotel's systems. */
export const OTA_RESERVATION_ROLES = ['admin', 'pms', 'channel'] as const;

/**
 * Each reservation is applied on its own (one bad one does not block the others): taken ones are
 * acknowledged in HotelReservations with Tidewater's booking id (UniqueID Type 14), refused ones are
 * reported as Warnings with their RecordID, the AlpineBits way. The reservation is attributed to
 * the channel whose hotelCode matched; a property without such a channel cannot take it.
 */
async function handleResNotif(
  db: Db,
  root: XmlElement,
  principal: ApiKeyPrincipal,
  caller: OtaCaller,
  header: OtaHeader,
  options: OtaXmlOptions,
): Promise<OtaXmlAnswer> {
  const message = readHotelResNotif(root, { invalidReservations: 'collect' });
  const first = message.reservations.find((r) => r.hotelCode !== undefined) ?? undefined;
  const container = childElement(root, 'HotelReservations') ?? root;
  const hotelCode = first?.hotelCode ?? principal.propertyCode;
  const hotel = await resolveHotel(db, hotelCode, container, principal);
  caller.authorize(hotel.stored.property.code, OTA_RESERVATION_ROLES);
  const channel = hotel.channel ?? hotel.stored.property.channels.find((c) => c.type === 'ota-xml' && c.code === principal.propertyCode);
  if (!channel) {
    throw new XmlMessageError({
      problem: 'invalid-value',
      reason: `HotelCode ${hotelCode} does not name an ota-xml or pms channel of ${hotel.stored.property.code}; reservations are attributed to the channel whose hotelCode they carry`,
      element: container.name,
      line: container.line,
      otaType: '3',
      otaCode: '392',
    });
  }
  const applied = await applyChannelReservations({ db, logger: options.logger ?? silentLogger }, hotel.stored, channel, message.reservations, {
    correlationId: options.correlationId,
  });
  const acks = applied.filter((a) => a.result).map((a) => ackFor(a.reservation, [{ type: '14', value: a.result?.bookingId as string, source: 'Tidewater' }]));
  const warnings: AcknowledgementNotice[] = [
    ...applied.filter((a) => a.error).map((a) => ({ ...(noticesOf(a.error)[0] ?? { type: '12' }), recordId: a.reservation.channelReservationId })),
    ...message.rejected.map(rejectionNotice),
  ].slice(0, MAX_WARNINGS);
  const everythingRefused = acks.length === 0 && warnings.length > 0;
  const xml = renderHotelResNotifRS(
    {
      header: { ...(header.echoToken !== undefined ? { echoToken: header.echoToken } : {}), ...(header.target !== undefined ? { target: header.target } : {}) },
      ...(everythingRefused ? { errors: warnings } : { reservations: acks, warnings }),
    },
    options.now ? () => options.now as Date : undefined,
  );
  return { xml, root: 'OTA_HotelResNotifRS', status: everythingRefused ? 'errors' : warnings.length > 0 ? 'warnings' : 'success', propertyCode: hotel.stored.property.code };
}

// ---------------------------------------------------------------------------------------------
// Reservations pulled by the hotel's PMS (OTA_ReadRQ → OTA_ResRetrieveRS, OTA_NotifReportRQ → RS)

interface PullRequest {
  db: Db;
  root: XmlElement;
  principal: ApiKeyPrincipal;
  header: OtaHeader;
  /** Collected so far (namespace); the answer carries them. */
  warnings: OtaNotice[];
  options: OtaXmlOptions;
}

/** Tidewater's name for itself in HotelReservationIDs (ResID_Source), as in OTA_HotelResNotifRS. */
const TIDEWATER_SOURCE = 'Tidewater';
/** OpenTravel Unique ID Types: 14 reservation, 13 internet broker (where the booking came from). */
const UIT_RESERVATION = '14';
const UIT_BROKER = '13';
/** ResID_Value, ResID_Source and ResID_SourceContext are StringLength1to64. */
const MAX_REFERENCE_LENGTH = 64;

const SELECTION_SCOPES: Readonly<Record<SelectionType, PullScope['kind']>> = {
  Undelivered: 'pending',
  All: 'known',
  PreviouslyDelivered: 'acknowledged',
};
const SELECTION_DATES: Readonly<Partial<Record<SelectionDateType, PullWindow['on']>>> = {
  CreateDate: 'created',
  LastUpdateDate: 'changed',
  ArrivalDate: 'arrival',
  DepartureDate: 'departure',
};

/**
 * The PMS pulls the property's bookings: an OTA_ResRetrieveRS with what this key has not
 * acknowledged (services/pms-pull-service.ts decides what and as what, as for AlpineBits), as
 * OpenTravel 2015B HotelReservations: ResStatus Book (new), Modify (changed since acknowledged) or
 * Cancel (UniqueID Type 15, no guest data: the id is all the PMS needs). UniqueID/@ID is
 * Tidewater's booking id without dashes (StringLength1to32), the same id the AlpineBits pull
 * serves, so a key's acknowledgements hold whichever protocol it pulls through; HotelReservationIDs
 * carry the id with dashes (Type 14, Source Tidewater, SourceContext the channel or `direct`) and the
 * channel's id (Type 13, Source the channel).
 *
 * HotelReadRequest/@HotelCode names the property as for ARI (its code, or the hotelCode of one of
 * its pms/ota-xml channels, whose code mapping then applies); absent, the key's own. SelectionCriteria:
 *   - SelectionType Undelivered (the default): what is waiting for this key; All: every booking it
 *     could know of, acknowledged or not, served whole (a PMS rebuilding its data);
 *     PreviouslyDelivered: those it acknowledged;
 *   - Start/End (both inclusive) narrow that by DateType: CreateDate, LastUpdateDate (also without
 *     DateType: "changed since", as AlpineBits reads its Start), ArrivalDate, DepartureDate. A date
 *     is a day in the property's time zone, a date and time without offset its local time.
 * Paging: at most MaxResponses (and never more than MAX_RESERVATIONS_PER_PULL) per answer, oldest
 * change first; MoreIndicator="true" with a MoreDataEchoToken when more are in scope. The token
 * goes back in the next OTA_ReadRQ to continue after this page, acknowledged or not; a PMS that
 * acknowledges each page may as well ask again without it.
 * A booking that cannot be written (a code longer than OpenTravel allows) is not served: a Warning
 * with its id says why, and it waits until the mapping is fixed.
 */
async function handleReadRQ(request: PullRequest): Promise<OtaXmlAnswer> {
  const { db, root, principal, warnings, options } = request;
  const message = readReadRQ(root, { standard: 'opentravel' });
  warnings.push(...message.warnings.map(warningNotice));
  const requests = childElement(root, 'ReadRequests');
  const container = (requests && childElement(requests, 'HotelReadRequest')) ?? root;
  const readRequest = message.hotelReadRequests[0];
  if (!readRequest) {
    throw new XmlMessageError({
      problem: 'missing-field',
      reason: 'ReadRequests/HotelReadRequest is required: Tidewater serves the reservations of a hotel (reading single ones by UniqueID is not supported)',
      element: root.name,
      line: root.line,
    });
  }
  if (message.hotelReadRequests.length > 1) {
    warnings.push({ type: ADVISORY, tag: 'HotelReadRequest', text: `only the first of ${message.hotelReadRequests.length} HotelReadRequests was read; one OTA_ReadRQ serves one hotel` });
  }
  if (message.reservationIds.length > 0) {
    warnings.push({ type: ADVISORY, tag: 'UniqueID', text: 'reservations are not looked up by UniqueID; HotelReadRequest selected what was served' });
  }
  const hotelCode = readRequest.hotelCode ?? principal.propertyCode;
  checkHotelCodeLength(hotelCode, container);
  const hotel = requireOwnHotel(await resolveHotel(db, hotelCode, container, principal), hotelCode, container, principal);
  const scope = pullScopeOf(readRequest.selection, container, warnings);
  const after = message.moreDataEchoToken !== undefined ? cursorOf(message.moreDataEchoToken, root) : undefined;
  const limit = Math.min(message.maxResponses ?? MAX_RESERVATIONS_PER_PULL, MAX_RESERVATIONS_PER_PULL);

  const page = await pullPage(db, { principal, stored: hotel.stored, scopes: [scope], reread: scope.kind !== 'pending', ...(after ? { after } : {}), limit });
  const reservations: ChannelReservation[] = [];
  const served: PullPage['items'] = [];
  for (const item of page.items) {
    const reservation = otaReservationOf(await pulledBookingOf(db, hotel.stored, hotel.channel, item.candidate, item.status), hotelCode);
    try {
      // Rendered alone first: one booking the schema cannot carry must not cost the PMS the others.
      hotelReservationNode(reservation, '/reservation');
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      warnings.push({ type: '3', code: '450', recordId: reservation.channelReservationId, text: `booking ${item.candidate.id} cannot be sent as an OpenTravel reservation: ${error.message}` });
      continue;
    }
    reservations.push(reservation);
    served.push(item);
  }
  const shown = capWarnings(warnings);
  const xml = renderResRetrieveRS(
    {
      header: echoOf(request.header),
      reservations,
      warnings: shown,
      more: page.more,
      ...(page.more && page.last ? { moreDataEchoToken: tokenOf(page.last) } : {}),
    },
    options.now ? () => options.now as Date : undefined,
  );
  await recordPulled(db, principal, served);
  // Counts and key only: what was served is personal data.
  (options.logger ?? silentLogger).info(
    {
      property: principal.propertyCode,
      apiKeyId: principal.id,
      selection: scope.kind,
      new: reservations.filter((r) => r.status === 'new').length,
      modified: reservations.filter((r) => r.status === 'modified').length,
      cancelled: reservations.filter((r) => r.status === 'cancelled').length,
      unsendable: page.items.length - served.length,
      more: page.more,
    },
    'OpenTravel reservations served',
  );
  return { xml, root: RES_RETRIEVE_RS, status: shown.length > 0 ? 'warnings' : 'success', propertyCode: principal.propertyCode };
}

function echoOf(header: OtaHeader): { echoToken?: string; target?: 'Test' | 'Production' } {
  return { ...(header.echoToken !== undefined ? { echoToken: header.echoToken } : {}), ...(header.target !== undefined ? { target: header.target } : {}) };
}

/** SelectionCriteria as the scan they ask for; several criteria are alternatives (any of their ranges). */
function pullScopeOf(selection: readonly ReadSelection[], container: XmlElement, warnings: OtaNotice[]): PullScope {
  const types = [...new Set(selection.map((s) => s.selectionType).filter((t): t is SelectionType => t !== undefined))];
  if (types.length > 1) {
    throw new XmlMessageError({ problem: 'invalid-value', reason: `SelectionCriteria ask for ${types.join(' and ')} at once; send one SelectionType`, element: 'SelectionCriteria', line: container.line });
  }
  const kind = SELECTION_SCOPES[types[0] ?? 'Undelivered'];
  if (selection.some((s) => s.resStatus !== undefined)) {
    warnings.push({ type: ADVISORY, tag: 'SelectionCriteria', text: 'ResStatus does not narrow what is served; every status waiting for these credentials was sent' });
  }
  const windows: PullWindow[] = [];
  for (const criteria of selection) {
    // A criteria without a range selects everything of its type: no narrowing at all.
    if (criteria.start === undefined && criteria.end === undefined) return { kind };
    const on = criteria.dateType === undefined ? 'changed' : SELECTION_DATES[criteria.dateType];
    if (on === undefined) {
      throw new XmlMessageError({ problem: 'unsupported-value', reason: `DateType ${criteria.dateType ?? ''} cannot select reservations here; use CreateDate, LastUpdateDate, ArrivalDate or DepartureDate`, element: 'SelectionCriteria', line: container.line });
    }
    for (const [name, value] of [['Start', criteria.start], ['End', criteria.end]] as const) {
      if (value !== undefined && !isSelectionBound(value)) {
        throw new XmlMessageError({ problem: 'invalid-date', reason: `${name} ${value} is not a date (and time) Tidewater can select by; send e.g. 2027-03-01 or 2027-03-01T09:30:00+01:00`, element: 'SelectionCriteria', line: container.line });
      }
    }
    windows.push({ on, ...(criteria.start !== undefined ? { from: criteria.start } : {}), ...(criteria.end !== undefined ? { to: criteria.end } : {}) });
  }
  return windows.length > 0 ? { kind, windows } : { kind };
}

/**
 * read-rq.ts checks the form; this checks the value is a real day of a four-digit year and a real
 * time and offset, since the database would refuse anything else with an error of its own.
 */
function isSelectionBound(value: string): boolean {
  const match = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|[+-](\d{2}):(\d{2}))?)?$/.exec(value);
  // isIsoDate refuses years before 100 too (Date.UTC reads them as 19xx), which no PMS means.
  if (!match || !isIsoDate(match[1] as string)) return false;
  if (match[2] === undefined) return true;
  const [hours, minutes, seconds] = [Number(match[2]), Number(match[3]), Number(match[4])];
  if (hours > 23 || minutes > 59 || seconds > 59) return false;
  return match[6] === undefined || (Number(match[6]) <= 14 && Number(match[7]) <= 59);
}

/** The MoreDataEchoToken of a page: where the scan stopped (a position, never a booking's content). */
function tokenOf(cursor: PullCursor): string {
  return `p1.${cursor.changedMicros}.${requestIdOf(cursor.id)}`;
}

function cursorOf(token: string, root: XmlElement): PullCursor {
  const match = /^p1\.(\d{1,19})\.([0-9a-f]{32})$/.exec(token);
  const id = match ? bookingIdOf(match[2] as string) : undefined;
  if (!match || id === undefined) {
    throw new XmlMessageError({ problem: 'invalid-value', reason: `MoreDataEchoToken ${token} is not one Tidewater gave; send the OTA_ReadRQ without it to start from the first page`, element: root.name, line: root.line });
  }
  return { changedMicros: match[1] as string, id };
}

/** A served booking as an OpenTravel reservation, in the PMS's codes. */
function otaReservationOf(booking: PulledBooking, hotelCode: string): ChannelReservation {
  const createdAt = booking.createdAt.toISOString();
  const references: ReservationReference[] = [
    { type: UIT_RESERVATION, value: booking.id, source: TIDEWATER_SOURCE, ...(booking.source.length <= MAX_REFERENCE_LENGTH ? { context: booking.source } : {}) },
  ];
  // Only a channel's booking has a channel id (a direct booking's external_ref is its idempotency
  // key). One OpenTravel cannot carry is left out rather than cut: a cut id could name another booking.
  const channelBooking = booking.source !== DIRECT_SOURCE;
  if (channelBooking && booking.externalRef !== undefined && booking.externalRef.length <= MAX_REFERENCE_LENGTH && booking.source.length <= MAX_REFERENCE_LENGTH) {
    references.push({ type: UIT_BROKER, value: booking.externalRef, source: booking.source });
  }
  const base = {
    channelReservationId: requestIdOf(booking.id),
    // The booking as it is now: LastModifyDateTime is written when it changed after it was made.
    revision: booking.updatedAt.toISOString(),
    revisionSource: 'LastModifyDateTime' as const,
    createdAt,
    hotelCode,
    references,
  };
  if (booking.status === 'Cancelled') return { ...base, status: 'cancelled', roomStays: [] };
  let uncounted = 0;
  const roomStays = booking.stays.map((stay): ChannelRoomStay => {
    const factor = booking.guestsPerRoom ? stay.rooms : 1;
    const adults = (stay.adults ?? 0) * factor;
    const children = (stay.children ?? 0) * factor;
    const counted = adults + children > 0;
    if (!counted) uncounted++;
    return {
      roomType: stay.roomType,
      ...(stay.ratePlan !== undefined ? { ratePlan: stay.ratePlan } : {}),
      checkIn: stay.checkIn,
      checkOut: stay.checkOut,
      rooms: stay.rooms,
      // GuestCounts needs a count: a stay whose guests are unknown (iCal blocks, some channels)
      // gets one adult per room, and a comment says so, rather than a PMS refusing the booking.
      adults: counted ? adults : stay.rooms,
      children: counted ? children : 0,
    };
  });
  const guest = personOf(booking.guest);
  return {
    ...base,
    status: booking.status === 'Modify' ? 'modified' : 'new',
    roomStays,
    ...(guest ? { guest } : {}),
    ...(booking.total ? { total: { ...booking.total, taxIncluded: true } } : {}),
    ...(uncounted > 0
      ? { comments: `the number of guests is not known for ${uncounted === roomStays.length ? 'this booking' : `${uncounted} of its stays`} (one adult per room stands for it)` }
      : {}),
  };
}

/**
 * The guest as OpenTravel can carry them: PersonName needs a Surname (a first name alone is left
 * out), names are cut to 64 characters as AlpineBits does, a phone longer than 32 is left out.
 */
function personOf(guest: PulledBooking['guest']): ReservationGuest | undefined {
  if (!guest) return undefined;
  const last = guest.lastName?.trim();
  const first = guest.firstName?.trim();
  const phone = guest.phone?.trim();
  const email = guest.email?.trim();
  const person: ReservationGuest = {
    ...(last ? { lastName: last.slice(0, 64), ...(first ? { firstName: first.slice(0, 64) } : {}) } : {}),
    ...(phone && phone.length <= 32 ? { phone } : {}),
    ...(email ? { email } : {}),
  };
  return Object.keys(person).length > 0 ? person : undefined;
}

/**
 * The PMS's OTA_NotifReportRQ after a pull: every reservation in NotifDetails is concluded for
 * this key (its acknowledgement confirms what was served last), every one refused in Warnings
 * (RecordID = the UniqueID it was served with) is concluded as refused; see acknowledgePulled.
 * A reservation is named by its UniqueID, or by the HotelReservationID Source Tidewater; the PMS's
 * own id in HotelReservationIDs (any other, not the channel's Type 13) is kept as the booking's PMS
 * reference. A report with Errors ("the whole page failed") concludes nothing: all of it is served
 * again. Ids never served to this key are answered with a Warning naming them. Repeating a report
 * changes nothing.
 */
async function handleNotifReport(request: PullRequest): Promise<OtaXmlAnswer> {
  const { db, root, principal, warnings, options } = request;
  const message = readNotifReportRQ(root, { standard: 'opentravel' });
  warnings.push(...message.warnings.map(warningNotice));
  const stored = await findProperty(db, principal.propertyCode);
  if (!stored) throw new XmlMessageError({ problem: 'invalid-value', reason: `property ${principal.propertyCode} of these credentials does not exist`, otaType: '3', otaCode: '392' });

  const confirmed = new Map<string, PullConfirmation>();
  const refused = new Map<string, PullRefusal>();
  if (message.errors.length > 0) {
    warnings.push({ type: ADVISORY, text: 'the report carries Errors: nothing was acknowledged, the reservations are served again on the next OTA_ReadRQ' });
  } else {
    for (const ack of message.confirmed) {
      const ours = (ack.hotelReservationIds ?? []).filter((r) => r.source?.toLowerCase() === TIDEWATER_SOURCE.toLowerCase());
      const label = ack.channelReservationId ?? ours[0]?.value ?? ack.hotelReservationIds?.[0]?.value ?? 'a reservation without UniqueID';
      const bookingId = [ack.channelReservationId, ...ours.map((r) => r.value)].map((id) => (id !== undefined ? bookingIdOf(id) : undefined)).find((id) => id !== undefined);
      if (bookingId === undefined) {
        warnings.push({ type: '3', recordId: label, text: `${label} is not a reservation Tidewater sends; ignored` });
        continue;
      }
      const pms = (ack.hotelReservationIds ?? []).find((r) => r.source?.toLowerCase() !== TIDEWATER_SOURCE.toLowerCase() && r.type !== UIT_BROKER && bookingIdOf(r.value) === undefined);
      confirmed.set(bookingId, { label, ...(pms && pms.value.length <= MAX_REFERENCE_LENGTH ? { pmsReference: pms.value } : {}) });
    }
    for (const notice of message.notices) {
      const bookingId = notice.recordId !== undefined ? bookingIdOf(notice.recordId) : undefined;
      if (bookingId === undefined) {
        warnings.push({ type: '3', ...(notice.recordId !== undefined ? { recordId: notice.recordId } : {}), text: `a refusal of ${notice.recordId ?? 'no RecordID'} does not name a reservation Tidewater sends; ignored` });
        continue;
      }
      refused.set(bookingId, { label: notice.recordId as string, reason: refusalReason(notice) });
    }
  }
  const result = await acknowledgePulled(db, { principal, stored, via: 'opentravel', confirmed, refused });
  for (const label of result.neverServed) warnings.push({ type: '3', recordId: label, text: `${label} was never sent to these credentials; ignored` });
  // Counts and key only: the PMS's refusal texts may quote the guest, so they stay in booking_events.
  (options.logger ?? silentLogger).info(
    { property: principal.propertyCode, apiKeyId: principal.id, acknowledged: result.acknowledged, refused: result.refused, ignored: result.neverServed.length },
    'OpenTravel reservations acknowledged',
  );
  const shown = capWarnings(warnings);
  const xml = renderNotifReportRS({ header: echoOf(request.header), warnings: shown }, options.now ? () => options.now as Date : undefined);
  return { xml, root: NOTIF_REPORT_RS, status: shown.length > 0 ? 'warnings' : 'success', propertyCode: principal.propertyCode };
}
