import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../../api/app';
import { relayOutboxBatch } from '../../db/sync-repo';
import { startDistribution, type Distribution } from '../../queues/distributor';
import { applyAriBatch } from '../../services/ari-service';
import { waitFor } from '../helpers/convergence';
import { distributionProperty, startSampleChannels, type SampleChannels } from '../helpers/channels';
import { keyFor, seedProperty } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

interface LogLine {
  msg: string;
  channel?: string;
  requestId?: string;
  correlationId?: string;
  correlationIds?: string[];
}

/**
 * Issue 8: the `x-request-id` of an inbound message reaches the log line of every channel delivery
 * it caused: outbox row → relay → the channel's dirty ranges → the delivery.
 */
describe('correlation id from inbound message to channel delivery', () => {
  let t: TestDatabase;
  let channels: SampleChannels & { urls?: string[] };
  let distribution: Distribution;
  let app: Express;
  let key: string;
  const lines: LogLine[] = [];

  beforeAll(async () => {
    t = await createTestDatabase({ poolMax: 10 });
    channels = await startSampleChannels();
    await seedProperty(t.db, distributionProperty('CORR', (channels as unknown as { urls: string[] }).urls));
    key = await keyFor(t.db, 'CORR', 'admin');
    let pending = '';
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        pending += chunk.toString();
        const complete = pending.split('\n');
        pending = complete.pop() ?? '';
        for (const line of complete) if (line) lines.push(JSON.parse(line) as LogLine);
        done();
      },
    });
    const logger = pino({ level: 'info' }, sink);
    app = createApp({ db: t.db, logger });
    // In-process delivery: the ids travel through Postgres, so Redis adds nothing to this path.
    distribution = startDistribution({ db: t.db, logger, listenUrl: t.url, pollMs: 100, sweepMs: 500, coalesceMs: 0 });
  });
  afterAll(async () => {
    await distribution.stop();
    await channels.close();
    await t.drop();
  });

  const deliveryTo = (channel: string, id: string) => () =>
    Promise.resolve(lines.find((l) => l.msg === 'delivered to channel' && l.channel === channel && l.correlationIds?.includes(id)));

  it('an ARI push with x-request-id abc-123 is named in the log line of its delivery to each channel', async () => {
    const res = await request(app)
      .post('/v1/properties/CORR/ari')
      .set('authorization', `Bearer ${key}`)
      .set('x-request-id', 'abc-123')
      .send({ updates: [{ roomType: 'DBL', from: '2027-04-01', to: '2027-04-03', available: 4 }] });
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toBe('abc-123');
    expect(await t.db('outbox').where({ correlation_id: 'abc-123' }).count<{ c: number }[]>({ c: '*' })).toEqual([{ c: 1 }]);

    const ota = await waitFor(deliveryTo('otax', 'abc-123'), (l) => l !== undefined, 20_000);
    expect(ota).toMatchObject({ msg: 'delivered to channel', channel: 'otax', correlationIds: ['abc-123'] });
    expect(await waitFor(deliveryTo('web', 'abc-123'), (l) => l !== undefined, 20_000)).toBeDefined();
    // The inbound request's own line carries the same id, so one search finds both ends.
    expect(lines.some((l) => l.msg === 'http' && l.requestId === 'abc-123')).toBe(true);
  });

  it('a direct booking carries its request id to the deliveries of the availability it took', async () => {
    await applyAriBatch(t.db, 'CORR', { updates: [{ roomType: 'DBL', ratePlan: 'BAR', from: '2027-05-01', to: '2027-05-10', rate: '120.00' }] });
    const res = await request(app)
      .post('/v1/properties/CORR/bookings')
      .set('authorization', `Bearer ${key}`)
      .set('idempotency-key', 'corr-booking-1')
      .set('x-request-id', 'book-7')
      .send({
        roomStays: [{ roomType: 'DBL', ratePlan: 'BAR', checkIn: '2027-05-02', checkOut: '2027-05-04', rooms: 1, adults: 2 }],
        guest: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.org' },
        payment: { provider: 'sandbox', token: 'approve' },
      });
    expect(res.status).toBe(201);
    expect(await waitFor(deliveryTo('otax', 'book-7'), (l) => l !== undefined, 20_000)).toBeDefined();
    expect(lines.find((l) => l.msg === 'direct booking confirmed')?.correlationId).toBe('book-7');
    // Ids name requests, never guests.
    expect(JSON.stringify(lines)).not.toMatch(/Lovelace|ada@example\.org/);
  });

  it('an OTA XML push carries its request id too', async () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<OTA_HotelAvailNotifRQ xmlns="http://www.opentravel.org/OTA/2003/05" EchoToken="corr-xml-1" Version="1.0">
  <AvailStatusMessages HotelCode="CORR">
    <AvailStatusMessage BookingLimit="3">
      <StatusApplicationControl Start="2027-04-10" End="2027-04-11" InvTypeCode="TWN"/>
    </AvailStatusMessage>
  </AvailStatusMessages>
</OTA_HotelAvailNotifRQ>`;
    const res = await request(app).post('/ota/v1').set('authorization', `Bearer ${key}`).set('x-request-id', 'xml-42').type('text/xml').send(xml);
    expect(res.text).toContain('<Success');
    expect(await waitFor(deliveryTo('otax', 'xml-42'), (l) => l !== undefined, 20_000)).toBeDefined();
  });
});

describe('correlation ids on dirty ranges', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase({ poolMax: 4 });
    await seedProperty(t.db, distributionProperty('CAP', ['http://127.0.0.1:9', 'http://127.0.0.1:9', 'http://127.0.0.1:9']));
  });
  afterAll(() => t.drop());

  it('merge when identical ranges collapse, newest first, at most 20; changes without a request add none', async () => {
    for (let i = 1; i <= 25; i++) {
      await applyAriBatch(t.db, 'CAP', { updates: [{ roomType: 'SGL', from: '2027-07-01', to: '2027-07-01', available: i % 5 }] }, { correlationId: `r-${i}` });
    }
    await applyAriBatch(t.db, 'CAP', { updates: [{ roomType: 'SGL', from: '2027-07-01', to: '2027-07-01', available: 9 }] });
    await relayOutboxBatch(t.db);
    const ranges = await t.db('channel_dirty_ranges as d')
      .join('channels as c', 'c.id', 'd.channel_id')
      .where({ 'c.code': 'otax', 'd.from_date': '2027-07-01', 'd.to_date': '2027-07-01' })
      .select<{ correlation_ids: string[] }[]>('d.correlation_ids');
    expect(ranges).toHaveLength(1);
    expect(ranges[0]?.correlation_ids).toEqual(Array.from({ length: 20 }, (_, i) => `r-${25 - i}`));
  });

  it('keeps a client-chosen id bounded', async () => {
    await applyAriBatch(t.db, 'CAP', { updates: [{ roomType: 'SGL', from: '2027-07-02', to: '2027-07-02', available: 1 }] }, { correlationId: 'x'.repeat(5000) });
    const row = await t.db('outbox').orderBy('id', 'desc').first<{ correlation_id: string }>('correlation_id');
    expect(row?.correlation_id).toHaveLength(200);
  });
});
