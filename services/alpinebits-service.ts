/**
 * Tidewater as an AlpineBits HotelData 2024-10 server (`POST /alpinebits`), without HTTP: the
 * router hands over the headers, the body and the API key's owner; this answers either plain text
 * (`ERROR:…` with an HTTP status: AlpineBits' transport-level outcomes) or an `…RS` document.
 *
 * What is a transport error and what is an RS with Errors follows the AlpineBits servers partners
 * already talk to (the reference implementations answer 400 `ERROR:` to anything they cannot read):
 *   - `ERROR:` (400): protocol version header missing or not 2024-10 (except for getVersion and
 *     getCapabilities: they are how an older client finds out), body not a form, unknown or
 *     missing `action` ("ERROR:unknown or missing action", §3.4), missing `request`, a request that
 *     is not XML, is forbidden XML (DOCTYPE, too deep) or is not the document the action names;
 *     401 for credentials; 413 above the size limit; 500 for our own failures.
 *   - RS with Errors (200, Type 13 with the OpenTravel ERR code): a readable message whose content
 *     cannot be applied (unknown HotelCode or room category, Start after End, a date in the past…).
 * Either way nothing is written: FreeRooms' and RatePlans' only ledger write is `applyAriBatch`,
 * all or nothing, at the end. GuestRequests writes per reservation (see guestRequests): refused
 * ones write nothing.
 *
 * Actions:
 *   - OTA_Ping:Handshaking, and the pre-2018 getVersion / getCapabilities (answered `OK:…`);
 *   - OTA_HotelInvCountNotif:FreeRooms and OTA_HotelRatePlanNotif:RatePlans from the hotel's PMS,
 *     both through applyAriBatch (see freeRooms, ratePlans);
 *   - OTA_HotelDescriptiveContentNotif:Inventory: the PMS's room categories, checked against the
 *     property's room types, nothing stored (see inventory);
 *   - OTA_HotelResNotif:GuestRequests: reservations pushed by an AlpineBits client (see
 *     guestRequests);
 *   - OTA_Read:GuestRequests and OTA_NotifReport:GuestRequests: the bookings pulled by the
 *     hotel's PMS; they write only what was served and acknowledged (see readGuestRequests,
 *     acknowledgeGuestRequests).
 */
import { createHash } from 'node:crypto';
import { MAX_PAST_DAYS, type AriUpdate } from '../core/ari';
import { eachDate, addDays, todayIn, type IsoDate } from '../core/dates';
import { AuthenticationError, ForbiddenError, TidewaterError, ValidationError } from '../core/errors';
import { findRatePlan, findRoomType, type ChannelConfig, type Property } from '../core/property';
import { currencyDecimals, formatScaled, toScaled } from '../core/money';
import type { ChannelReservation, ReservationAmount } from '../core/reservation-message';
import { silentLogger, type Logger } from '../config/logger';
import { lastRateNights, ratePlanAmounts, saveRatePlanAmounts, type RatePlanAmounts } from '../db/alpinebits-repo';
import type { ApiKeyPrincipal, ApiKeyRole } from '../db/api-keys-repo';
import type { Db } from '../db/connection';
import type { ChangeOrigin } from '../db/outbox-repo';
import { findProperty, type StoredProperty } from '../db/properties-repo';
import { FREE_ROOMS_ROOT, readFreeRooms } from '../mappers/alpinebits/free-rooms';
import {
  bookingIdOf,
  NOTIF_REPORT_RS,
  RES_RETRIEVE_RS,
  renderGuestRequestsRS,
  requestIdOf,
  roomsOf,
  type GuestRequestOut,
  type GuestRequestWarning,
} from '../mappers/alpinebits/guest-requests';
import {
  ALPINEBITS_ACTIONS,
  ALPINEBITS_VERSION,
  HANDSHAKE_ACTIONS,
  HANDSHAKE_CAPABILITIES,
  PROTOCOL_VERSION_HEADER,
  decodeFormBody,
  intersectHandshake,
  readPingRequest,
  renderPingResponse,
  type HandshakeData,
  type HandshakeVersion,
} from '../mappers/alpinebits/handshake';
import { INVENTORY_ROOT, INVENTORY_RS, readInventory } from '../mappers/alpinebits/inventory';
import { RATE_PLAN_NOTIF_ROOT, ratePlanLedgerUpdates, readRatePlanNotif } from '../mappers/alpinebits/rate-plans';
import { renderAlpineBitsResponse, type AlpineBitsError, type AlpineBitsWarning } from '../mappers/alpinebits/response';
import { OTA_NAMESPACE, type AcknowledgementNotice } from '../mappers/opentravel/common';
import { HOTEL_RES_NOTIF_RQ, HOTEL_RES_NOTIF_RS, readHotelResNotif, renderHotelResNotifRS, type ReservationAck } from '../mappers/opentravel/hotel-res-notif';
import { NOTIF_REPORT_RQ, readNotifReportRQ } from '../mappers/opentravel/notif-report';
import { READ_RQ, readReadRQ } from '../mappers/opentravel/read-rq';
import type { OtaNotice } from '../mappers/opentravel/response';
import { XmlMessageError, type XmlProblem } from '../mappers/xml/errors';
import { childElement, DEFAULT_MAX_BYTES, parseXml, type XmlElement } from '../mappers/xml/parse';
import { applyAriBatch, type AriResult } from './ari-service';
import { applyChannelReservations } from './channel-reservation-service';
import { OTA_ARI_ROLES, OTA_RESERVATION_ROLES, noticesOf, resolveHotel, translateCodes } from './ota-xml-service';
import {
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
  type PullRefusal,
  type PullPage,
  type PulledBooking,
} from './pms-pull-service';

/** Protocol versions this server speaks (the X-AlpineBits-ClientProtocolVersion values it accepts). */
export const SUPPORTED_VERSIONS: readonly string[] = [ALPINEBITS_VERSION];

/** The idempotency namespace of AlpineBits pushes, apart from /ota/v1 and JSON keys. */
export const ALPINEBITS_IDEMPOTENCY_SOURCE = 'alpinebits';

const FREE_ROOMS_RS = 'OTA_HotelInvCountNotifRS';

/**
 * GuestRequests push (AlpineBits 2024-10 §4.1): the form-field action, and its name in the handshake
 * JSON. Kept here rather than in mappers/alpinebits/handshake.ts, which this work may not change.
 */
export const GUEST_REQUESTS_PUSH_ACTION = 'OTA_HotelResNotif:GuestRequests';
export const GUEST_REQUESTS_PUSH_HANDSHAKE_ACTION = 'action_OTA_HotelResNotif_GuestRequests';
/** UniqueID/@ID in the AlpineBits OTA_HotelResNotifRS is StringLength1to32. */
const MAX_ACK_ID_LENGTH = 32;
/** AlpineBits Error Type 13: application error, the request was not processed. */
const APPLICATION_ERROR = '13';
const ADVISORY = '11';
/** WarningsType allows 99 Warning elements. */
const MAX_WARNINGS = 99;

/**
 * What Tidewater announces in the handshake. FreeRooms per room category, as deltas or complete
 * sets, with closing seasons. Not announced: accept_rooms (availability per physical room; the
 * ledger counts categories), accept_out_of_order / out_of_market (CountType 6 is read tolerantly
 * when sent, but announcing it would promise that an omitted CountType 6 resets the count to 0).
 * action_OTA_Ping is listed because versions before 2024-10 require it; the 2024-10 answer drops it
 * (see handshakeAnswer). GuestRequests push is announced without OTA_HotelResNotif_GuestRequests_accept_RoomRates:
 * daily rates are not kept, so a client must not be led to send prices it believes we store.
 * RatePlans with Overlay, generic, room-type and mixed BookingRules and arrival/departure weekdays;
 * not Supplements, FreeNightsOffers, FamilyOffers, RatePlanJoin or OfferRule limits, which the
 * ledger cannot hold (read and reported as ignored when a client sends them anyway). Inventory
 * without use_rooms / occupancy_children: categories are checked, physical rooms only counted.
 */
