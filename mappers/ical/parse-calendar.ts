import { addDays, daysBetween, type IsoDate } from '../../core/dates';
import { IcalParseError, parseContentLine, unescapeText, unfoldLines, type ContentLine } from './content-lines';
import {
  dateInZone,
  durationSeconds,
  instantOf,
  parseIcalDuration,
  parseIcalTime,
  type IcalDuration,
  type IcalTime,
} from './values';

export interface IcalEvent {
  uid: string;
  /** The feed gave no UID; this one is derived from the dates, so a moved event looks new. */
  syntheticUid: boolean;
  start: IcalTime;
  end?: IcalTime;
  duration?: IcalDuration;
  summary?: string;
  description?: string;
  /** Upper-cased STATUS (TENTATIVE, CONFIRMED, CANCELLED), when given. */
  status?: string;
  /** TRANSP:TRANSPARENT: the event does not take the time (§3.8.2.7). */
  transparent: boolean;
  /** RRULE or RDATE present: only the first occurrence is described by start/end. */
  recurring: boolean;
  recurrenceId?: string;
  /** Physical line of BEGIN:VEVENT, for messages. */
  line: number;
}

/** A VEVENT that could not be read; its UID (when known) lets a caller keep what it had for it. */
export interface SkippedEvent {
  uid?: string;
  line: number;
  reason: string;
}

export interface ParsedCalendar {
  prodId?: string;
  name?: string;
  events: IcalEvent[];
  skipped: SkippedEvent[];
  warnings: string[];
}

/** A feed this large is not a vacation rental calendar; refuse rather than book thousands of blocks. */
export const MAX_EVENTS = 20_000;

/**
 * Reads an iCalendar stream (RFC 5545) leniently where real feeds differ (bare LF, blank lines,
 * unknown components and properties, X- names, unmappable TZIDs) and strictly where a lenient
 * reading would be dangerous: a stream that is not a VCALENDAR or ends inside a component (a
 * truncated download) throws IcalParseError, because reading it as "fewer events" would release
 * blocks that the channel still holds.
 */
export function parseCalendar(text: string): ParsedCalendar {
  const lines = unfoldLines(text);
  const result: ParsedCalendar = { events: [], skipped: [], warnings: [] };
  const first = lines[0];
  if (!first || first.text.trim().toUpperCase() !== 'BEGIN:VCALENDAR') {
    throw new IcalParseError('not an iCalendar stream: it does not start with BEGIN:VCALENDAR', first?.line);
  }
  const stack: string[] = [];
  let event: { line: number; props: ContentLine[] } | undefined;
  for (const { text: raw, line } of lines) {
    const content = parseContentLine(raw, line);
    if (content.name === 'BEGIN') {
      const component = content.value.trim().toUpperCase();
      if (stack.length === 0 && component !== 'VCALENDAR') throw new IcalParseError(`${component} outside VCALENDAR`, line);
      if (stack.length === 1 && component === 'VEVENT') event = { line, props: [] };
      stack.push(component);
      continue;
    }
    if (content.name === 'END') {
      const component = content.value.trim().toUpperCase();
      const open = stack.pop();
      if (open !== component) throw new IcalParseError(`END:${component} closes ${open ? `BEGIN:${open}` : 'nothing'}`, line);
      if (stack.length === 1 && component === 'VEVENT' && event) {
        readEvent(event, result);
        event = undefined;
        if (result.events.length + result.skipped.length > MAX_EVENTS) throw new IcalParseError(`more than ${MAX_EVENTS} events`, line);
      }
      continue;
    }
    if (stack.length === 0) throw new IcalParseError(`${content.name} outside VCALENDAR`, line);
    if (stack.length === 1) {
      if (content.name === 'PRODID') result.prodId = unescapeText(content.value);
      else if (content.name === 'X-WR-CALNAME') result.name = unescapeText(content.value);
    } else if (stack.length === 2 && event) {
      // Only the event's own properties: a nested VALARM's TRIGGER or DESCRIPTION is not the event's.
      event.props.push(content);
    }
  }
  if (stack.length > 0) throw new IcalParseError(`the stream ends inside ${stack.map((s) => `BEGIN:${s}`).join(' > ')} (truncated?)`);
  return result;
}

