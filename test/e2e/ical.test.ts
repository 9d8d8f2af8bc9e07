import request from 'supertest';
import type { Express } from 'express';
import { silentLogger } from '../../config/logger';
import { addDays, eachDate, todayIn, type IsoDate } from '../../core/dates';
import type { PropertyDocument } from '../../core/property-document';
import type { ChannelConfig } from '../../core/property';
import { feedPath, feedToken } from '../../connectors/ical/ical-feed';
import { importIcalCalendar, startIcalPolling, type IcalImportResult } from '../../connectors/ical/ical-import';
import { readLedgerView } from '../../db/ledger-view-repo';
import type { StoredProperty } from '../../db/properties-repo';
import { createIcalChannel, type IcalSampleChannel } from '../../fixtures/channels/ical-channel';
import { listen } from '../../fixtures/channels/sample-channel';
import { eventStay, parseCalendar } from '../../mappers/ical';
import { startDistribution, type Distribution } from '../../queues/distributor';
import { applyAriBatch } from '../../services/ari-service';
import { requireProperty } from '../../services/property-service';
import { releaseStay, reserveStay } from '../../services/reservation-service';
import { waitFor } from '../helpers/convergence';
import { ledgerFingerprint, seedProperty, testApp } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

const TZ = 'America/New_York';
const PROPERTY = 'RENT';
// Nights relative to today in the property's zone: the feed starts today and ARI refuses the past.
const TODAY = todayIn(TZ);
const D = (n: number): IsoDate => addDays(TODAY, 10 + n);

