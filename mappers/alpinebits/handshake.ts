/**
 * The AlpineBits HotelData transport (2024-10): every request is an HTTP POST with
 * multipart/form-data fields `action` (what the request is: AlpineBits reuses OpenTravel roots, so
 * the XML alone does not say) and `request` (the XML), the headers X-AlpineBits-ClientProtocolVersion
 * and X-AlpineBits-ClientID, and HTTP Basic auth. A server answers either plain text (`OK:…`,
 * `ERROR:…`: transport-level outcomes) or an OpenTravel `…RS` document.
 *
 * Handshaking (since 2018-10) is the action `OTA_Ping:Handshaking`: the client's `EchoData` holds a
 * JSON list of the versions, actions and capabilities it supports; the server answers with the
 * intersection in a `Warning Status="ALPINEBITS_HANDSHAKE"` and echoes the client's EchoData.
 */
import { randomBytes } from 'node:crypto';
import { childElement, errorAt, parseXml, type ParseXmlOptions, type XmlElement } from '../xml/parse';
import { renderXmlDocument } from '../xml/write';
import { formatTimeStamp, OTA_NAMESPACE, rootOf } from '../opentravel/common';
import { readOtaResponse, type OtaNotice, type OtaResponse } from '../opentravel/response';

export const ALPINEBITS_VERSION = '2024-10';
export const PROTOCOL_VERSION_HEADER = 'X-AlpineBits-ClientProtocolVersion';
export const CLIENT_ID_HEADER = 'X-AlpineBits-ClientID';

/** Values of the `action` form field. */
export const ALPINEBITS_ACTIONS = {
  handshake: 'OTA_Ping:Handshaking',
  freeRooms: 'OTA_HotelInvCountNotif:FreeRooms',
  ratePlans: 'OTA_HotelRatePlanNotif:RatePlans',
  inventory: 'OTA_HotelDescriptiveContentNotif:Inventory',
  /** GuestRequests pulled from the server, and the client's acknowledgement of what it got. */
  guestRequestsRead: 'OTA_Read:GuestRequests',
  guestRequestsAck: 'OTA_NotifReport:GuestRequests',
  /** Before 2018-10: answered with plain text `OK:<version>` / `OK:<action list>`. */
  legacyGetVersion: 'getVersion',
  legacyGetCapabilities: 'getCapabilities',
} as const;

/** Action names as the handshake JSON spells them (not the same strings as the form field). */
export const HANDSHAKE_ACTIONS = {
  ping: 'action_OTA_Ping',
  freeRooms: 'action_OTA_HotelInvCountNotif',
  ratePlans: 'action_OTA_HotelRatePlanNotif_RatePlans',
  inventory: 'action_OTA_HotelDescriptiveContentNotif_Inventory',
  /** GuestRequests pull: one name for both OTA_Read and OTA_NotifReport. */
  guestRequestsPull: 'action_OTA_Read',
} as const;

/** The capabilities Tidewater's messages depend on. */
export const HANDSHAKE_CAPABILITIES = {
  freeRoomsCategories: 'OTA_HotelInvCountNotif_accept_categories',
  freeRoomsDeltas: 'OTA_HotelInvCountNotif_accept_deltas',
  freeRoomsCompleteSet: 'OTA_HotelInvCountNotif_accept_complete_set',
  freeRoomsClosingSeasons: 'OTA_HotelInvCountNotif_accept_closing_seasons',
  ratePlansOverlay: 'OTA_HotelRatePlanNotif_accept_overlay',
  ratePlansGenericBookingRule: 'OTA_HotelRatePlanNotif_accept_RatePlan_BookingRule',
  ratePlansRoomTypeBookingRule: 'OTA_HotelRatePlanNotif_accept_RatePlan_RoomType_BookingRule',
  ratePlansMixedBookingRule: 'OTA_HotelRatePlanNotif_accept_RatePlan_mixed_BookingRule',
  ratePlansArrivalDow: 'OTA_HotelRatePlanNotif_accept_ArrivalDOW',
  ratePlansDepartureDow: 'OTA_HotelRatePlanNotif_accept_DepartureDOW',
} as const;

export interface HandshakeAction {
  action: string;
  supports?: string[];
}

export interface HandshakeVersion {
  version: string;
  actions: HandshakeAction[];
}

export interface HandshakeData {
  versions: HandshakeVersion[];
}

// ---------------------------------------------------------------------------------------------
// HTTP pieces

export function alpineBitsHeaders(options: { clientId: string; protocolVersion?: string }): Record<string, string> {
  return { [PROTOCOL_VERSION_HEADER]: options.protocolVersion ?? ALPINEBITS_VERSION, [CLIENT_ID_HEADER]: options.clientId };
}

export function basicAuthorization(username: string, password: string): string {
  return 'Basic ' + Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
}