export const SERVER_HANDSHAKE: HandshakeData = {
  versions: [
    {
      version: ALPINEBITS_VERSION,
      actions: [
        { action: HANDSHAKE_ACTIONS.ping },
        {
          action: HANDSHAKE_ACTIONS.freeRooms,
          supports: [
            HANDSHAKE_CAPABILITIES.freeRoomsCategories,
            HANDSHAKE_CAPABILITIES.freeRoomsDeltas,
            HANDSHAKE_CAPABILITIES.freeRoomsCompleteSet,
            HANDSHAKE_CAPABILITIES.freeRoomsClosingSeasons,
          ],
        },
        {
          action: HANDSHAKE_ACTIONS.ratePlans,
          supports: [
            HANDSHAKE_CAPABILITIES.ratePlansOverlay,
            HANDSHAKE_CAPABILITIES.ratePlansGenericBookingRule,
            HANDSHAKE_CAPABILITIES.ratePlansRoomTypeBookingRule,
            HANDSHAKE_CAPABILITIES.ratePlansMixedBookingRule,
            HANDSHAKE_CAPABILITIES.ratePlansArrivalDow,
            HANDSHAKE_CAPABILITIES.ratePlansDepartureDow,
          ],
        },
        { action: HANDSHAKE_ACTIONS.inventory },
        { action: GUEST_REQUESTS_PUSH_HANDSHAKE_ACTION },
        { action: HANDSHAKE_ACTIONS.guestRequestsPull },
      ],
    },
  ],
};

/** A refusal at the transport level: answered `ERROR:<message>` with `httpStatus`. */
export class AlpineBitsTransportError extends TidewaterError {
  readonly code = 'alpinebits-transport';
  readonly title = 'AlpineBits request refused';
  constructor(
    readonly httpStatus: 400 | 401 | 413,
    message: string,
  ) {
    super(message);
  }
}

export interface AlpineBitsRequest {
  /** X-AlpineBits-ClientProtocolVersion, undefined when absent. */
  protocolVersion: string | undefined;
  /** X-AlpineBits-ClientID: only logged, AlpineBits gives it no meaning. */
  clientId: string | undefined;
  contentType: string | undefined;
  contentEncoding: string | undefined;
  body: Buffer;
  /** The router stopped reading because the body exceeded the limit. */
  tooLarge: boolean;
}

export interface AlpineBitsCaller {
  /** The API key's owner; undefined when no key or an unknown one was sent. */
  principal: ApiKeyPrincipal | undefined;
  /**
   * Throws (ForbiddenError) unless the caller may act on the property with one of `roles` (default:
   * the roles that may push ARI): api/auth.ts `authorize`.
   */
  authorize(propertyCode: string, roles?: readonly ApiKeyRole[]): void;
}

export interface AlpineBitsOptions {
  maxBytes?: number;
  /** Shown in the too-large message, e.g. '5mb'. */
  maxBodyLabel?: string;
  /** Where booking outcomes are logged (never with guest data). */
  logger?: Logger;
  now?: Date;
  /** The inbound request's id, carried to the channel deliveries the message causes. */
  correlationId?: string | undefined;
}

export type AlpineBitsAnswer =
  | { kind: 'text'; httpStatus: number; text: string; unexpected?: unknown }
  | {
      kind: 'xml';
      httpStatus: 200;
      xml: string;
      status: 'success' | 'warnings' | 'errors';
      action: string;
      propertyCode?: string;
      result?: AriResult;
    };

/** One AlpineBits request in, its answer out. Never throws. */
export async function handleAlpineBits(db: Db, request: AlpineBitsRequest, caller: AlpineBitsCaller, options: AlpineBitsOptions = {}): Promise<AlpineBitsAnswer> {
  try {
    return await dispatch(db, request, caller, options);
  } catch (error) {
    if (error instanceof AlpineBitsTransportError) return { kind: 'text', httpStatus: error.httpStatus, text: `ERROR:${error.message}` };
    // Anything else escaping dispatch is ours, not the client's: 500 as AlpineBits asks, details in the log.
    return { kind: 'text', httpStatus: 500, text: 'ERROR:internal error; the request was not processed', unexpected: error };
  }
}

async function dispatch(db: Db, request: AlpineBitsRequest, caller: AlpineBitsCaller, options: AlpineBitsOptions): Promise<AlpineBitsAnswer> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (request.tooLarge) throw new AlpineBitsTransportError(413, `the request is larger than ${options.maxBodyLabel ?? `${maxBytes} bytes`}`);
  // Credentials before the body is decoded: an anonymous sender must not get to spend our CPU.
  // The role is checked once the action is known (a channel may push bookings, not availability);
  // splitting the two form fields first costs little next to parsing the XML.
  const principal = caller.principal;
  if (!principal) throw new AlpineBitsTransportError(401, 'authentication failed: send HTTP Basic auth with a Tidewater API key as the password');
  const encoding = (request.contentEncoding ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity') {
    // Not announced (no X-AlpineBits-Server-Accept-Encoding), so a compliant client never sends it.
    throw new AlpineBitsTransportError(400, `Content-Encoding ${encoding} is not accepted by this server; send the request uncompressed`);
  }
  let fields: Record<string, string>;
  try {
    fields = decodeFormBody(request.body, request.contentType);
  } catch (error) {
    throw new AlpineBitsTransportError(400, `${(error as Error).message}; send the action and request parameters as multipart/form-data`);
  }
  const action = actionOf(fields.action);
  const roles = action !== undefined ? ACTION_ROLES[action] : undefined;
  if (!action || !roles) {
    const what = !fields.action?.trim() ? 'no action parameter' : `${fields.action.trim()} is not supported by this server`;
    throw new AlpineBitsTransportError(400, `unknown or missing action: ${what}; supported: ${Object.keys(ACTION_ROLES).join(', ')}`);
  }
  try {
    caller.authorize(principal.propertyCode, roles);
  } catch (error) {
    if (error instanceof ForbiddenError || error instanceof AuthenticationError) throw new AlpineBitsTransportError(401, `authentication failed: ${error.message}`);
    throw error;
  }
  // Before 2018-10 a client found the server's version and actions with these two, answered in
  // plain text; they carry no request and may come from clients older than the version header.
  if (action === ALPINEBITS_ACTIONS.legacyGetVersion) return { kind: 'text', httpStatus: 200, text: `OK:${newestVersion()}` };
  if (action === ALPINEBITS_ACTIONS.legacyGetCapabilities) return { kind: 'text', httpStatus: 200, text: `OK:${legacyCapabilities().join(',')}` };
  // AlpineBits §2: a client that sends no version is taken to speak one older than 2013-04, which
  // this server does not; say so rather than guess.
  const version = request.protocolVersion?.trim();
  if (!version) {
    throw new AlpineBitsTransportError(400, `missing ${PROTOCOL_VERSION_HEADER} header; this server speaks AlpineBits ${SUPPORTED_VERSIONS.join(', ')}`);
  }
  const xml = fields.request;
  if (xml === undefined || xml.trim() === '') throw new AlpineBitsTransportError(400, `missing request parameter: ${action} needs the XML document in "request"`);

  if (action === ALPINEBITS_ACTIONS.handshake) {
    // The handshake is answered whatever version the header names: it is how a client finds out
    // which versions both sides speak (AlpineBits §3.2 allows either refusing or intersecting).
    return { kind: 'xml', httpStatus: 200, status: 'warnings', action, xml: handshakeAnswer(xml, maxBytes, options.now) };
  }
  if (!SUPPORTED_VERSIONS.includes(version)) {
    throw new AlpineBitsTransportError(400, `unsupported protocol version ${version} in ${PROTOCOL_VERSION_HEADER}; this server speaks AlpineBits ${SUPPORTED_VERSIONS.join(', ')}`);
  }
  if (action === GUEST_REQUESTS_PUSH_ACTION) return guestRequests(db, xml, principal, action, maxBytes, options);
  if (action === ALPINEBITS_ACTIONS.ratePlans) return ratePlans(db, xml, principal, action, maxBytes, options);
  if (action === ALPINEBITS_ACTIONS.inventory) return inventory(db, xml, principal, action, maxBytes, options);
  if (action === ALPINEBITS_ACTIONS.guestRequestsRead) return readGuestRequests(db, xml, principal, action, maxBytes, options);
  if (action === ALPINEBITS_ACTIONS.guestRequestsAck) return acknowledgeGuestRequests(db, xml, principal, action, maxBytes, options);
  return freeRooms(db, xml, principal, action, maxBytes, options.now, { correlationId: options.correlationId });
}

/**
 * The `action` field as this server names it. Besides the exact values, the handshake's names and
 * the same values with the handshake's `action_` prefix are understood, since clients written from
 * the capability lists send them; action_OTA_Read stays ambiguous (read or acknowledge) and is not.
 */
