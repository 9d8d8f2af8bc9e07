import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import IORedis from 'ioredis';
import pino from 'pino';
import { silentLogger, type Logger } from '../../config/logger';
import { addDays } from '../../core/dates';
import { readAckedView } from '../../db/sync-repo';
import { startDistribution } from '../../queues/distributor';
import { driftOf, expectedChannelCells, readDriftBasis } from '../../fixtures/channels/drift';
import type { SampleChannel } from '../../fixtures/channels/sample-channel';
import { applyAriBatch } from '../../services/ari-service';
import { requireProperty } from '../../services/property-service';
import { childEnv, startCli, stopChild } from '../helpers/cli';
import { waitFor } from '../helpers/convergence';
import { distributionProperty, ROOM_TYPES, startSampleChannels, type SampleChannels } from '../helpers/channels';
import { seedProperty } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PROPERTY = 'DRN';
// Past the year a property import marks dirty, so every cell written here comes from the change under test.
const FROM = '2028-01-01';
const TO = addDays(FROM, 729);
const DRAIN_DEADLINE_MS = 30_000;

/**
 * Issue 8: "SIGTERM during a 10,000-cell delivery loses nothing." Two years of availability, BAR
 * (and its derived NRF) and CORP for 5 room types: 12,410 ledger cells, about 27,000 channel cells
 * in 300-cell messages to channels answering in 30 ms, so delivery takes seconds and the signal lands
 * in the middle of it.
 */
describe('SIGTERM of a worker in the middle of a 10,000-cell delivery', () => {
  let t: TestDatabase;
  let channels: SampleChannels;
  let env: NodeJS.ProcessEnv;
  const prefix = `tw-drain-${randomUUID()}`;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    t = await createTestDatabase({ poolMax: 5 });
    channels = await startSlowChannels(t, PROPERTY);
    env = childEnv({
      DATABASE_URL: t.url,
      REDIS_URL,
      TIDEWATER_QUEUE_PREFIX: prefix,
      LOG_LEVEL: 'info',
      // The default lease: were the drain to leave leases behind, the second worker would wait 20 s.
      TIDEWATER_CHANNEL_LEASE_MS: '20000',
    });
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => stopChild(w)));
    await channels.close();
    await t.drop();
    await deleteQueueKeys(prefix);
  });

  it('finishes the message in flight, exits 0, and a second worker completes without resending anything', async () => {
    const first = startWorker(env, workers);
    const { child } = await first.started;
    const change = await applyAriBatch(t.db, PROPERTY, { updates: twoYearsOfAri() });
    expect(change.cells).toBeGreaterThanOrEqual(10_000);

    // Mid-delivery: the OTA has taken a few of the roughly 84 messages it needs.
    await waitFor(async () => writesInRange(channels.ota).size, (n) => n >= 1500, 30_000, 10);
    const signalled = Date.now();
    child.kill('SIGTERM');
    const exit = await first.exited;
    const drainMs = Date.now() - signalled;

    expect(exit).toEqual({ code: 0, signal: null });
    expect(drainMs).toBeLessThan(DRAIN_DEADLINE_MS);
    const logs = jsonLines(first.stderr());
    const draining = logs.find((l) => /^draining \d+ deliveries$/.test(String(l.msg)));
    const drained = logs.find((l) => l.msg === 'drained');
    expect(draining?.deliveries).toBeGreaterThanOrEqual(1);
    // At least the OTA's sync was cut short and handed back.
    expect((drained?.interrupted as number[] | undefined)?.length).toBeGreaterThanOrEqual(1);
    await expectCleanStop(t, channels);

    const second = startWorker(env, workers);
    await second.started;
    expect((await waitFor(() => drift(t, channels), (d) => d.length === 0, 45_000, 500)).slice(0, 10)).toEqual([]);
    expectNothingSentTwice(channels);
    process.stderr.write(`sigterm-drain: worker exited ${String(exit.code)} ${drainMs} ms after SIGTERM; converged after restart\n`);
    await stopChild(second.child());
    expect(second.child().exitCode).toBe(0);
  });
});

