/**
 * ARI ingest throughput: how many ledger cells per second a big PMS push gets through the real
 * service path (applyAriBatch: parse, plan, set-based SQL, outbox, one transaction), next to raw
 * COPY of the same rows into plain tables on the same server in the same run.
 *
 *   npx tsx bench/ari-ingest.ts [--days 365] [--room-types 20] [--rate-plans 5] [--runs 3] [--no-derived]
 *
 * Figures go to stdout, progress to stderr. See bench/README.md for how to read them.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { parseAriBatch, planAriBatch, type AriPlan, type AriUpdate } from '../core/ari';
import { addDays, todayIn, type Weekday } from '../core/dates';
import type { PropertyDocument } from '../core/property-document';
import type { Db } from '../db/connection';
import type { StoredProperty } from '../db/properties-repo';
import { applyAriBatch } from '../services/ari-service';
import { importProperty, requireProperty } from '../services/property-service';
import {
  addStats,
  attachQueryTimer,
  formatBreakdown,
  formatInt,
  formatMs,
  log,
  median,
  parseIntFlags,
  plural,
  runInterleaved,
  throughputTable,
  timeRuns,
  withScratchDatabase,
  type QueryTimer,
  type Scenario,
  type StatementStats,
} from './lib';

const USAGE = `usage: npx tsx bench/ari-ingest.ts [--days 365] [--room-types 20] [--rate-plans 5] [--runs 3] [--no-derived]

  --days N        nights covered by the batch, starting today (UTC)           (default 365, max 1095)
  --room-types N  room types of the bench property                            (default 20)
  --rate-plans N  rate plans, each sold on every room type                    (default 5)
  --runs N        timed runs per scenario; the median is reported             (default 3)
  --no-derived    skip the scenario where 2 of the rate plans are derived

Connects to DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), creates and drops its
own scratch database. Table on stdout, progress on stderr.`;

const TIMEZONE = 'UTC';
const CURRENCY = 'EUR';

interface Shape {
  days: number;
  roomTypes: number;
  ratePlans: number;
  /** How many of the rate plans are derived from the first one (0 for the plain scenarios). */
  derived: number;
}

const roomTypeCode = (i: number) => `RT${String(i + 1).padStart(2, '0')}`;
const ratePlanCode = (j: number) => `RP${String(j + 1).padStart(2, '0')}`;
/** The last `derived` plans hang off the first plan. */
const isDerived = (shape: Shape, j: number) => j >= shape.ratePlans - shape.derived;

function propertyDocument(code: string, shape: Shape): PropertyDocument {
  const roomTypes = Array.from({ length: shape.roomTypes }, (_, i) => ({
    code: roomTypeCode(i),
    name: `Room type ${i + 1}`,
    rooms: 30 + (i % 10) * 5,
    maxOccupancy: 2 + (i % 3),
  }));
  const allRooms = roomTypes.map((r) => r.code);
  const ratePlans = Array.from({ length: shape.ratePlans }, (_, j) =>
    isDerived(shape, j)
      ? {
          code: ratePlanCode(j),
          name: `Derived plan ${j + 1}`,
          derivedFrom: ratePlanCode(0),
          adjust: j % 2 === 0 ? { percent: '-10' } : { amount: '-5.00' },
        }
      : { code: ratePlanCode(j), name: `Plan ${j + 1}`, roomTypes: allRooms },
  );
  return { code, name: `Bench ${code}`, timezone: TIMEZONE, currency: CURRENCY, roomTypes, ratePlans, channels: [] };
}

/**
 * What a PMS sends for a full-year refresh: per room type the sellable count for the whole range,
 * per plan × room type a rate with its restrictions, a weekend uplift (fri, sat) with a longer
 * minimum stay, and closed-to-arrival on Sundays for every plan of the room type. `variant` flips
 * every value, so consecutive runs with variants 0, 1, 0, … change every cell they touch.
 */
