/**
 * AlpineBits FreeRooms (action `OTA_HotelInvCountNotif:FreeRooms`): bookable rooms per room
 * category and night, in OTA_HotelInvCountNotifRQ. The OpenTravel mapper already knows the
 * AlpineBits reading of that message (CountType 2 bookable, 6 out of order, 9 out of market, a
 * missing InvCounts is 0, closing seasons, CompleteSet), so this module only adds what AlpineBits
 * narrows further when we send:
 *   - InvTypeCode (room category) is 1 to 8 characters;
 *   - only CountType 2 (`available`) is sent: Tidewater's view of a channel is a sellable count;
 *   - a delta carries no UniqueID, a full resynchronisation carries `UniqueID Type=16 ID=1
 *     Instance=CompleteSet`;
 *   - the root has Version only (see renderHotelInvCountNotif).
 */
import type { IsoDate } from '../../core/dates';
import type { ParseXmlOptions, XmlElement } from '../xml/parse';
import {
  readHotelInvCountNotif,
  renderHotelInvCountNotif,
  type ClosedPeriod,
  type HotelInvCountNotifMessage,
} from '../opentravel/hotel-inv-count-notif';

export const FREE_ROOMS_ROOT = 'OTA_HotelInvCountNotifRQ';
/** AlpineBits' def_invTypeCode_string. */
export const MAX_ROOM_CATEGORY_LENGTH = 8;

export interface FreeRoomsRun {
  /** The channel's room category code (InvTypeCode). */
  roomType: string;
  from: IsoDate;
  /** Inclusive: the last night. */
  to: IsoDate;
  available: number;
}

export interface FreeRoomsInput {
  hotelCode: string;
  availability: readonly FreeRoomsRun[];
  /** Replace everything the server holds for the hotel (CompleteSet) instead of a delta. */
  completeSet?: boolean;
  closedPeriods?: readonly ClosedPeriod[];
}

export function renderFreeRooms(input: FreeRoomsInput): string {
  input.availability.forEach((run, i) => assertRoomCategory(run.roomType, `/availability/${i}/roomType`));
  return renderHotelInvCountNotif({
    hotelCode: input.hotelCode,
    // Only the fields FreeRooms carries: anything else in a run would be refused by the renderer.
    updates: input.availability.map((run) => ({ roomType: run.roomType, from: run.from, to: run.to, available: run.available })),
    ...(input.completeSet ? { completeSet: true } : {}),
    ...(input.closedPeriods ? { closedPeriods: input.closedPeriods } : {}),
    standard: 'alpinebits',
  });
}

/** Reads a FreeRooms request with AlpineBits rules, whatever markers it happens to contain. */
export function readFreeRooms(input: string | Uint8Array | XmlElement, options: ParseXmlOptions = {}): HotelInvCountNotifMessage {
  return readHotelInvCountNotif(input, { ...options, standard: 'alpinebits' });
}

export function assertRoomCategory(code: string, where: string): void {
  if (code.length < 1 || code.length > MAX_ROOM_CATEGORY_LENGTH) {
    throw new RangeError(`${where} must be 1 to ${MAX_ROOM_CATEGORY_LENGTH} characters for AlpineBits (InvTypeCode); got "${code}"`);
  }
}