function actionOf(raw: string | undefined): string | undefined {
  const value = raw?.trim();
  if (!value) return undefined;
  if (value in ACTION_ROLES) return value;
  const unprefixed = value.startsWith('action_') ? value.slice('action_'.length) : undefined;
  if (unprefixed !== undefined && unprefixed in ACTION_ROLES) return unprefixed;
  return HANDSHAKE_NAMES[value] ?? value;
}

const HANDSHAKE_NAMES: Readonly<Record<string, string>> = {
  [HANDSHAKE_ACTIONS.ping]: ALPINEBITS_ACTIONS.handshake,
  [HANDSHAKE_ACTIONS.freeRooms]: ALPINEBITS_ACTIONS.freeRooms,
  [HANDSHAKE_ACTIONS.ratePlans]: ALPINEBITS_ACTIONS.ratePlans,
  [HANDSHAKE_ACTIONS.inventory]: ALPINEBITS_ACTIONS.inventory,
  [GUEST_REQUESTS_PUSH_HANDSHAKE_ACTION]: GUEST_REQUESTS_PUSH_ACTION,
};

/** The version a pre-2018 getVersion is answered with: the newest this server speaks. */
function newestVersion(): string {
  return [...SUPPORTED_VERSIONS].sort().reverse()[0] as string;
}

/**
 * The pre-2018 getCapabilities list: the two legacy actions, then every action this server
 * announces in the handshake followed by its capabilities, in one comma-separated line as the
 * old protocol wrote them (action names and capability names side by side).
 */
export function legacyCapabilities(): string[] {
  const announced = SERVER_HANDSHAKE.versions.find((v) => v.version === newestVersion())?.actions ?? [];
  return ['action_getVersion', 'action_getCapabilities', ...announced.flatMap((a) => [a.action, ...(a.supports ?? [])])];
}

/**
 * The actions served, with the key roles each accepts. Availability comes from the hotel's side
 * (pms, admin); bookings may also be pushed by the channel that took them. The handshake is open
 * to every role that may use one of the actions, since it is how a client finds them.
 */
const ACTION_ROLES: Readonly<Record<string, readonly ApiKeyRole[]>> = {
  [ALPINEBITS_ACTIONS.handshake]: [...new Set<ApiKeyRole>([...OTA_ARI_ROLES, ...OTA_RESERVATION_ROLES])],
  [ALPINEBITS_ACTIONS.legacyGetVersion]: [...new Set<ApiKeyRole>([...OTA_ARI_ROLES, ...OTA_RESERVATION_ROLES])],
  [ALPINEBITS_ACTIONS.legacyGetCapabilities]: [...new Set<ApiKeyRole>([...OTA_ARI_ROLES, ...OTA_RESERVATION_ROLES])],
  [ALPINEBITS_ACTIONS.freeRooms]: OTA_ARI_ROLES,
  [ALPINEBITS_ACTIONS.ratePlans]: OTA_ARI_ROLES,
  [ALPINEBITS_ACTIONS.inventory]: OTA_ARI_ROLES,
  [GUEST_REQUESTS_PUSH_ACTION]: OTA_RESERVATION_ROLES,
  // Pulled by the hotel's own system: what it is served and acknowledges is the hotel's view.
  [ALPINEBITS_ACTIONS.guestRequestsRead]: PMS_PULL_ROLES,
  [ALPINEBITS_ACTIONS.guestRequestsAck]: PMS_PULL_ROLES,
};

// ---------------------------------------------------------------------------------------------
// Handshaking

function handshakeAnswer(xml: string, maxBytes: number, now: Date | undefined): string {
  const root = parseRequest(xml, 'OTA_PingRQ', maxBytes);
  let ping;
  try {
    ping = readPingRequest(root);
  } catch (error) {
    if (error instanceof XmlMessageError) throw new AlpineBitsTransportError(400, error.message);
    throw error;
  }
  return renderPingResponse({ intersection: intersection(ping.handshake), echoData: ping.echoData }, now ? () => now : undefined);
}

/**
 * The versions, actions and capabilities both sides support. Two 2024-10 rules on top of the plain
 * intersection: OTA_Ping is implicit from 2024-10 on and is not listed in the answer, and a version
 * both sides speak stays in the answer even when no other action is shared (the client learns that
 * the version matches and that nothing else does, instead of seeing the version vanish).
 */
export function intersection(client: HandshakeData): HandshakeData {
  const shared = intersectHandshake(client, SERVER_HANDSHAKE);
  const versions: HandshakeVersion[] = [];
  for (const server of SERVER_HANDSHAKE.versions) {
    if (!client.versions.some((v) => v.version === server.version)) continue;
    const actions = shared.versions.find((v) => v.version === server.version)?.actions ?? [];
    versions.push({ version: server.version, actions: pingIsImplicit(server.version) ? actions.filter((a) => a.action !== HANDSHAKE_ACTIONS.ping) : actions });
  }
  return { versions };
}

function pingIsImplicit(version: string): boolean {
  return version >= '2024-10';
}

// ---------------------------------------------------------------------------------------------
// FreeRooms

async function freeRooms(
  db: Db,
  xml: string,
  principal: ApiKeyPrincipal,
  action: string,
  maxBytes: number,
  now: Date | undefined,
  origin: ChangeOrigin,
): Promise<AlpineBitsAnswer> {
  const root = parseRequest(xml, FREE_ROOMS_ROOT, maxBytes);
  const warnings: AlpineBitsWarning[] = [];
  let propertyCode: string | undefined;
  const respond = (errors: AlpineBitsError[], result?: AriResult): AlpineBitsAnswer => notifAnswer(FREE_ROOMS_RS, action, now, errors, warnings, { propertyCode, result });

  try {
    if (root.namespace !== OTA_NAMESPACE) {
      // Read anyway, as /ota/v1 does: the message means the same; the warning lets the integrator fix it.
      warnings.push({ type: ADVISORY, text: `${root.name} is not in the OpenTravel namespace ${OTA_NAMESPACE}; read as if it were` });
    }
    const message = readFreeRooms(root);
    warnings.push(...message.warnings.map((w) => ({ type: ADVISORY, text: `line ${w.line}, element <${w.element}>: ${w.reason}` })));
    const container = childElement(root, 'Inventories') as XmlElement;

    // The property is the key's; HotelCode must name it (its code, or the hotelCode of one of its
    // pms / ota-xml channels: the /ota/v1 rule). Another property's code is answered like an
    // unknown one, so credentials cannot probe which hotels exist.
    const hotel = await resolveHotel(db, message.hotelCode, container, principal);
    if (hotel.stored.property.code !== principal.propertyCode) throw unknownHotel(message.hotelCode, container);
    const property = hotel.stored.property;
    propertyCode = property.code;

    const updates = translateCodes(message.updates, property, hotel.channel);
    // Closing seasons close the whole hotel: every room type at 0, applied after the counts so that
    // a night both closed and counted ends up closed (the safer reading of a contradiction).
    const closed = message.closedPeriods.flatMap((p) => property.roomTypes.map((rt): AriUpdate => ({ roomType: rt.code, from: p.from, to: p.to, available: 0 })));
    if (closed.length > 0 && updates.some((u) => message.closedPeriods.some((p) => u.from <= p.to && p.from <= u.to))) {
      warnings.push({ type: ADVISORY, text: 'a closing season overlaps availability sent for a room category; those nights were closed' });
    }
    const batch = [...updates, ...closed];
    if (message.completeSet) {
      if (batch.length === 0) {
        // An empty CompleteSet means "nothing is free, anywhere, ever": a range Tidewater cannot
        // bound. Refused, so the PMS does not believe its channels are closed when they are not.
        throw new XmlMessageError({
          problem: 'missing-field',
          reason: 'an empty CompleteSet names no nights, so Tidewater cannot tell which to close; send the nights with closing seasons (AllInvCode) or per-category counts of 0',
          element: container.name,
          line: container.line,
        });
      }
      batch.push(...completeSetFill(batch, property));
    }
    if (batch.length === 0) {
      throw new XmlMessageError({ problem: 'missing-field', reason: `${root.name} contains no availability`, element: container.name, line: container.line });
    }

    const result = await applyOnce(db, hotel.stored.id, property.code, xml, batch, now, origin);
    return respond([], result);
  } catch (error) {
    if (error instanceof XmlMessageError && TRANSPORT_PROBLEMS.has(error.problem)) throw new AlpineBitsTransportError(400, error.message);
    if (!(error instanceof TidewaterError)) throw error;
    return respond(noticesOf(error).map(alpineBitsError));
  }
}