/** The credentials of an `Authorization: Basic …` header, or undefined when there is none. */
export function readBasicAuthorization(header: string | undefined): { username: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export interface MultipartBody {
  body: Buffer;
  contentType: string;
}

/**
 * multipart/form-data built by hand: two small text fields need no library, and the bytes are
 * then exactly what tests and the sample server see. The boundary is random, so no XML can
 * contain it by accident.
 */
export function encodeMultipart(fields: Readonly<Record<string, string>>, boundary = `----tidewater-${randomBytes(12).toString('hex')}`): MultipartBody {
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    if (/["\r\n]/.test(name)) throw new RangeError(`form field name ${JSON.stringify(name)} cannot be encoded`);
    if (value.includes(`--${boundary}`)) throw new RangeError('a form field contains the multipart boundary');
    const type = value.trimStart().startsWith('<') ? 'Content-Type: text/xml; charset=utf-8\r\n' : '';
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n${type}\r\n`, 'utf8'), Buffer.from(value, 'utf8'), Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

/**
 * The text fields of a multipart/form-data or application/x-www-form-urlencoded body (older
 * AlpineBits clients send the latter). Throws a RangeError naming what is wrong.
 */
export function decodeFormBody(body: Buffer, contentType: string | undefined): Record<string, string> {
  const type = (contentType ?? '').toLowerCase();
  if (type.startsWith('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
  }
  if (!type.startsWith('multipart/form-data')) throw new RangeError(`expected multipart/form-data, got ${contentType ?? 'no content type'}`);
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  const marker = boundary?.[1] ?? boundary?.[2];
  if (!marker) throw new RangeError('multipart/form-data without a boundary');
  const delimiter = Buffer.from(`--${marker}`);
  const fields: Record<string, string> = {};
  let at = body.indexOf(delimiter);
  if (at < 0) throw new RangeError('multipart body does not contain its boundary');
  for (;;) {
    at += delimiter.length;
    if (body.subarray(at, at + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, at);
    if (next < 0) throw new RangeError('multipart body is not terminated');
    // A part is CRLF, headers, CRLF CRLF, content, CRLF before the next delimiter.
    const part = body.subarray(at, next);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd < 0) throw new RangeError('multipart part without headers');
    const headers = part.subarray(0, headerEnd).toString('utf8');
    let content = part.subarray(headerEnd + 4);
    if (content.subarray(-2).toString() === '\r\n') content = content.subarray(0, -2);
    const name = /content-disposition:[^\r\n]*\bname="([^"]*)"/i.exec(headers)?.[1];
    if (name !== undefined) fields[name] = content.toString('utf8');
    at = next;
  }
  return fields;
}

export type AlpineBitsAnswer =
  | { kind: 'ok'; text: string }
  | { kind: 'error'; text: string }
  | { kind: 'rs'; response: OtaResponse };

/** What a server answered: `OK:…`, `ERROR:…` or an OpenTravel RS. Throws on anything else. */
export function readAlpineBitsAnswer(body: string, options: ParseXmlOptions = {}): AlpineBitsAnswer {
  const text = body.replace(/^\uFEFF/, '').trim();
  if (/^OK(:|$)/.test(text)) return { kind: 'ok', text: text.slice(3) };
  if (/^ERROR(:|$)/.test(text)) return { kind: 'error', text: text.slice(6).trim() };
  if (text.startsWith('<')) return { kind: 'rs', response: readOtaResponse(text, options) };
  throw new RangeError(`not an AlpineBits answer (neither OK:, ERROR: nor XML): ${text.slice(0, 80)}`);
}

// ---------------------------------------------------------------------------------------------
// Handshake data

/** Parses and checks the handshake JSON, so that a malformed list is refused with its reason. */
export function parseHandshakeJson(json: string): HandshakeData {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new RangeError(`handshake data is not JSON: ${(error as Error).message}`);
  }
  const fail = (where: string, what: string): never => {
    throw new RangeError(`handshake data ${where}: ${what}`);
  };
  if (typeof value !== 'object' || value === null || !Array.isArray((value as { versions?: unknown }).versions)) fail('/versions', 'must be a list');
  const versions = (value as { versions: unknown[] }).versions.map((v, i): HandshakeVersion => {
    const version = (v as { version?: unknown } | null)?.version;
    const actions = (v as { actions?: unknown } | null)?.actions;
    if (typeof version !== 'string') fail(`/versions/${i}/version`, 'must be a string');
    if (actions !== undefined && !Array.isArray(actions)) fail(`/versions/${i}/actions`, 'must be a list');
    return {
      version: version as string,
      actions: ((actions as unknown[] | undefined) ?? []).map((a, j): HandshakeAction => {
        const action = (a as { action?: unknown } | null)?.action;
        const supports = (a as { supports?: unknown } | null)?.supports;
        if (typeof action !== 'string') fail(`/versions/${i}/actions/${j}/action`, 'must be a string');
        if (supports !== undefined && (!Array.isArray(supports) || supports.some((s) => typeof s !== 'string'))) {
          fail(`/versions/${i}/actions/${j}/supports`, 'must be a list of strings');
        }
        return { action: action as string, ...(supports !== undefined ? { supports: supports as string[] } : {}) };
      }),
    };
  });
  return { versions };
}

/** What both sides support: versions, actions and capabilities present on each (server order). */
export function intersectHandshake(client: HandshakeData, server: HandshakeData): HandshakeData {
  const versions: HandshakeVersion[] = [];
  for (const sv of server.versions) {
    const cv = client.versions.find((v) => v.version === sv.version);
    if (!cv) continue;
    const actions: HandshakeAction[] = [];
    for (const sa of sv.actions) {
      const ca = cv.actions.find((a) => a.action === sa.action);
      if (!ca) continue;
      const supports = (sa.supports ?? []).filter((s) => (ca.supports ?? []).includes(s));
      actions.push({ action: sa.action, ...(supports.length > 0 ? { supports } : {}) });
    }
    if (actions.length > 0) versions.push({ version: sv.version, actions });
  }
  return { versions };
}

/** Capabilities named in `needs` that `data` does not list for `action` in `version` (all of them when the action is missing). */
export function missingCapabilities(data: HandshakeData, version: string, action: string, needs: readonly string[]): string[] {
  const found = data.versions.find((v) => v.version === version)?.actions.find((a) => a.action === action);
  if (!found) return [action, ...needs];
  return needs.filter((n) => !(found.supports ?? []).includes(n));
}

// ---------------------------------------------------------------------------------------------
// OTA_PingRQ / OTA_PingRS

const PING_VERSION = '8.000';

export function renderPingRequest(data: HandshakeData, now: () => Date = () => new Date()): string {
  return renderXmlDocument({
    name: 'OTA_PingRQ',
    attributes: { xmlns: OTA_NAMESPACE, Version: PING_VERSION, TimeStamp: formatTimeStamp(now()) },
    children: [{ name: 'EchoData', text: JSON.stringify(data) }],
  });
}

export interface PingRequest {
  /** The EchoData text exactly as sent: the server echoes it back unchanged. */
  echoData: string;
  handshake: HandshakeData;
}

export function readPingRequest(input: string | Uint8Array | XmlElement, options: ParseXmlOptions = {}): PingRequest {
  const root = rootOf(input, 'OTA_PingRQ', options);
  const echo = childElement(root, 'EchoData');
  if (!echo || echo.text === '') throw errorAt(root, 'missing-field', '<EchoData> with the handshake JSON is required');
  try {
    return { echoData: echo.text, handshake: parseHandshakeJson(echo.text) };
  } catch (error) {
    throw errorAt(echo, 'invalid-value', (error as Error).message);
  }
}

export function renderPingResponse(answer: { intersection: HandshakeData; echoData: string }, now: () => Date = () => new Date()): string {
  return renderXmlDocument({
    name: 'OTA_PingRS',
    attributes: { xmlns: OTA_NAMESPACE, Version: PING_VERSION, TimeStamp: formatTimeStamp(now()) },
    children: [
      { name: 'Success' },
      { name: 'Warnings', children: [{ name: 'Warning', attributes: { Type: '11', Status: 'ALPINEBITS_HANDSHAKE' }, text: JSON.stringify(answer.intersection) }] },
      { name: 'EchoData', text: answer.echoData },
    ],
  });
}

export interface PingResponse {
  status: OtaResponse['status'];
  /** The intersection the server computed; absent when it answered Errors. */
  handshake?: HandshakeData;
  warnings: OtaNotice[];
  errors: OtaNotice[];
}

export function readPingResponse(input: string | Uint8Array, options: ParseXmlOptions = {}): PingResponse {
  const root = parseXml(input, options);
  if (root.name !== 'OTA_PingRS') throw errorAt(root, 'unsupported-message', `expected an OTA_PingRS message, got ${root.name}`);
  const response = readOtaResponse(root);
  const handshakeWarning = response.warnings.find((w) => w.status === 'ALPINEBITS_HANDSHAKE');
  const others = response.warnings.filter((w) => w !== handshakeWarning);
  let handshake: HandshakeData | undefined;
  if (handshakeWarning?.text !== undefined) {
    try {
      handshake = parseHandshakeJson(handshakeWarning.text);
    } catch (error) {
      throw errorAt(root, 'invalid-value', `ALPINEBITS_HANDSHAKE warning: ${(error as Error).message}`);
    }
  } else if (response.status !== 'errors') {
    throw errorAt(root, 'missing-field', 'a successful OTA_PingRS needs a Warning Status="ALPINEBITS_HANDSHAKE" with the intersection');
  }
  return { status: response.status, ...(handshake ? { handshake } : {}), warnings: others, errors: response.errors };
}
