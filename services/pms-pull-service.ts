/**
 * The pull-and-confirm loop a PMS runs against Tidewater, whatever it speaks: AlpineBits
 * `OTA_Read:GuestRequests` / `OTA_NotifReport:GuestRequests` on /alpinebits, OpenTravel
 * `OTA_ReadRQ` / `OTA_NotifReportRQ` on /ota/v1. Each endpoint reads its request and writes its
 * answer; what is served, in which codes, and what an acknowledgement concludes is decided here
 * once, so that a key pulling through either protocol sees the same bookings in the same states.
 *
 * The client is the API key (software names and versions change with upgrades and would re-serve
 * everything). What is served, per booking (servedStatusOf):
 *   - confirmed, never acknowledged by this key → Reserved (new);
 *   - confirmed, acknowledged but changed since (stays, nights, total, status) → Modify;
 *   - cancelled, after this key was served it at least once → Cancelled (a booking cancelled
 *     before any pull is never served: the PMS never knew it);
 *   - held (payment pending) and manual-recovery bookings are not bookings the hotel has yet.
 * Served versions are recorded, so that an acknowledgement confirms what was served and a change
 * in between is served again. An acknowledged booking (not a cancellation) is "in the hotel's PMS"
 * for the in-flight rule (reservations.pms_acked_at); a refusal concludes the booking for the key
 * without that, and is kept as a booking event.
 * Room and rate codes are the PMS's: the mapping of the channel whose hotelCode the request names
 * (as for ARI pushed by the PMS), else Tidewater's own. Guest data goes into the answer and nowhere
 * else (never a log line).
 */
import { addDays, type IsoDate } from '../core/dates';
import { currencyDecimals, formatAmount, isKnownCurrency } from '../core/money';
import type { ChannelConfig, StayNight } from '../core/property';
import type { ApiKeyPrincipal, ApiKeyRole } from '../db/api-keys-repo';
import { addBookingEvent, findGuest, type GuestRecord } from '../db/bookings-repo';
import type { Db } from '../db/connection';
import { acknowledgeReservation, reservationNights } from '../db/ledger-repo';
import {
  acknowledgeServed,
  pullCandidates,
  recordServed,
  savePmsReference,
  servedReservations,
  type PullCandidate,
  type PullCursor,
  type PullScope,
  type PullStatus,
} from '../db/pms-pull-repo';
import type { StoredProperty } from '../db/properties-repo';
import { XmlMessageError } from '../mappers/xml/errors';
import type { XmlElement } from '../mappers/xml/parse';
import type { OtaNotice } from '../mappers/opentravel/response';

export type { PullCursor, PullScope, PullStatus, PullWindow } from '../db/pms-pull-repo';

/** Pulled by the hotel's own system: what it is served and acknowledges is the hotel's view. */
export const PMS_PULL_ROLES = ['admin', 'pms'] as const satisfies readonly ApiKeyRole[];

/** How many bookings one answer carries at most; the rest waits for the next pull (or page). */
export const MAX_RESERVATIONS_PER_PULL = 100;

/** HotelCode in an OpenTravel/AlpineBits request is StringLength1to16. */
const MAX_HOTEL_CODE_LENGTH = 16;

/** The source of bookings taken through POST /v1/properties/{code}/bookings (services/booking-service.ts). */
export const DIRECT_SOURCE = 'direct';

// ---------------------------------------------------------------------------------------------
// Which hotel

export interface PullHotel {
  stored: StoredProperty;
  /** The channel whose hotelCode the request named: its code mapping is the PMS's codes. */
  channel?: ChannelConfig;
}

/**
 * The hotel a pull names must be the key's own. Another property's code is answered as unknown
 * (392) rather than forbidden: a pull must not tell a key which other hotels Tidewater serves.
 */
export function requireOwnHotel(hotel: PullHotel, hotelCode: string, container: XmlElement, principal: ApiKeyPrincipal): PullHotel {
  if (hotel.stored.property.code !== principal.propertyCode) throw unknownPullHotel(hotelCode, container);
  return hotel;
}

/** A HotelCode no OpenTravel message can carry (longer than 16) names no hotel of ours either. */
export function checkHotelCodeLength(hotelCode: string, container: XmlElement): void {
  if (hotelCode.length > MAX_HOTEL_CODE_LENGTH) throw unknownPullHotel(hotelCode, container);
}

export function unknownPullHotel(hotelCode: string, container: XmlElement): XmlMessageError {
  return new XmlMessageError({
    problem: 'invalid-value',
    reason: `HotelCode ${hotelCode} is not the property of these credentials nor the hotelCode of one of its pms or ota-xml channels`,
    element: container.name,
    line: container.line,
    otaType: '3',
    otaCode: '392',
  });
}

// ---------------------------------------------------------------------------------------------
// Serving