/**
 * CompleteSet: the message replaces what the hotel had for the whole range it covers (first Start
 * to last End, closing seasons included). Every room type of the property on every night of that
 * range that the message does not set gets 0, in runs of consecutive nights.
 */
export function completeSetFill(updates: readonly AriUpdate[], property: Property): AriUpdate[] {
  const from = updates.reduce((min, u) => (u.from < min ? u.from : min), updates[0]?.from ?? '');
  const to = updates.reduce((max, u) => (u.to > max ? u.to : max), updates[0]?.to ?? '');
  if (from === '' || to === '') return [];
  const fill: AriUpdate[] = [];
  for (const roomType of property.roomTypes) {
    const covered = new Set<IsoDate>();
    for (const u of updates) if (u.roomType === roomType.code && u.available !== undefined) for (const d of eachDate(u.from, u.to, u.days)) covered.add(d);
    let runStart: IsoDate | undefined;
    for (const night of eachDate(from, to)) {
      if (!covered.has(night)) runStart ??= night;
      else if (runStart !== undefined) {
        fill.push({ roomType: roomType.code, from: runStart, to: addDays(night, -1), available: 0 });
        runStart = undefined;
      }
    }
    if (runStart !== undefined) fill.push({ roomType: roomType.code, from: runStart, to, available: 0 });
  }
  return fill;
}

/**
 * AlpineBits messages carry no EchoToken, and PMSs resend identical complete sets: a plain content
 * hash as idempotency key would wrongly skip "A, B, A" (the second A must restore A's counts). So a
 * message is skipped only when it is identical to the one that produced the property's current
 * ledger version, i.e. nothing was applied since; otherwise it is applied, keyed by content and the
 * ledger version it starts from (two identical messages racing still apply once).
 *
 * Known approximation: bookings do not move the ledger version, so an identical resend after a
 * booking the PMS has since acknowledged is skipped and that booking stays in flight until the
 * PMS's next different push: Tidewater then sells one room fewer for a while, never one too many.
 */
async function applyOnce(
  db: Db,
  propertyId: number,
  propertyCode: string,
  xml: string,
  updates: AriUpdate[],
  now: Date | undefined,
  origin: ChangeOrigin,
): Promise<AriResult> {
  const hash = createHash('sha256').update(xml).digest('hex');
  const keyAt = (ledgerVersion: number) => `sha256:${hash}|after:${ledgerVersion}`;
  const source = `${ALPINEBITS_IDEMPOTENCY_SOURCE}:${propertyCode}:ari`;
  // Read here rather than in db/: a lookup in applyAriBatch's own idempotency table, no new SQL shape.
  const property = await db('properties').where({ id: propertyId }).first<{ ledger_version: number }>('ledger_version');
  const current = Number(property?.ledger_version ?? 0);
  const previous = await db('inbound_messages')
    .where({ source, idempotency_key: keyAt(current - 1), outcome: 'applied' })
    .first<{ response: AriResult | null } | undefined>('response');
  if (previous?.response && previous.response.version === current) return previous.response;
  return applyAriBatch(db, propertyCode, { updates }, {
    idempotencyKey: keyAt(current),
    source: ALPINEBITS_IDEMPOTENCY_SOURCE,
    correlationId: origin.correlationId,
    ...(now ? { now } : {}),
  });
}

// ---------------------------------------------------------------------------------------------
// RatePlans (OTA_HotelRatePlanNotif:RatePlans)

const RATE_PLANS_RS = 'OTA_HotelRatePlanNotifRS';

/** Errors about codes, currencies and price bases found before the ledger: answered as they are. */
class RatePlanContentError extends TidewaterError {
  readonly code = 'alpinebits-rate-plans';
  readonly title = 'RatePlans refused';
  constructor(readonly errors: AlpineBitsError[]) {
    super(errors.map((e) => e.text).join('; '));
  }
}

/**
 * Rates and restrictions from the hotel's PMS, applied like a JSON ARI batch (`applyAriBatch`: the
 * same validation, all or nothing, idempotency, outbox), after translating each RatePlan with
 * ratePlanLedgerUpdates (mappers/alpinebits/rate-plans.ts says what Overlay, Full/New and Remove
 * mean for the ledger). Codes: RatePlanCode and InvTypeCode are read through the mapping of the
 * channel whose hotelCode the message names (the PMS's own codes, as for FreeRooms), else as
 * Tidewater's codes; any code that is neither is an Error naming it, and nothing is written.
 * Amounts must be in the property's currency. Whether amounts are per person or per room comes
 * from the static Rate of a Full and is remembered for the plan's later Overlays; an Overlay with
 * rates for a plan no Full has described is refused rather than priced by a guess.
 * Not kept, and said so in a Warning when sent: Supplements, Offers, AdditionalGuestAmounts,
 * stay-through lengths of stay. UniqueID CompleteSet is read as the plans it names: Tidewater's
 * plans are configuration, so plans it leaves out are not closed (send Remove for those).
 */
async function ratePlans(db: Db, xml: string, principal: ApiKeyPrincipal, action: string, maxBytes: number, options: AlpineBitsOptions): Promise<AlpineBitsAnswer> {
  const root = parseRequest(xml, RATE_PLAN_NOTIF_ROOT, maxBytes);
  const now = options.now;
  const warnings: AlpineBitsWarning[] = [];
  let propertyCode: string | undefined;
  const respond = (errors: AlpineBitsError[], result?: AriResult): AlpineBitsAnswer => notifAnswer(RATE_PLANS_RS, action, now, errors, warnings, { propertyCode, result });

  try {
    if (root.namespace !== OTA_NAMESPACE) warnings.push({ type: ADVISORY, text: `${root.name} is not in the OpenTravel namespace ${OTA_NAMESPACE}; read as if it were` });
    const message = readRatePlanNotif(root);
    warnings.push(...message.warnings.map((w) => ({ type: ADVISORY, text: `line ${w.line}, element <${w.element}>: ${w.reason}` })));
    const container = childElement(root, 'RatePlans') as XmlElement;
    const hotel = await resolveHotel(db, message.hotelCode, container, principal);
    if (hotel.stored.property.code !== principal.propertyCode) throw unknownHotel(message.hotelCode, container);
    const stored = hotel.stored;
    const property = stored.property;
    propertyCode = property.code;
    if (message.completeSet) {
      warnings.push({ type: ADVISORY, text: 'UniqueID CompleteSet: the rate plans in this message were applied; plans it leaves out are unchanged (send RatePlanNotifType Remove to stop selling one)' });
    }
    if (message.ratePlans.length === 0) throw new XmlMessageError({ problem: 'missing-field', reason: 'RatePlans contains no RatePlan', element: container.name, line: container.line });

    // Every code and currency first, so that one answer names every problem and nothing is half-applied.
    const errors: AlpineBitsError[] = [];
    const roomTypeOf = partnerCodes(property, hotel.channel, 'InvTypeCode', errors);
    const ratePlanOf = partnerCodes(property, hotel.channel, 'RatePlanCode', errors);
    const plans = message.ratePlans.map((plan) => {
      const code = ratePlanOf(plan.ratePlan);
      if (plan.currency !== undefined && plan.currency !== property.currency) {
        errors.push({ type: APPLICATION_ERROR, code: 61, text: `rate plan ${plan.ratePlan}: CurrencyCode ${plan.currency} is not the currency of ${property.code} (${property.currency}); send amounts in ${property.currency}` });
      }
      for (const roomType of [...plan.bookingRules, ...plan.rates].map((r) => r.roomType)) if (roomType !== undefined) roomTypeOf(roomType);
      return { plan, code };
    });
    if (errors.length > 0) throw new RatePlanContentError(errors);

    const codes = [...new Set(plans.map((p) => p.code as string))];
    const remembered = await ratePlanAmounts(db, stored.id, codes);
    const declared = new Map<string, RatePlanAmounts>();
    for (const { plan, code } of plans) {
      if ((plan.notifType === 'Full' || plan.notifType === 'New') && plan.amountType !== undefined) declared.set(code as string, plan.amountType);
    }
    const held = await lastRateNights(db, stored.id, codes.map((c) => stored.ratePlanIds.get(c)).filter((id): id is number => id !== undefined));
    const earliest = addDays(todayIn(property.timezone, now), -MAX_PAST_DAYS);
    const decimals = currencyDecimals(property.currency);

    const updates: AriUpdate[] = [];
    const origins: string[] = [];
    for (const { plan, code } of plans) {
      const ratePlan = findRatePlan(property, code as string);
      if (!ratePlan) throw new RatePlanContentError([{ type: APPLICATION_ERROR, code: 249, text: `RatePlanCode ${plan.ratePlan} is not a rate plan of ${property.code}` }]);
      const amounts = declared.get(ratePlan.code) ?? remembered.get(ratePlan.code);
      if (plan.rates.length > 0 && amounts === undefined) {
        const why = plan.notifType === 'Overlay' ? 'no Full has declared it yet' : 'its static Rate (BaseByGuestAmt Type 7 or 25) is missing';
        throw new RatePlanContentError([{ type: APPLICATION_ERROR, code: 321, text: `rate plan ${plan.ratePlan}: Tidewater cannot tell whether its amounts are per person or per room (${why}); send it with RatePlanNotifType Full and its static Rate first` }]);
      }
      const heldUntil = held.get(stored.ratePlanIds.get(ratePlan.code) ?? -1);
      const translated = ratePlanLedgerUpdates(
        plan,
        { ratePlan: ratePlan.code, roomTypes: ratePlan.roomTypes, derived: ratePlan.derivedFrom !== undefined, roomTypeOf, amounts, earliest, heldUntil },
        decimals,
      );
      warnings.push(...translated.notes.map((text) => ({ type: ADVISORY, text: `rate plan ${plan.ratePlan}: ${text}` })));
      updates.push(...translated.updates);
      origins.push(...translated.origins.map((o) => `rate plan ${plan.ratePlan}, ${o}`));
      const closes = translated.updates.filter((u) => u.stopSell === true && u.minStay === undefined && u.rate === undefined).length;
      if ((plan.notifType === 'Full' || plan.notifType === 'New') && closes > 0) {
        warnings.push({ type: ADVISORY, text: `rate plan ${plan.ratePlan}: nights without a Rate were closed (stop sell); a later Rate alone does not reopen them, a BookingRule with RestrictionStatus Open or a Full with their Rates does` });
      }
    }
    if (updates.length === 0) {
      if (warnings.length === 0) throw new XmlMessageError({ problem: 'missing-field', reason: `${root.name} contains nothing to apply`, element: container.name, line: container.line });
      warnings.push({ type: ADVISORY, text: 'nothing in the message changes the ledger' });
      return respond([]);
    }
    let result: AriResult;
    try {
      result = await applyOnce(db, stored.id, property.code, xml, updates, now, { correlationId: options.correlationId });
    } catch (error) {
      throw error instanceof ValidationError ? new RatePlanContentError(ledgerRefusals(error, origins)) : error;
    }
    await saveRatePlanAmounts(db, stored.id, declared);
    return respond([], result);
  } catch (error) {
    if (error instanceof XmlMessageError && TRANSPORT_PROBLEMS.has(error.problem)) throw new AlpineBitsTransportError(400, error.message);
    if (error instanceof RatePlanContentError) return respond(error.errors);
    if (!(error instanceof TidewaterError)) throw error;
    return respond(noticesOf(error).map(alpineBitsError));
  }
}

