/**
 * Reconciliation throughput (issue 6, acceptance 2): how many channel cells per second
 * reconcileProperty checks over a year, for channels whose side is their acknowledged state, next to
 * a raw SELECT of the same rows on the same server in the same run. Prints whether the median run
 * finished under 30 s (the acceptance figure); it never asserts it.
 *
 *   npx tsx bench/reconcile.ts [--days 365] [--channels 5] [--room-types 20] [--rate-plans 5] [--runs 3]
 *
 * Figures go to stdout, progress and where the time goes to stderr. See bench/README.md.
 */
import { performance } from 'node:perf_hooks';
import type { Knex } from 'knex';
import type { AriUpdate } from '../core/ari';
import { channelViewOf } from '../core/channel-view';
import { addDays, todayIn, type Weekday } from '../core/dates';
import type { PropertyDocument } from '../core/property-document';
import { findDrift } from '../core/reconcile';
import type { Db } from '../db/connection';
import { readLedgerSpans } from '../db/ledger-view-repo';
import type { StoredProperty } from '../db/properties-repo';
import { readAckedView } from '../db/sync-repo';
import { readFxRatesFor } from '../db/fx-repo';
import { applyAriBatch } from '../services/ari-service';
import { importProperty, requireProperty } from '../services/property-service';
import { carriedFields, reconcileProperty } from '../services/reconcile-service';
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
  withScratchDatabase,
  type Scenario,
  type StatementStats,
} from './lib';

const USAGE = `usage: npx tsx bench/reconcile.ts [--days 365] [--channels 5] [--room-types 20] [--rate-plans 5] [--runs 3]

  --days N        nights reconciled, starting today (UTC)                     (default 365, max 1095)
  --channels N    ota-xml channels without endpoint: their side is what they acknowledged (default 5)
  --room-types N  room types of the bench property, all mapped on every channel (default 20)
  --rate-plans N  rate plans, each sold on every room type, all mapped          (default 5)
  --runs N        timed runs per scenario; the median is reported             (default 3)

Connects to DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), creates and drops its
own scratch database. Table on stdout, progress and the time breakdown on stderr.`;

const CODE = 'RECO';
const TIMEZONE = 'UTC';
const ACCEPTANCE_MS = 30_000;
/** Differences injected per channel, on distinct cells: each is exactly one finding, except deletions (6 each). */
const INJECT = { available: 20, rate: 20, stopSell: 10, deletedRateCells: 5 };

interface Shape {
  days: number;
  channels: number;
  roomTypes: number;
  ratePlans: number;
}

const roomTypeCode = (i: number) => `RT${String(i + 1).padStart(2, '0')}`;
const ratePlanCode = (j: number) => `RP${String(j + 1).padStart(2, '0')}`;
const channelCode = (k: number) => `CH${k + 1}`;

function propertyDocument(shape: Shape): PropertyDocument {
  const roomTypes = Array.from({ length: shape.roomTypes }, (_, i) => ({ code: roomTypeCode(i), rooms: 30 + (i % 10) * 5, maxOccupancy: 2 + (i % 3) }));
  const allRooms = roomTypes.map((r) => r.code);
  const ratePlans = Array.from({ length: shape.ratePlans }, (_, j) => ({ code: ratePlanCode(j), roomTypes: allRooms }));
  // ota-xml has no readAri and no viewEndpoint is set, so reconcile compares with the acknowledged
  // state; no endpoint, so nothing is ever delivered. Every other channel keeps a 1-room buffer.
  const channels = Array.from({ length: shape.channels }, (_, k) => ({
    code: channelCode(k),
    type: 'ota-xml' as const,
    hotelCode: `H${k + 1}`,
    roomTypes: Object.fromEntries(allRooms.map((r, i) => [r, String(1000 + i)])),
    ratePlans: Object.fromEntries(ratePlans.map((p, j) => [p.code, String(5000 + j)])),
    buffer: { rooms: k % 2 },
  }));
  return { code: CODE, name: 'Reconcile bench', timezone: TIMEZONE, currency: 'EUR', roomTypes, ratePlans, channels };
}

