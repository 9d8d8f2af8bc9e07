import { isIsoDate, isValidTimeZone, todayIn, type IsoDate } from '../../core/dates';
import { IcalParseError } from './content-lines';

/** A DATE (an all-day value) or a DATE-TIME: UTC (`Z`), tied to a TZID, or floating (no zone). */
export type IcalTime =
  | { kind: 'date'; date: IsoDate }
  | { kind: 'date-time'; date: IsoDate; time: string; utc: boolean; tzid?: string };

export interface IcalDuration {
  negative: boolean;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

const DATE = /^(\d{4})(\d{2})(\d{2})$/;
const DATE_TIME = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z?)$/;

/** `20270301` → 2027-03-01. */
export function formatIcalDate(date: IsoDate): string {
  return date.replace(/-/g, '');
}

/** An instant as a UTC DATE-TIME, `20270301T120000Z` (DTSTAMP must be UTC, §3.8.7.2). */
export function formatIcalUtc(instant: Date): string {
  return instant.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** Reads DTSTART/DTEND-style values; VALUE=DATE or an 8-digit value is a DATE. */
export function parseIcalTime(value: string, params: Record<string, string>, line?: number): IcalTime {
  const v = value.trim();
  const d = DATE.exec(v);
  if (d) {
    const date = `${d[1]}-${d[2]}-${d[3]}`;
    if (!isIsoDate(date)) throw new IcalParseError(`not a calendar date: ${v}`, line);
    return { kind: 'date', date };
  }
  const t = DATE_TIME.exec(v);
  if (!t || params.VALUE?.toUpperCase() === 'DATE') throw new IcalParseError(`not a DATE or DATE-TIME: ${v}`, line);
  const date = `${t[1]}-${t[2]}-${t[3]}`;
  if (!isIsoDate(date) || Number(t[4]) > 23 || Number(t[5]) > 59 || Number(t[6]) > 60) throw new IcalParseError(`not a date-time: ${v}`, line);
  const utc = t[7] === 'Z';
  return { kind: 'date-time', date, time: `${t[4]}:${t[5]}:${t[6]}`, utc, ...(!utc && params.TZID ? { tzid: params.TZID } : {}) };
}

const DURATION = /^([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/** §3.3.6: `P2D`, `PT36H`, `P1W`, `-PT15M`. */
export function parseIcalDuration(value: string, line?: number): IcalDuration {
  const m = DURATION.exec(value.trim());
  if (!m || value.trim() === 'P' || /T$/.test(value.trim())) throw new IcalParseError(`not a duration: ${value}`, line);
  const n = (s: string | undefined) => (s === undefined ? 0 : Number(s));
  return { negative: m[1] === '-', weeks: n(m[2]), days: n(m[3]), hours: n(m[4]), minutes: n(m[5]), seconds: n(m[6]) };
}

export function durationSeconds(d: IcalDuration): number {
  const s = ((d.weeks * 7 + d.days) * 24 + d.hours) * 3600 + d.minutes * 60 + d.seconds;
  return d.negative ? -s : s;
}

/**
 * Resolves a TZID to an IANA zone. Calendars from Outlook or Thunderbird write prefixed or quoted
 * ids (`/mozilla.org/20050126_1/Europe/Berlin`); Windows names we cannot map are undefined, and the
 * caller then reads the time as local to the property, which is what such feeds almost always mean.
 */
export function resolveTimeZone(tzid: string | undefined): string | undefined {
  if (!tzid) return undefined;
  const id = tzid.trim();
  if (isValidTimeZone(id) && id !== '') return id;
  const parts = id.split('/').filter((p) => p !== '');
  for (let take = Math.min(3, parts.length); take >= 1; take--) {
    const candidate = parts.slice(-take).join('/');
    if (/[A-Za-z]/.test(candidate) && isValidTimeZone(candidate)) return candidate;
  }
  return undefined;
}

/** The zone's offset from UTC at an instant, in milliseconds (east positive). */
function zoneOffsetMs(instantMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(instantMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(instantMs / 1000) * 1000;
}

/** A wall-clock time in a zone → the instant. Times skipped by a DST jump land one offset later, as most calendars do. */
export function zonedTimeToInstant(date: IsoDate, time: string, timeZone: string): number {
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  const [h, mi, s] = time.split(':').map(Number) as [number, number, number];
  const wall = Date.UTC(y, mo - 1, d, h, mi, Math.min(s, 59));
  let instant = wall - zoneOffsetMs(wall, timeZone);
  // The offset at the guess may differ from the offset at the answer around a DST change: correct once.
  instant = wall - zoneOffsetMs(instant, timeZone);
  return instant;
}

/** The instant of a DATE-TIME; floating times and unknown zones are read in `fallbackZone`. */
export function instantOf(value: Extract<IcalTime, { kind: 'date-time' }>, fallbackZone: string): number {
  if (value.utc) return zonedTimeToInstant(value.date, value.time, 'UTC');
  return zonedTimeToInstant(value.date, value.time, resolveTimeZone(value.tzid) ?? fallbackZone);
}

/** The calendar date of an instant in a zone. */
export function dateInZone(instantMs: number, timeZone: string): IsoDate {
  return todayIn(timeZone, new Date(instantMs));
}
