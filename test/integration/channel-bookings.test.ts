import { silentLogger } from '../../config/logger';
import { addDays } from '../../core/dates';
import { checkSoldInvariant } from '../../db/invariants-repo';
import { applyAriBatch } from '../../services/ari-service';
import { ingestChannelBooking, type ChannelBookingInput } from '../../services/booking-service';
import request from 'supertest';
import { seedProperty, testApp } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

const ROOMS = ['DBL', 'TWN', 'STE'] as const;
const FROM = '2027-09-01';

describe('bookings from channels', () => {
  let t: TestDatabase;
  const deps = () => ({ db: t.db, logger: silentLogger });
  const ingest = (input: ChannelBookingInput) => ingestChannelBooking(deps(), 'BOOK', input);
  const cell = async (roomType: string, date: string) =>
    t.db('inventory_cells as c')
      .join('room_types as rt', 'rt.id', 'c.room_type_id')
      .where({ 'rt.code': roomType, 'c.stay_date': date })
      .first<{ sold: number; overbooked: number; available: number } | undefined>('c.sold', 'c.overbooked', 'c.available');

  beforeAll(async () => {
    t = await createTestDatabase({ poolMax: 30 });
    await seedProperty(t.db, {
      code: 'BOOK',
      name: 'Booking Hotel',
      timezone: 'Europe/Madrid',
      currency: 'EUR',
      roomTypes: [
        { code: 'DBL', rooms: 12 },
        { code: 'TWN', rooms: 8 },
        { code: 'STE', rooms: 3 },
      ],
      ratePlans: [{ code: 'BAR' }],
      channels: ['otax', 'booker', 'gdsx', 'web'].map((code) => ({ code, type: 'ota-xml' as const, roomTypes: { DBL: 'D', TWN: 'T', STE: 'S' }, ratePlans: { BAR: 'B' } })),
    });
  });
  afterAll(() => t.drop());

  it('is idempotent, ordered by revision, and keeps a cancellation that arrives first', async () => {
    const base: ChannelBookingInput = {
      channelCode: 'otax',
      channelBookingId: 'R-1',
      revision: '2027-01-01T10:00:00Z',
      status: 'new',
      roomStays: [{ roomType: 'DBL', checkIn: '2027-08-01', checkOut: '2027-08-04', rooms: 2 }],
      total: { amount: '600.00', currency: 'EUR' },
      guest: { firstName: 'Grace', lastName: 'Hopper', email: 'grace@example.org' },
    };
    expect((await ingest(base)).outcome).toBe('created');
    expect((await ingest(base)).outcome).toBe('duplicate');
    expect((await cell('DBL', '2027-08-02'))?.sold).toBe(2);

    const modified = { ...base, status: 'modified' as const, revision: '2027-01-02T10:00:00Z', roomStays: [{ roomType: 'TWN', checkIn: '2027-08-03', checkOut: '2027-08-05', rooms: 1 }] };
    expect((await ingest(modified)).outcome).toBe('modified');
    expect((await cell('DBL', '2027-08-02'))?.sold).toBe(0);
    expect((await cell('TWN', '2027-08-04'))?.sold).toBe(1);
    // The original message arriving late changes nothing.
    expect((await ingest(base)).outcome).toBe('stale');
    expect((await cell('DBL', '2027-08-02'))?.sold).toBe(0);

    // A cancellation for a booking we have never seen is kept, and wins over the older booking.
    const cancel: ChannelBookingInput = { channelCode: 'booker', channelBookingId: 'B-9', revision: '5', status: 'cancelled', roomStays: [] };
    expect((await ingest(cancel)).outcome).toBe('cancel-stored');
    expect((await ingest({ ...cancel, status: 'new', revision: '3', roomStays: [{ roomType: 'STE', checkIn: '2027-08-01', checkOut: '2027-08-02', rooms: 1 }] })).outcome).toBe('stale');
    expect((await cell('STE', '2027-08-01'))?.sold ?? 0).toBe(0);
    expect(await checkSoldInvariant(t.db)).toEqual([]);
  });

  it('accepts an OTA booking for a sold-out night, records one overbooking incident, and never goes negative', async () => {
    await applyAriBatch(t.db, 'BOOK', { updates: [{ roomType: 'STE', from: '2027-08-10', to: '2027-08-10', total: 1 }] });
    await ingest({ channelCode: 'web', channelBookingId: 'W-1', revision: '1', status: 'new', roomStays: [{ roomType: 'STE', checkIn: '2027-08-10', checkOut: '2027-08-11', rooms: 1 }] });
    const result = await ingest({ channelCode: 'otax', channelBookingId: 'O-77', revision: '1', status: 'new', roomStays: [{ roomType: 'STE', checkIn: '2027-08-10', checkOut: '2027-08-11', rooms: 1 }] });
    expect(result.outcome).toBe('created');
    expect(result.overbooked).toEqual([{ roomType: 'STE', date: '2027-08-10', requested: 1, available: 0 }]);
    expect(await cell('STE', '2027-08-10')).toMatchObject({ sold: 1, overbooked: 1, available: 0 });
    const incidents = await t.db('incidents').where({ kind: 'overbooking', status: 'open' });
    expect(incidents).toHaveLength(1);
    expect(incidents[0].details).toMatchObject({ channelBookingId: 'O-77', nights: [{ roomType: 'STE', date: '2027-08-10', by: 1 }] });
    const metrics = await request(testApp(t.db)).get('/metrics');
    expect(metrics.text).toMatch(/^overbooking_incidents_total 1$/m);
    // The PMS adds a room: the overbooking is absorbed, not resold.
    await applyAriBatch(t.db, 'BOOK', { updates: [{ roomType: 'STE', from: '2027-08-10', to: '2027-08-10', total: 2 }] });
    expect(await cell('STE', '2027-08-10')).toMatchObject({ sold: 2, overbooked: 0, available: 0 });
    expect(await checkSoldInvariant(t.db)).toEqual([]);
  });

  it('2,000 random bookings, modifications and cancellations from 4 channels, each delivered 1-3 times in random order: sold equals the bookings exactly', async () => {
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const channels = ['otax', 'booker', 'gdsx', 'web'];
    const messages: ChannelBookingInput[] = [];
    const bookings = 1000;
    for (let b = 0; b < bookings; b++) {
      const channelCode = channels[b % 4] as string;
      const stay = () => {
        const checkIn = addDays(FROM, rnd(20));
        return [{ roomType: ROOMS[rnd(3)] as string, checkIn, checkOut: addDays(checkIn, 1 + rnd(4)), rooms: 1 + rnd(2) }];
      };
      messages.push({ channelCode, channelBookingId: `X-${b}`, revision: '1', status: 'new', roomStays: stay() });
      if (b % 3 === 0) messages.push({ channelCode, channelBookingId: `X-${b}`, revision: '2', status: 'modified', roomStays: stay() });
      if (b % 2 === 0) messages.push({ channelCode, channelBookingId: `X-${b}`, revision: '3', status: 'cancelled', roomStays: [] });
    }
    // Each message 1-3 times, all shuffled.
    const deliveries = messages.flatMap((m) => Array.from({ length: 1 + rnd(3) }, () => m));
    for (let i = deliveries.length - 1; i > 0; i--) {
      const j = rnd(i + 1);
      [deliveries[i], deliveries[j]] = [deliveries[j] as ChannelBookingInput, deliveries[i] as ChannelBookingInput];
    }
    expect(messages.length).toBeGreaterThanOrEqual(1800);
    const failures: string[] = [];
    for (let i = 0; i < deliveries.length; i += 25) {
      const settled = await Promise.allSettled(deliveries.slice(i, i + 25).map((m) => ingest(m)));
      for (const s of settled) if (s.status === 'rejected') failures.push((s.reason as Error).message);
    }
    expect(failures).toEqual([]);
    expect(await checkSoldInvariant(t.db)).toEqual([]);
    // Every booking ended in the state of its newest revision.
    const rows = await t.db('reservations').where('external_ref', 'like', 'X-%').select<{ external_ref: string; status: string; revision: string }[]>('external_ref', 'status', 'revision');
    for (const r of rows) {
      const b = Number(r.external_ref.slice(2));
      const last = b % 2 === 0 ? '3' : b % 3 === 0 ? '2' : '1';
      expect([r.external_ref, r.revision, r.status]).toEqual([r.external_ref, last, last === '3' ? 'cancelled' : 'confirmed']);
    }
  }, 300_000);
});
