import { IcalParseError } from './content-lines';
import { eventBlocks, eventStay, parseCalendar, type IcalEvent } from './parse-calendar';
import { durationSeconds, parseIcalDuration, parseIcalTime, resolveTimeZone, zonedTimeToInstant } from './values';

/**
 * A feed as real calendars write it: Google-style header with a VTIMEZONE, Airbnb-style all-day
 * reservations with long folded descriptions, a timed stay with TZID, one with DURATION, an event
 * with a nested VALARM, a cancelled one, a VTODO and an X- component to ignore.
 */
const REAL_WORLD_FEED = [
  'BEGIN:VCALENDAR',
  'PRODID:-//Airbnb Inc//Hosting Calendar 1.0//EN',
  'VERSION:2.0',
  'CALSCALE:GREGORIAN',
  'X-WR-CALNAME:Seaside Cottage\\, bay view',
  'X-WR-TIMEZONE:Europe/Lisbon',
  'BEGIN:VTIMEZONE',
  'TZID:Europe/Lisbon',
  'BEGIN:STANDARD',
  'DTSTART:19701025T020000',
  'TZOFFSETFROM:+0100',
  'TZOFFSETTO:+0000',
  'END:STANDARD',
  'END:VTIMEZONE',
  'BEGIN:VEVENT',
  'DTEND;VALUE=DATE:20270305',
  'DTSTART;VALUE=DATE:20270301',
  'UID:1418fb94e984-b1c6b6d37a3c8f26d7a9e0fc4c0d1a2b@airbnb.com',
  'DESCRIPTION:Reservation URL: https://www.airbnb.com/hosting/reservations/det',
  ' ails/HMABCDEFGH\\nPhone Number (Last 4 Digits): 1234',
  'SUMMARY:Reserved',
  'END:VEVENT',
  'BEGIN:VEVENT',
  'UID:stay-2@example.org',
  'DTSTAMP:20261101T090000Z',
  'DTSTART;TZID=Europe/Lisbon:20270310T150000',
  'DTEND;TZID=Europe/Lisbon:20270313T110000',
  'SUMMARY:Direct guest',
  'BEGIN:VALARM',
  'ACTION:DISPLAY',
  'DESCRIPTION:not the event description',
  'TRIGGER:-PT15M',
  'END:VALARM',
  'END:VEVENT',
  'BEGIN:VEVENT',
  'UID:owner-stay@example.org',
  'DTSTART;VALUE=DATE:20270320',
  'DURATION:P1W',
  'SUMMARY:Owner',
  'END:VEVENT',
  'BEGIN:VEVENT',
  'UID:cancelled@example.org',
  'DTSTART;VALUE=DATE:20270401',
  'DTEND;VALUE=DATE:20270403',
  'STATUS:CANCELLED',
  'END:VEVENT',
  'BEGIN:VTODO',
  'UID:todo@example.org',
  'DTSTART;VALUE=DATE:20270501',
  'SUMMARY:clean the gutters',
  'END:VTODO',
  'BEGIN:X-VENDOR-THING',
  'X-FOO:bar',
  'END:X-VENDOR-THING',
  'END:VCALENDAR',
  '',
].join('\r\n');

describe('parseCalendar on a real-world style feed', () => {
  const parsed = parseCalendar(REAL_WORLD_FEED);
  const byUid = (uid: string) => parsed.events.find((e) => e.uid === uid) as IcalEvent;

  it('reads the calendar header and only VEVENTs, ignoring VTIMEZONE, VTODO and X- components', () => {
    expect(parsed.prodId).toBe('-//Airbnb Inc//Hosting Calendar 1.0//EN');
    expect(parsed.name).toBe('Seaside Cottage, bay view');
    expect(parsed.events.map((e) => e.uid)).toEqual([
      '1418fb94e984-b1c6b6d37a3c8f26d7a9e0fc4c0d1a2b@airbnb.com',
      'stay-2@example.org',
      'owner-stay@example.org',
      'cancelled@example.org',
    ]);
    expect(parsed.skipped).toEqual([]);
  });

  it('unfolds and unescapes a folded description', () => {
    expect(byUid('1418fb94e984-b1c6b6d37a3c8f26d7a9e0fc4c0d1a2b@airbnb.com').description).toBe(
      'Reservation URL: https://www.airbnb.com/hosting/reservations/details/HMABCDEFGH\nPhone Number (Last 4 Digits): 1234',
    );
  });

  it('keeps a nested VALARM property out of its event', () => {
    expect(byUid('stay-2@example.org').description).toBeUndefined();
    expect(byUid('stay-2@example.org').summary).toBe('Direct guest');
  });

  it('turns all-day, TZID-timed and DURATION events into stays in the property zone', () => {
    expect(eventStay(byUid('1418fb94e984-b1c6b6d37a3c8f26d7a9e0fc4c0d1a2b@airbnb.com'), 'Europe/Lisbon')).toEqual({ checkIn: '2027-03-01', checkOut: '2027-03-05' });
    // Check-in 15:00 on the 10th, check-out 11:00 on the 13th: three nights.
    expect(eventStay(byUid('stay-2@example.org'), 'Europe/Lisbon')).toEqual({ checkIn: '2027-03-10', checkOut: '2027-03-13' });
    expect(eventStay(byUid('owner-stay@example.org'), 'Europe/Lisbon')).toEqual({ checkIn: '2027-03-20', checkOut: '2027-03-27' });
  });

  it('says which events block time: a cancelled one does not', () => {
    expect(parsed.events.filter(eventBlocks).map((e) => e.uid)).not.toContain('cancelled@example.org');
    expect(parsed.events.filter(eventBlocks)).toHaveLength(3);
  });
});

