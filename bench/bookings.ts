/**
 * Booking throughput: how many bookings per second the hub takes on distinct rooms (no contention),
 * and how long a direct booking takes to confirm, through each layer, in the same run:
 *
 *   raw ledger reserve  reserveRooms in its own transaction (the baseline: lock, check, take, outbox)
 *   channel bookings    ingestChannelBooking (idempotent, revision-ordered, guest, PMS delivery)
 *   direct bookings     createDirectBooking: price → hold → sandbox payment → confirm
 *   direct over HTTP    POST /v1/properties/{code}/bookings with Idempotency-Key to the express app
 *   contention          every client races for the last few rooms of one night: sold-out answers/s
 *
 *   npx tsx bench/bookings.ts [--bookings 2000] [--concurrency 16] [--rounds 4] [--nights 1]
 *                             [--pool 10] [--last-rooms 5] [--no-http] [--no-contention]
 *
 * Figures go to stdout, progress and where the time goes to stderr. See bench/README.md.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createApp } from '../api/app';
import { silentLogger } from '../config/logger';
import { addDays, todayIn } from '../core/dates';
import { SoldOutError } from '../core/errors';
import type { PaymentProvider } from '../core/payment';
import type { StayNight } from '../core/property';
import type { PropertyDocument } from '../core/property-document';
import { createApiKey, findApiKey } from '../db/api-keys-repo';
import type { Db } from '../db/connection';
import { checkSoldInvariant } from '../db/invariants-repo';
import { reserveRooms } from '../db/ledger-repo';
import { readLedgerView } from '../db/ledger-view-repo';
import type { StoredProperty } from '../db/properties-repo';
import { SandboxPaymentProvider } from '../fixtures/payments/sandbox-provider';
import { applyAriBatch } from '../services/ari-service';
import { createDirectBooking, ingestChannelBooking, type BookingDeps } from '../services/booking-service';
import { importProperty, requireProperty } from '../services/property-service';
import {
  addInterruptCleanup,
  addStats,
  attachQueryTimer,
  formatInt,
  formatMs,
  formatRatio,
  log,
  median,
  parseIntFlags,
  percentile,
  perSecond,
  plural,
  renderTable,
  runInterleaved,
  withScratchDatabase,
  type QueryTimer,
  type Scenario,
  type StatementStats,
} from './lib';

const USAGE = `usage: npx tsx bench/bookings.ts [--bookings 2000] [--concurrency 16] [--rounds 4] [--nights 1]
                                [--pool 10] [--last-rooms 5] [--no-http] [--no-contention]

  --bookings N     bookings per scenario, every one on rooms no other booking touches  (default 2000)
  --concurrency N  bookings in flight at once (clients, closed loop)                  (default 16)
  --rounds N       the bookings are timed in N rounds, scenarios taking turns;
                   bookings/s is the median round                                     (default 4)
  --nights N       nights per booking (1 room each), at most 30                       (default 1)
  --pool N         Postgres connections of the hub's pool (production default 10)     (default 10)
  --last-rooms N   rooms left on the contended night                                   (default 5)
  --no-http        skip the HTTP scenario
  --no-contention  skip the contention scenario

Connects to DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), creates and drops its
own scratch database. Table on stdout, progress on stderr.`;

const PROPERTY = 'BKG01';
const TIMEZONE = 'UTC';
const CURRENCY = 'EUR';
const RATE_PLAN = 'BAR';
const RATE = '100.00';
const OTA_CHANNEL = 'OTA1';
/** Nights of each room type's calendar, from tomorrow. */
const DAYS = 360;
/** Rooms of every uncontended room type: each of its cells is booked once, so any count ≥ 1 would do. */
const ROOMS = 2;
const CONTENDED_ROOM_TYPE = 'LAST';
const GUEST = { firstName: 'Bench', lastName: 'Guest', email: 'guest@example.org' };

type Lane = 'raw' | 'channel' | 'direct' | 'http';
const LANES: readonly Lane[] = ['raw', 'channel', 'direct', 'http'];
const LABELS: Record<Lane, string> = {
  raw: 'raw ledger reserve (reserveRooms, 1 tx)',
  channel: 'channel bookings (ingestChannelBooking)',
  direct: 'direct bookings (createDirectBooking)',
  http: 'direct over HTTP (POST …/bookings)',
};