/** The same drain without Redis: the embedded default, where `serve` delivers in-process. */
describe('stop() of the inline scheduler in the middle of a 10,000-cell delivery', () => {
  let t: TestDatabase;
  let channels: SampleChannels;

  beforeAll(async () => {
    t = await createTestDatabase({ poolMax: 10 });
    channels = await startSlowChannels(t, PROPERTY);
  });
  afterAll(async () => {
    await channels.close();
    await t.drop();
  });

  it('finishes the message in flight, stops early, and the next start completes without resending anything', async () => {
    let logged = '';
    const logger = pino({ level: 'info' }, { write: (line: string) => void (logged += line) });
    const start = (log: Logger) => startDistribution({ db: t.db, logger: log, listenUrl: t.url, pollMs: 200, icalPolling: false, reservationPolling: false });
    const first = start(logger);
    await applyAriBatch(t.db, PROPERTY, { updates: twoYearsOfAri() });
    await waitFor(async () => writesInRange(channels.ota).size, (n) => n >= 1500, 30_000, 10);

    const result = await first.stop();
    expect(result.drained).toBe(true);
    expect(result.ms).toBeLessThan(DRAIN_DEADLINE_MS);
    expect(result.interrupted.length).toBeGreaterThanOrEqual(1);
    expect(logged).toMatch(/"msg":"draining [1-9]\d* deliveries"/);
    expect(logged).toMatch(/"msg":"drained"/);
    await expectCleanStop(t, channels);

    // The next start's first relay sweep announces what the stopped run left dirty.
    const second = start(silentLogger);
    try {
      expect((await waitFor(() => drift(t, channels), (d) => d.length === 0, 45_000, 500)).slice(0, 10)).toEqual([]);
    } finally {
      await second.stop();
    }
    expectNothingSentTwice(channels);
  });

  it('past the deadline, stop() gives up waiting and says so; the abandoned run still ends cleanly', async () => {
    let logged = '';
    const logger = pino({ level: 'info' }, { write: (line: string) => void (logged += line) });
    const distribution = startDistribution({ db: t.db, logger, listenUrl: t.url, pollMs: 200, icalPolling: false, reservationPolling: false, drainTimeoutMs: 500 });
    channels.ota.faults = { ...channels.ota.faults, latencyMs: 3000 };
    await applyAriBatch(t.db, PROPERTY, { updates: [{ roomType: 'DBL', from: FROM, to: FROM, available: 1 }] });
    await waitFor(async () => channels.ota.stats.inFlight, (n) => n > 0, 10_000, 10);

    const result = await distribution.stop();
    expect(result.drained).toBe(false);
    expect(result.ms).toBeLessThan(2000);
    expect(logged).toMatch(/"msg":"drain deadline passed/);
    // The message on its way is still answered and acknowledged, and the lease released, once the channel replies.
    expect(await waitFor(() => t.db('channels').whereNotNull('sync_lease_owner').pluck('code'), (held) => held.length === 0, 10_000, 100)).toEqual([]);
    expect(await ackedVersusChannel(t, PROPERTY, 'otax', channels.ota, 'all')).toEqual([]);
    channels.ota.faults = { ...channels.ota.faults, latencyMs: 30 };
  });
});

/** Sample channels answering in 30 ms, and the property distributing to them in 300-cell messages. */
async function startSlowChannels(t: TestDatabase, property: string): Promise<SampleChannels> {
  const channels = await startSampleChannels();
  const urls = (channels as unknown as { urls: string[] }).urls;
  await seedProperty(t.db, distributionProperty(property, urls, { maxCellsPerMessage: 300, requestsPerSecond: 200, timeoutMs: 10_000 }));
  // The import marks a year dirty on every channel (to push what the ledger holds): unrelated to
  // this test, and it would only delay the change under test.
  await t.db('channel_dirty_ranges').delete();
  for (const [, sample] of channels.all) sample.faults = { ...sample.faults, latencyMs: 30 };
  return channels;
}

/** Two years of availability, BAR (NRF derives from it) and CORP for every room type: 12,410 ledger cells. */
function twoYearsOfAri() {
  return ROOM_TYPES.flatMap((roomType, i) => [
    { roomType, from: FROM, to: TO, available: 3 + i },
    { roomType, ratePlan: 'BAR', from: FROM, to: TO, rate: `${120 + i * 10}.00`, minStay: 2 },
    ...(roomType === 'DBL' || roomType === 'SGL' ? [{ roomType, ratePlan: 'CORP', from: FROM, to: TO, rate: `${95 + i}.00`, minStay: 1 }] : []),
  ]);
}

/** Where the channels differ from the ledger; two years of it are read once per check, not once per channel. */
async function drift(t: TestDatabase, channels: SampleChannels): Promise<string[]> {
  const basis = await readDriftBasis(t.db, PROPERTY, FROM, TO);
  const out: string[] = [];
  for (const [code, sample, fields] of channels.all) {
    const channel = basis.property.channels.find((c) => c.code === code);
    if (!channel) throw new Error(`no channel ${code}`);
    out.push(...driftOf(expectedChannelCells(basis, channel), sample.store, fields).drift.map((d) => `${code}: ${d}`));
  }
  return out;
}

/**
 * After a drain: work was really left over, no lease is left to expire, and the message in flight at
 * the signal was answered and its answer recorded. Every message a channel accepted is counted in the
 * delivery log, and what each channel holds is exactly what the hub recorded as acknowledged:
 * nothing accepted without ack state, nothing acknowledged that the channel does not hold.
 */
async function expectCleanStop(t: TestDatabase, channels: SampleChannels): Promise<void> {
  expect((await drift(t, channels)).length).toBeGreaterThan(0);
  expect(await t.db('channels').whereNotNull('sync_lease_owner').pluck('code')).toEqual([]);
  for (const [code, sample, fields] of channels.all) {
    expect({ code, messages: await loggedMessages(t, PROPERTY, code) }).toEqual({ code, messages: sample.stats.accepted });
    expect({ code, differences: await ackedVersusChannel(t, PROPERTY, code, sample, fields) }).toEqual({ code, differences: [] });
  }
}

/**
 * Each cell of the change reached each channel once, with the values its message carried: an OTA
 * learns a rate cell in two distinct writes (restrictions, then price), nothing is written twice.
 */
function expectNothingSentTwice(channels: SampleChannels): void {
  for (const [code, sample] of channels.all) {
    const repeated = [...writesInRange(sample)].filter(([, n]) => n > 1).map(([key]) => key);
    expect({ code, repeated: repeated.slice(0, 5) }).toEqual({ code, repeated: [] });
  }
  expect(writesInRange(channels.ota).size).toBe(5 * 730 + 2 * (5 * 730 + 5 * 730 + 2 * 730));
}

/** A `tidewater worker` child: resolves when it runs; `exited` when it ends; its stderr so far. */
function startWorker(env: NodeJS.ProcessEnv, all: ChildProcess[]) {
  let output = '';
  let child: ChildProcess | undefined;
  const started = startCli(['worker', '--concurrency', '4'], env, /worker running/).then((s) => {
    child = s.child;
    all.push(s.child);
    output = s.match.input ?? '';
    s.child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    return s;
  });
  const exited = started.then(
    (s) =>
      new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
        if (s.child.exitCode !== null || s.child.signalCode !== null) resolve({ code: s.child.exitCode, signal: s.child.signalCode });
        else s.child.once('exit', (code, signal) => resolve({ code, signal }));
      }),
  );
  return { started, exited, stderr: () => output, child: () => child as ChildProcess };
}

