import type { ChannelRateCell, ChannelView } from '../../core/channel-view';
import { addDays } from '../../core/dates';
import { eventStay, parseCalendar } from './parse-calendar';
import { blockedRanges, OWN_UID_SUFFIX, renderBlockedCalendar, renderCalendar, TIDEWATER_PRODID } from './render-calendar';

const rate = (roomType: string, ratePlan: string, date: string, stopSell: boolean): ChannelRateCell => ({
  roomType,
  ratePlan,
  date,
  amount: '100.00',
  minStay: null,
  maxStay: null,
  closedToArrival: false,
  closedToDeparture: false,
  stopSell,
});

function viewOf(available: Record<string, number>, stops: Array<[date: string, plan: string, stop: boolean]> = [], roomType = 'VILLA'): ChannelView {
  return {
    inventory: Object.entries(available).map(([date, a]) => ({ roomType, date, available: a })),
    rates: stops.map(([date, plan, stop]) => rate(roomType, plan, date, stop)),
  };
}

describe('blockedRanges', () => {
  it('merges consecutive unavailable nights into one range with an exclusive end', () => {
    const view = viewOf({ '2027-03-01': 0, '2027-03-02': 0, '2027-03-03': 1, '2027-03-04': 0, '2027-03-05': 2, '2027-03-06': 0 });
    expect(blockedRanges(view, 'VILLA')).toEqual([
      { from: '2027-03-01', to: '2027-03-03' },
      { from: '2027-03-04', to: '2027-03-05' },
      { from: '2027-03-06', to: '2027-03-07' },
    ]);
  });

  it('blocks a night only when every plan is stopped, and merges it with sold-out neighbours', () => {
    const view = viewOf({ '2027-03-01': 0, '2027-03-02': 3, '2027-03-03': 3 }, [
      ['2027-03-02', 'BAR', true],
      ['2027-03-02', 'NRF', true],
      ['2027-03-03', 'BAR', true],
      ['2027-03-03', 'NRF', false],
    ]);
    expect(blockedRanges(view, 'VILLA')).toEqual([{ from: '2027-03-01', to: '2027-03-03' }]);
  });

  it('ignores other room types, unordered input and month/year boundaries', () => {
    const view: ChannelView = {
      inventory: [
        { roomType: 'VILLA', date: '2028-01-01', available: 0 },
        { roomType: 'APT', date: '2027-12-30', available: 0 },
        { roomType: 'VILLA', date: '2027-12-31', available: 0 },
      ],
      rates: [],
    };
    expect(blockedRanges(view, 'VILLA')).toEqual([{ from: '2027-12-31', to: '2028-01-02' }]);
    expect(blockedRanges(view, 'NONE')).toEqual([]);
  });
});

