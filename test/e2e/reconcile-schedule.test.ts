import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue, QueueEvents } from 'bullmq';
import IORedis from 'ioredis';
import { Registry } from 'prom-client';
import { silentLogger } from '../../config/logger';
import { addDays, todayIn } from '../../core/dates';
import { countDirtyRanges } from '../../db/sync-repo';
import type { SampleOta } from '../../fixtures/channels/ota-xml-channel';
import type { SampleRateCell } from '../../fixtures/channels/sample-channel';
import { startDistribution, type Distribution } from '../../queues/distributor';
import { ConfigError } from '../../config/env';
import { PERSISTENT_DRIFT, RECONCILE_QUEUE, startReconcileSchedule, type ReconcileJob, type ScheduledReconcileResult } from '../../queues/reconcile-schedule';
import { applyAriBatch } from '../../services/ari-service';
import { ingestChannelBooking } from '../../services/booking-service';
import { waitFor } from '../helpers/convergence';
import { distributionProperty, ROOM_TYPES, startSampleChannels, type SampleChannels } from '../helpers/channels';
import { seedProperty } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Issue 6: the nightly reconciliation job, its outcomes, metrics, and the persistent-drift incident and alert. */
describe('scheduled reconciliation', () => {
  let t: TestDatabase;
  let channels: SampleChannels & { urls?: string[] };
  let distribution: Distribution;
  let webhook: Server;
  let queue: Queue<ReconcileJob>;
  let events: QueueEvents;
  let redis: IORedis;
  const alerts: Array<Record<string, unknown>> = [];
  const registry = new Registry();
  const prefix = `tw-rsch-${randomUUID()}`;
  const today = todayIn('Europe/Berlin');
  const night = addDays(today, 5);
  // The GDS sample refuses to change these cells, answering success: a stuck extranet cell.
  const stuck = new Set<string>();

  const runNow = async (): Promise<ScheduledReconcileResult> => {
    const job = await queue.add('reconcile', { property: 'RSCH' });
    return (await job.waitUntilFinished(events, 120_000)) as ScheduledReconcileResult;
  };
  const metric = async (name: string, labels: Record<string, string>, from = registry) => {
    const values = (await from.getSingleMetric(name)?.get())?.values ?? [];
    return values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
  };
  const openIncidents = () => t.db('incidents as i').join('channels as c', 'c.id', 'i.channel_id').where({ 'i.kind': PERSISTENT_DRIFT, 'i.status': 'open' }).select('c.code', 'i.details');

  beforeAll(async () => {
    t = await createTestDatabase({ poolMax: 10 });
    channels = await startSampleChannels();
    const urls = (channels as unknown as { urls: string[] }).urls;
    const doc = distributionProperty('RSCH', urls);
    // The OTA and GDS samples show their own view, so the check reads what they really hold; the
    // OTA's bookings are compared too (readBookings: its export, without pulling them on a timer).
    doc.channels = doc.channels?.map((c) =>
      c.code === 'otax' || c.code === 'gds'
        ? { ...c, settings: { ...c.settings, viewEndpoint: `${c.code === 'otax' ? urls[0] : urls[2]}/_view`, ...(c.code === 'otax' ? { readBookings: true } : {}) } }
        : c,
    );
    await seedProperty(t.db, doc);
    await applyAriBatch(t.db, 'RSCH', {
      updates: ROOM_TYPES.flatMap((roomType, i) => [
        { roomType, from: today, to: addDays(today, 20), available: 3 + i },
        { roomType, ratePlan: 'BAR', from: today, to: addDays(today, 20), rate: `${120 + i * 10}.00` },
        ...(roomType === 'DBL' ? [{ roomType, ratePlan: 'CORP', from: today, to: addDays(today, 20), rate: '99.00' }] : []),
      ]),
    });
    const gds = channels.gds.store;
    const setRate = gds.setRate.bind(gds);
    gds.setRate = (cell) => {
      if (!stuck.has(`${cell.roomType}|${cell.ratePlan}|${cell.date}`)) setRate(cell);
    };
    webhook = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        alerts.push(JSON.parse(body) as Record<string, unknown>);
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
    distribution = startDistribution({
      db: t.db,
      logger: silentLogger,
      redisUrl: REDIS_URL,
      queuePrefix: prefix,
      listenUrl: t.url,
      pollMs: 100,
      sweepMs: 300,
      registry,
      health: { alertWebhook: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/alerts` },
      reconcileSchedule: { cron: '0 3 * * *', days: 60, settleTimeoutMs: 30_000 },
    });
    await waitFor(() => countDirtyRanges(t.db), (n) => n === 0, 90_000, 100);
    redis = new IORedis(REDIS_URL, { maxRetriesPerRequest: null });
    queue = new Queue<ReconcileJob>(RECONCILE_QUEUE, { connection: redis, prefix });
    events = new QueueEvents(RECONCILE_QUEUE, { connection: { url: REDIS_URL }, prefix });
    await events.waitUntilReady();
  });
  afterAll(async () => {
    await distribution.stop();
    await queue.obliterate({ force: true });
    await events.close();
    await queue.close();
    redis.disconnect();
    await new Promise((resolve) => webhook.close(resolve));
    await channels.close();
    await t.drop();
  });

  it('registers one job scheduler per property: the cron, in the property’s time zone', async () => {
    const scheduler = await waitFor(() => queue.getJobScheduler('reconcile:RSCH'), (s) => s !== undefined, 10_000, 100);
    expect(scheduler).toMatchObject({ pattern: '0 3 * * *', tz: 'Europe/Berlin', template: { data: { property: 'RSCH' } } });
    const at = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit' }).format(new Date(scheduler?.next as number));
    expect(at).toBe('03:00');
  });

  it('a run with nothing to fix is clean', async () => {
    const result = await runNow();
    expect(result).toMatchObject({ property: 'RSCH', outcome: 'clean', from: today, to: addDays(today, 59), incidentsOpened: [], incidentsResolved: [] });
    expect(result.runIds).toHaveLength(1);
    expect(await metric('tidewater_reconcile_runs_total', { property: 'RSCH', outcome: 'clean' })).toBe(1);
  });

  it('drift on the OTA’s extranet is re-sent by the workers and checked again: fixed', async () => {
    const inventory = channels.ota.store.inventory.get(`1001|${night}`);
    const rate = channels.ota.store.rates.get(`1002|5001|${night}`) as SampleRateCell;
    channels.ota.store.inventory.set(`1001|${night}`, { roomType: '1001', date: night, available: (inventory?.available ?? 0) + 2 });
    channels.ota.store.rates.set(`1002|5001|${night}`, { ...rate, rate: '1.00' });

    const result = await runNow();
    expect(result.outcome).toBe('fixed');
    expect(result.channels).toEqual([
      { channel: 'otax', found: 2, remaining: 0, persistent: 0 },
      { channel: 'web', found: 0, remaining: 0, persistent: 0 },
      { channel: 'gds', found: 0, remaining: 0, persistent: 0 },
    ]);
    expect(channels.ota.store.inventory.get(`1001|${night}`)).toEqual(inventory);
    expect(channels.ota.store.rates.get(`1002|5001|${night}`)?.rate).toBe(rate.rate);
    const runs = await t.db('reconciliation_runs').whereIn('id', result.runIds).orderBy('id').select('findings', 'fixed');
    expect(runs).toEqual([
      { findings: 2, fixed: true },
      { findings: 0, fixed: false },
    ]);
    expect(await metric('tidewater_reconcile_drift_cells', { property: 'RSCH', channel: 'otax', stage: 'found' })).toBe(2);
    expect(await metric('tidewater_reconcile_drift_cells', { property: 'RSCH', channel: 'otax', stage: 'remaining' })).toBe(0);
    expect(alerts).toEqual([]);
  });

  it('a cell the channel will not take opens one persistent-drift incident and alerts; a later clean run resolves it', async () => {
    const key = `A1D|RAC|${night}`;
    const right = channels.gds.store.rates.get(key) as SampleRateCell;
    expect(right.rate).toBe('120.00');
    stuck.add(key);
    channels.gds.store.rates.set(key, { ...right, rate: '95.00' });

    const first = await runNow();
    expect(first.outcome).toBe('persistent');
    expect(first.channels.find((c) => c.channel === 'gds')).toEqual({ channel: 'gds', found: 1, remaining: 1, persistent: 1 });
    expect(first.incidentsOpened).toEqual(['gds']);
    expect(await openIncidents()).toEqual([
      { code: 'gds', details: expect.objectContaining({ cells: 1, runId: first.runIds[1], sample: [expect.objectContaining({ date: night, roomType: 'DBL', ratePlan: 'BAR', field: 'rate', ledger: '120.00', channel: '95.00' })] }) },
    ]);
    expect(alerts).toEqual([{ event: PERSISTENT_DRIFT, property: 'RSCH', channel: 'gds', cells: 1, runId: first.runIds[1], at: expect.any(String) }]);
    expect(await metric('tidewater_reconcile_drift_cells', { property: 'RSCH', channel: 'gds', stage: 'remaining' })).toBe(1);
    expect(await metric('tidewater_reconcile_runs_total', { property: 'RSCH', outcome: 'persistent' })).toBe(1);

    // Still stuck the next night: the same incident stays open, no second alert.
    const again = await runNow();
    expect({ outcome: again.outcome, opened: again.incidentsOpened }).toEqual({ outcome: 'persistent', opened: [] });
    expect(await openIncidents()).toHaveLength(1);
    expect(alerts).toHaveLength(1);

    // The partner fixes the cell on its side: the next run finds the channel clean and resolves it.
    stuck.clear();
    channels.gds.store.rates.set(key, right);
    const clean = await runNow();
    expect(clean).toMatchObject({ outcome: 'clean', incidentsResolved: ['gds'] });
    expect(await openIncidents()).toEqual([]);
    expect(alerts[1]).toEqual({ event: `${PERSISTENT_DRIFT}-resolved`, property: 'RSCH', channel: 'gds', runId: clean.runIds[0], at: expect.any(String) });
    expect(await metric('tidewater_reconcile_drift_cells', { property: 'RSCH', channel: 'gds', stage: 'remaining' })).toBe(0);
    expect(await metric('tidewater_reconcile_runs_total', { property: 'RSCH', outcome: 'clean' })).toBe(2);
  });

  it('a booking the OTA has and Tidewater lost is re-pulled, as --fix does; one only Tidewater has is counted for a person, not alerted', async () => {
    const ota = channels.ota as SampleOta;
    const stay = (roomType: string, ratePlan: string, nights: number) => ({ roomType, ratePlan, checkIn: addDays(today, nights), checkOut: addDays(today, nights + 1), rooms: 1 });
    ota.reservations.push({
      reservation: {
        channelReservationId: 'OTA-LOST',
        status: 'new',
        revision: '2027-01-05T10:00:00.000Z',
        revisionSource: 'LastModifyDateTime',
        hotelCode: '998877',
        roomStays: [{ ...stay('1001', '5001', 7), adults: 2, children: 0 }],
        total: { amount: '120.00', currency: 'EUR', taxIncluded: true },
      },
      delivered: true,
      timesSent: 1,
    });
    await ingestChannelBooking({ db: t.db, logger: silentLogger }, 'RSCH', { channelCode: 'otax', channelBookingId: 'TW-ONLY', revision: '1', status: 'new', roomStays: [stay('SGL', 'BAR', 8)] });
    // Let that booking's nights reach the channels first, so the check is about bookings only.
    await waitFor(async () => Number((await t.db('outbox').whereNull('published_at').count<{ c: string }[]>({ c: '*' }))[0]?.c) + (await countDirtyRanges(t.db)), (n) => n === 0, 30_000, 100);

    const result = await runNow();
    expect(result).toMatchObject({
      outcome: 'fixed',
      bookings: { found: 1, repulled: 1, refused: 0, redeliveries: 0, remaining: 0 },
      needsHuman: { ari: 0, booking: 1, pms: 0 },
      incidentsOpened: [],
    });
    expect(result.channels.every((c) => c.persistent === 0)).toBe(true);
    expect(await t.db('reservations').where({ source: 'otax', external_ref: 'OTA-LOST' }).first('status')).toEqual({ status: 'confirmed' });
    expect(await metric('tidewater_reconcile_needs_human', { property: 'RSCH', kind: 'booking' })).toBe(1);
    expect(await openIncidents()).toEqual([]);
    expect(alerts).toHaveLength(2); // the persistent-drift alert and its resolution above, nothing new
  });

  it('without Redis, a timer in the process runs the same check on the cron; off runs nothing; a bad pattern is a config error', async () => {
    const local = new Registry();
    // Six fields: every second, so the test need not wait for a minute to turn.
    const schedule = startReconcileSchedule({ db: t.db, logger: silentLogger, registry: local }, { cron: '* * * * * *', tickMs: 100, days: 60 });
    const runs = await waitFor(() => metric('tidewater_reconcile_runs_total', { property: 'RSCH', outcome: 'clean' }, local), (n) => (n ?? 0) >= 1, 15_000, 100);
    await schedule.stop();
    expect(runs).toBeGreaterThanOrEqual(1);
    const off = startReconcileSchedule({ db: t.db, logger: silentLogger }, { cron: 'off' });
    expect(off.metrics).toBeUndefined();
    await off.stop();
    expect(() => startReconcileSchedule({ db: t.db, logger: silentLogger }, { cron: '0 25 * * *' })).toThrow(ConfigError);
  });
});