function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function loggedMessages(t: TestDatabase, property: string, code: string): Promise<number> {
  const [row] = await t
    .db('delivery_log as l')
    .join('channels as c', 'c.id', 'l.channel_id')
    .join('properties as p', 'p.id', 'c.property_id')
    .where({ 'p.code': property, 'c.code': code })
    .sum<{ sum: string | null }[]>({ sum: 'l.messages' });
  return Number(row?.sum ?? 0);
}

/** Cells of the test range the channel was told about, keyed by cell and the values sent, with how often. */
function writesInRange(sample: SampleChannel): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, n] of sample.store.writes) {
    const date = /"date":"(\d{4}-\d{2}-\d{2})"/.exec(key)?.[1];
    if (date !== undefined && date >= FROM && date <= TO) out.set(key, n);
  }
  return out;
}

/**
 * Every cell of the range where the channel's store and the hub's acknowledged state disagree, in
 * both directions. A GDS is compared on prices only: it is sent nothing else.
 */
async function ackedVersusChannel(t: TestDatabase, property: string, code: string, sample: SampleChannel, fields: 'all' | 'rates'): Promise<string[]> {
  const stored = await requireProperty(t.db, property);
  const channel = stored.property.channels.find((c) => c.code === code);
  const row = await t.db('channels').where({ property_id: stored.id, code }).first<{ id: number }>('id');
  if (!channel || !row) throw new Error(`no channel ${code}`);
  const invert = (m: Map<string, number>) => new Map([...m].map(([k, v]) => [v, k]));
  const spans = [...stored.roomTypeIds.values()].map((roomTypeId) => ({ roomTypeId, from: FROM, to: TO }));
  const acked = await readAckedView(t.db, row.id, spans, { roomType: invert(stored.roomTypeIds), ratePlan: invert(stored.ratePlanIds) }, stored.currencyDecimals);
  const hub = new Map<string, string>();
  for (const c of fields === 'all' ? acked.inventory : []) hub.set(`${channel.roomTypes[c.roomType]}|${c.date}`, String(c.available));
  for (const c of acked.rates) {
    const value = fields === 'all' ? [c.amount, c.minStay, c.maxStay, c.closedToArrival, c.closedToDeparture, c.stopSell] : [c.amount];
    hub.set(`${channel.roomTypes[c.roomType]}|${channel.ratePlans[c.ratePlan]}|${c.date}`, JSON.stringify(value));
  }
  const held = new Map<string, string>();
  const inRange = (date: string) => date >= FROM && date <= TO;
  for (const c of sample.store.inventory.values()) if (inRange(c.date)) held.set(`${c.roomType}|${c.date}`, String(c.available));
  for (const c of sample.store.rates.values()) {
    if (!inRange(c.date)) continue;
    const value = fields === 'all' ? [c.rate, c.minStay, c.maxStay, c.closedToArrival, c.closedToDeparture, c.stopSell] : [c.rate];
    held.set(`${c.roomType}|${c.ratePlan}|${c.date}`, JSON.stringify(value));
  }
  const differences: string[] = [];
  for (const key of new Set([...hub.keys(), ...held.keys()])) {
    if (hub.get(key) !== held.get(key)) differences.push(`${key}: acked ${hub.get(key) ?? 'nothing'}, channel ${held.get(key) ?? 'nothing'}`);
  }
  return differences.slice(0, 10);
}

/** The queue's keys in Redis, so test runs leave nothing behind. */
async function deleteQueueKeys(prefix: string): Promise<void> {
  const redis = new IORedis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}