describe('renderBlockedCalendar', () => {
  const now = new Date('2026-11-30T14:05:09.123Z');
  const input = {
    property: { code: 'AMS01', name: 'Canal House – grachtenpand met uitzicht op de Herengracht' },
    channelCode: 'airbnb',
    channelRoomCode: 'listing/12345',
    roomType: 'VILLA',
    now,
    view: viewOf({ '2027-03-01': 0, '2027-03-02': 0, '2027-03-03': 4, '2027-03-10': 0 }),
  };
  const text = renderBlockedCalendar(input);
  const lines = text.split('\r\n');

  it('is valid RFC 5545 structure: CRLF everywhere, lines of at most 75 octets, one VCALENDAR with VERSION and PRODID', () => {
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    for (const line of lines) expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
    expect(lines[0]).toBe('BEGIN:VCALENDAR');
    expect(lines[lines.length - 2]).toBe('END:VCALENDAR');
    expect(lines).toContain('VERSION:2.0');
    expect(lines).toContain(`PRODID:${TIDEWATER_PRODID}`);
    // The long calendar name had to be folded.
    expect(lines.some((l) => l.startsWith(' '))).toBe(true);
  });

  it('renders each range as an all-day VEVENT with UID, DTSTAMP (UTC) and DATE values, DTEND exclusive', () => {
    const events = text.split('BEGIN:VEVENT').slice(1).map((e) => e.split('END:VEVENT')[0] as string);
    expect(events).toHaveLength(2);
    for (const e of events) {
      expect(e).toMatch(/\r\nUID:[^\r\n]+@tidewater\.blocked\r\n/);
      expect(e).toContain('\r\nDTSTAMP:20261130T140509Z\r\n');
      expect(e).toMatch(/\r\nDTSTART;VALUE=DATE:\d{8}\r\n/);
      expect(e).toMatch(/\r\nDTEND;VALUE=DATE:\d{8}\r\n/);
    }
    expect(events[0]).toContain('DTSTART;VALUE=DATE:20270301\r\nDTEND;VALUE=DATE:20270303');
    expect(events[1]).toContain('DTSTART;VALUE=DATE:20270310\r\nDTEND;VALUE=DATE:20270311');
  });

  it('reads back through parseCalendar as the same nights, with the name unescaped', () => {
    const parsed = parseCalendar(text);
    expect(parsed.name).toBe(`${input.property.name} – listing/12345`);
    expect(parsed.events.map((e) => eventStay(e, 'Europe/Amsterdam'))).toEqual([
      { checkIn: '2027-03-01', checkOut: '2027-03-03' },
      { checkIn: '2027-03-10', checkOut: '2027-03-11' },
    ]);
    expect(parsed.events.every((e) => e.uid.endsWith(OWN_UID_SUFFIX))).toBe(true);
  });

  it('keeps UIDs stable across renders and when a range grows at its end; codes cannot break the UID', () => {
    const later = renderBlockedCalendar({ ...input, now: new Date('2026-12-01T00:00:00Z'), view: viewOf({ '2027-03-01': 0, '2027-03-02': 0, '2027-03-03': 0 }) });
    const uids = (t: string) => parseCalendar(t).events.map((e) => e.uid);
    expect(uids(later)[0]).toBe(uids(text)[0]);
    expect(uids(text)[0]).toBe('20270301-listing%2F12345-airbnb-AMS01@tidewater.blocked');
    const odd = renderBlockedCalendar({ ...input, channelRoomCode: 'a,b;c@d' });
    expect(uids(odd)[0]).toBe('20270301-a%2Cb%3Bc%40d-airbnb-AMS01@tidewater.blocked');
  });

  it('renders an empty but valid calendar when nothing is blocked', () => {
    const empty = renderBlockedCalendar({ ...input, view: viewOf({ '2027-03-01': 1 }) });
    expect(empty).not.toContain('BEGIN:VEVENT');
    expect(parseCalendar(empty).events).toEqual([]);
  });

  it('renders a year of alternate nights as 183 events', () => {
    const available: Record<string, number> = {};
    for (let i = 0; i < 366; i++) available[addDays('2027-01-01', i)] = i % 2;
    expect(parseCalendar(renderBlockedCalendar({ ...input, view: viewOf(available) })).events).toHaveLength(183);
  });
});

describe('renderCalendar', () => {
  it('renders timed events with a TZID and escapes text', () => {
    const text = renderCalendar({
      prodId: '-//Test//EN',
      now: new Date('2027-01-01T00:00:00Z'),
      events: [{ uid: 'u1', start: { dateTime: '2027-03-01T15:00:00', tzid: 'Europe/Lisbon' }, end: { dateTime: '2027-03-04T11:00:00', tzid: 'Europe/Lisbon' }, summary: 'Reserved; guest, 2 adults' }],
    });
    expect(text).toContain('DTSTART;TZID=Europe/Lisbon:20270301T150000\r\n');
    expect(text).toContain('SUMMARY:Reserved\\; guest\\, 2 adults\r\n');
    const event = parseCalendar(text).events[0];
    expect(event?.summary).toBe('Reserved; guest, 2 adults');
    expect(event && eventStay(event, 'Europe/Lisbon')).toEqual({ checkIn: '2027-03-01', checkOut: '2027-03-04' });
  });
});
