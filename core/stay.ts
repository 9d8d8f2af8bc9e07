import { addDays, daysBetween, isIsoDate, type IsoDate } from './dates';
import { ValidationError, type FieldError } from './errors';
import { findRoomType, type Property, type StayNight } from './property';

export interface StayRequest {
  roomType: string;
  /** Arrival date, inclusive. */
  checkIn: IsoDate;
  /** Departure date, exclusive: the guest does not sleep there that night. */
  checkOut: IsoDate;
  rooms: number;
}

export const MAX_STAY_NIGHTS = 365;

/** The nights a set of stays occupies, validated against the property. */
export function stayNights(property: Property, stays: StayRequest[], pointerPrefix = '/roomStays'): StayNight[] {
  const errors: FieldError[] = [];
  const nights: StayNight[] = [];
  stays.forEach((s, i) => {
    const at = (f: string) => `${pointerPrefix}/${i}/${f}`;
    if (!findRoomType(property, s.roomType)) errors.push({ pointer: at('roomType'), detail: `unknown room type ${s.roomType}` });
    if (!isIsoDate(s.checkIn)) errors.push({ pointer: at('checkIn'), detail: 'must be a date in YYYY-MM-DD form' });
    if (!isIsoDate(s.checkOut)) errors.push({ pointer: at('checkOut'), detail: 'must be a date in YYYY-MM-DD form' });
    if (!Number.isInteger(s.rooms) || s.rooms < 1) errors.push({ pointer: at('rooms'), detail: 'must be a whole number of at least 1' });
    if (!isIsoDate(s.checkIn) || !isIsoDate(s.checkOut)) return;
    const length = daysBetween(s.checkIn, s.checkOut);
    if (length < 1) errors.push({ pointer: at('checkOut'), detail: 'must be after checkIn' });
    else if (length > MAX_STAY_NIGHTS) errors.push({ pointer: at('checkOut'), detail: `a stay may last at most ${MAX_STAY_NIGHTS} nights` });
    else for (let d = 0; d < length; d++) nights.push({ roomType: s.roomType, date: addDays(s.checkIn, d), rooms: s.rooms });
  });
  if (errors.length > 0) throw new ValidationError(errors);
  return nights;
}
