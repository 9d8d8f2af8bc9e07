import { addDays, daysBetween, type IsoDate } from '../../core/dates';
import type { ChannelView } from '../../core/channel-view';
import { CRLF, escapeText, renderContentLine } from './content-lines';
import { formatIcalDate, formatIcalUtc } from './values';

export const TIDEWATER_PRODID = '-//Tidewater//Channel Manager 1.0//EN';
/**
 * Every UID of our exported feeds ends with this. A channel that re-exports imported calendars
 * would otherwise hand our own blocks back to us as its bookings, and each would be a conflict.
 */
export const OWN_UID_SUFFIX = '@tidewater.blocked';

export interface RenderEvent {
  uid: string;
  /** All-day events: DTSTART inclusive, DTEND exclusive. Timed events: wall-clock `YYYY-MM-DDTHH:MM:SS` with a TZID. */
  start: { date: IsoDate } | { dateTime: string; tzid: string };
  end: { date: IsoDate } | { dateTime: string; tzid: string };
  summary?: string;
  description?: string;
}

export interface RenderCalendarInput {
  prodId: string;
  name?: string;
  /** DTSTAMP of every event: when this feed was generated. */
  now: Date;
  events: RenderEvent[];
}

/** A VCALENDAR of events with CRLF line endings and lines folded at 75 octets (RFC 5545 §3.1). */
export function renderCalendar(input: RenderCalendarInput): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    renderContentLine('PRODID', input.prodId),
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    ...(input.name !== undefined ? [renderContentLine('X-WR-CALNAME', escapeText(input.name))] : []),
  ];
  const dtstamp = formatIcalUtc(input.now);
  for (const e of input.events) {
    lines.push(
      'BEGIN:VEVENT',
      renderContentLine('UID', e.uid),
      `DTSTAMP:${dtstamp}`,
      renderTime('DTSTART', e.start),
      renderTime('DTEND', e.end),
      ...(e.summary !== undefined ? [renderContentLine('SUMMARY', escapeText(e.summary))] : []),
      ...(e.description !== undefined ? [renderContentLine('DESCRIPTION', escapeText(e.description))] : []),
      'TRANSP:OPAQUE',
      'END:VEVENT',
    );
  }
  lines.push('END:VCALENDAR');
  return lines.join(CRLF) + CRLF;
}

function renderTime(name: string, value: RenderEvent['start']): string {
  if ('date' in value) return renderContentLine(name, formatIcalDate(value.date), { VALUE: 'DATE' });
  return renderContentLine(name, value.dateTime.replace(/[-:]/g, ''), { TZID: value.tzid });
}

/** A run of nights the channel must not sell: `from` inclusive, `to` exclusive (DTEND semantics). */
export interface BlockedRange {
  from: IsoDate;
  to: IsoDate;
}

/**
 * Nights of one room type that a channel's view says it must not sell: no room left for the channel
 * (after its buffer), or every rate plan it sells stopped. A night with rate cells where only some
 * plans are stopped stays open: the room is still sellable through the others. Consecutive nights
 * merge into one range, so a sold-out fortnight is one event, not fourteen.
 */
export function blockedRanges(view: ChannelView, roomType: string): BlockedRange[] {
  const blocked = new Set<IsoDate>();
  for (const c of view.inventory) if (c.roomType === roomType && c.available <= 0) blocked.add(c.date);
  const plansByDate = new Map<IsoDate, boolean>();
  for (const r of view.rates) {
    if (r.roomType !== roomType) continue;
    plansByDate.set(r.date, (plansByDate.get(r.date) ?? true) && r.stopSell);
  }
  for (const [date, allStopped] of plansByDate) if (allStopped) blocked.add(date);
  const ranges: BlockedRange[] = [];
  for (const date of [...blocked].sort()) {
    const last = ranges[ranges.length - 1];
    if (last && last.to === date) last.to = addDays(date, 1);
    else ranges.push({ from: date, to: addDays(date, 1) });
  }
  return ranges;
}

export interface BlockedCalendarInput {
  property: { code: string; name: string };
  channelCode: string;
  channelRoomCode: string;
  /** Tidewater room type code: the view is in Tidewater codes. */
  roomType: string;
  view: ChannelView;
  now: Date;
  summary?: string;
}

/**
 * The feed a vacation rental channel imports: one all-day VEVENT per run of blocked nights. UIDs
 * depend only on the property, channel, room and first night, so a channel polling again sees the
 * same event (with a new DTEND when the run grew) instead of a delete and an add.
 */
export function renderBlockedCalendar(input: BlockedCalendarInput): string {
  const ranges = blockedRanges(input.view, input.roomType);
  return renderCalendar({
    prodId: TIDEWATER_PRODID,
    name: `${input.property.name} – ${input.channelRoomCode}`,
    now: input.now,
    events: ranges.map((r) => ({
      uid: blockUid(input, r.from),
      start: { date: r.from },
      end: { date: r.to },
      summary: input.summary ?? 'Not available',
      description: `${daysBetween(r.from, r.to)} night(s) not available for ${input.channelRoomCode} at ${input.property.name}`,
    })),
  });
}

function blockUid(input: BlockedCalendarInput, from: IsoDate): string {
  // Percent-encoded so that no code can bring a `,`, `;` or `@` into the UID.
  const safe = (s: string) => encodeURIComponent(s).replace(/@/g, '%40');
  return `${formatIcalDate(from)}-${safe(input.channelRoomCode)}-${safe(input.channelCode)}-${safe(input.property.code)}${OWN_UID_SUFFIX}`;
}
