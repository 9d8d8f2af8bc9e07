/**
 * A reservation as a channel delivers it (OpenTravel OTA_HotelResNotifRQ, OTA_ResRetrieveRS,
 * AlpineBits GuestRequests), in the channel's own room and rate codes. Pure types: the mappers
 * produce it, the booking service translates codes and applies it.
 *
 * Every message carries the reservation's whole current state, never a diff: a consumer applies
 * `new` and `modified` alike as "the booking now looks like this" (keyed by channel and
 * `channelReservationId`, ordered by `revision`). The distinction is kept because partners make it
 * and because a `modified` for an unknown booking is worth an incident note.
 */
import type { IsoDate } from './dates';

export const CHANNEL_RESERVATION_STATUSES = ['new', 'modified', 'cancelled'] as const;
export type ChannelReservationStatus = (typeof CHANNEL_RESERVATION_STATUSES)[number];

/** Where `revision` came from, strongest first. */
export const REVISION_SOURCES = ['LastModifyDateTime', 'CreateDateTime', 'TimeStamp'] as const;
/**
 * `TimeStamp` is the message's send time, not the reservation's: a channel re-sending an old
 * version gives it a newer TimeStamp. Consumers may trust it less.
 */
export type RevisionSource = (typeof REVISION_SOURCES)[number];

/** Money as a decimal string in the currency's decimals ("258.00"), never a float. */
export interface ReservationAmount {
  amount: string;
  /** ISO 4217, upper case. */
  currency: string;
  /** True for OpenTravel AmountAfterTax (what the guest pays); false when only AmountBeforeTax was sent. */
  taxIncluded: boolean;
}

export interface ChannelRoomStay {
  /** The channel's room type code (OpenTravel RoomTypeCode). */
  roomType: string;
  /** The channel's rate plan code, when it sent one. */
  ratePlan?: string;
  /** Arrival, inclusive. */
  checkIn: IsoDate;
  /** Departure, exclusive: the guest does not sleep there that night. */
  checkOut: IsoDate;
  /** Rooms of this type booked for these dates (at least 1). */
  rooms: number;
  /** Guests over all `rooms` of the stay. */
  adults: number;
  children: number;
  /** Ages of those children the channel gave an age for, in message order; may be shorter than `children`. */
  childAges?: number[];
  total?: ReservationAmount;
}

/** Personal data: stored in the guests table only, never logged, never put in an error message. */
export interface ReservationGuest {
  firstName?: string;
  lastName?: string;
  email?: string;
  phone?: string;
}

/** An id another system gave the reservation (OpenTravel HotelReservationID). */
export interface ReservationReference {
  /** OpenTravel Unique ID Type (UIT) code, e.g. 14 reservation, 10 hotel, 13 internet broker. */
  type: string;
  value: string;
  source?: string;
  context?: string;
}

export interface ChannelReservation {
  /** The channel's id for the reservation (OpenTravel UniqueID/@ID). */
  channelReservationId: string;
  status: ChannelReservationStatus;
  /** UTC instant in ISO 8601 ("2027-02-20T08:30:01.000Z"), so that revisions compare as written. */
  revision: string;
  revisionSource: RevisionSource;
  /**
   * The channel's code for the hotel. Absent only for a cancellation that names none (AlpineBits
   * sends cancellations as a bare UniqueID): the caller knows the hotel from its request.
   */
  hotelCode?: string;
  /** At least one unless `status` is `cancelled`. */
  roomStays: ChannelRoomStay[];
  guest?: ReservationGuest;
  /** The reservation's total as the channel stated it (not recomputed from the stays). */
  total?: ReservationAmount;
  /** UTC instant the channel created the reservation. */
  createdAt?: string;
  /** Free text from the guest or channel; may contain personal data. */
  comments?: string;
  /** Other systems' ids for the reservation (e.g. the PMS's confirmation number). */
  references?: ReservationReference[];
}