interface Layout {
  bookings: number;
  rounds: number;
  nights: number;
  /** Untimed bookings per scenario before the timed rounds (JIT, pool, plan caches), on their own rooms. */
  warmup: number;
  roomTypesPerLane: number;
  slotsPerRoomType: number;
  /** First night of every room type's calendar. */
  start: string;
  lastRooms: number;
}

const laneRoomType = (lane: Lane, i: number) => `${lane.toUpperCase()}${String(i + 1).padStart(2, '0')}`;

/**
 * Booking `i` of a lane (0 … bookings-1 timed, then the warm-up's) has nights of its own: no two
 * bookings of the bench share a cell, so the only row locks a booking meets are its own.
 */
function stayOf(layout: Layout, lane: Lane, i: number): { roomType: string; checkIn: string; checkOut: string } {
  const roomType = laneRoomType(lane, Math.floor(i / layout.slotsPerRoomType));
  const checkIn = addDays(layout.start, (i % layout.slotsPerRoomType) * layout.nights);
  return { roomType, checkIn, checkOut: addDays(checkIn, layout.nights) };
}

function nightsOf(layout: Layout, lane: Lane, i: number): StayNight[] {
  const stay = stayOf(layout, lane, i);
  return Array.from({ length: layout.nights }, (_, n) => ({ roomType: stay.roomType, date: addDays(stay.checkIn, n), rooms: 1 }));
}

/** Bookings of round `round` (-1: the warm-up) as indices [from, to). */
function roundRange(layout: Layout, round: number): { from: number; to: number } {
  if (round < 0) return { from: layout.bookings, to: layout.bookings + layout.warmup };
  return { from: Math.floor((round * layout.bookings) / layout.rounds), to: Math.floor(((round + 1) * layout.bookings) / layout.rounds) };
}

function propertyDocument(layout: Layout): PropertyDocument {
  const roomTypes: PropertyDocument['roomTypes'] = [];
  for (const lane of LANES) {
    for (let i = 0; i < layout.roomTypesPerLane; i++) roomTypes.push({ code: laneRoomType(lane, i), name: `${lane} ${i + 1}`, rooms: ROOMS, maxOccupancy: 2 });
  }
  roomTypes.push({ code: CONTENDED_ROOM_TYPE, name: 'The last rooms', rooms: layout.lastRooms, maxOccupancy: 2 });
  return {
    code: PROPERTY,
    name: 'Bench bookings',
    timezone: TIMEZONE,
    currency: CURRENCY,
    roomTypes,
    ratePlans: [{ code: RATE_PLAN, name: 'Best available', roomTypes: roomTypes.map((r) => r.code) }],
    // The OTA the channel bookings come from, and a PMS every booking is queued for. No worker runs,
    // so nothing is sent: the bench measures what a booking costs the hub up to its answer.
    channels: [
      { code: OTA_CHANNEL, type: 'ota-xml', endpoint: 'http://127.0.0.1:9/ota', hotelCode: 'B1', credentials: { username: 'u', password: 'p' } },
      { code: 'PMS', type: 'pms', endpoint: 'http://127.0.0.1:9/pms' },
    ],
  };
}

/** The PMS's push: every room type's rooms and a rate on every night of the calendar. */
function ariBatch(layout: Layout, doc: PropertyDocument): { updates: Array<Record<string, unknown>> } {
  const to = addDays(layout.start, DAYS - 1);
  return {
    updates: doc.roomTypes.flatMap((r) => [
      { roomType: r.code, from: layout.start, to, total: r.rooms },
      { roomType: r.code, ratePlan: RATE_PLAN, from: layout.start, to, rate: RATE },
    ]),
  };
}

// ---------------------------------------------------------------------------------------------
// Load and instruments

/**
 * Closed loop: `concurrency` clients, each starting its next call when its last one answered, over
 * indices [from, to). Returns every call's latency in ms; the first error stops all clients.
 */
async function closedLoop(from: number, to: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<number[]> {
  const latencies: number[] = [];
  let next = from;
  let failed = false;
  const client = async () => {
    while (!failed && next < to) {
      const i = next++;
      const t0 = performance.now();
      try {
        await op(i);
      } catch (error) {
        failed = true;
        throw error;
      }
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: Math.max(0, Math.min(concurrency, to - from)) }, client));
  return latencies;
}

/**
 * What knex and its pool do for a stretch of work: every round trip (lib's statement timer skips
 * BEGIN/COMMIT/SAVEPOINT, this counts them) and the time spent waiting for a pool connection.
 */