/**
 * The ledger's refusals said in the message's terms: its JSON pointers name updates the PMS never
 * saw, so each points at the RatePlan part the update came from instead, once per distinct text.
 */
function ledgerRefusals(error: ValidationError, origins: readonly string[]): AlpineBitsError[] {
  const seen = new Set<string>();
  const out: AlpineBitsError[] = [];
  for (const [i, notice] of noticesOf(error).entries()) {
    const field = error.errors[i];
    const index = field ? /^\/updates\/(\d+)/.exec(field.pointer)?.[1] : undefined;
    const origin = index !== undefined ? origins[Number(index)] : undefined;
    const text = origin !== undefined && field ? `${origin}: ${field.detail}` : (notice.text ?? 'the request was not processed');
    if (seen.has(text)) continue;
    seen.add(text);
    out.push({ ...alpineBitsError(notice), text });
  }
  return out;
}

/**
 * A resolver of the PMS's codes to Tidewater's, as translateCodes reads them for FreeRooms: the
 * matched channel's mapping first, then Tidewater's own code. Each unknown or ambiguous code is
 * reported once in `errors` (OpenTravel 402 / 249, the codes /ota/v1 answers) and resolves to undefined.
 */
function partnerCodes(property: Property, channel: ChannelConfig | undefined, kind: 'InvTypeCode' | 'RatePlanCode', errors: AlpineBitsError[]): (code: string) => string | undefined {
  const mapping = kind === 'InvTypeCode' ? channel?.roomTypes : channel?.ratePlans;
  const known = (code: string) => (kind === 'InvTypeCode' ? findRoomType(property, code) : findRatePlan(property, code)) !== undefined;
  const reported = new Set<string>();
  return (code) => {
    const mapped = Object.entries(mapping ?? {}).filter(([, theirs]) => theirs === code).map(([ours]) => ours);
    if (mapped.length === 1) return mapped[0];
    if (mapped.length === 0 && known(code)) return code;
    if (!reported.has(code)) {
      reported.add(code);
      const where = channel ? ` nor mapped by channel ${channel.code}` : '';
      errors.push(
        mapped.length > 1
          ? { type: APPLICATION_ERROR, code: 320, text: `${kind} ${code} is mapped to ${mapped.join(' and ')} by channel ${channel?.code ?? ''}; the mapping must name one` }
          : kind === 'InvTypeCode'
            ? { type: APPLICATION_ERROR, code: 402, text: `InvTypeCode ${code} is not a room type of ${property.code}${where}` }
            : { type: APPLICATION_ERROR, code: 249, text: `RatePlanCode ${code} is not a rate plan of ${property.code}${where}` },
      );
    }
    return undefined;
  };
}

// ---------------------------------------------------------------------------------------------
// Inventory (OTA_HotelDescriptiveContentNotif:Inventory)

/**
 * The PMS's room categories. Tidewater keeps no descriptive content, and its room types are the
 * property document's, so this action checks and stores nothing: each GuestRoom Code is read as
 * FreeRooms reads InvTypeCode (the mapping of the channel whose hotelCode the message names, else
 * Tidewater's code) and the answer is Success, with a Warning for
 *   - a category Tidewater does not know (Type 3, RecordID the code): AlpineBits sends the hotel's
 *     whole inventory here, and a category not sold through Tidewater is not an error in it; the
 *     Warning says that FreeRooms and RatePlans for it will be refused until it is mapped;
 *   - a Tidewater room type the message leaves out (Type 3): the PMS no longer has it, yet
 *     Tidewater keeps selling it until the property document changes;
 *   - a maximum occupancy or number of physical rooms that differs from Tidewater's (Type 11);
 *   - descriptive content (names, pictures, amenities, HotelInfo), which is not kept (Type 11).
 * Errors only for what makes the message unreadable or another hotel's (HotelCode), as elsewhere.
 */