describe('ical channel: exported feed, calendar import, conflicts', () => {
  let t: TestDatabase;
  let sample: IcalSampleChannel;
  let app: Express;
  let apiUrl: string;
  let closers: Array<() => Promise<void>>;
  let distribution: Distribution;

  beforeAll(async () => {
    t = await createTestDatabase({ poolMax: 10 });
    sample = createIcalChannel({ timeZone: TZ });
    const served = await listen(sample.app);
    app = testApp(t.db);
    const api = await listen(app);
    apiUrl = api.url;
    closers = [served.close, api.close];
    const doc: PropertyDocument = {
      code: PROPERTY,
      name: 'Seaside Rentals – Cottages & Apartments on the Boardwalk',
      timezone: TZ,
      currency: 'USD',
      roomTypes: [
        { code: 'VILLA', rooms: 1 },
        { code: 'APT', rooms: 3 },
        { code: 'STU', rooms: 2 },
      ],
      ratePlans: [
        { code: 'BAR', roomTypes: ['VILLA', 'APT', 'STU'] },
        { code: 'WEEK', roomTypes: ['VILLA', 'APT'] },
      ],
      channels: [
        {
          code: 'airbnb',
          type: 'ical',
          endpoint: `${served.url}/calendar`,
          credentials: { feedSecret: 'airbnb-feed-secret' },
          // STU is not mapped: no feed for it, nothing imported into it.
          roomTypes: { VILLA: 'villa-101', APT: 'apt-202' },
          settings: { timeoutMs: 2000, attempts: 1 },
        },
        {
          // No endpoint and no importUrls: export-only. A buffer of one room.
          code: 'vrbo',
          type: 'ical',
          credentials: { feedSecret: 'vrbo-feed-secret' },
          roomTypes: { APT: 'vrbo-apt' },
          buffer: { rooms: 1 },
        },
        { code: 'nofeed', type: 'ical', roomTypes: { APT: 'apt' } },
      ],
    };
    await seedProperty(t.db, doc);
    // Imports are driven by the tests themselves (importIcalCalendar), not by the background poller.
    distribution = startDistribution({ db: t.db, logger: silentLogger, pollMs: 100, sweepMs: 500, icalPolling: false });
  });

  afterAll(async () => {
    await distribution.stop();
    for (const close of closers) await close();
    await t.drop();
  });

  const stored = (): Promise<StoredProperty> => requireProperty(t.db, PROPERTY);
  const channelOf = (s: StoredProperty, code: string) => s.property.channels.find((c) => c.code === code) as ChannelConfig;
  const importAirbnb = async (): Promise<IcalImportResult> => {
    const s = await stored();
    return importIcalCalendar({ db: t.db, logger: silentLogger }, s, channelOf(s, 'airbnb'));
  };
  const path = (channel: string, room: string, secret: string) => feedPath(secret, PROPERTY, channel, room);
  const feedRanges = (text: string) => parseCalendar(text).events.map((e) => eventStay(e, TZ));
  const available = async (roomType: string, from: IsoDate, to: IsoDate) => {
    const days = await readLedgerView(t.db, await stored(), { from, to, roomType });
    return Object.fromEntries(days.map((d) => [d.date, d.roomTypes[0]?.available]));
  };
  const activeBlocks = async () =>
    t.db('reservations').where({ source: 'ical:airbnb' }).whereNot({ status: 'cancelled' }).orderBy('external_ref').pluck<string[]>('external_ref');
  const incidents = async () => t.db('incidents').where({ kind: 'ical-conflict' }).orderBy('id').select<Array<{ id: number; status: string; details: Record<string, unknown>; resolved_at: Date | null }>>('id', 'status', 'details', 'resolved_at');

  describe('(a) export', () => {
    beforeAll(async () => {
      await applyAriBatch(t.db, PROPERTY, {
        updates: [
          { roomType: 'APT', from: D(0), to: D(2), available: 0 },
          { roomType: 'APT', from: D(4), to: D(5), available: 0 },
          // One room left: open on airbnb, closed on vrbo (buffer 1).
          { roomType: 'APT', from: D(6), to: D(6), available: 1 },
          // Stop-sell on one plan leaves the night sellable; on every plan it blocks it.
          { roomType: 'APT', ratePlan: 'BAR', from: D(8), to: D(8), stopSell: true },
          { roomType: 'APT', from: D(9), to: D(9), stopSell: true },
        ],
      });
    });

    it('lists exactly the sold-out and stop-sell nights of the channel view, merged into ranges, buffers applied', async () => {
      const airbnb = await request(app).get(path('airbnb', 'apt-202', 'airbnb-feed-secret'));
      expect(airbnb.status).toBe(200);
      expect(airbnb.headers['content-type']).toMatch(/^text\/calendar; charset=utf-8/);
      expect(feedRanges(airbnb.text)).toEqual([
        { checkIn: D(0), checkOut: D(3) },
        { checkIn: D(4), checkOut: D(6) },
        { checkIn: D(9), checkOut: D(10) },
      ]);
      const vrbo = await request(app).get(path('vrbo', 'vrbo-apt', 'vrbo-feed-secret'));
      expect(feedRanges(vrbo.text)).toEqual([
        { checkIn: D(0), checkOut: D(3) },
        { checkIn: D(4), checkOut: D(7) },
        { checkIn: D(9), checkOut: D(10) },
      ]);
      const villa = await request(app).get(path('airbnb', 'villa-101', 'airbnb-feed-secret'));
      expect(feedRanges(villa.text)).toEqual([]);
    });

    it('is valid RFC 5545: CRLF lines of at most 75 octets, balanced components, required properties, unique stable UIDs', async () => {
      const first = await request(app).get(path('airbnb', 'apt-202', 'airbnb-feed-secret'));
      const text = first.text;
      expect(text.endsWith('\r\n')).toBe(true);
      expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
      const lines = text.slice(0, -2).split('\r\n');
      for (const line of lines) expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
      // The long property name made the calendar name fold.
      expect(lines.some((l) => l.startsWith(' '))).toBe(true);
      expect(lines[0]).toBe('BEGIN:VCALENDAR');
      expect(lines[lines.length - 1]).toBe('END:VCALENDAR');
      expect(lines).toContain('VERSION:2.0');
      expect(lines.some((l) => l.startsWith('PRODID:'))).toBe(true);
      const depth: string[] = [];
      for (const line of lines) {
        if (line.startsWith('BEGIN:')) depth.push(line.slice(6));
        if (line.startsWith('END:')) expect(depth.pop()).toBe(line.slice(4));
      }
      expect(depth).toEqual([]);
      const events = text.split('BEGIN:VEVENT\r\n').slice(1).map((e) => e.split('END:VEVENT')[0] as string);
      expect(events).toHaveLength(3);
      for (const e of events) {
        expect(e).toMatch(/^UID:\S+/m);
        expect(e).toMatch(/^DTSTAMP:\d{8}T\d{6}Z\r$/m);
        expect(e).toMatch(/^DTSTART;VALUE=DATE:\d{8}\r$/m);
        expect(e).toMatch(/^DTEND;VALUE=DATE:\d{8}\r$/m);
      }
      const uids = parseCalendar(text).events.map((e) => e.uid);
      expect(new Set(uids).size).toBe(3);
      const again = await request(app).get(path('airbnb', 'apt-202', 'airbnb-feed-secret'));
      expect(parseCalendar(again.text).events.map((e) => e.uid)).toEqual(uids);
    });

    it('answers 404 without an API key for a wrong token, another room’s or channel’s token, unknown codes and a channel without feedSecret', async () => {
      const good = feedToken('airbnb-feed-secret', PROPERTY, 'airbnb', 'apt-202');
      const bad = [
        `/ical/${PROPERTY}/airbnb/apt-202.ics?token=${good.slice(0, -2)}xx`,
        `/ical/${PROPERTY}/airbnb/apt-202.ics`,
        `/ical/${PROPERTY}/airbnb/villa-101.ics?token=${good}`,
        `/ical/${PROPERTY}/vrbo/vrbo-apt.ics?token=${feedToken('airbnb-feed-secret', PROPERTY, 'vrbo', 'vrbo-apt')}`,
        `/ical/${PROPERTY}/airbnb/apt-202?token=${good}`,
        `/ical/${PROPERTY}/airbnb/nope.ics?token=${feedToken('airbnb-feed-secret', PROPERTY, 'airbnb', 'nope')}`,
        `/ical/NOPE/airbnb/apt-202.ics?token=${feedToken('airbnb-feed-secret', 'NOPE', 'airbnb', 'apt-202')}`,
        `/ical/${PROPERTY}/nofeed/apt.ics?token=${feedToken('', PROPERTY, 'nofeed', 'apt')}`,
      ];
      for (const url of bad) {
        const res = await request(app).get(url);
        expect([url, res.status]).toEqual([url, 404]);
        expect(res.text).not.toContain('BEGIN:VCALENDAR');
      }
    });

    it('is what the channel imports when it fetches the URL, and follows bookings', async () => {
      const url = (room: string) => apiUrl + path('airbnb', room, 'airbnb-feed-secret');
      expect(await sample.pullFeed('apt-202', url('apt-202'))).toEqual([...eachDate(D(0), D(2)), D(4), D(5), D(9)]);
      await reserveStay(t.db, PROPERTY, { source: 'test', stays: [{ roomType: 'VILLA', checkIn: D(1), checkOut: D(3), rooms: 1 }] });
      expect(await sample.pullFeed('villa-101', url('villa-101'))).toEqual([D(1), D(2)]);
    });

    it('the distribution records the ical view as delivered without sending anything', async () => {
      const s = await stored();
      const channelId = s.channelIds.get('airbnb') as number;
      const aptId = s.roomTypeIds.get('APT') as number;
      const recorded = await waitFor(
        async () => {
          const rows = await t.db('channel_inventory_state').where({ channel_id: channelId, room_type_id: aptId }).whereBetween('stay_date', [D(0), D(9)]).orderBy('stay_date').select<{ stay_date: string; available: number }[]>('stay_date', 'available');
          return rows.map((r) => `${r.stay_date}:${r.available}`);
        },
        (rows) => rows.length === 10 && rows.includes(`${D(6)}:1`),
      );
      // The whole dirty span is recorded with the channel's view: what the feed shows.
      expect(recorded).toEqual([0, 0, 0, 3, 0, 0, 1, 3, 3, 3].map((a, i) => `${D(i)}:${a}`));
      const rates = await t.db('channel_rate_state').where({ channel_id: channelId, room_type_id: aptId, stay_date: D(9) }).pluck<boolean[]>('stop_sell');
      // The channel maps no rate plans: there is no rate view to record (the feed still honours stop-sell).
      expect(rates).toEqual([]);
      expect(await t.db('delivery_log').where({ channel_id: channelId }).count<{ count: number }[]>('* as count')).toEqual([{ count: 0 }]);
      expect(await t.db('dead_letters').count<{ count: number }[]>('* as count')).toEqual([{ count: 0 }]);
      // The sample platform was never called by the sync: the only requests to it are calendar fetches.
      expect(sample.stats.requests).toBe(0);
    });
  });

  describe('(b) import', () => {
    it('turns each event into a block of one room per night, DTEND exclusive; TZID times in the property zone; our own echoed UIDs ignored', async () => {
      sample.setEvents('villa-101', [
        { uid: 'stay-1@sample', start: D(20), end: D(23) },
        { uid: 'stay-2@sample', start: D(30), end: D(31) },
      ]);
      sample.setEvents('apt-202', [
        // 16:00 → 10:00 in Paris is 10:00 → 04:00 in New York: the nights of D(40) and D(41).
        { uid: 'stay-3@sample', start: `${D(40)}T16:00:00`, end: `${D(42)}T10:00:00`, tzid: 'Europe/Paris' },
        { uid: `${D(50).replace(/-/g, '')}-apt-202-airbnb-RENT@tidewater.blocked`, start: D(50), end: D(51) },
      ]);
      const result = await importAirbnb();
      expect(result.rooms.map((r) => [r.channelRoomType, r.status, r.events])).toEqual([
        ['apt-202', 'imported', 2],
        ['villa-101', 'imported', 2],
      ]);
      expect(result.taken.sort()).toEqual(['stay-1@sample', 'stay-2@sample', 'stay-3@sample']);
      expect(result.conflicts).toEqual([]);
      expect(await activeBlocks()).toEqual(['stay-1@sample', 'stay-2@sample', 'stay-3@sample']);
      const villa = await available('VILLA', D(19), D(31));
      expect([D(19), D(20), D(21), D(22), D(23), D(29), D(30), D(31)].map((d) => villa[d])).toEqual([1, 0, 0, 0, 1, 1, 0, 1]);
      const apt = await available('APT', D(39), D(50));
      expect([apt[D(39)], apt[D(40)], apt[D(41)], apt[D(42)], apt[D(50)]]).toEqual([3, 2, 2, 3, 3]);
    });

    it('re-polling the same calendar changes nothing', async () => {
      const before = await ledgerFingerprint(t.db);
      const result = await importAirbnb();
      expect([result.taken, result.moved, result.released, result.unchanged]).toEqual([[], [], [], 3]);
      expect(await ledgerFingerprint(t.db)).toEqual(before);
    });

    it('a moved event moves its block in one step; a removed event releases it', async () => {
      sample.setEvents('villa-101', [{ uid: 'stay-1@sample', start: D(21), end: D(25) }]);
      const result = await importAirbnb();
      expect(result.moved).toEqual(['stay-1@sample']);
      expect(result.released).toEqual(['stay-2@sample']);
      const villa = await available('VILLA', D(20), D(30));
      expect([D(20), D(21), D(24), D(25), D(30)].map((d) => villa[d])).toEqual([1, 0, 0, 1, 1]);
      expect(await activeBlocks()).toEqual(['stay-1@sample', 'stay-3@sample']);
      // The superseded reservation keeps its history under a retired key.
      const history = await t.db('reservations').where({ source: 'ical:airbnb', status: 'cancelled' }).pluck<string[]>('external_ref');
      expect(history.sort()).toEqual([expect.stringMatching(/^stay-1@sample#[0-9a-f-]{36}$/), 'stay-2@sample']);
      const nights = await t.db('reservation_nights as n').join('reservations as r', 'r.id', 'n.reservation_id').where({ 'r.external_ref': 'stay-1@sample' }).orderBy('n.stay_date').pluck<string[]>('n.stay_date');
      expect(nights).toEqual(eachDate(D(21), D(24)));
    });

    it('a calendar that cannot be fetched changes nothing', async () => {
      const before = await ledgerFingerprint(t.db);
      sample.faults.failAll = true;
      try {
        const result = await importAirbnb();
        expect(result.rooms.map((r) => r.status)).toEqual(['failed', 'failed']);
        expect(result.released).toEqual([]);
      } finally {
        sample.faults.failAll = false;
      }
      expect(await ledgerFingerprint(t.db)).toEqual(before);
    });

    it('concurrent polls of one calendar take each block once (one importer per room at a time)', async () => {
      sample.setEvents('villa-101', [
        { uid: 'stay-1@sample', start: D(21), end: D(25) },
        { uid: 'race@sample', start: D(70), end: D(72) },
      ]);
      const results = await Promise.all(Array.from({ length: 4 }, () => importAirbnb()));
      expect(results.flatMap((r) => r.taken)).toEqual(['race@sample']);
      for (const r of results) for (const room of r.rooms) expect(['imported', 'busy']).toContain(room.status);
      expect(await t.db('reservations').where({ external_ref: 'race@sample' }).count<{ count: number }[]>('* as count')).toEqual([{ count: 1 }]);
      expect(Object.values(await available('VILLA', D(70), D(71)))).toEqual([0, 0]);
      sample.setEvents('villa-101', [{ uid: 'stay-1@sample', start: D(21), end: D(25) }]);
      expect((await importAirbnb()).released).toEqual(['race@sample']);
    });

    it('imported blocks show in the exported feed', async () => {
      const villa = await request(app).get(path('airbnb', 'villa-101', 'airbnb-feed-secret'));
      expect(feedRanges(villa.text)).toEqual([
        { checkIn: D(1), checkOut: D(3) },
        { checkIn: D(21), checkOut: D(25) },
      ]);
    });
  });

  describe('(c) conflicts', () => {
    const openIncidents = async () => (await incidents()).filter((i) => i.status === 'open');

    it('a block over sold-out nights takes nothing and opens exactly one ical-conflict incident', async () => {
      // VILLA (one room) is booked directly for D(1)…D(2) since (a).
      sample.setEvents('villa-101', [
        { uid: 'stay-1@sample', start: D(21), end: D(25) },
        { uid: 'clash@sample', start: D(2), end: D(4) },
      ]);
      const result = await importAirbnb();
      expect(result.incident).toBe('opened');
      expect(result.taken).toEqual([]);
      const open = await openIncidents();
      expect(open).toHaveLength(1);
      expect(open[0]?.details).toMatchObject({
        channel: 'airbnb',
        uid: 'clash@sample',
        roomType: 'VILLA',
        channelRoomType: 'villa-101',
        nights: [D(2), D(3)],
        shortNights: [{ date: D(2), available: 0 }],
        count: 1,
      });
      expect(await activeBlocks()).not.toContain('clash@sample');
      // Nothing taken, not even the night that had room.
      expect((await available('VILLA', D(3), D(3)))[D(3)]).toBe(1);

      const again = await importAirbnb();
      expect(again.incident).toBe('updated');
      expect(await openIncidents()).toHaveLength(1);
      expect(await incidents()).toHaveLength(1);
    });

    it('when the event is removed, the incident resolves', async () => {
      sample.setEvents('villa-101', [{ uid: 'stay-1@sample', start: D(21), end: D(25) }]);
      const result = await importAirbnb();
      expect(result.incident).toBe('resolved');
      const all = await incidents();
      expect(all.map((i) => i.status)).toEqual(['resolved']);
      expect(all[0]?.resolved_at).not.toBeNull();
      expect(await activeBlocks()).toEqual(['stay-1@sample', 'stay-3@sample']);
    });

    it('when rooms are freed, the block is taken and the incident resolves', async () => {
      sample.setEvents('villa-101', [
        { uid: 'stay-1@sample', start: D(21), end: D(25) },
        { uid: 'clash-2@sample', start: D(1), end: D(2) },
      ]);
      expect((await importAirbnb()).incident).toBe('opened');
      const booking = await t.db('reservations').where({ source: 'test' }).first<{ id: string }>('id');
      await releaseStay(t.db, PROPERTY, booking?.id as string);
      const result = await importAirbnb();
      expect(result.taken).toEqual(['clash-2@sample']);
      expect(result.incident).toBe('resolved');
      expect(await openIncidents()).toEqual([]);
      expect((await available('VILLA', D(1), D(2)))).toEqual({ [D(1)]: 0, [D(2)]: 1 });
    });

    it('a move onto sold-out nights keeps the old nights held until the conflict clears', async () => {
      sample.setEvents('villa-101', [
        { uid: 'stay-1@sample', start: D(1), end: D(3) },
        { uid: 'clash-2@sample', start: D(1), end: D(2) },
      ]);
      const result = await importAirbnb();
      expect(result.moved).toEqual([]);
      expect(result.conflicts).toMatchObject([{ uid: 'stay-1@sample', held: eachDate(D(21), D(24)), shortNights: [{ date: D(1), available: 0 }] }]);
      expect((await available('VILLA', D(21), D(21)))[D(21)]).toBe(0);
      sample.setEvents('villa-101', [
        { uid: 'stay-1@sample', start: D(21), end: D(25) },
        { uid: 'clash-2@sample', start: D(1), end: D(2) },
      ]);
      const back = await importAirbnb();
      expect([back.moved, back.unchanged, back.incident]).toEqual([[], 3, 'resolved']);
      expect(await openIncidents()).toEqual([]);
    });
  });

  it('the poller imports every ical channel on its own', async () => {
    sample.setEvents('apt-202', [
      { uid: 'stay-3@sample', start: `${D(40)}T16:00:00`, end: `${D(42)}T10:00:00`, tzid: 'Europe/Paris' },
      { uid: 'polled@sample', start: D(60), end: D(62) },
    ]);
    const poller = startIcalPolling({ db: t.db, logger: silentLogger, intervalMs: 100 });
    try {
      const blocks = await waitFor(activeBlocks, (b) => b.includes('polled@sample'), 10_000);
      expect(blocks).toContain('polled@sample');
      const results = await poller.pollNow();
      // Every active ical channel is visited; vrbo and nofeed have no calendar to fetch.
      expect(results.map((r) => [r.channel, r.rooms.map((x) => x.status)])).toEqual([
        ['airbnb', ['imported', 'imported']],
        ['vrbo', ['export-only']],
        ['nofeed', ['export-only']],
      ]);
      expect(results[0]?.taken).toEqual([]);
    } finally {
      await poller.stop();
    }
  });
});