function ariBatch(shape: Shape, from: string, variant: 0 | 1): { updates: AriUpdate[] } {
  const to = addDays(from, shape.days - 1);
  const weekend: Weekday[] = ['fri', 'sat'];
  const updates: AriUpdate[] = [];
  for (let i = 0; i < shape.roomTypes; i++) {
    const roomType = roomTypeCode(i);
    updates.push({ roomType, from, to, available: 20 + (i % 10) + variant });
    for (let j = 0; j < shape.ratePlans; j++) {
      const ratePlan = ratePlanCode(j);
      const restrictions = { minStay: 1 + variant, maxStay: 14 + variant, closedToDeparture: variant === 1, stopSell: false };
      if (isDerived(shape, j)) {
        // A derived plan's rate follows its parent; the PMS still sets its restrictions.
        updates.push({ roomType, ratePlan, from, to, ...restrictions });
        continue;
      }
      const rate = 90 + 10 * j + i + variant;
      updates.push({ roomType, ratePlan, from, to, rate: `${rate}.00`, ...restrictions });
      updates.push({ roomType, ratePlan, from, to, days: weekend, rate: `${rate + 25}.50`, minStay: 2 + variant });
    }
    updates.push({ roomType, from, to, days: ['sun'], closedToArrival: variant === 0 });
  }
  return { updates };
}

function expectedCells(shape: Shape): { inventory: number; rates: number; total: number } {
  const inventory = shape.days * shape.roomTypes;
  const rates = inventory * shape.ratePlans;
  return { inventory, rates, total: inventory + rates };
}

// ---------------------------------------------------------------------------------------------
// Tidewater: the real service path

async function importBenchProperty(db: Db, code: string, shape: Shape): Promise<StoredProperty> {
  await importProperty(db, propertyDocument(code, shape));
  return requireProperty(db, code);
}

/** A tidewater scenario also keeps, per statement, where its timed runs spent their time. */
interface TidewaterScenario extends Scenario {
  statements: Map<string, StatementStats>;
}

/** Times applyAriBatch exactly as the API calls it, and checks that it wrote the cells we compare. */
async function timedApply(db: Db, timer: QueryTimer, scenario: TidewaterScenario, code: string, batch: unknown): Promise<void> {
  timer.reset();
  const result = await applyAriBatch(db, code, batch);
  addStats(scenario.statements, timer.stats());
  if (result.cells !== scenario.items) {
    throw new Error(`${scenario.name}: applyAriBatch wrote ${result.cells} cells, expected ${scenario.items}; the comparison would be meaningless`);
  }
}

/** First push onto an empty ledger: every cell is an INSERT. A fresh property per run, imported untimed. */
function firstPush(db: Db, timer: QueryTimer, shape: Shape, from: string): TidewaterScenario {
  const batch = ariBatch(shape, from, 0);
  const code = (run: number) => `FIRST${run + 1}`;
  const scenario: TidewaterScenario = {
    name: 'tidewater, first push (insert)',
    items: expectedCells(shape).total,
    statements: new Map(),
    before: async (run) => {
      await importBenchProperty(db, code(run), shape);
    },
    run: (run) => timedApply(db, timer, scenario, code(run), batch),
  };
  return scenario;
}

/**
 * Re-push onto a full ledger: every cell is an UPDATE. The property is loaded once, untimed; the runs
 * then alternate between two sets of values, so every run really changes every cell.
 */
function rePush(db: Db, timer: QueryTimer, name: string, code: string, shape: Shape, from: string): TidewaterScenario {
  const batches = [ariBatch(shape, from, 0), ariBatch(shape, from, 1)] as const;
  const scenario: TidewaterScenario = {
    name,
    items: expectedCells(shape).total,
    statements: new Map(),
    setup: async () => {
      await importBenchProperty(db, code, shape);
      await applyAriBatch(db, code, batches[0]);
    },
    run: (run) => timedApply(db, timer, scenario, code, run % 2 === 0 ? batches[1] : batches[0]),
  };
  return scenario;
}