interface Meter {
  reset(): void;
  read(): { roundTrips: number; poolWaitMs: number; acquires: number };
  detach(): void;
}

function attachMeter(db: Db): Meter {
  type Emitter = { on(event: string, f: (...args: unknown[]) => void): void; removeListener(event: string, f: (...args: unknown[]) => void): void };
  const pool = db.client.pool as unknown as Emitter | undefined;
  let roundTrips = 0;
  let poolWaitMs = 0;
  let acquires = 0;
  const pending = new Map<unknown, number>();
  const onQuery = () => {
    roundTrips++;
  };
  const onRequest = (id: unknown) => pending.set(id, performance.now());
  const onSuccess = (id: unknown) => {
    const at = pending.get(id);
    if (at === undefined) return;
    pending.delete(id);
    poolWaitMs += performance.now() - at;
    acquires++;
  };
  db.on('query', onQuery);
  pool?.on('acquireRequest', onRequest);
  pool?.on('acquireSuccess', onSuccess);
  return {
    reset() {
      roundTrips = 0;
      poolWaitMs = 0;
      acquires = 0;
    },
    read: () => ({ roundTrips, poolWaitMs, acquires }),
    detach() {
      db.off('query', onQuery);
      pool?.removeListener('acquireRequest', onRequest);
      pool?.removeListener('acquireSuccess', onSuccess);
    },
  };
}

interface LaneRun {
  scenario: Scenario;
  /** Bookings and wall time of each timed round. */
  rounds: Array<{ items: number; ms: number }>;
  latencies: number[];
  stats: Map<string, StatementStats>;
  roundTrips: number;
  poolWaitMs: number;
  acquires: number;
  /** Node CPU (user + system) of the timed rounds, ms. */
  cpuMs: number;
  notes: string[];
}

/** A scenario whose timed round `r` runs `op` over the round's bookings at `concurrency`, recording everything above. */
function loadScenario(
  name: string,
  layout: Layout,
  concurrency: number,
  instruments: { timer: QueryTimer; meter: Meter },
  hooks: { op: (round: number, i: number) => Promise<void>; after?: (round: number, lane: LaneRun) => void },
): LaneRun {
  const lane: LaneRun = { scenario: undefined as unknown as Scenario, rounds: [], latencies: [], stats: new Map(), roundTrips: 0, poolWaitMs: 0, acquires: 0, cpuMs: 0, notes: [] };
  const loop = (round: number) => {
    const { from, to } = roundRange(layout, round);
    return closedLoop(from, to, concurrency, (i) => hooks.op(round, i));
  };
  lane.scenario = {
    name,
    items: layout.bookings,
    async setup() {
      await loop(-1);
      hooks.after?.(-1, lane);
    },
    async run(round) {
      instruments.timer.reset();
      instruments.meter.reset();
      const cpu = process.cpuUsage();
      const t0 = performance.now();
      const latencies = await loop(round);
      const ms = performance.now() - t0;
      const used = process.cpuUsage(cpu);
      lane.rounds.push({ items: latencies.length, ms });
      lane.latencies.push(...latencies);
      lane.cpuMs += (used.user + used.system) / 1000;
      addStats(lane.stats, instruments.timer.stats());
      const m = instruments.meter.read();
      lane.roundTrips += m.roundTrips;
      lane.poolWaitMs += m.poolWaitMs;
      lane.acquires += m.acquires;
      hooks.after?.(round, lane);
    },
  };
  return lane;
}