/** What a candidate is served as, or undefined when this client has nothing to learn from it. */
export function servedStatusOf(candidate: Pick<PullCandidate, 'status' | 'fingerprint' | 'servedStatus' | 'ackedStatus' | 'ackedFingerprint'>, reread: boolean): PullStatus | undefined {
  const hadIt = candidate.ackedStatus === 'Reserved' || candidate.ackedStatus === 'Modify';
  if (candidate.status === 'cancelled') {
    if (candidate.servedStatus === null) return undefined;
    return reread || candidate.ackedStatus !== 'Cancelled' ? 'Cancelled' : undefined;
  }
  if (candidate.status !== 'confirmed') return undefined;
  if (!hadIt) return 'Reserved';
  if (candidate.ackedFingerprint !== candidate.fingerprint) return 'Modify';
  // Unchanged since acknowledged: only a re-read sends it again, whole.
  return reread ? 'Reserved' : undefined;
}

export interface PullPage {
  items: Array<{ candidate: PullCandidate; status: PullStatus }>;
  /** More bookings are in scope after this page. */
  more: boolean;
  /** Where this page ended: the next page starts after it. */
  last?: PullCursor;
}

/**
 * One page of what `principal` is to be served of the property: the bookings in any of `scopes`
 * (after `after`), each with what it is served as. `reread` serves unchanged, acknowledged bookings
 * whole again (a client that lost its data).
 */
export async function pullPage(
  db: Db,
  options: { principal: ApiKeyPrincipal; stored: StoredProperty; scopes: readonly PullScope[]; reread: boolean; after?: PullCursor; limit: number },
): Promise<PullPage> {
  const rows = await pullCandidates(db, {
    apiKeyId: options.principal.id,
    propertyId: options.stored.id,
    timeZone: options.stored.property.timezone,
    scopes: options.scopes,
    ...(options.after ? { after: options.after } : {}),
    limit: options.limit + 1,
  });
  const page = rows.slice(0, options.limit);
  const items: PullPage['items'] = [];
  for (const candidate of page) {
    const status = servedStatusOf(candidate, options.reread);
    if (status !== undefined) items.push({ candidate, status });
  }
  const last = page[page.length - 1]?.cursor;
  return { items, more: rows.length > options.limit, ...(last ? { last } : {}) };
}

/** A stay in the PMS's codes, with the guest counts as the booking stored them. */
export interface PulledStay {
  roomType: string;
  ratePlan?: string;
  checkIn: IsoDate;
  checkOut: IsoDate;
  rooms: number;
  adults?: number;
  children?: number;
}

export interface PulledBooking {
  id: string;
  status: PullStatus;
  createdAt: Date;
  updatedAt: Date;
  /** Channel code, or `direct`. */
  source: string;
  /** The channel's id for the booking. */
  externalRef?: string;
  /** Empty for a cancellation: its id is all the PMS needs. */
  stays: PulledStay[];
  /**
   * Whether `adults`/`children` count per room: direct bookings store them per room (the booking
   * API's schema checks them against a room's occupancy), channel bookings as the channel sent
   * them, over all rooms of the stay.
   */
  guestsPerRoom: boolean;
  /** What the guest pays, in the currency's decimals. */
  total?: { amount: string; currency: string };
  /** Not for cancellations, nor after an erasure. Personal data: never logged. */
  guest?: GuestRecord;
}

interface StoredStay {
  roomType: string;
  ratePlan?: string;
  checkIn: string;
  checkOut: string;
  rooms?: number;
  adults?: number;
  children?: number;
}

/** A served booking as both protocols need it, in the codes of `channel` (else Tidewater's). */
export async function pulledBookingOf(db: Db, stored: StoredProperty, channel: ChannelConfig | undefined, booking: PullCandidate, status: PullStatus): Promise<PulledBooking> {
  const base = {
    id: booking.id,
    status,
    createdAt: booking.createdAt,
    updatedAt: booking.updatedAt,
    source: booking.source,
    ...(booking.externalRef !== null ? { externalRef: booking.externalRef } : {}),
    guestsPerRoom: booking.source === DIRECT_SOURCE,
  };
  if (status === 'Cancelled') return { ...base, stays: [] };
  const code = (mapping: Record<string, string> | undefined, value: string) => mapping?.[value] ?? value;
  const storedStays = Array.isArray(booking.stays) ? (booking.stays as StoredStay[]) : [];
  const stays = (storedStays.length > 0 ? storedStays : staysOfNights(await reservationNights(db, stored, booking.id))).map(
    (s): PulledStay => ({
      roomType: code(channel?.roomTypes, s.roomType),
      ...(s.ratePlan !== undefined ? { ratePlan: code(channel?.ratePlans, s.ratePlan) } : {}),
      checkIn: s.checkIn,
      checkOut: s.checkOut,
      rooms: s.rooms ?? 1,
      ...(s.adults !== undefined ? { adults: s.adults } : {}),
      ...(s.children !== undefined ? { children: s.children } : {}),
    }),
  );
  const currency = booking.currency ?? stored.property.currency;
  const total = booking.totalAmount !== null && isKnownCurrency(currency) ? { amount: formatAmount(booking.totalAmount, currencyDecimals(currency)), currency } : undefined;
  const guest = await findGuest(db, booking.id);
  const person: GuestRecord | undefined =
    guest && guest.erasedAt === null
      ? {
          ...(guest.firstName !== undefined ? { firstName: guest.firstName } : {}),
          ...(guest.lastName !== undefined ? { lastName: guest.lastName } : {}),
          ...(guest.email !== undefined ? { email: guest.email } : {}),
          ...(guest.phone !== undefined ? { phone: guest.phone } : {}),
        }
      : undefined;
  return { ...base, stays, ...(total ? { total } : {}), ...(person ? { guest: person } : {}) };
}

