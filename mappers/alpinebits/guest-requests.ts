/**
 * AlpineBits GuestRequests pulled from Tidewater (actions `OTA_Read:GuestRequests` and
 * `OTA_NotifReport:GuestRequests`): a PMS asks with OTA_ReadRQ, gets an OTA_ResRetrieveRS with the
 * bookings it has not acknowledged yet, and acknowledges them with OTA_NotifReportRQ.
 *
 * The OpenTravel renderer (mappers/opentravel/res-retrieve-rs.ts) writes 2015B HotelReservations
 * (RoomRates with NumberOfUnits, GuestCount AgeQualifyingCode, ResGuest PrimaryIndicator …) that the
 * AlpineBits schema refuses, so the AlpineBits shape is written here:
 *   - one RoomStay per room (AlpineBits has no NumberOfUnits): a stay of 2 rooms is two RoomStays;
 *   - UniqueID/@ID is at most 32 characters: Tidewater's booking id without its dashes;
 *   - Type 14 with ResStatus Reserved (new) or Modify (changed since acknowledged); a
 *     cancellation is the bare UniqueID Type 15 with ResStatus Cancelled, as the official example;
 *   - GuestCount without Age is an adult; children are only countable with an age, which
 *     Tidewater does not keep, so their number goes into a Comment instead of being dropped. A
 *     room whose guests are not known (channel bookings keep no counts) still gets GuestCount 1,
 *     as AlpineBits readers require one per reservation RoomStay, and the Comment says the count
 *     is unknown, so that the PMS takes the booking rather than refusing it;
 *   - PersonName needs GivenName and Surname: a guest without both is left out, as are a phone
 *     or e-mail that do not fit AlpineBits' patterns (never rewritten into something else);
 *   - the booking's one total is shared out over its rooms by nights (see allocateTotal), so the
 *     RoomStay totals add up to exactly what the guest pays.
 * Reading uses the OpenTravel readers (readReadRQ, readNotifReportRQ), which already know the
 * AlpineBits subset and are tolerant of what partners add.
 */
import { daysBetween, type IsoDate } from '../../core/dates';
import { currencyDecimals, formatScaled, isDecimalString, isKnownCurrency, toScaled } from '../../core/money';
import { renderXmlDocument, type XmlNode } from '../xml/write';
import { assertLength, formatTimeStamp, OTA_NAMESPACE } from '../opentravel/common';
import { MAX_ROOM_CATEGORY_LENGTH } from './free-rooms';

export const RES_RETRIEVE_RS = 'OTA_ResRetrieveRS';
export const NOTIF_REPORT_RS = 'OTA_NotifReportRS';
const RS_VERSION = '7.000';
/** UniqueID/@ID is StringLength1to32. */
export const MAX_REQUEST_ID_LENGTH = 32;

export type GuestRequestStatus = 'Reserved' | 'Modify' | 'Cancelled';

/** One AlpineBits RoomStay: one room. */
export interface GuestRequestRoom {
  /** The PMS's room category code (1 to 8 characters). */
  roomType: string;
  ratePlan?: string;
  checkIn: IsoDate;
  /** Departure, exclusive. */
  checkOut: IsoDate;
  adults?: number;
  /** Children without a known age: not expressible as GuestCount, reported in a Comment. */
  childrenWithoutAge?: number;
  total?: { amount: string; currency: string };
}

export interface GuestRequestGuest {
  firstName?: string;
  lastName?: string;
  email?: string;
  phone?: string;
}

export interface GuestRequestOut {
  /** UniqueID/@ID, 1 to 32 characters. */
  id: string;
  status: GuestRequestStatus;
  createdAt: Date;
  lastModifiedAt?: Date;
  hotelCode: string;
  hotelName?: string;
  /** Empty only for a cancellation. */
  rooms: readonly GuestRequestRoom[];
  guest?: GuestRequestGuest;
  /** Where the booking came from (channel code or `direct`) and that channel's id for it. */
  origin?: { source: string; reference?: string };
}

export interface GuestRequestWarning {
  /** OpenTravel EWT, e.g. 3 business rule. */
  type: string;
  code?: number;
  recordId?: string;
  text: string;
}

export interface GuestRequestsRSInput {
  requests: readonly GuestRequestOut[];
  warnings?: readonly GuestRequestWarning[];
}

/** OTA_ResRetrieveRS with Success: the requests (possibly none) and per-request Warnings. */
export function renderGuestRequestsRS(input: GuestRequestsRSInput, now: () => Date = () => new Date()): string {
  const warnings = input.warnings ?? [];
  return renderXmlDocument({
    name: RES_RETRIEVE_RS,
    attributes: { xmlns: OTA_NAMESPACE, Version: RS_VERSION, TimeStamp: formatTimeStamp(now()) },
    children: [
      { name: 'Success' },
      warnings.length > 0 && {
        name: 'Warnings',
        children: warnings.map((w) => ({ name: 'Warning', attributes: { Type: positive(w.type), Code: w.code, RecordID: w.recordId?.slice(0, 64) }, text: w.text.trim() === '' ? 'no details' : w.text })),
      },
      // AlpineBits requires ReservationsList even when nothing is waiting.
      { name: 'ReservationsList', children: input.requests.map((r, i) => hotelReservationNode(r, `/requests/${i}`)) },
    ],
  });
}