describe('eventStay', () => {
  const event = (lines: string[]) => parseCalendar(['BEGIN:VCALENDAR', 'BEGIN:VEVENT', 'UID:e', ...lines, 'END:VEVENT', 'END:VCALENDAR'].join('\n')).events[0] as IcalEvent;

  it.each([
    [['DTSTART;VALUE=DATE:20270301'], 'Europe/Berlin', '2027-03-01', '2027-03-02'],
    [['DTSTART:20270301'], 'Europe/Berlin', '2027-03-01', '2027-03-02'],
    [['DTSTART;VALUE=DATE:20270301', 'DTEND;VALUE=DATE:20270301'], 'Europe/Berlin', '2027-03-01', '2027-03-02'],
    [['DTSTART;VALUE=DATE:20270228', 'DURATION:P2D'], 'Europe/Berlin', '2027-02-28', '2027-03-02'],
    // UTC times read in the property's zone: 23:30 UTC on the 1st is the 2nd in Tokyo.
    [['DTSTART:20270301T233000Z', 'DTEND:20270304T010000Z'], 'Asia/Tokyo', '2027-03-02', '2027-03-04'],
    [['DTSTART:20270301T233000Z', 'DTEND:20270304T010000Z'], 'America/New_York', '2027-03-01', '2027-03-03'],
    // Floating time: the property's own wall clock.
    [['DTSTART:20270301T160000', 'DTEND:20270303T100000'], 'America/New_York', '2027-03-01', '2027-03-03'],
    // A TZID in another zone than the property's: 23:00 in New York is the next morning in Berlin.
    [['DTSTART;TZID=America/New_York:20270301T230000', 'DURATION:PT36H'], 'Europe/Berlin', '2027-03-02', '2027-03-03'],
    // A meeting of two hours still blocks its night.
    [['DTSTART;TZID=Europe/Berlin:20270301T100000', 'DTEND;TZID=Europe/Berlin:20270301T120000'], 'Europe/Berlin', '2027-03-01', '2027-03-02'],
    // Outlook-style TZID prefixes are resolved; an unknown Windows name is read as the property's zone.
    [['DTSTART;TZID=/mozilla.org/20050126_1/Asia/Tokyo:20270301T060000', 'DTEND;TZID=/mozilla.org/20050126_1/Asia/Tokyo:20270303T060000'], 'Europe/London', '2027-02-28', '2027-03-02'],
    [['DTSTART;TZID="W. Europe Standard Time":20270301T150000', 'DTEND;TZID="W. Europe Standard Time":20270303T100000'], 'Europe/Berlin', '2027-03-01', '2027-03-03'],
  ])('%j in %s → %s … %s', (lines, zone, checkIn, checkOut) => {
    expect(eventStay(event(lines), zone)).toEqual({ checkIn, checkOut });
  });
});