/** A full-year PMS refresh: availability, a rate with restrictions, a weekend uplift, CTA on Sundays. */
function ariBatch(shape: Shape, from: string, to: string): { updates: AriUpdate[] } {
  const weekend: Weekday[] = ['fri', 'sat'];
  const updates: AriUpdate[] = [];
  for (let i = 0; i < shape.roomTypes; i++) {
    const roomType = roomTypeCode(i);
    updates.push({ roomType, from, to, available: 20 + (i % 10) });
    for (let j = 0; j < shape.ratePlans; j++) {
      const ratePlan = ratePlanCode(j);
      const rate = 90 + 10 * j + i;
      updates.push({ roomType, ratePlan, from, to, rate: `${rate}.00`, minStay: 1, maxStay: 14, closedToDeparture: false, stopSell: false });
      updates.push({ roomType, ratePlan, from, to, days: weekend, rate: `${rate + 25}.50`, minStay: 2 });
    }
    updates.push({ roomType, from, to, days: ['sun'], closedToArrival: true });
  }
  return { updates };
}

/**
 * What each channel acknowledged: the ledger after its buffer, copied with INSERT … SELECT, so there
 * is no drift; then, per channel, a few differences on distinct cells. Returns the findings expected.
 */
async function fillAckedState(db: Db, stored: StoredProperty, from: string, to: string): Promise<number> {
  const ids = stored.property.channels.map((c) => stored.channelIds.get(c.code) as number);
  const buffers = stored.property.channels.map((c) => c.buffer.rooms);
  const channelsSql = 'unnest(?::int[], ?::int[]) AS ch(id, buffer)';
  await db.raw(
    `INSERT INTO channel_inventory_state (channel_id, room_type_id, stay_date, available)
     SELECT ch.id, c.room_type_id, c.stay_date, GREATEST(0, c.available - ch.buffer)
     FROM inventory_cells c CROSS JOIN ${channelsSql}
     WHERE c.property_id = ? AND c.stay_date BETWEEN ? AND ?`,
    [ids, buffers, stored.id, from, to] as unknown as Knex.RawBinding[],
  );
  await db.raw(
    `INSERT INTO channel_rate_state (channel_id, rate_plan_id, room_type_id, stay_date, amount, min_stay, max_stay,
                                     closed_to_arrival, closed_to_departure, stop_sell)
     SELECT ch.id, c.rate_plan_id, c.room_type_id, c.stay_date, c.amount, c.min_stay, c.max_stay,
            COALESCE(c.closed_to_arrival, false), COALESCE(c.closed_to_departure, false), COALESCE(c.stop_sell, false)
     FROM rate_cells c CROSS JOIN ${channelsSql}
     WHERE c.property_id = ? AND c.stay_date BETWEEN ? AND ?`,
    [ids, buffers, stored.id, from, to] as unknown as Knex.RawBinding[],
  );
  let expected = 0;
  for (const id of ids) {
    const inv = await db.raw<{ rowCount: number }>(
      `UPDATE channel_inventory_state st SET available = st.available + 1
       FROM (SELECT room_type_id, stay_date FROM channel_inventory_state WHERE channel_id = ?
             ORDER BY md5(room_type_id || ':' || stay_date || ':' || channel_id) LIMIT ?) x
       WHERE st.channel_id = ? AND st.room_type_id = x.room_type_id AND st.stay_date = x.stay_date`,
      [id, INJECT.available, id],
    );
    expected += inv.rowCount;
    // One shuffled list of the channel's rate cells, cut into disjoint slices.
    const pick = `WITH pick AS (SELECT rate_plan_id, room_type_id, stay_date,
                                       row_number() OVER (ORDER BY md5(rate_plan_id || ':' || room_type_id || ':' || stay_date || ':' || channel_id)) AS n
                                FROM channel_rate_state WHERE channel_id = ?)`;
    const slice = (lo: number, hi: number) =>
      `st.channel_id = ? AND st.rate_plan_id = p.rate_plan_id AND st.room_type_id = p.room_type_id AND st.stay_date = p.stay_date AND p.n > ${lo} AND p.n <= ${hi}`;
    let at = 0;
    const rate = await db.raw<{ rowCount: number }>(`${pick} UPDATE channel_rate_state st SET amount = st.amount + 1 FROM pick p WHERE ${slice(at, (at += INJECT.rate))}`, [id, id]);
    const stop = await db.raw<{ rowCount: number }>(`${pick} UPDATE channel_rate_state st SET stop_sell = NOT st.stop_sell FROM pick p WHERE ${slice(at, (at += INJECT.stopSell))}`, [id, id]);
    const gone = await db.raw<{ rowCount: number }>(`${pick} DELETE FROM channel_rate_state st USING pick p WHERE ${slice(at, (at += INJECT.deletedRateCells))}`, [id, id]);
    expected += rate.rowCount + stop.rowCount + 6 * gone.rowCount; // a missing rate cell: rate + 5 restrictions
  }
  await db.raw('ANALYZE channel_inventory_state, channel_rate_state, inventory_cells, rate_cells');
  return expected;
}