async function inventory(db: Db, xml: string, principal: ApiKeyPrincipal, action: string, maxBytes: number, options: AlpineBitsOptions): Promise<AlpineBitsAnswer> {
  const root = parseRequest(xml, INVENTORY_ROOT, maxBytes);
  const warnings: AlpineBitsWarning[] = [];
  const respond = (errors: AlpineBitsError[]): AlpineBitsAnswer => notifAnswer(INVENTORY_RS, action, options.now, errors, warnings, { propertyCode: principal.propertyCode });
  try {
    if (root.namespace !== OTA_NAMESPACE) warnings.push({ type: ADVISORY, text: `${root.name} is not in the OpenTravel namespace ${OTA_NAMESPACE}; read as if it were` });
    const message = readInventory(root);
    warnings.push(...message.warnings.map((w) => ({ type: ADVISORY, text: `line ${w.line}, element <${w.element}>: ${w.reason}` })));
    const container = childElement(childElement(root, 'HotelDescriptiveContents') ?? root, 'HotelDescriptiveContent') ?? root;
    const hotel = await resolveHotel(db, message.hotelCode, container, principal);
    if (hotel.stored.property.code !== principal.propertyCode) throw unknownHotel(message.hotelCode, container);
    const property = hotel.stored.property;

    const unknown: AlpineBitsError[] = [];
    const roomTypeOf = partnerCodes(property, hotel.channel, 'InvTypeCode', unknown);
    const seen = new Set<string>();
    for (const category of message.categories) {
      const code = roomTypeOf(category.code);
      if (code === undefined) continue;
      seen.add(code);
      const roomType = findRoomType(property, code);
      if (!roomType) continue;
      const label = code === category.code ? code : `${category.code} (${code})`;
      if (category.maxOccupancy !== undefined && category.maxOccupancy !== roomType.maxOccupancy) {
        warnings.push({ type: ADVISORY, recordId: category.code, text: `${label}: MaxOccupancy ${category.maxOccupancy} differs from Tidewater's maxOccupancy ${roomType.maxOccupancy}, which stays as configured` });
      }
      if (category.rooms > 0 && category.rooms !== roomType.rooms) {
        warnings.push({ type: ADVISORY, recordId: category.code, text: `${label}: ${category.rooms} rooms listed, Tidewater counts ${roomType.rooms} by default until FreeRooms says otherwise` });
      }
    }
    for (const error of unknown) {
      const code = /^InvTypeCode (\S+)/.exec(error.text)?.[1];
      warnings.push({
        type: '3',
        ...(code !== undefined ? { recordId: code } : {}),
        text: `${error.text.replace(/^InvTypeCode/, 'room category')}; FreeRooms and RatePlans for it are refused until the property document maps it`,
      });
    }
    const mapped = (rt: string) => hotel.channel?.roomTypes[rt] ?? rt;
    for (const roomType of property.roomTypes.filter((rt) => !seen.has(rt.code))) {
      warnings.push({ type: '3', text: `room type ${roomType.code}${mapped(roomType.code) !== roomType.code ? ` (${mapped(roomType.code)})` : ''} is not in the message; Tidewater keeps selling it until the property document says otherwise` });
    }
    if (message.descriptiveContent) warnings.push({ type: ADVISORY, text: 'descriptive content (names, texts, pictures, amenities, hotel information) is not kept by Tidewater' });
    return respond([]);
  } catch (error) {
    if (error instanceof XmlMessageError && TRANSPORT_PROBLEMS.has(error.problem)) throw new AlpineBitsTransportError(400, error.message);
    if (!(error instanceof TidewaterError)) throw error;
    return respond(noticesOf(error).map(alpineBitsError));
  }
}

// ---------------------------------------------------------------------------------------------
// GuestRequests push (OTA_HotelResNotif:GuestRequests)

/**
 * Reservations pushed by an AlpineBits client (a booking portal or the hotel's booking engine).
 * Each HotelReservation is applied on its own through `applyChannelReservations`, the one path for
 * channel bookings (code translation, idempotency, revision order), so one refused reservation
 * does not block the others and a resend changes nothing. The answer follows the AlpineBits RS:
 *   - every reservation taken, and every one that is not a booking (a quote request, a status
 *     update without a stay), is acknowledged in HotelReservations by its UniqueID (Type 15 for a
 *     cancellation), as the official OTA_HotelResNotifRS example acknowledges a quote request;
 *   - every refused one is a Warning whose RecordID is its id, with the reason;
 *   - when nothing could be acknowledged, Errors only: AlpineBits requires at least one
 *     HotelReservation beside Success, and Error has no RecordID, so the id goes into the text.
 * A failure that is ours (database down) is not reported per reservation: the whole request is
 * answered 500 `ERROR:` so the client sends it again, which is safe since ingestion is idempotent.
 */
async function guestRequests(db: Db, xml: string, principal: ApiKeyPrincipal, action: string, maxBytes: number, options: AlpineBitsOptions): Promise<AlpineBitsAnswer> {
  const root = parseRequest(xml, HOTEL_RES_NOTIF_RQ, maxBytes);
  const clock = options.now ? () => options.now as Date : undefined;
  const propertyCode = principal.propertyCode;
  const refuse = (errors: AlpineBitsError[]): AlpineBitsAnswer => ({
    kind: 'xml',
    httpStatus: 200,
    action,
    status: 'errors',
    propertyCode,
    xml: renderAlpineBitsResponse({ root: HOTEL_RES_NOTIF_RS, errors }, clock),
  });

  try {
    // collect: a reservation that cannot be read is refused by itself, the others still count.
    const message = readHotelResNotif(root, { standard: 'alpinebits', invalidReservations: 'collect' });
    const container = childElement(root, 'HotelReservations') ?? root;
    const unidentified = message.rejected.find((r) => r.channelReservationId === undefined);
    if (unidentified) {
      // Without its id a reservation can be neither acknowledged nor refused by RecordID, and the
      // client would not know what happened to it: refuse the message before anything is written.
      throw new XmlMessageError({
        problem: 'missing-field',
        reason: `a HotelReservation without UniqueID/@ID cannot be acknowledged (${unidentified.reason}); nothing in this message was processed`,
        ...(unidentified.line !== undefined ? { line: unidentified.line } : {}),
        element: 'HotelReservation',
      });
    }
    if (message.reservations.length + message.skipped.length + message.rejected.length === 0) {
      throw new XmlMessageError({ problem: 'missing-field', reason: 'HotelReservations contains no HotelReservation', element: container.name, line: container.line });
    }
    const stored = await findProperty(db, propertyCode);
    if (!stored) throw new XmlMessageError({ problem: 'invalid-value', reason: `property ${propertyCode} of these credentials does not exist`, otaType: '3', otaCode: '392' });

    const acks: ReservationAck[] = [];
    const refused: AcknowledgementNotice[] = [];
    const deps = { db, logger: options.logger ?? silentLogger };
    for (const reservation of message.reservations) {
      const id = reservation.channelReservationId;
      if (id.length > MAX_ACK_ID_LENGTH) {
        refused.push({ type: '3', code: '320', recordId: id, text: `UniqueID/@ID is longer than ${MAX_ACK_ID_LENGTH} characters (AlpineBits StringLength1to32); the reservation was not processed` });
        continue;
      }
      let channel: ChannelConfig;
      try {
        channel = guestRequestChannel(stored.property, reservation, container);
      } catch (error) {
        if (!(error instanceof TidewaterError)) throw error;
        refused.push(refusal(id, error));
        continue;
      }
      const [applied] = await applyChannelReservations(deps, stored, channel, [withStayTotals(reservation)], { correlationId: options.correlationId });
      if (applied?.error) {
        if (!(applied.error instanceof TidewaterError)) throw applied.error;
        refused.push(refusal(id, applied.error));
      } else if (applied?.result) {
        acks.push(ackOf(reservation));
      }
    }
    for (const skipped of message.skipped) {
      // A quote request, newsletter sign-up or status without a stay takes no room: acknowledged,
      // so the client stops resending it, with nothing booked.
      if (skipped.channelReservationId === undefined) continue;
      if (skipped.channelReservationId.length > MAX_ACK_ID_LENGTH) {
        refused.push({ type: '3', code: '320', recordId: skipped.channelReservationId, text: `UniqueID/@ID is longer than ${MAX_ACK_ID_LENGTH} characters (AlpineBits StringLength1to32)` });
      } else {
        acks.push({ channelReservationId: skipped.channelReservationId });
      }
    }
    for (const rejected of message.rejected) {
      refused.push({
        type: positiveOr(rejected.otaType, '3'),
        code: positiveOr(rejected.otaCode, '450'),
        text: rejected.line !== undefined ? `line ${rejected.line}: ${rejected.reason}` : rejected.reason,
        recordId: rejected.channelReservationId as string,
      });
    }

    if (acks.length === 0) {
      return refuse(refused.map((n) => ({ type: APPLICATION_ERROR, code: Number(n.code), text: `reservation ${n.recordId ?? ''}: ${n.text ?? 'not processed'}` })));
    }
    // Only Type, Code, RecordID and the text: AlpineBits' Warning has no ShortText or Tag, and a
    // message-level warning (no RecordID) has no place in this RS, so reader warnings are not sent.
    const xmlOut = renderHotelResNotifRS({ header: { version: '1.000' }, reservations: acks, warnings: refused }, clock);
    return { kind: 'xml', httpStatus: 200, action, status: refused.length > 0 ? 'warnings' : 'success', propertyCode, xml: xmlOut };
  } catch (error) {
    if (error instanceof XmlMessageError && TRANSPORT_PROBLEMS.has(error.problem)) throw new AlpineBitsTransportError(400, error.message);
    if (!(error instanceof TidewaterError)) throw error;
    return refuse(noticesOf(error).map(alpineBitsError));
  }
}