describe('parseCalendar leniency and strictness', () => {
  it('accepts bare LF, blank lines, lower-case names and unknown properties', () => {
    const parsed = parseCalendar('BEGIN:VCALENDAR\n\nversion:2.0\nX-UNKNOWN;X-P=1:whatever\nbegin:vevent\nuid:a\ndtstart;value=date:20270301\nend:vevent\nEND:VCALENDAR');
    expect(parsed.events).toHaveLength(1);
    expect(parsed.events[0]?.start).toEqual({ kind: 'date', date: '2027-03-01' });
  });

  it('skips an unreadable event, naming its UID, and reads the rest', () => {
    const parsed = parseCalendar(
      'BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:bad\r\nDTSTART;VALUE=DATE:20270231\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:nostart\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:good\r\nDTSTART;VALUE=DATE:20270301\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n',
    );
    expect(parsed.events.map((e) => e.uid)).toEqual(['good']);
    expect(parsed.skipped.map((s) => s.uid)).toEqual(['bad', 'nostart']);
    expect(parsed.skipped[0]?.reason).toMatch(/not a calendar date/);
  });

  it('derives a UID from the dates when the feed gives none, and warns', () => {
    const parsed = parseCalendar('BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20270301\nDTEND;VALUE=DATE:20270303\nEND:VEVENT\nEND:VCALENDAR');
    expect(parsed.events[0]).toMatchObject({ uid: 'no-uid:20270301/20270303', syntheticUid: true });
    expect(parsed.warnings).toHaveLength(1);
  });

  it('flags recurring events', () => {
    const parsed = parseCalendar('BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:r\nDTSTART;VALUE=DATE:20270301\nRRULE:FREQ=WEEKLY\nEND:VEVENT\nEND:VCALENDAR');
    expect(parsed.events[0]?.recurring).toBe(true);
  });

  it('reads several VCALENDAR objects in one stream', () => {
    const one = 'BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:a\nDTSTART;VALUE=DATE:20270301\nEND:VEVENT\nEND:VCALENDAR\n';
    expect(parseCalendar(one + one.replace('UID:a', 'UID:b')).events.map((e) => e.uid)).toEqual(['a', 'b']);
  });

  it.each([
    ['an HTML error page', '<!doctype html><html><body>Sign in</body></html>', /does not start with BEGIN:VCALENDAR/],
    ['an empty body', '', /does not start with BEGIN:VCALENDAR/],
    ['a truncated download', 'BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART;VALUE=DATE:20270301\r\n', /ends inside BEGIN:VCALENDAR > BEGIN:VEVENT/],
    ['mismatched END', 'BEGIN:VCALENDAR\nBEGIN:VEVENT\nEND:VTODO\nEND:VCALENDAR', /END:VTODO closes BEGIN:VEVENT/],
    ['a property outside the calendar', 'BEGIN:VCALENDAR\nEND:VCALENDAR\nUID:x', /outside VCALENDAR/],
  ])('refuses %s: reading it as "no events" would release blocks the channel still holds', (_name, text, message) => {
    expect(() => parseCalendar(text)).toThrow(IcalParseError);
    expect(() => parseCalendar(text)).toThrow(message);
  });
});

describe('values', () => {
  it.each([
    ['P2D', 2 * 86400],
    ['PT36H', 36 * 3600],
    ['P1W', 7 * 86400],
    ['-PT15M', -900],
    ['P1DT2H3M4S', 86400 + 7384],
  ])('duration %s', (text, seconds) => {
    expect(durationSeconds(parseIcalDuration(text))).toBe(seconds);
  });

  it.each(['P', 'PT', '2D', 'P1H', 'PxD'])('refuses duration %s', (text) => {
    expect(() => parseIcalDuration(text)).toThrow(IcalParseError);
  });

  it('reads DATE and DATE-TIME values and refuses impossible ones', () => {
    expect(parseIcalTime('20270301T150000Z', {})).toEqual({ kind: 'date-time', date: '2027-03-01', time: '15:00:00', utc: true });
    expect(parseIcalTime('20270301T150000', { TZID: 'Europe/Rome' })).toEqual({ kind: 'date-time', date: '2027-03-01', time: '15:00:00', utc: false, tzid: 'Europe/Rome' });
    expect(() => parseIcalTime('20270301T250000', {})).toThrow(IcalParseError);
    expect(() => parseIcalTime('20270301T150000', { VALUE: 'DATE' })).toThrow(IcalParseError);
  });

  it('converts wall-clock times across DST changes', () => {
    // Europe/Berlin switches to summer time at 02:00 on 2027-03-28.
    expect(new Date(zonedTimeToInstant('2027-03-28', '01:30:00', 'Europe/Berlin')).toISOString()).toBe('2027-03-28T00:30:00.000Z');
    expect(new Date(zonedTimeToInstant('2027-03-28', '03:30:00', 'Europe/Berlin')).toISOString()).toBe('2027-03-28T01:30:00.000Z');
    expect(new Date(zonedTimeToInstant('2027-07-01', '12:00:00', 'America/New_York')).toISOString()).toBe('2027-07-01T16:00:00.000Z');
  });

  it('resolves TZIDs', () => {
    expect(resolveTimeZone('Europe/Berlin')).toBe('Europe/Berlin');
    expect(resolveTimeZone('/mozilla.org/20050126_1/America/Argentina/Buenos_Aires')).toBe('America/Argentina/Buenos_Aires');
    expect(resolveTimeZone('W. Europe Standard Time')).toBeUndefined();
    expect(resolveTimeZone(undefined)).toBeUndefined();
  });
});