/** Median over the rounds of bookings/s. */
const rateOf = (lane: LaneRun) => median(lane.rounds.map((r) => perSecond(r.items, r.ms)));

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const { values, flags } = parseIntFlags(
    USAGE,
    { bookings: 2000, concurrency: 16, rounds: 4, nights: 1, pool: 10, 'last-rooms': 5 },
    ['no-http', 'no-contention'],
  );
  const { bookings, concurrency, nights, pool } = values;
  const rounds = Math.min(values.rounds, bookings);
  if (nights > 30) {
    log(`--nights must be at most 30\n${USAGE}`);
    process.exit(2);
  }
  const slotsPerRoomType = Math.floor(DAYS / nights);
  const warmup = Math.min(200, Math.max(50, 4 * concurrency));
  const layout: Layout = {
    bookings,
    rounds,
    nights,
    warmup,
    roomTypesPerLane: Math.ceil((bookings + warmup) / slotsPerRoomType),
    slotsPerRoomType,
    start: addDays(todayIn(TIMEZONE), 1),
    lastRooms: values['last-rooms'],
  };
  if (layout.roomTypesPerLane * LANES.length > 400 || rounds + 1 > DAYS) {
    log(`--bookings ${bookings} × --nights ${nights} needs ${layout.roomTypesPerLane * LANES.length} room types; keep it under 400\n${USAGE}`);
    process.exit(2);
  }

  await withScratchDatabase(
    async ({ db }) => {
      const doc = propertyDocument(layout);
      await importProperty(db, doc);
      const ari = await applyAriBatch(db, PROPERTY, ariBatch(layout, doc));
      const stored = await requireProperty(db, PROPERTY);
      log(
        `property ${PROPERTY}: ${plural(doc.roomTypes.length, 'room type')} × ${DAYS} nights from ${layout.start} (${formatInt(ari.cells)} cells pushed), ` +
          `${plural(layout.roomTypesPerLane, 'room type')} per scenario, 2 channels, stored document ${formatInt(JSON.stringify(stored.property).length)} bytes`,
      );
      log(
        `${formatInt(bookings)} bookings × ${plural(nights, 'night')} per scenario in ${plural(rounds, 'round')}, ${concurrency} concurrent, pool ${pool}, ` +
          `after ${formatInt(warmup)} untimed warm-up bookings per scenario; load average ${loadavg()[0]?.toFixed(1)}`,
      );
      await bench(db, stored, layout, { concurrency, pool, http: !flags.has('no-http'), contention: !flags.has('no-contention') });
    },
    { label: 'bookings', poolMax: pool },
  );
}