/**
 * The channel a pushed reservation belongs to, which keys its idempotency and reads its codes.
 * HotelCode (absent on cancellations) must name the key's property: its code or the hotelCode of
 * one of its channels; another hotel's code is answered like an unknown one. Then: the alpinebits
 * channel with that hotelCode, else the property's only alpinebits channel, else the one channel
 * of another type with that hotelCode (e.g. a PMS relaying its booking engine). Anything else is
 * ambiguous or unconfigured and refused, rather than booked under a guessed channel.
 */
export function guestRequestChannel(property: Property, reservation: ChannelReservation, container: XmlElement): ChannelConfig {
  const hotelCode = reservation.hotelCode;
  const fail = (reason: string, otaCode = '392') => new XmlMessageError({ problem: 'invalid-value', reason, element: container.name, line: container.line, otaType: '3', otaCode });
  if (hotelCode !== undefined && hotelCode !== property.code && !property.channels.some((c) => c.hotelCode === hotelCode)) {
    throw fail(`HotelCode ${hotelCode} is not the property of these credentials nor the hotelCode of one of its channels`);
  }
  const alpine = property.channels.filter((c) => c.type === 'alpinebits');
  const byCode = hotelCode !== undefined ? alpine.filter((c) => c.hotelCode === hotelCode) : [];
  if (byCode.length === 1) return byCode[0] as ChannelConfig;
  if (byCode.length === 0 && alpine.length === 1) return alpine[0] as ChannelConfig;
  if (alpine.length > 1) {
    throw fail(`${property.code} has several alpinebits channels (${alpine.map((c) => c.code).join(', ')}) and HotelCode ${hotelCode ?? '(none)'} names none of them alone; give each its own hotelCode`, '450');
  }
  const others = hotelCode !== undefined ? property.channels.filter((c) => c.hotelCode === hotelCode) : [];
  if (others.length === 1) return others[0] as ChannelConfig;
  throw fail(`${property.code} has no alpinebits channel to attribute reservations to${hotelCode !== undefined ? ` and no single channel with hotelCode ${hotelCode}` : ''}; add a channel of type alpinebits`, '450');
}

/**
 * AlpineBits puts the price on each RoomStay (Total is required there) and usually sends no
 * ResGlobalInfo/Total, while the booking keeps one total. So the stays' totals are added up when
 * the reservation has none and every stay has one in the same currency and tax basis; otherwise
 * the booking is kept without a total rather than with a partial one.
 */
export function withStayTotals(reservation: ChannelReservation): ChannelReservation {
  if (reservation.total !== undefined || reservation.roomStays.length === 0) return reservation;
  const totals = reservation.roomStays.map((s) => s.total);
  const first = totals[0];
  if (!first || totals.some((t) => t === undefined || t.currency !== first.currency || t.taxIncluded !== first.taxIncluded)) return reservation;
  const sum = totals.reduce((acc, t) => acc + toScaled((t as ReservationAmount).amount), 0n);
  const amount = formatScaled(sum, currencyDecimals(first.currency));
  // An amount finer than the currency allows stays as the stays sent it: no rounding here.
  if (toScaled(amount) !== sum) return reservation;
  return { ...reservation, total: { amount, currency: first.currency, taxIncluded: first.taxIncluded } };
}

/** The AlpineBits acknowledgement: the UniqueID alone (the schema allows nothing else in it). */
function ackOf(reservation: ChannelReservation): ReservationAck {
  return { channelReservationId: reservation.channelReservationId, ...(reservation.status === 'cancelled' ? { cancelled: true } : {}) };
}

/** A refused reservation as a Warning, narrowed to what AlpineBits allows. */
function refusal(recordId: string, error: TidewaterError): AcknowledgementNotice {
  // One Warning per reservation (RecordID is its key), so every reason it was refused goes in its text.
  const notices = noticesOf(error);
  const text = notices.map((n) => n.text ?? n.shortText).filter((t): t is string => t !== undefined && t !== '').join('; ');
  return {
    type: positiveOr(notices[0]?.type, '3'),
    code: positiveOr(notices[0]?.code, '450'),
    text: text !== '' ? text : 'unable to process the reservation',
    recordId,
  };
}

/** AlpineBits Warning Type and Code are positive integers; OpenTravel codes such as "3.HOT" are not. */
function positiveOr(value: string | undefined, fallback: string): string {
  return value !== undefined && /^[1-9]\d*$/.test(value) ? value : fallback;
}

// ---------------------------------------------------------------------------------------------
// GuestRequests pull (OTA_Read:GuestRequests, OTA_NotifReport:GuestRequests)

/** How many requests one OTA_ResRetrieveRS carries at most; the rest waits for the next pull. */
export const MAX_REQUESTS_PER_PULL = MAX_RESERVATIONS_PER_PULL;

/**
 * The property's bookings a PMS has not acknowledged yet, as an AlpineBits OTA_ResRetrieveRS: what
 * is served and when is services/pms-pull-service.ts, shared with OTA_ReadRQ on /ota/v1.
 * SelectionCriteria Start re-reads: everything created or changed since then is served again,
 * acknowledged or not, besides what is waiting anyway. At most MAX_REQUESTS_PER_PULL per answer,
 * oldest change first (AlpineBits has no paging; the PMS pulls again after acknowledging).
 */
async function readGuestRequests(db: Db, xml: string, principal: ApiKeyPrincipal, action: string, maxBytes: number, options: AlpineBitsOptions): Promise<AlpineBitsAnswer> {
  const root = parseRequest(xml, READ_RQ, maxBytes);
  const clock = options.now ? () => options.now as Date : undefined;
  const refuse = (errors: AlpineBitsError[]): AlpineBitsAnswer => ({
    kind: 'xml',
    httpStatus: 200,
    action,
    status: 'errors',
    propertyCode: principal.propertyCode,
    xml: renderAlpineBitsResponse({ root: RES_RETRIEVE_RS, version: '7.000', errors }, clock),
  });
  try {
    const message = readReadRQ(root, { standard: 'alpinebits' });
    const container = childElement(childElement(root, 'ReadRequests') ?? root, 'HotelReadRequest') ?? root;
    const readRequest = message.hotelReadRequests[0];
    if (!readRequest) throw new XmlMessageError({ problem: 'missing-field', reason: 'ReadRequests/HotelReadRequest is required', element: root.name, line: root.line });
    const hotelCode = readRequest.hotelCode ?? principal.propertyCode;
    checkHotelCodeLength(hotelCode, container);
    const hotel = requireOwnHotel(await resolveHotel(db, hotelCode, container, principal), hotelCode, container, principal);
    const start = readRequest.selection.find((s) => s.start !== undefined)?.start;
    const since = start !== undefined ? new Date(start) : undefined;
    const reread = since !== undefined && !Number.isNaN(since.getTime());

    const page = await pullPage(db, {
      principal,
      stored: hotel.stored,
      scopes: [{ kind: 'pending' }, ...(reread ? [{ kind: 'known' as const, windows: [{ on: 'changed' as const, from: since.toISOString() }] }] : [])],
      reread: since !== undefined,
      limit: MAX_REQUESTS_PER_PULL,
    });
    const requests: GuestRequestOut[] = [];
    const served: PullPage['items'] = [];
    const warnings: GuestRequestWarning[] = [];
    for (const { candidate, status } of page.items) {
      try {
        requests.push(guestRequestOf(await pulledBookingOf(db, hotel.stored, hotel.channel, candidate, status), hotelCode, hotel.stored.property.name));
        served.push({ candidate, status });
      } catch (error) {
        if (!(error instanceof RangeError)) throw error;
        // Not recorded as served: it stays waiting, and the warning says what to fix (a code mapping).
        warnings.push({ type: '3', code: 450, recordId: requestIdOf(candidate.id), text: `booking ${candidate.id} cannot be sent as an AlpineBits request: ${error.message}` });
      }
    }
    const body = renderGuestRequestsRS({ requests, warnings: warnings.slice(0, MAX_WARNINGS) }, clock);
    await recordPulled(db, principal, served);
    (options.logger ?? silentLogger).info(
      {
        property: principal.propertyCode,
        apiKeyId: principal.id,
        reserved: requests.filter((r) => r.status === 'Reserved').length,
        modified: requests.filter((r) => r.status === 'Modify').length,
        cancelled: requests.filter((r) => r.status === 'Cancelled').length,
        unsendable: warnings.length,
      },
      'AlpineBits GuestRequests served',
    );
    return { kind: 'xml', httpStatus: 200, action, status: warnings.length > 0 ? 'warnings' : 'success', propertyCode: principal.propertyCode, xml: body };
  } catch (error) {
    if (error instanceof XmlMessageError && TRANSPORT_PROBLEMS.has(error.problem)) throw new AlpineBitsTransportError(400, error.message);
    if (!(error instanceof TidewaterError)) throw error;
    return refuse(noticesOf(error).map(alpineBitsError));
  }
}