// ---------------------------------------------------------------------------------------------
// Baseline: raw COPY of the same rows and columns

interface CopyRows {
  inventory: string[];
  rates: string[];
}

// Timestamps last: they are filled in at send time (see copyText).
const INVENTORY_COLUMNS =
  'property_id, room_type_id, stay_date, total, pms_available, in_flight, sold, blocked, version, pms_available_at, updated_at';
const RATE_COLUMNS =
  'property_id, rate_plan_id, room_type_id, stay_date, amount, min_stay, max_stay, closed_to_arrival, closed_to_departure, stop_sell, version, updated_at';

const field = (v: string | number | boolean | null | undefined) => (v === null || v === undefined ? '\\N' : String(v));

/**
 * The rows a first push writes, as COPY text lines (without the timestamp, filled in per run). They
 * come from the very plan applyAriBatch executes, so counts and values match cell for cell.
 */
function copyRows(stored: StoredProperty, plan: AriPlan): CopyRows {
  const rooms = new Map(stored.property.roomTypes.map((r) => [r.code, r.rooms]));
  const inventory = plan.inventory.map((c) =>
    [
      stored.id,
      stored.roomTypeIds.get(c.roomType),
      c.date,
      c.total ?? rooms.get(c.roomType),
      c.available,
      0,
      0,
      c.outOfOrder ?? 0,
      1,
    ]
      .map(field)
      .join('\t'),
  );
  const rates = plan.rates.map((c) =>
    [
      stored.id,
      stored.ratePlanIds.get(c.ratePlan),
      stored.roomTypeIds.get(c.roomType),
      c.date,
      c.amount,
      c.minStay,
      c.maxStay,
      c.closedToArrival ?? false,
      c.closedToDeparture ?? false,
      c.stopSell ?? false,
      1,
    ]
      .map(field)
      .join('\t'),
  );
  return { inventory, rates };
}

/**
 * COPY text in chunks of a few thousand lines. The trailing timestamp columns (`stamps` of them) are
 * set at send time, as now() would be in the ledger.
 */
function* copyText(lines: readonly string[], stamps: number): Generator<string> {
  const CHUNK = 4000;
  const tail = `\t${new Date().toISOString()}`.repeat(stamps) + '\n';
  for (let i = 0; i < lines.length; i += CHUNK) {
    let out = '';
    for (const line of lines.slice(i, i + CHUNK)) out += line + tail;
    yield out;
  }
}

async function copyInto(client: Client, table: string, columns: string, text: Iterable<string>): Promise<void> {
  const stream = client.query(copyFrom(`COPY ${table} (${columns}) FROM STDIN`));
  await pipeline(Readable.from(text), stream);
}

/**
 * COPY of the same rows into plain tables of the same column types, emptied (untimed) before each
 * run. With `constraints`, the tables also get the ledger's primary keys and CHECKs (still no
 * foreign keys, no generated column, no outbox).
 */