async function bench(db: Db, stored: StoredProperty, layout: Layout, options: { concurrency: number; pool: number; http: boolean; contention: boolean }): Promise<void> {
  const { concurrency } = options;
  const deps: BookingDeps = { db, logger: silentLogger };
  const payments: ReadonlyMap<string, PaymentProvider> = new Map([['sandbox', new SandboxPaymentProvider()]]);
  const instruments = { timer: attachQueryTimer(db), meter: attachMeter(db) };
  const loadAtStart = loadavg()[0] ?? 0;

  const directBody = (stay: { roomType: string; checkIn: string; checkOut: string }) => ({
    roomStays: [{ ...stay, ratePlan: RATE_PLAN, rooms: 1, adults: 2 }],
    guest: GUEST,
    payment: { provider: 'sandbox', token: 'approve' },
  });
  const expect = (ok: boolean, what: () => string) => {
    if (!ok) throw new Error(`unexpected answer: ${what()}`);
  };

  // The HTTP scenario: the real app on a local port, in this process (so the client's fetch shares
  // the event loop and the CPU with the server; see README).
  let server: Server | undefined;
  let apiKey = '';
  let baseUrl = '';
  if (options.http) {
    apiKey = (await createApiKey(db, PROPERTY, 'channel')).key;
    const app = createApp({ db, logger: silentLogger, payments });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  const closeServer = async () => {
    const s = server;
    server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  const unregisterCleanup = addInterruptCleanup(closeServer);

  const ops: Record<Lane, (round: number, i: number) => Promise<void>> = {
    raw: async (_round, i) => {
      const reservation = await db.transaction((trx) =>
        reserveRooms(trx, stored, { source: 'bench', externalRef: `raw-${i}`, status: 'confirmed', nights: nightsOf(layout, 'raw', i) }),
      );
      expect(reservation.overbooked.length === 0, () => `raw reserve ${i} overbooked`);
    },
    channel: async (_round, i) => {
      const result = await ingestChannelBooking(deps, PROPERTY, {
        channelCode: OTA_CHANNEL,
        channelBookingId: `ota-${i}`,
        revision: '1',
        status: 'new',
        roomStays: [{ ...stayOf(layout, 'channel', i), ratePlan: RATE_PLAN, rooms: 1 }],
        total: { amount: (Number(RATE) * layout.nights).toFixed(2), currency: CURRENCY },
        guest: GUEST,
      });
      expect(result.outcome === 'created' && result.overbooked.length === 0, () => `channel booking ${i}: ${result.outcome}`);
    },
    direct: async (_round, i) => {
      const answer = await createDirectBooking(deps, PROPERTY, directBody(stayOf(layout, 'direct', i)), { idempotencyKey: `direct-${i}`, payments });
      expect(answer.statusCode === 201, () => `direct booking ${i}: ${answer.statusCode} ${JSON.stringify(answer.body)}`);
    },
    http: async (_round, i) => {
      const res = await fetch(`${baseUrl}/v1/properties/${PROPERTY}/bookings`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', 'idempotency-key': `http-${i}` },
        body: JSON.stringify(directBody(stayOf(layout, 'http', i))),
      });
      const text = await res.text();
      expect(res.status === 201, () => `HTTP booking ${i}: ${res.status} ${text}`);
    },
  };

  try {
    const lanes: LaneRun[] = LANES.filter((lane) => lane !== 'http' || options.http).map((lane) =>
      loadScenario(LABELS[lane], layout, concurrency, instruments, { op: ops[lane] }),
    );

    // Contention: in each round (and the warm-up) every client books the same night of one room type
    // that has `lastRooms` rooms left: exactly that many are confirmed, every other attempt gets the
    // sold-out answer (SoldOutError; 409 over HTTP).
    if (options.contention) {
      const night = (round: number) => addDays(layout.start, round + 1);
      const outcomes = new Map<number, { confirmed: number; soldOut: number }>();
      const race = async (round: number, i: number) => {
        const o = outcomes.get(round) ?? { confirmed: 0, soldOut: 0 };
        outcomes.set(round, o);
        try {
          const stay = { roomType: CONTENDED_ROOM_TYPE, checkIn: night(round), checkOut: addDays(night(round), 1) };
          const answer = await createDirectBooking(deps, PROPERTY, directBody(stay), { idempotencyKey: `last-${round}-${i}`, payments });
          expect(answer.statusCode === 201, () => `contended booking ${i}: ${answer.statusCode}`);
          o.confirmed++;
        } catch (error) {
          if (!(error instanceof SoldOutError)) throw error;
          o.soldOut++;
        }
      };
      lanes.push(
        loadScenario(`contention: last ${plural(layout.lastRooms, 'room')}, direct → sold out`, layout, concurrency, instruments, {
          op: race,
          after: (round, lane) => {
            const o = outcomes.get(round) ?? { confirmed: 0, soldOut: 0 };
            expect(o.confirmed === Math.min(layout.lastRooms, o.confirmed + o.soldOut), () => `contended night ${night(round)}: ${o.confirmed} confirmed, ${o.soldOut} sold out`);
            if (round >= 0) lane.notes.push(`round ${round + 1}: ${o.confirmed} confirmed, ${formatInt(o.soldOut)} sold out`);
          },
        }),
      );
    }

    await runInterleaved(
      lanes.map((l) => l.scenario),
      layout.rounds,
    );
    const loadAtEnd = loadavg()[0] ?? 0;

    // Every booking the bench made is in the ledger exactly once.
    const violations = await checkSoldInvariant(db, PROPERTY);
    if (violations.length > 0) throw new Error(`sold invariant broken: ${JSON.stringify(violations.slice(0, 5))}`);
    const counts = await db('reservations').groupBy('status').orderBy('status').select<{ status: string; n: string }[]>('status', db.raw('count(*) AS n'));
    log(`ledger check passed (sold + overbooked = rooms of active bookings, every cell); reservations: ${counts.map((c) => `${c.status} ${formatInt(Number(c.n))}`).join(', ')}`);

    const pieces = await measurePieces(db, stored, layout, concurrency, apiKey);

    // The table.
    const raw = lanes[0] as LaneRun;
    const baseRate = rateOf(raw);
    const rows = lanes.map((lane) => {
      const rate = rateOf(lane);
      return [
        lane.scenario.name,
        formatInt(lane.latencies.length),
        formatInt(rate),
        formatMs(percentile(lane.latencies, 50)),
        formatMs(percentile(lane.latencies, 99)),
        lane === raw ? '1.00x (baseline)' : `${formatRatio(rate / baseRate)} of raw reserve`,
      ];
    });
    process.stdout.write(
      `bookings: ${formatInt(layout.bookings)} bookings per scenario on distinct rooms (${plural(layout.nights, 'night')} each), ${concurrency} concurrent, ` +
        `pool ${options.pool}, bookings/s = median of ${plural(layout.rounds, 'round')}; load average ${loadAtStart.toFixed(1)} → ${loadAtEnd.toFixed(1)}\n\n`,
    );
    process.stdout.write(
      `${renderTable(['scenario', 'bookings', 'bookings/s', 'p50 ms', 'p99 ms', 'vs raw reserve'], rows, ['left', 'right', 'right', 'right', 'right', 'left'])}\n`,
    );

    // Where a booking's time goes, on stderr.
    for (const lane of lanes) {
      const n = lane.latencies.length;
      const wallMs = lane.rounds.reduce((sum, r) => sum + r.ms, 0);
      const stats = [...lane.stats.values()].sort((a, b) => b.totalMs - a.totalMs);
      const statements = stats.reduce((sum, s) => sum + s.calls, 0);
      const statementMs = stats.reduce((sum, s) => sum + s.totalMs, 0);
      const mean = lane.latencies.reduce((a, b) => a + b, 0) / n;
      log(`\n${lane.scenario.name}, per booking (mean of ${formatInt(n)}):`);
      log(
        `  latency ${formatMs(mean)} ms; in statements ${formatMs(statementMs / n)} ms (${(statements / n).toFixed(1)} statements, ${(lane.roundTrips / n).toFixed(1)} round trips with BEGIN/COMMIT/SAVEPOINT); ` +
          `waiting for a pool connection ${formatMs(lane.poolWaitMs / n)} ms (${(lane.acquires / n).toFixed(1)} acquires)`,
      );
      log(`  Node CPU ${formatMs(lane.cpuMs / n)} ms (the Node process was busy ${formatInt((100 * lane.cpuMs) / wallMs)} % of the wall time)`);
      for (const note of lane.notes) log(`  ${note}`);
      log('  calls  ms/booking  statement');
      for (const s of stats) {
        if (s.totalMs / n < 0.05) continue;
        log(`  ${(s.calls / n).toFixed(1).padStart(5)}  ${formatMs(s.totalMs / n).padStart(10)}  ${s.statement}`);
      }
    }
    log(`\npieces of a booking, each alone, ${formatInt(layout.bookings)} calls at ${concurrency} concurrent:`);
    log(renderTable(['piece', 'calls/s', 'p50 ms', 'p99 ms', 'round trips'], pieces, ['left', 'right', 'right', 'right', 'right']));
  } finally {
    instruments.timer.detach();
    instruments.meter.detach();
    unregisterCleanup();
    await closeServer();
  }
}

/**
 * What a booking does besides taking rooms, each timed alone: the property load (every service call
 * starts with one), the API key lookup (every HTTP request), the rate read of priceStays, and two
 * transactions, to tell a round trip from a commit.
 */
async function measurePieces(db: Db, stored: StoredProperty, layout: Layout, concurrency: number, apiKey: string): Promise<string[][]> {
  await db.raw('CREATE TABLE bench_commits (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())');
  const meter = attachMeter(db);
  const rows: string[][] = [];
  const piece = async (name: string, op: (i: number) => Promise<unknown>) => {
    await closedLoop(0, layout.warmup, concurrency, op);
    meter.reset();
    const t0 = performance.now();
    const latencies = await closedLoop(0, layout.bookings, concurrency, op);
    const ms = performance.now() - t0;
    rows.push([
      name,
      formatInt(perSecond(layout.bookings, ms)),
      formatMs(percentile(latencies, 50)),
      formatMs(percentile(latencies, 99)),
      (meter.read().roundTrips / layout.bookings).toFixed(1),
    ]);
    log(`  piece ${name}: ${formatMs(ms)} ms`);
  };
  try {
    await piece('property load (requireProperty)', () => requireProperty(db, PROPERTY));
    if (apiKey) await piece('API key lookup (findApiKey)', () => findApiKey(db, apiKey));
    await piece('rate read of priceStays (readLedgerView)', (i) => {
      const stay = stayOf(layout, 'direct', i);
      return readLedgerView(db, stored, { from: stay.checkIn, to: stay.checkOut, roomType: stay.roomType, ratePlan: RATE_PLAN });
    });
    await piece('read-only transaction (BEGIN; SELECT 1; COMMIT)', () => db.transaction((trx) => trx.raw('SELECT 1')));
    await piece('write transaction (BEGIN; INSERT 1 row; COMMIT)', () => db.transaction((trx) => trx('bench_commits').insert({})));
  } finally {
    meter.detach();
  }
  return rows;
}

main().catch((error: unknown) => {
  log(`bookings bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