/** A served booking as an AlpineBits request: one RoomStay per room, the total shared out over them. */
function guestRequestOf(booking: PulledBooking, hotelCode: string, hotelName: string): GuestRequestOut {
  const base = { id: requestIdOf(booking.id), status: booking.status, createdAt: booking.createdAt, hotelCode, hotelName };
  if (booking.status === 'Cancelled') return { ...base, rooms: [] };
  const guest = booking.guest;
  return {
    ...base,
    ...(booking.status === 'Modify' ? { lastModifiedAt: booking.updatedAt } : {}),
    rooms: roomsOf(booking.stays, booking.total, booking.source === 'direct' ? 'per-room' : 'per-stay'),
    ...(guest
      ? { guest: { ...(guest.firstName ? { firstName: guest.firstName } : {}), ...(guest.lastName ? { lastName: guest.lastName } : {}), ...(guest.email ? { email: guest.email } : {}), ...(guest.phone ? { phone: guest.phone } : {}) } }
      : {}),
    origin: { source: booking.source, ...(booking.externalRef !== undefined ? { reference: booking.externalRef } : {}) },
  };
}

/**
 * The PMS's OTA_NotifReportRQ: every request it names in HotelReservations is concluded for this
 * key, and each one refused in Warnings (RecordID) is concluded too (see acknowledgePulled). Ids
 * never served to this key are answered with a Warning naming them, so a PMS acknowledging the
 * wrong ids finds out.
 */
async function acknowledgeGuestRequests(db: Db, xml: string, principal: ApiKeyPrincipal, action: string, maxBytes: number, options: AlpineBitsOptions): Promise<AlpineBitsAnswer> {
  const root = parseRequest(xml, NOTIF_REPORT_RQ, maxBytes);
  const clock = options.now ? () => options.now as Date : undefined;
  const answer = (errors: AlpineBitsError[], warnings: AlpineBitsWarning[] = []): AlpineBitsAnswer => ({
    kind: 'xml',
    httpStatus: 200,
    action,
    status: errors.length > 0 ? 'errors' : warnings.length > 0 ? 'warnings' : 'success',
    propertyCode: principal.propertyCode,
    xml: renderAlpineBitsResponse({ root: NOTIF_REPORT_RS, errors, warnings: capWarnings(warnings) }, clock),
  });
  try {
    const message = readNotifReportRQ(root, { standard: 'alpinebits' });
    const stored = await findProperty(db, principal.propertyCode);
    if (!stored) throw new XmlMessageError({ problem: 'invalid-value', reason: `property ${principal.propertyCode} of these credentials does not exist`, otaType: '3', otaCode: '392' });
    const warnings: AlpineBitsWarning[] = [];
    const idOf = (requestId: string | undefined): string | undefined => (requestId !== undefined ? bookingIdOf(requestId) : undefined);

    const confirmed = new Map<string, PullConfirmation>();
    for (const ack of message.confirmed) {
      const bookingId = idOf(ack.channelReservationId);
      if (bookingId === undefined) {
        warnings.push({ type: '3', ...(ack.channelReservationId !== undefined ? { recordId: ack.channelReservationId } : {}), text: `${ack.channelReservationId ?? 'a reservation without UniqueID'} is not a request Tidewater sends; ignored` });
      } else {
        confirmed.set(bookingId, { label: ack.channelReservationId as string });
      }
    }
    const refused = new Map<string, PullRefusal>();
    for (const notice of message.notices) {
      const bookingId = idOf(notice.recordId);
      if (bookingId === undefined) {
        warnings.push({ type: '3', ...(notice.recordId !== undefined ? { recordId: notice.recordId } : {}), text: `a refusal of ${notice.recordId ?? 'no RecordID'} does not name a request Tidewater sends; ignored` });
        continue;
      }
      refused.set(bookingId, { label: notice.recordId as string, reason: refusalReason(notice) });
    }

    const result = await acknowledgePulled(db, { principal, stored, via: 'alpinebits', confirmed, refused });
    for (const requestId of result.neverServed) warnings.push({ type: '3', recordId: requestId, text: `${requestId} was never sent to these credentials; ignored` });
    // Counts and key only: the client's refusal texts may quote the guest, so they stay in booking_events.
    (options.logger ?? silentLogger).info(
      { property: principal.propertyCode, apiKeyId: principal.id, acknowledged: result.acknowledged, refused: result.refused, ignored: warnings.length },
      'AlpineBits GuestRequests acknowledged',
    );
    return answer([], warnings);
  } catch (error) {
    if (error instanceof XmlMessageError && TRANSPORT_PROBLEMS.has(error.problem)) throw new AlpineBitsTransportError(400, error.message);
    if (!(error instanceof TidewaterError)) throw error;
    return answer(noticesOf(error).map(alpineBitsError));
  }
}

// ---------------------------------------------------------------------------------------------

/** Problems that mean "this is not the document the action names": answered `ERROR:`, not an RS. */
const TRANSPORT_PROBLEMS: ReadonlySet<XmlProblem> = new Set<XmlProblem>(['not-xml', 'malformed', 'doctype-forbidden', 'too-large', 'too-deep', 'unsupported-message']);

/** The hardened reader (size, DOCTYPE, depth), then the root the action requires. */
function parseRequest(xml: string, expectedRoot: string, maxBytes: number): XmlElement {
  let root: XmlElement;
  try {
    root = parseXml(xml, { maxBytes });
  } catch (error) {
    if (error instanceof XmlMessageError) throw new AlpineBitsTransportError(error.problem === 'too-large' ? 413 : 400, error.message);
    throw error;
  }
  if (root.name !== expectedRoot) throw new AlpineBitsTransportError(400, `the request must be an ${expectedRoot} document for this action; got ${root.name}`);
  return root;
}

function unknownHotel(hotelCode: string, container: XmlElement): XmlMessageError {
  return new XmlMessageError({
    problem: 'invalid-value',
    reason: `HotelCode ${hotelCode} is not the property of these credentials nor the hotelCode of one of its pms or ota-xml channels`,
    element: container.name,
    line: container.line,
    otaType: '3',
    otaCode: '392',
  });
}

/** AlpineBits narrows OpenTravel errors to Type 13 with a numeric Code and the text. */
function alpineBitsError(notice: OtaNotice): AlpineBitsError {
  const code = notice.code !== undefined && /^[1-9]\d*$/.test(notice.code) ? Number(notice.code) : undefined;
  return { type: APPLICATION_ERROR, ...(code !== undefined ? { code } : {}), text: notice.text ?? notice.shortText ?? 'the request was not processed' };
}

/**
 * The answer to a notification a PMS pushes (FreeRooms, RatePlans, Inventory): its RS with Errors,
 * or Success with the warnings collected (capped); warnings are not shown beside errors.
 */
function notifAnswer(
  root: string,
  action: string,
  now: Date | undefined,
  errors: AlpineBitsError[],
  warnings: AlpineBitsWarning[],
  about: { propertyCode?: string | undefined; result?: AriResult | undefined },
): AlpineBitsAnswer {
  const shown = errors.length > 0 ? [] : capWarnings(warnings);
  return {
    kind: 'xml',
    httpStatus: 200,
    action,
    xml: renderAlpineBitsResponse({ root, errors, warnings: shown }, now ? () => now : undefined),
    status: errors.length > 0 ? 'errors' : shown.length > 0 ? 'warnings' : 'success',
    ...(about.propertyCode !== undefined ? { propertyCode: about.propertyCode } : {}),
    ...(about.result ? { result: about.result } : {}),
  };
}

function capWarnings(warnings: AlpineBitsWarning[]): AlpineBitsWarning[] {
  if (warnings.length <= MAX_WARNINGS) return warnings;
  return [...warnings.slice(0, MAX_WARNINGS - 1), { type: ADVISORY, text: `and ${warnings.length - MAX_WARNINGS + 1} more warnings` }];
}