function readEvent(raw: { line: number; props: ContentLine[] }, result: ParsedCalendar): void {
  const prop = (name: string) => raw.props.find((p) => p.name === name);
  const uidValue = prop('UID')?.value.trim();
  try {
    const dtstart = prop('DTSTART');
    if (!dtstart) throw new IcalParseError('VEVENT without DTSTART', raw.line);
    const start = parseIcalTime(dtstart.value, dtstart.params, dtstart.line);
    const dtend = prop('DTEND');
    const duration = prop('DURATION');
    const end = dtend ? parseIcalTime(dtend.value, dtend.params, dtend.line) : undefined;
    const status = prop('STATUS')?.value.trim().toUpperCase();
    const summary = prop('SUMMARY');
    const description = prop('DESCRIPTION');
    const recurrenceId = prop('RECURRENCE-ID')?.value.trim();
    const event: IcalEvent = {
      uid: uidValue || `no-uid:${dtstart.value.trim()}/${dtend?.value.trim() ?? duration?.value.trim() ?? ''}`,
      syntheticUid: !uidValue,
      start,
      ...(end ? { end } : {}),
      ...(duration && !end ? { duration: parseIcalDuration(duration.value, duration.line) } : {}),
      ...(summary ? { summary: unescapeText(summary.value) } : {}),
      ...(description ? { description: unescapeText(description.value) } : {}),
      ...(status ? { status } : {}),
      transparent: prop('TRANSP')?.value.trim().toUpperCase() === 'TRANSPARENT',
      recurring: raw.props.some((p) => p.name === 'RRULE' || p.name === 'RDATE'),
      ...(recurrenceId ? { recurrenceId } : {}),
      line: raw.line,
    };
    if (!uidValue) result.warnings.push(`line ${raw.line}: VEVENT without UID; using ${event.uid}`);
    if (event.recurring) result.warnings.push(`line ${raw.line}: recurring VEVENT ${event.uid}: only its first occurrence is read`);
    result.events.push(event);
  } catch (error) {
    if (!(error instanceof IcalParseError)) throw error;
    result.skipped.push({ ...(uidValue ? { uid: uidValue } : {}), line: raw.line, reason: error.message });
    result.warnings.push(`skipped VEVENT ${uidValue ?? ''} at line ${raw.line}: ${error.message}`);
  }
}

/** Nights a block takes: `checkIn` inclusive, `checkOut` exclusive, dates in the property's zone. */
export interface EventStay {
  checkIn: IsoDate;
  checkOut: IsoDate;
}

/**
 * The nights an event occupies, in the property's time zone. An all-day event blocks DTSTART up to
 * DTEND exclusive (§3.6.1; no DTEND and no DURATION means one day). A timed event blocks from the
 * night of its start to the night of its end, exclusive, as a stay does (check-in 15:00 on the 1st,
 * check-out 11:00 on the 5th: four nights); one shorter than that still blocks the night it is on.
 */
export function eventStay(event: IcalEvent, timeZone: string): EventStay {
  const { start } = event;
  if (start.kind === 'date') {
    let checkOut: IsoDate;
    if (event.end) checkOut = event.end.kind === 'date' ? event.end.date : dateInZone(instantOf(event.end, timeZone), timeZone);
    else if (event.duration) checkOut = addDays(start.date, Math.ceil(durationSeconds(event.duration) / 86_400));
    else checkOut = addDays(start.date, 1);
    return { checkIn: start.date, checkOut: daysBetween(start.date, checkOut) > 0 ? checkOut : addDays(start.date, 1) };
  }
  const startMs = instantOf(start, timeZone);
  let endMs = startMs;
  if (event.end) endMs = event.end.kind === 'date' ? instantOf({ kind: 'date-time', date: event.end.date, time: '00:00:00', utc: false }, timeZone) : instantOf(event.end, timeZone);
  else if (event.duration) endMs = startMs + durationSeconds(event.duration) * 1000;
  const checkIn = dateInZone(startMs, timeZone);
  const checkOut = dateInZone(endMs, timeZone);
  return { checkIn, checkOut: daysBetween(checkIn, checkOut) > 0 ? checkOut : addDays(checkIn, 1) };
}

/** Whether an event takes the time at all: cancelled and transparent events do not block. */
export function eventBlocks(event: IcalEvent): boolean {
  return event.status !== 'CANCELLED' && !event.transparent;
}