/** One stay per room type and run of consecutive nights with the same rooms, for bookings stored without stays. */
function staysOfNights(nights: readonly StayNight[]): StoredStay[] {
  const out: StoredStay[] = [];
  for (const n of [...nights].sort((a, b) => (a.roomType + a.date < b.roomType + b.date ? -1 : 1))) {
    const last = out[out.length - 1];
    if (last && last.roomType === n.roomType && last.checkOut === n.date && last.rooms === n.rooms) last.checkOut = addDays(n.date, 1);
    else out.push({ roomType: n.roomType, checkIn: n.date, checkOut: addDays(n.date, 1), rooms: n.rooms });
  }
  return out;
}

/** Records what was just served to the key, so that its acknowledgement confirms exactly that. */
export async function recordPulled(db: Db, principal: ApiKeyPrincipal, served: PullPage['items']): Promise<void> {
  await recordServed(
    db,
    principal.id,
    served.map((s) => ({ reservationId: s.candidate.id, status: s.status, fingerprint: s.candidate.fingerprint })),
  );
}

// ---------------------------------------------------------------------------------------------
// Acknowledging

export interface PullConfirmation {
  /** How the client named the booking, for the answer. */
  label: string;
  /** The PMS's own id for the booking, when its acknowledgement gives one. */
  pmsReference?: string;
}

export interface PullRefusal {
  label: string;
  /** The client's code and text, as one line (may quote the guest: kept in booking_events only). */
  reason: string;
}

/** A refusal in a NotifReportRQ as PullRefusal.reason: `code: text`, at most 500 characters. */
export function refusalReason(notice: Pick<OtaNotice, 'code' | 'text' | 'shortText'>): string {
  return [notice.code, notice.text ?? notice.shortText]
    .filter((p) => p !== undefined && p !== '')
    .join(': ')
    .slice(0, 500);
}

export interface PullAcknowledgementResult {
  acknowledged: number;
  refused: number;
  /** Labels of the bookings named that were never served to this key: nothing was done for them. */
  neverServed: string[];
}

/**
 * The client's acknowledgement: every booking in `confirmed` is concluded for the key (what was
 * served last), and so is every one in `refused`, since neither protocol gives a refusal a retry:
 * it is kept as a booking event instead, and the booking never counts as in the PMS. Repeating an
 * acknowledgement changes nothing. A booking named in both counts as refused, the more careful
 * reading. All in one transaction.
 */
export async function acknowledgePulled(
  db: Db,
  options: {
    principal: ApiKeyPrincipal;
    stored: StoredProperty;
    /** Which endpoint, for the booking events. */
    via: 'alpinebits' | 'opentravel';
    confirmed: ReadonlyMap<string, PullConfirmation>;
    refused: ReadonlyMap<string, PullRefusal>;
  },
): Promise<PullAcknowledgementResult> {
  const { principal, stored, via } = options;
  const confirmed = new Map([...options.confirmed].filter(([id]) => !options.refused.has(id)));
  const named = [...new Set([...confirmed.keys(), ...options.refused.keys()])];
  const known = await servedReservations(db, principal.id, stored.id, named);
  const neverServed = named.filter((id) => !known.has(id)).map((id) => confirmed.get(id)?.label ?? options.refused.get(id)?.label ?? id);
  const counts = await db.transaction(async (trx) => {
    const done = await acknowledgeServed(trx, principal.id, [...confirmed.keys()].filter((id) => known.has(id)), null);
    for (const row of done) {
      if (row.status !== 'Cancelled') await acknowledgeReservation(trx, stored, row.reservationId);
      const pmsReference = confirmed.get(row.reservationId)?.pmsReference;
      if (pmsReference !== undefined) await savePmsReference(trx, row.reservationId, pmsReference);
      await addBookingEvent(trx, row.reservationId, 'pms-acknowledged', null, { via, apiKeyId: principal.id, status: row.status, ...(pmsReference !== undefined ? { pmsReference } : {}) });
    }
    let refused = 0;
    for (const [bookingId, refusal] of options.refused) {
      if (!known.has(bookingId)) continue;
      const rows = await acknowledgeServed(trx, principal.id, [bookingId], refusal.reason === '' ? 'refused' : refusal.reason);
      for (const row of rows) await addBookingEvent(trx, row.reservationId, 'pms-refused', null, { via, apiKeyId: principal.id, status: row.status, reason: refusal.reason });
      refused += rows.length;
    }
    return { acknowledged: done.length, refused };
  });
  return { ...counts, neverServed };
}
