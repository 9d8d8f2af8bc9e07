/**
 * Sync lag: how long after an ARI change is committed to the ledger the channel has acknowledged the
 * new value, at a steady load of ARI changes spread over several channels, next to the raw HTTP
 * round-trip time to the very same sample channel in the same run.
 *
 *   npx tsx bench/sync-lag.ts [--rate 1000] [--seconds 20] [--channels 5] [--batch 1000]
 *                             [--room-types 10] [--days 365] [--rtt-requests 300]
 *
 * The whole distribution path runs for real: applyAriBatch (ledger + outbox in one transaction), the
 * outbox relay woken by LISTEN/NOTIFY, BullMQ on the local Redis, syncChannel, the OTA XML / direct /
 * GDS connectors over HTTP to the sample channels. The lag is measured at the channel: the sample
 * channels' stores are wrapped, so every cell value is timestamped when the channel applies it (just
 * before it answers). Figures go to stdout, progress to stderr. See bench/README.md.
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import axios, { type AxiosRequestConfig } from 'axios';
import IORedis from 'ioredis';
import { silentLogger } from '../config/logger';
import { builtInConnectors, type ChannelConnector } from '../connectors';
import { addDays, todayIn } from '../core/dates';
import type { PropertyDocument } from '../core/property-document';
import { SIGNATURE_HEADER, signDirectPayload, TIMESTAMP_HEADER, type DirectAriPayload } from '../connectors/direct/direct-connector';
import type { Db } from '../db/connection';
import { createDirectChannel } from '../fixtures/channels/direct-channel';
import { createOtaXmlChannel } from '../fixtures/channels/ota-xml-channel';
import { listen, type SampleChannel } from '../fixtures/channels/sample-channel';
import { renderHotelRateAmountNotif } from '../mappers/opentravel/hotel-rate-amount-notif';
import { startDistribution, type Distribution } from '../queues/distributor';
import { DEFAULT_COALESCE_MS } from '../queues/sync-channel';
import { applyAriBatch } from '../services/ari-service';
import { importProperty } from '../services/property-service';
import { addInterruptCleanup, attachQueryTimer, formatInt, formatMs, formatRatio, log, parseIntFlags, percentile, renderTable, withScratchDatabase } from './lib';

const USAGE = `usage: npx tsx bench/sync-lag.ts [--rate 1000] [--seconds 20] [--channels 5] [--batch 1000]
                                 [--room-types 10] [--days 365] [--rtt-requests 300]

  --rate N          ARI changes (cells) per second committed to the ledger          (default 1000)
  --seconds N       how long the load runs                                         (default 20)
  --channels N      sample channels: critical OTA, booking engine, GDS, second OTA,
                    critical booking engine, then the same again                   (default 5)
  --batch N         changes per ARI batch (one applyAriBatch, one transaction): a
                    PMS pushing once a second sends one batch of --rate changes    (default 1000)
  --room-types N    room types of the bench property (2 rate plans each)           (default 10)
  --days N          nights the changes are spread over, from tomorrow              (default 365)
  --rtt-requests N  raw HTTP round trips per channel for the baseline              (default 300)

Needs Postgres (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test; a scratch database is
created and dropped) and Redis (REDIS_URL, default redis://127.0.0.1:6379; keys under a random prefix,
deleted at the end). Table on stdout, progress on stderr.`;

const PROPERTY = 'LAG01';
const TIMEZONE = 'UTC';
const CURRENCY = 'EUR';
const RATE_PLANS = ['BAR', 'FLEX'] as const;
/** Batches committing at once (they queue on the property lock anyway; this overlaps JS with SQL). */
const MAX_IN_FLIGHT = 4;
/** Every cell starts here (warm-up) and goes up by one on each change, so each value of a cell is unique. */
const BASE_TOTAL = 20;
const BASE_RATE = 100;
/** Probes of the raw round trip while the load runs, one at a time, round-robin over the channels. */
const LOADED_PROBE_EVERY_MS = 50;
const WARMUP_TIMEOUT_MS = 60_000;
/** How long stopping the distribution (active jobs finish first) may take at the end of a run, and on Ctrl-C. */
const STOP_TIMEOUT_MS = 30_000;
const INTERRUPT_STOP_TIMEOUT_MS = 3_500;
const DRAIN_TIMEOUT_MS = 90_000;

/** Wall clock with sub-millisecond resolution, the same for the driver and the channels (one process). */
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** Set on Ctrl-C (the interrupt cleanup): every loop of the bench ends at its next turn. */
let aborted = false;

// ---------------------------------------------------------------------------------------------
// The ledger side: cells, unique values, commit times

interface Cell {
  /** `RT|date` for an inventory cell, `RT|PLAN|date` for a rate cell (Tidewater codes). */
  key: string;
  kind: 'inventory' | 'rate';
  roomType: string;
  ratePlan?: string;
  date: string;
  /** Changes issued so far; the next value is computed from it, so every value of a cell is new. */
  issued: number;
  /** The value the ledger holds (last committed), as the channel shows it. */
  current: string;
}

interface Commit {
  cell: Cell;
  value: string;
  /** When applyAriBatch answered: the transaction had committed. */
  at: number;
  /** The batch's ledger version: the `version` of its outbox row's payload. */
  version: number;
}

const roomTypeCode = (i: number) => `RT${String(i + 1).padStart(2, '0')}`;
const inventoryValue = (n: number) => String(BASE_TOTAL + n);
const rateValue = (n: number) => (BASE_RATE + n).toFixed(2);
/** Channels may format amounts differently ("101.5" or "101.50"): compare them as cents. */
const normalizeRate = (rate: string) => (Math.round(Number(rate) * 100) / 100).toFixed(2);