/** The rows reconcile needs, fetched as plainly as possible: the ledger once, every channel's state. */
async function rawSelect(db: Db, stored: StoredProperty, channelIds: number[], from: string, to: string): Promise<number> {
  const [inventory, rates, invState, rateState] = await Promise.all([
    db.raw<{ rows: unknown[] }>('SELECT room_type_id, stay_date, available FROM inventory_cells WHERE property_id = ? AND stay_date BETWEEN ? AND ?', [stored.id, from, to]),
    db.raw<{ rows: unknown[] }>(
      `SELECT rate_plan_id, room_type_id, stay_date, amount, min_stay, max_stay, closed_to_arrival, closed_to_departure, stop_sell
       FROM rate_cells WHERE property_id = ? AND stay_date BETWEEN ? AND ?`,
      [stored.id, from, to],
    ),
    db.raw<{ rows: unknown[] }>('SELECT channel_id, room_type_id, stay_date, available FROM channel_inventory_state WHERE channel_id = ANY(?::int[]) AND stay_date BETWEEN ? AND ?', [
      channelIds,
      from,
      to,
    ] as unknown as Knex.RawBinding[]),
    db.raw<{ rows: unknown[] }>(
      `SELECT channel_id, rate_plan_id, room_type_id, stay_date, amount, min_stay, max_stay, closed_to_arrival, closed_to_departure, stop_sell
       FROM channel_rate_state WHERE channel_id = ANY(?::int[]) AND stay_date BETWEEN ? AND ?`,
      [channelIds, from, to] as unknown as Knex.RawBinding[],
    ),
  ]);
  return inventory.rows.length + rates.rows.length + invState.rows.length + rateState.rows.length;
}

/** One reconcile taken apart: the same calls reconcileProperty makes, each timed on its own. */
async function breakdown(db: Db, from: string, to: string): Promise<Map<string, number>> {
  const parts = new Map<string, number>();
  const timed = async <T>(name: string, work: () => Promise<T> | T): Promise<T> => {
    const start = performance.now();
    const result = await work();
    parts.set(name, (parts.get(name) ?? 0) + performance.now() - start);
    return result;
  };
  const stored = await timed('requireProperty', () => requireProperty(db, CODE));
  const spans = [...stored.roomTypeIds.values()].map((roomTypeId) => ({ roomTypeId, from, to }));
  const slice = await timed('readLedgerSpans (2 queries + mapping)', () => readLedgerSpans(db, stored, spans));
  const codes = {
    roomType: new Map([...stored.roomTypeIds].map(([code, id]) => [id, code])),
    ratePlan: new Map([...stored.ratePlanIds].map(([code, id]) => [id, code])),
  };
  const fx = await timed('readFxRatesFor', () => readFxRatesFor(db, stored.property));
  for (const channel of stored.property.channels) {
    const expected = await timed('channelViewOf, all channels', () => channelViewOf(stored.property, channel, slice, 0, undefined, fx));
    const view = await timed('readAckedView (2 queries + mapping), all channels', () =>
      readAckedView(db, stored.channelIds.get(channel.code) as number, spans, codes, stored.currencyDecimals),
    );
    await timed('findDrift, all channels', () => findDrift(expected, view, carriedFields(channel.type)));
  }
  return parts;
}

/** `breakdown` `runs` times; the median of each part. */
async function medianBreakdown(db: Db, from: string, to: string, runs: number): Promise<string> {
  const all: Array<Map<string, number>> = [];
  for (let run = 0; run < runs; run++) all.push(await breakdown(db, from, to));
  const names = [...(all[0]?.keys() ?? [])];
  const width = Math.max(...names.map((k) => k.length));
  return names.map((name) => `  ${name.padEnd(width)}  ${formatMs(median(all.map((m) => m.get(name) ?? 0))).padStart(9)} ms`).join('\n');
}