function hotelReservationNode(request: GuestRequestOut, where: string): XmlNode {
  assertLength(request.id, MAX_REQUEST_ID_LENGTH, `${where}/id`);
  assertLength(request.hotelCode, 16, `${where}/hotelCode`);
  const created = formatTimeStamp(request.createdAt);
  if (request.status === 'Cancelled') {
    // What the official cancellation example sends: the id is all the PMS needs, and it keeps
    // personal data out of a message that no longer has a purpose for it.
    return { name: 'HotelReservation', attributes: { CreateDateTime: created, ResStatus: 'Cancelled' }, children: [{ name: 'UniqueID', attributes: { Type: '15', ID: request.id } }] };
  }
  if (request.rooms.length === 0) throw new RangeError(`${where}/rooms: a ${request.status} request needs at least one room`);
  const guest = request.guest ? customerNode(request.guest) : undefined;
  const childless = request.rooms.reduce((sum, r) => sum + (r.childrenWithoutAge ?? 0), 0);
  const uncounted = request.rooms.filter((r) => r.adults === undefined || r.adults < 1).length;
  const notes = [
    childless > 0 && `${childless} ${childless === 1 ? 'child' : 'children'} without a known age (not in GuestCounts)`,
    uncounted > 0 && `the number of guests is not known for ${uncounted === request.rooms.length ? 'this booking' : `${uncounted} of its rooms`} (GuestCount 1 stands for it)`,
  ].filter((n): n is string => typeof n === 'string');
  const reference = request.origin?.reference;
  const source = request.origin?.source;
  return {
    name: 'HotelReservation',
    attributes: {
      CreateDateTime: created,
      LastModifyDateTime: request.lastModifiedAt ? formatTimeStamp(request.lastModifiedAt) : undefined,
      ResStatus: request.status,
      RoomStayReservation: true,
    },
    children: [
      { name: 'UniqueID', attributes: { Type: '14', ID: request.id } },
      { name: 'RoomStays', children: request.rooms.map((room, i) => roomStayNode(room, `${where}/rooms/${i}`)) },
      guest && { name: 'ResGuests', children: [{ name: 'ResGuest', children: [{ name: 'Profiles', children: [{ name: 'ProfileInfo', children: [{ name: 'Profile', children: [guest] }] }] }] }] },
      {
        name: 'ResGlobalInfo',
        children: [
          notes.length > 0 && { name: 'Comments', children: [{ name: 'Comment', attributes: { Name: 'additional info' }, children: [{ name: 'Text', text: notes.join('; ') }] }] },
          source !== undefined && {
            name: 'HotelReservationIDs',
            // ResID_Type 13 (internet broker) is the AlpineBits way to say where a request came from.
            children: [{ name: 'HotelReservationID', attributes: { ResID_Type: '13', ResID_Value: reference?.slice(0, 64), ResID_Source: source.slice(0, 64) } }],
          },
          { name: 'BasicPropertyInfo', attributes: { HotelCode: request.hotelCode, HotelName: request.hotelName?.slice(0, 128) } },
        ],
      },
    ],
  };
}

function roomStayNode(room: GuestRequestRoom, where: string): XmlNode {
  if (room.roomType.length < 1 || room.roomType.length > MAX_ROOM_CATEGORY_LENGTH) {
    throw new RangeError(`${where}/roomType must be 1 to ${MAX_ROOM_CATEGORY_LENGTH} characters for AlpineBits; got "${room.roomType}"`);
  }
  if (room.ratePlan !== undefined) assertLength(room.ratePlan, 64, `${where}/ratePlan`);
  if (daysBetween(room.checkIn, room.checkOut) < 1) throw new RangeError(`${where}: checkOut (${room.checkOut}) must be after checkIn (${room.checkIn})`);
  const adults = room.adults ?? 0;
  if (!Number.isInteger(adults) || adults < 0) throw new RangeError(`${where}/adults must be a whole number ≥ 0`);
  if (room.total) {
    if (!isKnownCurrency(room.total.currency)) throw new RangeError(`${where}/total/currency must be an ISO 4217 code`);
    if (!isDecimalString(room.total.amount) || room.total.amount.startsWith('-')) throw new RangeError(`${where}/total/amount must be a decimal ≥ 0`);
  }
  return {
    name: 'RoomStay',
    children: [
      { name: 'RoomTypes', children: [{ name: 'RoomType', attributes: { RoomTypeCode: room.roomType } }] },
      room.ratePlan !== undefined && { name: 'RatePlans', children: [{ name: 'RatePlan', attributes: { RatePlanCode: room.ratePlan } }] },
      { name: 'GuestCounts', children: [{ name: 'GuestCount', attributes: { Count: Math.max(1, adults) } }] },
      { name: 'TimeSpan', attributes: { Start: room.checkIn, End: room.checkOut } },
      room.total && { name: 'Total', attributes: { AmountAfterTax: room.total.amount, CurrencyCode: room.total.currency } },
    ],
  };
}