function rawCopy(url: string, rows: CopyRows, constraints: boolean): Scenario {
  const suffix = constraints ? '_pk' : '';
  const like = constraints ? 'INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES' : 'INCLUDING DEFAULTS';
  const inventory = `bench_inventory${suffix}`;
  const rates = `bench_rates${suffix}`;
  const items = rows.inventory.length + rows.rates.length;
  const client = new Client({ connectionString: url, application_name: 'tidewater-bench-copy' });
  const name = constraints ? 'raw COPY + PK + CHECKs' : 'raw COPY (baseline)';
  return {
    name,
    items,
    setup: async () => {
      await client.connect();
      await client.query(`CREATE TABLE ${inventory} (LIKE inventory_cells ${like})`);
      await client.query(`ALTER TABLE ${inventory} DROP COLUMN available`);
      await client.query(`CREATE TABLE ${rates} (LIKE rate_cells ${like})`);
    },
    before: async () => {
      await client.query(`TRUNCATE ${inventory}, ${rates}`);
    },
    run: async () => {
      await client.query('BEGIN');
      await copyInto(client, inventory, INVENTORY_COLUMNS, copyText(rows.inventory, 2));
      await copyInto(client, rates, RATE_COLUMNS, copyText(rows.rates, 1));
      await client.query('COMMIT');
      const { rows: counts } = await client.query<{ n: string }>(
        `SELECT (SELECT count(*) FROM ${inventory}) + (SELECT count(*) FROM ${rates}) AS n`,
      );
      if (Number(counts[0]?.n) !== items) throw new Error(`${name}: copied ${counts[0]?.n} rows, expected ${items}`);
    },
    teardown: () => client.end().catch(() => undefined),
  };
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const { values, flags } = parseIntFlags(USAGE, { days: 365, 'room-types': 20, 'rate-plans': 5, runs: 3 }, ['no-derived']);
  if (values.days > 1095) {
    log(`--days must be at most 1095 (one ARI update covers at most 3 years)\n${USAGE}`);
    process.exit(2);
  }
  const plain: Shape = { days: values.days, roomTypes: values['room-types'], ratePlans: values['rate-plans'], derived: 0 };
  const withDerived: Shape | undefined =
    flags.has('no-derived') || plain.ratePlans < 3 ? undefined : { ...plain, derived: 2 };
  if (!withDerived && !flags.has('no-derived')) log('derived scenario skipped: it needs at least 3 rate plans');
  const runs = values.runs;
  const from = todayIn(TIMEZONE);
  const cells = expectedCells(plain);
  log(
    `ari-ingest: ${plain.days} days × ${plain.roomTypes} room types × ${plain.ratePlans} rate plans = ` +
      `${formatInt(cells.inventory)} inventory + ${formatInt(cells.rates)} rate cells per batch, ${plural(runs, 'run')} per scenario`,
  );

  const table = await withScratchDatabase(
    async ({ db, url }) => {
      const { rows: server } = await db.raw<{ rows: { server_version: string }[] }>('SHOW server_version');
      log(`Postgres ${server[0]?.server_version ?? '?'}`);

      // The JavaScript share on its own: zod parse + planAriBatch of one batch, no database. The
      // repeats also warm the JIT up before anything is timed.
      const probe = await importBenchProperty(db, 'PROBE', plain);
      const batch = ariBatch(plain, from, 0);
      const jsOnly = await timeRuns(runs + 1, async () => planAriBatch(probe.property, parseAriBatch(batch)));
      log(`parse + plan alone (JavaScript, no SQL): median ${formatMs(median(jsOnly.slice(1).map((t) => t.ms)))} ms for ${batch.updates.length} updates`);

      const timer = attachQueryTimer(db);
      const tidewater = [
        firstPush(db, timer, plain, from),
        rePush(db, timer, 'tidewater, re-push (update)', 'REPUSH', plain, from),
        ...(withDerived ? [rePush(db, timer, 'tidewater, re-push, 2 plans derived', 'DERIVED', withDerived, from)] : []),
      ];
      const rows = copyRows(probe, planAriBatch(probe.property, parseAriBatch(batch)));
      const baseline = rawCopy(url, rows, false);
      const results = await runInterleaved([...tidewater, baseline, rawCopy(url, rows, true)], runs);
      timer.detach();

      for (const t of tidewater) {
        const times = results.find((r) => r.scenario === t)?.runsMs ?? [];
        log(`\n${t.name}, statement by statement:\n${formatBreakdown(t.statements.values(), times)}`);
      }
      return throughputTable(results, { unit: 'cells', baseline, ratioHeader: 'tidewater / raw COPY', ratioOf: 'COPY' });
    },
    { label: 'ari' },
  );

  process.stdout.write(
    `ari-ingest: ${plain.days} days × ${plain.roomTypes} room types × ${plain.ratePlans} rate plans, ` +
      `median of ${plural(runs, 'run')}\n\n${table}\n`,
  );
}

main().catch((error: unknown) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
