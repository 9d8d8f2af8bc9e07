import { randomUUID } from 'node:crypto';
import { createLogger, silentLogger } from '../../config/logger';
import { addDays } from '../../core/dates';
import type { PropertyDocument } from '../../core/property-document';
import { createAlpineBitsChannel, type AlpineBitsSampleChannel } from '../../fixtures/channels/alpinebits-channel';
import { listen } from '../../fixtures/channels/sample-channel';
import { ALPINEBITS_ACTIONS } from '../../mappers/alpinebits/handshake';
import { startDistribution, type Distribution } from '../../queues/distributor';
import { applyAriBatch } from '../../services/ari-service';
import { channelDrift, waitFor } from '../helpers/convergence';
import { seedProperty } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const FROM = '2027-05-01';
const TO = addDays(FROM, 29);

/** Issue 4, alpinebits: the ledger reaches a sample AlpineBits server through the outbox, BullMQ and the connector. */
describe('distribution to an AlpineBits server (Inventory + FreeRooms + RatePlans)', () => {
  let t: TestDatabase;
  let good: AlpineBitsSampleChannel;
  let bad: AlpineBitsSampleChannel;
  let closers: Array<() => Promise<void>> = [];
  let goodEndpoint: string;
  let distribution: Distribution;

  const property = (code: string, endpoint: string, roomTypes: Record<string, string>): PropertyDocument => ({
    code,
    name: 'Frangart Inn',
    timezone: 'Europe/Rome',
    currency: 'EUR',
    roomTypes: [
      { code: 'DBL', rooms: 20, maxOccupancy: 2 },
      { code: 'SGL', rooms: 8, maxOccupancy: 1 },
      { code: 'APT', rooms: 3, maxOccupancy: 4 },
    ],
    ratePlans: [
      { code: 'BAR', roomTypes: ['DBL', 'SGL', 'APT'] },
      { code: 'NRF', derivedFrom: 'BAR', adjust: { percent: -10 } },
    ],
    channels: [
      {
        code: 'alpine',
        type: 'alpinebits',
        endpoint,
        critical: false,
        hotelCode: '123',
        credentials: { username: 'frangart', password: 'secret' },
        // APT is not mapped: it must never be sent.
        roomTypes,
        ratePlans: { BAR: 'BAR-HB', NRF: 'NRF-HB' },
        buffer: { rooms: 1 },
        settings: { timeoutMs: 2000, attempts: 2, maxCellsPerMessage: 200 },
      },
    ],
  });

  beforeAll(async () => {
    t = await createTestDatabase({ poolMax: 10 });
    const server = { hotelCode: '123', username: 'frangart', password: 'secret', roomTypes: ['DOUBLE', 'SINGLE'], ratePlans: ['BAR-HB', 'NRF-HB'] };
    good = createAlpineBitsChannel({ ...server, seed: 11 });
    bad = createAlpineBitsChannel({ ...server, seed: 12 });
    const [goodServed, badServed] = await Promise.all([listen(good.app), listen(bad.app)]);
    closers = [goodServed!.close, badServed!.close];
    goodEndpoint = `${goodServed!.url}/alpinebits`;
    await seedProperty(t.db, property('ALP', goodEndpoint, { DBL: 'DOUBLE', SGL: 'SINGLE' }));
    // The hotel's extranet knows no room category "GHOST": the server answers ERROR:.
    await seedProperty(t.db, property('ALPX', `${badServed!.url}/alpinebits`, { DBL: 'GHOST' }));
    distribution = startDistribution({
      db: t.db,
      logger: process.env.TEST_LOG ? createLogger('debug') : silentLogger,
      redisUrl: REDIS_URL,
      queuePrefix: `tw-test-${randomUUID()}`,
      listenUrl: t.url,
      pollMs: 100,
      sweepMs: 500,
    });
  });
  afterAll(async () => {
    await distribution.stop();
    await Promise.all(closers.map((c) => c()));
    await t.drop();
  });

  it('a PMS push converges: FreeRooms after the buffer, RatePlans with prices and restrictions, in the channel codes', async () => {
    await applyAriBatch(t.db, 'ALP', {
      updates: [
        { roomType: 'DBL', from: FROM, to: TO, available: 15 },
        { roomType: 'SGL', from: FROM, to: TO, available: 1 },
        { roomType: 'APT', from: FROM, to: TO, available: 3 },
        { roomType: 'DBL', ratePlan: 'BAR', from: FROM, to: TO, rate: '140.00', minStay: 2, maxStay: 14 },
        { roomType: 'DBL', ratePlan: 'BAR', from: FROM, to: TO, days: ['fri', 'sat'], rate: '180.00', closedToArrival: true },
        { roomType: 'SGL', ratePlan: 'BAR', from: FROM, to: TO, rate: '95.50' },
        { roomType: 'SGL', ratePlan: 'BAR', from: '2027-05-10', to: '2027-05-12', stopSell: true },
        { roomType: 'APT', ratePlan: 'BAR', from: FROM, to: TO, rate: '300.00' },
      ],
    });
    const drift = await waitFor(() => channelDrift(t.db, 'ALP', 'alpine', good, FROM, TO), (d) => d.length === 0, 30_000, 200);
    expect(drift).toEqual([]);
    expect(good.store.inventory.get(`DOUBLE|${FROM}`)?.available).toBe(14);
    expect(good.store.inventory.get(`SINGLE|${FROM}`)?.available).toBe(0);
    // The derived plan travels as its own AlpineBits rate plan, with the parent's restrictions.
    expect(good.store.rates.get('DOUBLE|NRF-HB|2027-05-07')).toMatchObject({ rate: '162.00', minStay: 2, maxStay: 14, closedToArrival: true });
    expect(good.store.rates.get('SINGLE|BAR-HB|2027-05-11')).toMatchObject({ rate: '95.50', stopSell: true });
    expect([...good.store.inventory.keys(), ...good.store.rates.keys()].some((k) => k.startsWith('APT'))).toBe(false);
    // Runs of equal nights travel as one element: a month of 2 rooms × 2 plans in a handful of requests.
    expect(good.store.messages).toBeLessThanOrEqual(12);
    // The room categories went first, once, in the server's codes with the property's physical rooms; APT is not mapped.
    expect(good.inventory).toEqual({
      hotelCode: '123',
      messages: 1,
      categories: [
        { code: 'DOUBLE', name: 'DBL', minOccupancy: 1, maxOccupancy: 2, standardOccupancy: 2, rooms: 20 },
        { code: 'SINGLE', name: 'SGL', minOccupancy: 1, maxOccupancy: 1, standardOccupancy: 1, rooms: 8 },
      ],
    });
    expect(good.actions.indexOf(ALPINEBITS_ACTIONS.inventory)).toBeLessThan(good.actions.indexOf(ALPINEBITS_ACTIONS.freeRooms));
  });

  it('later changes overlay only what changed, and a lifted restriction is cleared on the server', async () => {
    const before = good.store.messages;
    await applyAriBatch(t.db, 'ALP', {
      updates: [
        { roomType: 'DBL', from: '2027-05-20', to: '2027-05-21', available: 2 },
        { roomType: 'SGL', ratePlan: 'BAR', from: '2027-05-10', to: '2027-05-12', stopSell: false, rate: '99.00' },
        { roomType: 'DBL', ratePlan: 'BAR', from: '2027-05-14', to: '2027-05-15', minStay: null, closedToArrival: false },
      ],
    });
    const drift = await waitFor(() => channelDrift(t.db, 'ALP', 'alpine', good, FROM, TO), (d) => d.length === 0, 30_000, 200);
    expect(drift).toEqual([]);
    expect(good.store.inventory.get('DOUBLE|2027-05-20')?.available).toBe(1);
    expect(good.store.rates.get('SINGLE|BAR-HB|2027-05-11')).toMatchObject({ rate: '99.00', stopSell: false });
    expect(good.store.rates.get('DOUBLE|BAR-HB|2027-05-14')).toMatchObject({ minStay: null, closedToArrival: false });
    expect(good.store.messages - before).toBeLessThanOrEqual(4);
    expect(good.inventory.messages).toBe(1);
  });

  it('a room type change sends the room categories again', async () => {
    const doc = property('ALP', goodEndpoint, { DBL: 'DOUBLE', SGL: 'SINGLE' });
    await seedProperty(t.db, { ...doc, roomTypes: doc.roomTypes.map((r) => (r.code === 'DBL' ? { ...r, name: 'Double room', rooms: 21 } : r)) });
    await waitFor(async () => good.inventory, (i) => i.messages === 2, 30_000, 200);
    expect(good.inventory.categories.find((c) => c.code === 'DOUBLE')).toMatchObject({ name: 'Double room', rooms: 21 });
  });

  it('an ERROR: answer (unknown room category) is dead-lettered with the partner text and not retried', async () => {
    await applyAriBatch(t.db, 'ALPX', { updates: [{ roomType: 'DBL', from: FROM, to: TO, available: 5 }] });
    const deadLetters = () =>
      t.db('dead_letters')
        .join('channels', 'channels.id', 'dead_letters.channel_id')
        .join('properties', 'properties.id', 'channels.property_id')
        .where('properties.code', 'ALPX')
        .select<Array<{ reason: string }>>('dead_letters.reason');
    // The channel's first sync (the property's default counts) is refused too: one dead letter per
    // refused request. Wait until the channel has gone quiet, i.e. everything dirty was tried.
    await waitFor(deadLetters, (r) => r.length > 0, 30_000, 200);
    for (let last = -1, deadline = Date.now() + 30_000; bad.stats.requests !== last && Date.now() < deadline; ) {
      last = bad.stats.requests;
      await new Promise((r) => setTimeout(r, 2000));
    }
    const rows = await deadLetters();
    for (const row of rows) expect(row.reason).toMatch(/ERROR:unknown room category \(InvTypeCode\) GHOST/);
    // Exactly one request per dead letter (plus the one handshake and the room categories, which
    // this server takes with a Warning for GHOST): nothing was retried ...
    expect(bad.inventory.categories.map((c) => c.code)).toEqual(['GHOST']);
    expect(bad.stats.requests).toBe(rows.length + 2);
    // ... and nothing is sent later either.
    const requests = bad.stats.requests;
    await new Promise((r) => setTimeout(r, 2500));
    expect(bad.stats.requests).toBe(requests);
    expect(await deadLetters()).toHaveLength(rows.length);
    expect(bad.store.inventory.size).toBe(0);
  });
});