const PHONE = /^\+?[0-9]+$/;
const EMAIL = /^\S+@\S+$/;

function customerNode(guest: GuestRequestGuest): XmlNode | undefined {
  const first = guest.firstName?.trim();
  const last = guest.lastName?.trim();
  if (!first || !last) return undefined;
  // Spaces, dashes, dots and brackets are how people write numbers; anything else is not a number.
  const phone = guest.phone?.replace(/[\s\-./()]/g, '');
  const email = guest.email?.trim();
  return {
    name: 'Customer',
    children: [
      { name: 'PersonName', children: [{ name: 'GivenName', text: first.slice(0, 64) }, { name: 'Surname', text: last.slice(0, 64) }] },
      phone !== undefined && PHONE.test(phone) && { name: 'Telephone', attributes: { PhoneTechType: '1', PhoneNumber: phone } },
      email !== undefined && EMAIL.test(email) && { name: 'Email', text: email },
    ],
  };
}

function positive(type: string): string {
  if (!/^[1-9]\d*$/.test(type)) throw new RangeError(`an AlpineBits Warning Type is a positive integer; got "${type}"`);
  return type;
}

// ---------------------------------------------------------------------------------------------

/** Tidewater's booking id as an AlpineBits request id: the UUID without dashes (32 characters). */
export function requestIdOf(bookingId: string): string {
  return bookingId.replace(/-/g, '').toLowerCase();
}

/** The booking id an acknowledged request id names, or undefined when it cannot be one of ours. */
export function bookingIdOf(requestId: string): string | undefined {
  const hex = requestId.trim().replace(/-/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) return undefined;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface StayForRooms {
  roomType: string;
  ratePlan?: string;
  checkIn: IsoDate;
  checkOut: IsoDate;
  rooms: number;
  /** Per room, as the booking stored it. */
  adults?: number;
  children?: number;
}

/**
 * The booking's stays as AlpineBits RoomStays (one per room), with the booking total shared out
 * over them by room nights. Shares are floored to the currency's minor unit and the leftover minor
 * units go one each to the first rooms, so the parts always add up to the total exactly.
 */
export function roomsOf(
  stays: readonly StayForRooms[],
  total: { amount: string; currency: string } | undefined,
  guestCounts: 'per-room' | 'per-stay' = 'per-room',
): GuestRequestRoom[] {
  const rooms: GuestRequestRoom[] = stays.flatMap((s) => {
    const n = Math.max(1, s.rooms);
    // A channel's counts cover all rooms of its stay (direct bookings count per room): shared out
    // as evenly as whole guests allow, the extra ones to the first rooms.
    const share = (count: number | undefined, k: number) => (count === undefined || guestCounts === 'per-room' ? count : Math.floor(count / n) + (k < count % n ? 1 : 0));
    return Array.from({ length: n }, (_, k): GuestRequestRoom => {
      const adults = share(s.adults, k);
      const children = share(s.children, k);
      return {
        roomType: s.roomType,
        ...(s.ratePlan !== undefined ? { ratePlan: s.ratePlan } : {}),
        checkIn: s.checkIn,
        checkOut: s.checkOut,
        ...(adults !== undefined && adults > 0 ? { adults } : {}),
        ...(children !== undefined && children > 0 ? { childrenWithoutAge: children } : {}),
      };
    });
  });
  if (!total || rooms.length === 0) return rooms;
  const shares = allocateTotal(total.amount, total.currency, rooms.map((r) => Math.max(1, daysBetween(r.checkIn, r.checkOut))));
  return rooms.map((r, i) => ({ ...r, total: { amount: shares[i] as string, currency: total.currency } }));
}

/** `amount` split in proportion to `weights`, in the currency's minor units, summing to `amount`. */
export function allocateTotal(amount: string, currency: string, weights: readonly number[]): string[] {
  const decimals = currencyDecimals(currency);
  const unit = 10n ** BigInt(8 - decimals);
  // toScaled works at 8 decimals; round to the currency first so the parts add up to what is shown.
  const minor = toScaled(formatScaled(toScaled(amount), decimals)) / unit;
  const sum = BigInt(weights.reduce((a, b) => a + b, 0));
  if (sum === 0n) throw new RangeError('weights must not all be 0');
  const parts = weights.map((w) => (minor * BigInt(w)) / sum);
  let left = minor - parts.reduce((a, b) => a + b, 0n);
  for (let i = 0; left > 0n; i = (i + 1) % parts.length, left--) parts[i] = (parts[i] as bigint) + 1n;
  return parts.map((p) => formatScaled(p * unit, decimals));
}