function buildCells(roomTypes: number, from: string, days: number): Cell[] {
  const cells: Cell[] = [];
  for (let i = 0; i < roomTypes; i++) {
    const roomType = roomTypeCode(i);
    for (let d = 0; d < days; d++) {
      const date = addDays(from, d);
      cells.push({ key: `${roomType}|${date}`, kind: 'inventory', roomType, date, issued: 0, current: inventoryValue(0) });
      for (const ratePlan of RATE_PLANS) {
        cells.push({ key: `${roomType}|${ratePlan}|${date}`, kind: 'rate', roomType, ratePlan, date, issued: 0, current: rateValue(0) });
      }
    }
  }
  return cells;
}

/** One update for one cell: `total` (sellable = total, nothing is sold) or a BAR/FLEX `rate`. */
function updateFor(cell: Cell, value: number) {
  return cell.kind === 'inventory'
    ? { roomType: cell.roomType, from: cell.date, to: cell.date, total: BASE_TOTAL + value }
    : { roomType: cell.roomType, ratePlan: cell.ratePlan as string, from: cell.date, to: cell.date, rate: rateValue(value) };
}

/** Deterministic randomness, so two runs spread their changes the same way. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------------------------------------
// The channel side: sample channels whose stores timestamp every value they apply

type ChannelType = 'ota-xml' | 'direct' | 'gds';

const CHANNEL_KINDS: ReadonlyArray<{ code: string; type: ChannelType; critical: boolean }> = [
  { code: 'ota', type: 'ota-xml', critical: true },
  { code: 'web', type: 'direct', critical: false },
  { code: 'gds', type: 'gds', critical: false },
  { code: 'ota2', type: 'ota-xml', critical: false },
  { code: 'web2', type: 'direct', critical: true },
];

interface BenchChannel {
  code: string;
  type: ChannelType;
  critical: boolean;
  sample: SampleChannel;
  url: string;
  close(): Promise<void>;
  /** Tidewater code → channel code. */
  roomCodes: Map<string, string>;
  planCodes: Map<string, string>;
  hotelCode: string;
  username: string;
  password: string;
  secret: string;
  /** GDS profiles load prices only. */
  receivesInventory: boolean;
  /** Per cell key (Tidewater codes): every value the channel applied, with the time, while recording. */
  arrivals: Map<string, Array<{ value: string; at: number }>>;
  /** Per cell key: the last value the channel applied (always kept, for convergence). */
  last: Map<string, string>;
  recording: boolean;
  /** Probe requests sent to this channel since the load started (subtracted from its message count). */
  probes: number;
  /** The channel's row id, once the property is imported. */
  id: number;
  /** While recording: when the connector was first asked to send `key=value` (the start of its pushAri). */
  sends: Map<string, number>;
  /** While recording: when each sync of this channel started working (its first read of the dirty ranges, under the lease). */
  syncStarts: number[];
  /** While recording: jobs run for this channel (each reads the channel row first, also when it finds the channel busy). */
  jobs: number;
}

async function startBenchChannel(index: number, roomTypes: number): Promise<BenchChannel> {
  const kind = CHANNEL_KINDS[index % CHANNEL_KINDS.length] as (typeof CHANNEL_KINDS)[number];
  const round = Math.floor(index / CHANNEL_KINDS.length);
  const code = round === 0 ? kind.code : `${kind.code}_${round + 1}`;
  const hotelCode = `${kind.type === 'gds' ? 'G' : 'H'}${String(990000 + index)}`;
  const username = `user-${code}`;
  const password = `pw-${code}`;
  const secret = `secret-${code}`;
  const sample = kind.type === 'direct' ? createDirectChannel({ secret, seed: index + 1 }) : createOtaXmlChannel({ hotelCode, username, password, seed: index + 1 });
  const server = await listen(sample.app);
  // Each channel type has its own codes, as real partners do.
  const roomCodes = new Map<string, string>();
  for (let i = 0; i < roomTypes; i++) {
    const tw = roomTypeCode(i);
    roomCodes.set(tw, kind.type === 'direct' ? tw.toLowerCase() : kind.type === 'gds' ? `A${i + 1}K` : String(1001 + i));
  }
  const planCodes = new Map<string, string>(
    RATE_PLANS.map((p, j) => [p, kind.type === 'direct' ? p.toLowerCase() : kind.type === 'gds' ? (['RAC', 'FLX'][j] as string) : String(5001 + j)]),
  );
  const channel: BenchChannel = {
    code,
    type: kind.type,
    critical: kind.critical,
    sample,
    url: server.url,
    close: server.close,
    roomCodes,
    planCodes,
    hotelCode,
    username,
    password,
    secret,
    receivesInventory: kind.type !== 'gds',
    arrivals: new Map(),
    last: new Map(),
    recording: false,
    probes: 0,
    id: 0,
    sends: new Map(),
    syncStarts: [],
    jobs: 0,
  };
  hookStore(channel);
  return channel;
}

/** Wraps the sample store: each value applied is timestamped under its Tidewater cell key. */
function hookStore(channel: BenchChannel): void {
  const room = invert(channel.roomCodes);
  const plan = invert(channel.planCodes);
  const store = channel.sample.store;
  const setAvailability = store.setAvailability.bind(store);
  const setRate = store.setRate.bind(store);
  const seen = (key: string, value: string) => {
    const at = now();
    channel.last.set(key, value);
    if (!channel.recording) return;
    const list = channel.arrivals.get(key);
    if (list) list.push({ value, at });
    else channel.arrivals.set(key, [{ value, at }]);
  };
  store.setAvailability = (cell) => {
    const rt = room.get(cell.roomType);
    if (rt !== undefined) seen(`${rt}|${cell.date}`, String(cell.available));
    setAvailability(cell);
  };
  store.setRate = (cell) => {
    const rt = room.get(cell.roomType);
    const rp = plan.get(cell.ratePlan);
    // Restrictions arrive without the amount (OTA_HotelAvailNotifRQ): only the amount is tracked.
    if (rt !== undefined && rp !== undefined && typeof cell.rate === 'string') seen(`${rt}|${rp}|${cell.date}`, normalizeRate(cell.rate));
    setRate(cell);
  };
}

function invert(map: Map<string, string>): Map<string, string> {
  return new Map([...map].map(([k, v]) => [v, k]));
}