async function main(): Promise<void> {
  const { values } = parseIntFlags(USAGE, { days: 365, channels: 5, 'room-types': 20, 'rate-plans': 5, runs: 3 });
  if (values.days > 1095) {
    log(`--days must be at most 1095 (one ARI update covers at most 3 years)\n${USAGE}`);
    process.exit(2);
  }
  const shape: Shape = { days: values.days, channels: values.channels, roomTypes: values['room-types'], ratePlans: values['rate-plans'] };
  const runs = values.runs;
  const from = todayIn(TIMEZONE);
  const to = addDays(from, shape.days - 1);
  const perChannel = shape.days * shape.roomTypes * (1 + shape.ratePlans);
  const cellsChecked = perChannel * shape.channels;
  const header =
    `reconcile: ${shape.days} days × ${shape.roomTypes} room types × ${shape.ratePlans} rate plans × ${plural(shape.channels, 'channel')} ` +
    `(acknowledged state) = ${formatInt(cellsChecked)} cells checked per run`;
  log(header);

  const out = await withScratchDatabase(
    async ({ db }) => {
      const { rows: server } = await db.raw<{ rows: { server_version: string }[] }>('SHOW server_version');
      log(`Postgres ${server[0]?.server_version ?? '?'}`);
      await importProperty(db, propertyDocument(shape));
      const ari = await applyAriBatch(db, CODE, ariBatch(shape, from, to));
      log(`ARI loaded with one applyAriBatch: ${formatInt(ari.cells)} ledger cells`);
      const stored = await requireProperty(db, CODE);
      const expectedFindings = await fillAckedState(db, stored, from, to);
      const channelIds = [...stored.channelIds.values()];
      log(`acknowledged state filled from the ledger; ${formatInt(expectedFindings)} differences injected`);

      const timer = attachQueryTimer(db);
      const statements = new Map<string, StatementStats>();
      const findingsPerRun: number[] = [];
      const tidewater: Scenario = {
        name: 'tidewater reconcileProperty',
        items: cellsChecked,
        before: async () => timer.reset(),
        run: async () => {
          const result = await reconcileProperty(db, CODE, { from, to });
          addStats(statements, timer.stats());
          const checked = result.channels.reduce((n, c) => n + c.cellsChecked, 0);
          const failed = result.channels.find((c) => c.error !== undefined);
          if (failed) throw new Error(`channel ${failed.channel}: ${failed.error}`);
          if (checked !== cellsChecked || result.findings !== expectedFindings) {
            throw new Error(`reconcile checked ${checked} cells and found ${result.findings} differences; expected ${cellsChecked} and ${expectedFindings}`);
          }
          findingsPerRun.push(result.findings);
        },
      };
      const rowsRead = shape.days * shape.roomTypes * (1 + shape.ratePlans) * (1 + shape.channels) - expectedDeleted(shape);
      const baseline: Scenario = {
        name: 'raw SELECT (baseline)',
        items: cellsChecked,
        run: async () => {
          const n = await rawSelect(db, stored, channelIds, from, to);
          if (n !== rowsRead) throw new Error(`raw SELECT read ${n} rows, expected ${rowsRead}`);
        },
      };
      // One untimed warm-up of each (JIT, plans, buffer cache), then round-robin.
      await tidewater.run(-1);
      await baseline.run(-1);
      statements.clear();
      findingsPerRun.length = 0;
      const results = await runInterleaved([tidewater, baseline], runs);
      timer.detach();

      const reconcileMs = results.find((r) => r.scenario === tidewater)?.runsMs ?? [];
      log(`\ntidewater reconcileProperty, statement by statement:\n${formatBreakdown(statements.values(), reconcileMs)}`);
      log(`\none reconcile taken apart (the same calls, timed one by one, untimed; median of ${plural(runs, 'run')}):\n${await medianBreakdown(db, from, to, runs)}`);

      const med = median(reconcileMs);
      const slowest = Math.max(...reconcileMs);
      const table = throughputTable(results, { unit: 'cells', baseline, ratioHeader: 'tidewater / raw SELECT', ratioOf: 'SELECT' });
      return [
        table,
        '',
        `findings per run: ${formatInt(findingsPerRun[0] ?? 0)} (all ${formatInt(expectedFindings)} injected differences, nothing else)`,
        `raw SELECT reads ${formatInt(rowsRead)} rows: the ledger once, every channel's acknowledged state`,
        `acceptance (under 30 s for ${shape.days} days): median ${formatMs(med / 1000)} s, slowest ${formatMs(slowest / 1000)} s — ` +
          `${slowest < ACCEPTANCE_MS ? 'yes, every run under 30 s' : med < ACCEPTANCE_MS ? 'median under 30 s, not every run' : 'NO, over 30 s'}`,
      ].join('\n');
    },
    { label: 'reconcile' },
  );

  process.stdout.write(`${header}, median of ${plural(runs, 'run')}\n\n${out}\n`);
}

/** Rate-state rows the injection deletes (the raw SELECT reads that many fewer). */
function expectedDeleted(shape: Shape): number {
  return Math.min(INJECT.deletedRateCells, Math.max(0, shape.days * shape.roomTypes * shape.ratePlans - INJECT.rate - INJECT.stopSell)) * shape.channels;
}

main().catch((error: unknown) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