const inScope = (channel: BenchChannel, cell: Cell) => cell.kind === 'rate' || channel.receivesInventory;

function propertyDocument(channels: readonly BenchChannel[], roomTypes: number): PropertyDocument {
  const codes = Array.from({ length: roomTypes }, (_, i) => roomTypeCode(i));
  return {
    code: PROPERTY,
    name: 'Sync lag bench hotel',
    timezone: TIMEZONE,
    currency: CURRENCY,
    roomTypes: codes.map((code, i) => ({ code, rooms: 20 + (i % 5) * 5, maxOccupancy: 2 })),
    ratePlans: RATE_PLANS.map((code) => ({ code, roomTypes: codes })),
    // Production defaults everywhere: no settings, so pacing (requestsPerSecond), message sizes,
    // timeouts and attempts are the connectors' own.
    channels: channels.map((c) => ({
      code: c.code,
      type: c.type,
      critical: c.critical,
      endpoint: c.type === 'direct' ? c.url : `${c.url}/ota`,
      ...(c.type === 'direct' ? {} : { hotelCode: c.hotelCode }),
      credentials: (c.type === 'direct' ? { secret: c.secret } : { username: c.username, password: c.password }) as Record<string, string>,
      roomTypes: Object.fromEntries(c.roomCodes),
      ratePlans: Object.fromEntries(c.planCodes),
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// Raw round trip: a minimal one-cell message, the connectors' axios settings, no retry wrapper

/** The request a one-cell push would be, to a cell code the bench does not track. */
function probeRequest(channel: BenchChannel, date: string): AxiosRequestConfig {
  const base: AxiosRequestConfig = {
    method: 'POST',
    timeout: 10_000,
    responseType: 'text',
    transformResponse: (data: string) => data,
    validateStatus: () => true,
    maxRedirects: 0,
  };
  if (channel.type === 'direct') {
    const payload: DirectAriPayload = { hotel: PROPERTY, currency: CURRENCY, availability: [{ roomType: 'probe', from: date, to: date, available: 1 }], rates: [] };
    const body = JSON.stringify(payload);
    const timestamp = String(Math.floor(Date.now() / 1000));
    return {
      ...base,
      url: `${channel.url}/ari`,
      data: body,
      headers: { 'content-type': 'application/json', [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: signDirectPayload(channel.secret, timestamp, body) },
    };
  }
  const xml = renderHotelRateAmountNotif({
    hotelCode: channel.hotelCode,
    echoToken: 'probe',
    currency: CURRENCY,
    updates: [{ roomType: 'PROBE', ratePlan: 'PROBE', from: date, to: date, rate: '1.00' }],
  });
  return { ...base, url: `${channel.url}/ota`, data: xml, headers: { 'content-type': 'text/xml; charset=utf-8' }, auth: { username: channel.username, password: channel.password } };
}

async function roundTrip(channel: BenchChannel, date: string): Promise<number> {
  const request = probeRequest(channel, date);
  const start = now();
  const response = await axios.request<string>(request);
  const ms = now() - start;
  if (response.status !== 200 || (channel.type !== 'direct' && !response.data.includes('<Success'))) {
    throw new Error(`probe to ${channel.code} answered ${response.status}: ${response.data.slice(0, 200)}`);
  }
  return ms;
}

// ---------------------------------------------------------------------------------------------
// Redis

/** `tw-bench-sync-lag-<unix seconds>-<random>`: the time lets a later run sweep what a killed run left. */
const QUEUE_PREFIX_BASE = 'tw-bench-sync-lag-';
const STALE_PREFIX_AFTER_MS = 3 * 60 * 60 * 1000;

async function withRedis<T>(redisUrl: string, work: (redis: IORedis) => Promise<T>): Promise<T> {
  const redis = new IORedis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return await work(redis);
  } finally {
    redis.disconnect();
  }
}

async function scanKeys(redis: IORedis, pattern: string, each: (keys: string[]) => Promise<void>): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await each(keys);
  } while (cursor !== '0');
}

/** Deletes every key under `prefix:` (the BullMQ queue, its jobs, locks and events). */
async function deleteRedisKeys(redisUrl: string, prefix: string): Promise<number> {
  return withRedis(redisUrl, async (redis) => {
    let deleted = 0;
    await scanKeys(redis, `${prefix}:*`, async (keys) => {
      deleted += await redis.del(...keys);
    });
    return deleted;
  });
}

/** Keys of this bench's runs that were killed (SIGKILL) more than 3 hours ago, the same rule as scratch databases. */
async function sweepStaleRedisKeys(redisUrl: string): Promise<void> {
  const stale = new Set<string>();
  await withRedis(redisUrl, (redis) =>
    scanKeys(redis, `${QUEUE_PREFIX_BASE}*`, async (keys) => {
      for (const key of keys) {
        const m = /^(tw-bench-sync-lag-(\d{10})-[0-9a-f]+):/.exec(key);
        if (m && Date.now() - Number(m[2]) * 1000 > STALE_PREFIX_AFTER_MS) stale.add(m[1] as string);
      }
    }),
  );
  for (const prefix of stale) log(`deleted ${await deleteRedisKeys(redisUrl, prefix)} Redis keys of a stale run under ${prefix}:`);
}

// ---------------------------------------------------------------------------------------------
// Observing the distribution path from outside (no change to it): the connectors it is given, and
// the statements it sends

/** The built-in connectors, each `pushAri` noting when it was asked to send which cell value. */
function observedConnectors(byCode: Map<string, BenchChannel>): Map<string, ChannelConnector> {
  const out = new Map<string, ChannelConnector>();
  for (const [type, connector] of builtInConnectors()) {
    out.set(type, {
      ...connector,
      pushAri: (context, changes) => {
        const channel = byCode.get(context.channel.code);
        if (channel?.recording) {
          const at = now();
          const note = (key: string) => {
            if (!channel.sends.has(key)) channel.sends.set(key, at);
          };
          for (const c of changes.inventory) note(`${c.roomType}|${c.date}=${String(c.available)}`);
          for (const c of changes.rates) if (c.amount !== null) note(`${c.roomType}|${c.ratePlan}|${c.date}=${normalizeRate(c.amount)}`);
        }
        return connector.pushAri(context, changes);
      },
    });
  }
  return out;
}

/**
 * A sync starts working once it holds the channel's lease: its first statement then is the read of
 * the channel's dirty ranges (`readDirtyRanges(db, channelId, limit)` with a limit above 1; the check
 * for more work at its end uses 1). Earlier statements of a job (the channel row, the coalescing
 * check, the lease claim) also run for jobs that find the channel busy, so they cannot mark a start.
 */
const DIRTY_RANGES_READ = /^select .* from "channel_dirty_ranges" where "channel_id" = (\?|\$1)/;
const CHANNEL_ROW_READ = /^select "id", "property_id", "code", "critical".* from "channels" where "id" = (\?|\$1)/;

function watchSyncStarts(db: Db, byId: Map<number, BenchChannel>): () => void {
  const onQuery = (data: unknown) => {
    const q = data as { sql?: unknown; bindings?: unknown };
    if (typeof q.sql !== 'string') return;
    const [channelId, limit] = Array.isArray(q.bindings) ? (q.bindings as unknown[]) : [];
    const channel = byId.get(Number(channelId));
    if (!channel?.recording) return;
    if (DIRTY_RANGES_READ.test(q.sql) && Number(limit) > 1) channel.syncStarts.push(now());
    else if (CHANNEL_ROW_READ.test(q.sql)) channel.jobs++;
  };
  db.on('query', onQuery);
  return () => db.off('query', onQuery);
}

// ---------------------------------------------------------------------------------------------
// The run

interface Flags {
  rate: number;
  seconds: number;
  channels: number;
  batch: number;
  'room-types': number;
  days: number;
  'rtt-requests': number;
}

async function main(): Promise<void> {
  const { values: flags } = parseIntFlags<keyof Flags>(USAGE, { rate: 1000, seconds: 20, channels: 5, batch: 1000, 'room-types': 10, days: 365, 'rtt-requests': 300 });
  if (flags.days > 500) {
    log(`--days must be at most 500\n${USAGE}`);
    process.exit(2);
  }
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const queuePrefix = `${QUEUE_PREFIX_BASE}${Math.floor(Date.now() / 1000)}-${randomUUID().slice(0, 8)}`;
  await sweepStaleRedisKeys(redisUrl);
  const from = addDays(todayIn(TIMEZONE), 1);
  const cells = buildCells(flags['room-types'], from, flags.days);
  if (flags.batch > cells.length / 4) {
    log(`--batch ${flags.batch} is too large for ${cells.length} cells\n${USAGE}`);
    process.exit(2);
  }
  const loadBefore = loadavg();

  await withScratchDatabase(
    async ({ db, url }) => {
      const channels: BenchChannel[] = [];
      let distribution: Distribution | undefined;
      let unwatch: (() => void) | undefined;
      let cleaning: Promise<void> | undefined;
      // Once, whoever asks first (the end of the run, an error, or Ctrl-C); everyone else waits for it.
      const cleanup = (stopTimeoutMs: number) => (cleaning ??= stopEverything(stopTimeoutMs));
      const stopEverything = async (stopTimeoutMs: number) => {
        aborted = true; // stops the driver and the probes if we got here by Ctrl-C
        unwatch?.();
        const stopStart = now();
        if (distribution) {
          // Active jobs finish first; on a badly overloaded machine that can take seconds. The keys
          // are deleted either way (a job still finishing may leave a few; the next run sweeps them).
          const stopped = distribution.stop().catch((error: unknown) => log(`stopping distribution: ${String(error)}`));
          let timer: NodeJS.Timeout | undefined;
          const timeout = new Promise<void>((resolve) => {
            timer = setTimeout(() => {
              log(`distribution still stopping after ${stopTimeoutMs} ms; going on`);
              resolve();
            }, stopTimeoutMs);
          });
          await Promise.race([stopped, timeout]);
          clearTimeout(timer);
        }
        await Promise.all(channels.map((c) => c.close().catch(() => undefined)));
        const deleted = await deleteRedisKeys(redisUrl, queuePrefix).catch((error: unknown) => {
          log(`could not delete Redis keys ${queuePrefix}:*: ${String(error)}`);
          return 0;
        });
        log(`stopped distribution (${formatMs(now() - stopStart)} ms) and ${channels.length} sample channels; deleted ${deleted} Redis keys under ${queuePrefix}:`);
      };
      // Ctrl-C: withScratchDatabase gives each cleanup 5 s before it drops the database and exits.
      const unregister = addInterruptCleanup(() => cleanup(INTERRUPT_STOP_TIMEOUT_MS));
      try {
        for (let i = 0; i < flags.channels; i++) channels.push(await startBenchChannel(i, flags['room-types']));
        await importProperty(db, propertyDocument(channels, flags['room-types']));
        const ids = await db('channels').select<{ id: number; code: string }[]>('id', 'code');
        for (const ch of channels) ch.id = ids.find((r) => r.code === ch.code)?.id ?? 0;
        log(
          `property ${PROPERTY}: ${flags['room-types']} room types × ${RATE_PLANS.length} rate plans × ${flags.days} nights = ${formatInt(cells.length)} cells; ` +
            `channels ${channels.map((c) => `${c.code} (${c.type}${c.critical ? ', critical' : ''})`).join(', ')}`,
        );
        unwatch = watchSyncStarts(db, new Map(channels.map((c) => [c.id, c])));
        distribution = startDistribution({
          db,
          logger: silentLogger,
          redisUrl,
          queuePrefix,
          listenUrl: url,
          connectors: observedConnectors(new Map(channels.map((c) => [c.code, c]))),
        });
        await sleep(200); // the relay's LISTEN connection

        await warmUp(db, cells, channels, from, flags);
        const probeDate = addDays(from, flags.days + 1);
        const rttIdle = await idleRoundTrips(channels, flags['rtt-requests'], probeDate);
        const result = await measure(db, cells, channels, flags, probeDate);
        if (aborted) return;
        const deliveryLog = await readDeliveryLog(db, result.deliveryLogFromId);
        const outbox = await readOutbox(db, result.outboxFromId);
        process.stdout.write(report({ flags, cells, channels, m: result, rttIdle, deliveryLog, outbox, loadBefore, loadAfter: loadavg() }));
      } finally {
        await cleanup(STOP_TIMEOUT_MS);
        unregister();
      }
    },
    { label: 'sync_lag', poolMax: 20 },
  );
}

/** One push of every cell, then waits until every channel shows it: the acknowledged state starts full. */
async function warmUp(db: Db, cells: Cell[], channels: BenchChannel[], from: string, flags: Flags): Promise<void> {
  const to = addDays(from, flags.days - 1);
  const updates = [];
  for (let i = 0; i < flags['room-types']; i++) {
    const roomType = roomTypeCode(i);
    updates.push({ roomType, from, to, total: BASE_TOTAL });
    for (const ratePlan of RATE_PLANS) updates.push({ roomType, ratePlan, from, to, rate: rateValue(0), minStay: 1 });
  }
  const start = now();
  await applyAriBatch(db, PROPERTY, { updates });
  const converged = (await waitConverged(cells, channels, WARMUP_TIMEOUT_MS)) && (await waitSettled(db, 10_000));
  log(`warm-up: ${formatInt(cells.length)} cells pushed and ${converged ? 'shown by every channel' : 'NOT converged'} after ${formatMs(now() - start)} ms (untimed)`);
  if (!converged) throw new Error('warm-up did not converge; is a channel failing?');
  // A steady-state hub has planner statistics (autovacuum analyzes a table within a minute of bulk
  // writes); a scratch database that is seconds old has none, and the sync's ledger read then gets a
  // plan ~200x slower (a merge join on rate_plan_id alone). Measure the steady state.
  const analyzed = now();
  await db.raw('ANALYZE');
  log(`warm-up: ANALYZE (what autovacuum does in a running hub) took ${formatMs(now() - analyzed)} ms (untimed)`);
}

/** True once every channel shows the ledger's current value of every cell it receives. */
async function waitConverged(cells: Cell[], channels: BenchChannel[], timeoutMs: number): Promise<boolean> {
  const deadline = now() + timeoutMs;
  for (;;) {
    const behind = channels.reduce((n, ch) => n + cells.filter((c) => inScope(ch, c) && ch.last.get(c.key) !== c.current).length, 0);
    if (behind === 0) return true;
    if (aborted) return false;
    if (now() > deadline) {
      log(`still ${formatInt(behind)} cell values not shown after ${formatMs(timeoutMs)} ms`);
      return false;
    }
    await sleep(50);
  }
}

/** True once no channel has dirty ranges or holds a lease: the last syncs have saved state and logged. */
async function waitSettled(db: Db, timeoutMs: number): Promise<boolean> {
  const deadline = now() + timeoutMs;
  for (;;) {
    const { rows } = await db.raw<{ rows: Array<{ dirty: string; leased: string }> }>(
      `SELECT (SELECT count(*) FROM channel_dirty_ranges) AS dirty, (SELECT count(*) FROM channels WHERE sync_lease_owner IS NOT NULL) AS leased`,
    );
    if (Number(rows[0]?.dirty) === 0 && Number(rows[0]?.leased) === 0) return true;
    if (aborted) return false;
    if (now() > deadline) {
      log(`distribution not settled after ${formatMs(timeoutMs)} ms: ${rows[0]?.dirty} dirty ranges, ${rows[0]?.leased} leases`);
      return false;
    }
    await sleep(50);
  }
}

async function idleRoundTrips(channels: BenchChannel[], requests: number, probeDate: string): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  // A few untimed requests first: connection set-up and JIT are not what the baseline is about.
  for (const ch of channels) for (let i = 0; i < 10; i++) await roundTrip(ch, probeDate);
  for (const ch of channels) out.set(ch.code, []);
  // Round-robin, so a slow stretch of the machine hits every channel alike.
  for (let i = 0; i < requests && !aborted; i++) for (const ch of channels) out.get(ch.code)?.push(await roundTrip(ch, probeDate));
  const all = [...out.values()].flat();
  log(`raw round trip, idle: ${formatInt(all.length)} requests, p50 ${formatMs(percentile(all, 50))} ms, p99 ${formatMs(percentile(all, 99))} ms`);
  return out;
}

interface Measurement {
  commits: Commit[];
  failedBatches: number;
  batchMs: number[];
  loadMs: number;
  /** Most a batch started after its scheduled time. */
  maxBehindMs: number;
  drainMs: number;
  converged: boolean;
  rttLoaded: Map<string, number[]>;
  eventLoopP50Ms: number;
  eventLoopP99Ms: number;
  eventLoopMaxMs: number;
  acceptedBefore: Map<string, number>;
  acceptedAfter: Map<string, number>;
  deliveryLogFromId: number;
  outboxFromId: number;
}

const maxId = async (db: Db, table: string) => Number((await db(table).max<{ max: string | null }[]>('id as max'))[0]?.max ?? 0);

async function measure(db: Db, cells: Cell[], channels: BenchChannel[], flags: Flags, probeDate: string): Promise<Measurement> {
  const random = mulberry32(20261130);
  const batchesPerSecond = flags.rate / flags.batch;
  const totalBatches = Math.max(1, Math.round(batchesPerSecond * flags.seconds));
  const intervalMs = 1000 / batchesPerSecond;
  const deliveryLogFromId = await maxId(db, 'delivery_log');
  const outboxFromId = await maxId(db, 'outbox');

  for (const ch of channels) {
    ch.recording = true;
    ch.probes = 0;
    ch.jobs = 0;
  }
  const acceptedBefore = new Map(channels.map((c) => [c.code, c.sample.stats.accepted]));
  const commits: Commit[] = [];
  const batchMs: number[] = [];
  const busy = new Set<Cell>();
  let failedBatches = 0;
  let inFlight = 0;
  let maxBehindMs = 0;
  const running = new Set<Promise<void>>();

  // Loaded round trips: one probe at a time, every LOADED_PROBE_EVERY_MS, round-robin.
  const rttLoaded = new Map(channels.map((c) => [c.code, [] as number[]]));
  let probing = true;
  const prober = (async () => {
    for (let i = 0; probing && !aborted; i++) {
      const ch = channels[i % channels.length] as BenchChannel;
      ch.probes++;
      try {
        rttLoaded.get(ch.code)?.push(await roundTrip(ch, probeDate));
      } catch (error) {
        log(`loaded probe failed: ${String(error)}`);
      }
      await sleep(LOADED_PROBE_EVERY_MS);
    }
  })();

  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  // Every statement of the driver, the relay and the workers goes through `db`: where the time goes.
  const timer = attachQueryTimer(db, 60);

  const launch = () => {
    const chosen: Cell[] = [];
    // Distinct cells, none of them in a batch still committing: each cell's commits stay in order.
    while (chosen.length < flags.batch) {
      const cell = cells[Math.floor(random() * cells.length)] as Cell;
      if (busy.has(cell)) continue;
      busy.add(cell);
      chosen.push(cell);
    }
    const values = chosen.map((cell) => ++cell.issued);
    const start = now();
    inFlight++;
    const p = applyAriBatch(db, PROPERTY, { updates: chosen.map((cell, i) => updateFor(cell, values[i] as number)) })
      .then((result) => {
        const at = now();
        batchMs.push(at - start);
        if (result.cells !== chosen.length) log(`a batch wrote ${result.cells} cells, expected ${chosen.length}`);
        chosen.forEach((cell, i) => {
          const value = cell.kind === 'inventory' ? inventoryValue(values[i] as number) : rateValue(values[i] as number);
          cell.current = value;
          commits.push({ cell, value, at, version: result.version });
        });
      })
      .catch((error: unknown) => {
        failedBatches++;
        if (failedBatches <= 3) log(`batch failed: ${String(error)}`);
      })
      .finally(() => {
        inFlight--;
        for (const cell of chosen) busy.delete(cell);
        running.delete(p);
      });
    running.add(p);
  };

  log(`load: ${formatInt(flags.rate)} changes/s as ${formatMs(batchesPerSecond)} batches/s of ${flags.batch} for ${flags.seconds} s (${formatInt(totalBatches)} batches)`);
  const t0 = now();
  let launched = 0;
  let nextProgress = t0 + 1000;
  while (launched < totalBatches && !aborted) {
    const t = now();
    const due = Math.min(totalBatches, Math.floor((t - t0) / intervalMs) + 1);
    while (launched < due && inFlight < MAX_IN_FLIGHT) {
      maxBehindMs = Math.max(maxBehindMs, now() - (t0 + launched * intervalMs));
      launch();
      launched++;
    }
    if (t >= nextProgress) {
      log(`  ${formatMs((t - t0) / 1000)} s: ${formatInt(commits.length)} changes committed, ${inFlight} batches in flight`);
      nextProgress += 1000;
    }
    const wait = t0 + launched * intervalMs - now();
    await sleep(inFlight >= MAX_IN_FLIGHT ? 1 : Math.max(0, Math.min(wait, 20)));
  }
  await Promise.all([...running]);
  const loadMs = now() - t0;
  const achieved = (commits.length * 1000) / loadMs;
  log(`load done: ${formatInt(commits.length)} changes committed in ${formatMs(loadMs)} ms (${formatInt(achieved)}/s), ${failedBatches} batches failed; draining`);
  if (achieved < 0.9 * flags.rate) log(`NOTE: the ledger took ${formatInt(achieved)} changes/s, not the ${formatInt(flags.rate)} asked for; the lags below are at that rate`);

  const drainStart = now();
  const converged = await waitConverged(cells, channels, DRAIN_TIMEOUT_MS);
  const drainMs = now() - drainStart;
  loop.disable();
  probing = false;
  await prober;
  for (const ch of channels) ch.recording = false;
  await waitSettled(db, 10_000);
  timer.detach();
  log(`drained: every channel showed every last value ${formatMs(drainMs)} ms after the last commit${converged ? '' : ' (NOT converged)'}`);
  log(`SQL during load + drain, all connections of the pool (they overlap), by total time:`);
  for (const st of timer.stats().slice(0, 15)) log(`${formatMs(st.totalMs).padStart(10)} ms ${formatInt(st.calls).padStart(7)} calls  ${st.statement}`);
  return {
    commits,
    failedBatches,
    batchMs,
    loadMs,
    maxBehindMs,
    drainMs,
    converged,
    rttLoaded,
    eventLoopP50Ms: loop.percentile(50) / 1e6,
    eventLoopP99Ms: loop.percentile(99) / 1e6,
    eventLoopMaxMs: loop.max / 1e6,
    acceptedBefore,
    acceptedAfter: new Map(channels.map((c) => [c.code, c.sample.stats.accepted])),
    deliveryLogFromId,
    outboxFromId,
  };
}

interface DeliveryLogRow {
  code: string;
  syncs: number;
  messages: number;
  cells: number;
  lags: number[];
}

async function readDeliveryLog(db: Db, fromId: number): Promise<Map<string, DeliveryLogRow>> {
  const { rows } = await db.raw<{ rows: Array<{ code: string; syncs: string; messages: string; cells: string; lags: Array<number | null> }> }>(
    `SELECT c.code, count(*) AS syncs, sum(d.messages) AS messages, sum(d.cells) AS cells, array_agg(d.lag_ms) AS lags
     FROM delivery_log d JOIN channels c ON c.id = d.channel_id
     WHERE d.id > ? GROUP BY c.code`,
    [fromId],
  );
  return new Map(
    rows.map((r) => [
      r.code,
      { code: r.code, syncs: Number(r.syncs), messages: Number(r.messages), cells: Number(r.cells), lags: r.lags.filter((l): l is number => l !== null) },
    ]),
  );
}

/** Per batch version: when its transaction started (outbox.created_at = now()) and when the relay took it (published_at). */
async function readOutbox(db: Db, fromId: number): Promise<Map<number, { createdAt: number; publishedAt: number | null }>> {
  const { rows } = await db.raw<{ rows: Array<{ version: number; created_ms: string; published_ms: string | null }> }>(
    `SELECT (payload->>'version')::int AS version, extract(epoch FROM created_at) * 1000 AS created_ms, extract(epoch FROM published_at) * 1000 AS published_ms
     FROM outbox WHERE id > ?`,
    [fromId],
  );
  return new Map(rows.map((r) => [r.version, { createdAt: Number(r.created_ms), publishedAt: r.published_ms === null ? null : Number(r.published_ms) }]));
}

// ---------------------------------------------------------------------------------------------
// Matching and the report

interface ChannelLag {
  changes: number;
  delivered: number;
  coalesced: number;
  missing: number;
  lags: number[];
  negative: number;
  /** Per delivered change, where its lag went (ms); a stage is left out where a timestamp is missing. */
  stages: { relay: number[]; queue: number[]; work: number[]; send: number[] };
}

/**
 * Every committed change to a cell the channel receives is either delivered (that exact value reached
 * the channel; lag = arrival − commit), coalesced (never sent because a newer value superseded it
 * before the channel's next sync), or missing (the cell's last value never arrived).
 */
function matchChannel(channel: BenchChannel, commits: readonly Commit[], outbox: Map<number, { publishedAt: number | null }>): ChannelLag {
  const out: ChannelLag = { changes: 0, delivered: 0, coalesced: 0, missing: 0, lags: [], negative: 0, stages: { relay: [], queue: [], work: [], send: [] } };
  const firstArrival = new Map<string, Map<string, number>>();
  for (const [key, list] of channel.arrivals) {
    const byValue = new Map<string, number>();
    for (const a of list) if (!byValue.has(a.value)) byValue.set(a.value, a.at);
    firstArrival.set(key, byValue);
  }
  const starts = [...channel.syncStarts].sort((a, b) => a - b);
  /** The latest sync start at or before `t`. */
  const syncStartBefore = (t: number): number | undefined => {
    let lo = 0;
    let hi = starts.length - 1;
    let found: number | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((starts[mid] as number) <= t) {
        found = starts[mid];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
  for (const commit of commits) {
    if (!inScope(channel, commit.cell)) continue;
    out.changes++;
    const at = firstArrival.get(commit.cell.key)?.get(commit.value);
    if (at === undefined) {
      if (commit.value === commit.cell.current) out.missing++;
      else out.coalesced++;
      continue;
    }
    out.delivered++;
    const lag = at - commit.at;
    if (lag < 0) out.negative++;
    out.lags.push(lag);
    const relayed = outbox.get(commit.version)?.publishedAt ?? undefined;
    const sent = channel.sends.get(`${commit.cell.key}=${commit.value}`);
    const started = sent === undefined ? undefined : syncStartBefore(sent);
    if (relayed !== undefined && relayed !== null) out.stages.relay.push(relayed - commit.at);
    if (relayed !== undefined && relayed !== null && started !== undefined) out.stages.queue.push(started - relayed);
    if (started !== undefined && sent !== undefined) out.stages.work.push(sent - started);
    if (sent !== undefined) out.stages.send.push(at - sent);
  }
  return out;
}

const ms = (values: readonly number[], p: number) => (values.length === 0 ? '–' : formatMs(percentile(values, p)));
const ratio = (a: readonly number[], b: readonly number[] | undefined, p: number) =>
  a.length === 0 || !b || b.length === 0 ? '–' : formatRatio(percentile(a, p) / percentile(b, p));
const share = (part: number, whole: number) => `${formatInt(part)} (${whole > 0 ? Math.round((100 * part) / whole) : 0}%)`;

interface ReportInput {
  flags: Flags;
  cells: Cell[];
  channels: BenchChannel[];
  m: Measurement;
  rttIdle: Map<string, number[]>;
  deliveryLog: Map<string, DeliveryLogRow>;
  outbox: Map<number, { createdAt: number; publishedAt: number | null }>;
  loadBefore: number[];
  loadAfter: number[];
}

function report({ flags, cells, channels, m, rttIdle, deliveryLog, outbox, loadBefore, loadAfter }: ReportInput): string {
  const achieved = (m.commits.length * 1000) / m.loadMs;
  const lines: string[] = [];
  lines.push(
    `sync-lag: ${formatInt(flags.rate)} ARI changes/s asked, ${formatInt(achieved)}/s committed, for ${flags.seconds} s ` +
      `(${formatInt(m.commits.length)} changes in batches of ${flags.batch}); ${formatInt(cells.length)} cells; ${channels.length} channels; BullMQ on Redis`,
  );
  lines.push('lag = ledger commit (applyAriBatch answered) → the sample channel applied the value; RTT = one-cell POST to the same channel, idle');
  lines.push('');
  const all: ChannelLag = { changes: 0, delivered: 0, coalesced: 0, missing: 0, lags: [], negative: 0, stages: { relay: [], queue: [], work: [], send: [] } };
  const allRtt = [...rttIdle.values()].flat();
  const messagesOf = (c: BenchChannel) => (m.acceptedAfter.get(c.code) ?? 0) - (m.acceptedBefore.get(c.code) ?? 0) - c.probes;
  const rows: string[][] = [];
  const stageRows: string[][] = [];
  const stageCells = (lag: ChannelLag) => [
    `${ms(lag.stages.relay, 50)} / ${ms(lag.stages.relay, 99)}`,
    `${ms(lag.stages.queue, 50)} / ${ms(lag.stages.queue, 99)}`,
    `${ms(lag.stages.work, 50)} / ${ms(lag.stages.work, 99)}`,
    `${ms(lag.stages.send, 50)} / ${ms(lag.stages.send, 99)}`,
  ];
  for (const ch of channels) {
    const lag = matchChannel(ch, m.commits, outbox);
    all.changes += lag.changes;
    all.delivered += lag.delivered;
    all.coalesced += lag.coalesced;
    all.missing += lag.missing;
    all.negative += lag.negative;
    all.lags.push(...lag.lags);
    for (const k of ['relay', 'queue', 'work', 'send'] as const) all.stages[k].push(...lag.stages[k]);
    const rtt = rttIdle.get(ch.code) ?? [];
    const kind = `${ch.type}${ch.critical ? ', critical' : ''}`;
    rows.push([ch.code, kind, formatInt(lag.changes), share(lag.coalesced, lag.changes), formatInt(messagesOf(ch)), ms(lag.lags, 50), ms(lag.lags, 99), `${ms(rtt, 50)} / ${ms(rtt, 99)}`, ratio(lag.lags, rtt, 50), ratio(lag.lags, rtt, 99)]);
    stageRows.push([ch.code, kind, `${ms(lag.lags, 50)} / ${ms(lag.lags, 99)}`, ...stageCells(lag)]);
    if (lag.missing > 0 || lag.negative > 0) log(`${ch.code}: ${lag.missing} changes never arrived, ${lag.negative} arrived before their commit was seen`);
  }
  rows.push([
    'all',
    '',
    formatInt(all.changes),
    share(all.coalesced, all.changes),
    formatInt(channels.reduce((n, c) => n + messagesOf(c), 0)),
    ms(all.lags, 50),
    ms(all.lags, 99),
    `${ms(allRtt, 50)} / ${ms(allRtt, 99)}`,
    ratio(all.lags, allRtt, 50),
    ratio(all.lags, allRtt, 99),
  ]);
  stageRows.push(['all', '', `${ms(all.lags, 50)} / ${ms(all.lags, 99)}`, ...stageCells(all)]);
  lines.push(
    renderTable(
      ['channel', 'type', 'changes', 'coalesced', 'messages', 'lag p50 ms', 'lag p99 ms', 'RTT p50 / p99 ms', 'lag/RTT p50', 'lag/RTT p99'],
      rows,
      ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    ),
  );
  lines.push('');
  lines.push('where the lag goes, p50 / p99 ms per delivered change (stages do not add up: each has its own percentiles)');
  lines.push('  relay: commit → the outbox relay took the row (outbox.published_at)');
  lines.push('  queue: → the channel\'s sync started (BullMQ delay = batchIntervalMs for non-critical channels, coalescing window, lease)');
  lines.push('  work:  → the connector was asked to send it (read dirty ranges, ledger and acked state, diff, pacing)');
  lines.push('  send:  → the channel applied it (render, HTTP, the channel parses; for OTA rates after the restrictions message)');
  lines.push('');
  lines.push(
    renderTable(['channel', 'type', 'lag', 'relay', 'queue', 'work', 'send'], stageRows, ['left', 'left', 'right', 'right', 'right', 'right', 'right']),
  );
  lines.push('');
  lines.push('cross-check: BullMQ jobs run; delivery_log (a row per sync that sent something; lag_ms = its oldest dirty range\'s changed_at → after the send); raw RTT under load');
  lines.push('');
  lines.push(
    renderTable(
      ['channel', 'jobs', 'syncs', 'messages', 'cells sent', 'lag_ms p50', 'lag_ms p99', 'lag_ms max', 'RTT under load p50 / p99 ms'],
      channels.map((ch) => {
        const d = deliveryLog.get(ch.code);
        const loaded = m.rttLoaded.get(ch.code) ?? [];
        return [
          ch.code,
          formatInt(ch.jobs),
          formatInt(d?.syncs ?? 0),
          formatInt(d?.messages ?? 0),
          formatInt(d?.cells ?? 0),
          ms(d?.lags ?? [], 50),
          ms(d?.lags ?? [], 99),
          d && d.lags.length > 0 ? formatMs(Math.max(...d.lags)) : '–',
          `${ms(loaded, 50)} / ${ms(loaded, 99)}`,
        ];
      }),
      ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    ),
  );
  lines.push('');
  // outbox.created_at is the ARI transaction's now(): its start, before the property lock was granted.
  const txStartToCommit = m.commits.flatMap((c) => {
    const o = outbox.get(c.version);
    return o ? [c.at - o.createdAt] : [];
  });
  lines.push(
    `ledger: applyAriBatch p50 ${ms(m.batchMs, 50)} / p99 ${ms(m.batchMs, 99)} ms per batch; outbox.created_at (transaction start) → commit p50 ${ms(txStartToCommit, 50)} / p99 ${ms(txStartToCommit, 99)} ms; ` +
      `driver at most ${formatMs(m.maxBehindMs)} ms behind schedule; ${m.failedBatches} batches failed`,
  );
  lines.push(
    `process: event-loop delay p50 ${formatMs(m.eventLoopP50Ms)} / p99 ${formatMs(m.eventLoopP99Ms)} / max ${formatMs(m.eventLoopMaxMs)} ms ` +
      `(driver, relay, workers and sample channels share one process); load average ${loadBefore.map((l) => l.toFixed(1)).join(' ')} before, ${loadAfter.map((l) => l.toFixed(1)).join(' ')} after`,
  );
  lines.push(
    `drain: every channel showed every last value ${formatMs(m.drainMs)} ms after the last commit${m.converged ? '' : ' — NOT CONVERGED'}` +
      `${all.missing > 0 ? `, ${formatInt(all.missing)} changes missing` : ''}${all.negative > 0 ? `, ${formatInt(all.negative)} negative lags` : ''}`,
  );
  const intervals = [...new Set(channels.map((c) => c.type))].map((t) => `${t} ${formatInt(builtInConnectors().get(t)?.batchIntervalMs ?? 0)} ms`).join(', ');
  lines.push(`settings: coalescing window ${DEFAULT_COALESCE_MS} ms; non-critical channels wait batchIntervalMs before a sync (${intervals}); connector defaults for pacing and message size`);
  return `${lines.join('\n')}\n`;
}

main().catch((error: unknown) => {
  log(`sync-lag failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
