/**
 * Shared pieces for the benches under bench/: a scratch database that is always dropped, timing and
 * median, number formatting and a plain-text table. Figures go to stdout, progress and logs to stderr.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createDb, migrateLatest, type Db } from '../db/connection';

export const DEFAULT_SERVER_URL = 'postgres://postgres@127.0.0.1:5432/test';
export const BENCH_DB_PREFIX = 'tidewater_bench_';
/** A scratch database older than this was left behind by a killed bench; the next bench drops it. */
const STALE_AFTER_MS = 3 * 60 * 60 * 1000;

/** The server the benches run on: DATABASE_URL, or the machine's local Postgres. */
export function serverUrl(): string {
  return process.env.DATABASE_URL ?? DEFAULT_SERVER_URL;
}

export function urlForDatabase(server: string, name: string): string {
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Progress and logs: stderr, so stdout carries only the figures. */
export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

export interface ScratchDatabase {
  name: string;
  url: string;
  db: Db;
}

export interface ScratchOptions {
  /** Run migrateLatest on the new database (default true). */
  migrate?: boolean;
  poolMax?: number;
  /** Part of the database name after the prefix, e.g. the bench's name. */
  label?: string;
}

/**
 * Creates `tidewater_bench_<label>_<unix seconds>_<random>`, migrates it, runs `work`, and drops the
 * database afterwards, whether `work` succeeded, threw, or the process got SIGINT/SIGTERM.
 */
export async function withScratchDatabase<T>(work: (scratch: ScratchDatabase) => Promise<T>, options: ScratchOptions = {}): Promise<T> {
  const server = serverUrl();
  const label = options.label ? `${options.label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_` : '';
  const name = `${BENCH_DB_PREFIX}${label}${Math.floor(Date.now() / 1000)}_${Math.random().toString(16).slice(2, 8)}`;
  await sweepStaleDatabases(server);
  await adminQuery(server, `CREATE DATABASE "${name}"`);
  log(`scratch database ${name} created on ${redact(server)}`);

  const url = urlForDatabase(server, name);
  const db = createDb(url, { poolMax: options.poolMax ?? 4, applicationName: 'tidewater-bench' });
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    await db.destroy().catch(() => undefined);
    await adminQuery(server, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    log(`scratch database ${name} dropped`);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: dropping ${name}`);
    runInterruptCleanups()
      .then(drop)
      .catch((error: unknown) => log(`could not drop ${name}: ${String(error)}`))
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    if (options.migrate ?? true) await migrateLatest(db);
    return await work({ name, url, db });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await drop();
  }
}

/**
 * Work a bench must undo on Ctrl-C besides its scratch database (servers, queues, Redis keys). On
 * SIGINT/SIGTERM `withScratchDatabase` runs every registered cleanup, newest first, each given at
 * most `INTERRUPT_CLEANUP_MS`, before it drops the database and exits. Returns the unregister call;
 * on a normal end the bench does its own cleanup in a `finally` and unregisters.
 */
export function addInterruptCleanup(cleanup: () => Promise<void>): () => void {
  interruptCleanups.push(cleanup);
  return () => {
    const i = interruptCleanups.indexOf(cleanup);
    if (i >= 0) interruptCleanups.splice(i, 1);
  };
}

const INTERRUPT_CLEANUP_MS = 5000;
const interruptCleanups: Array<() => Promise<void>> = [];

async function runInterruptCleanups(): Promise<void> {
  for (const cleanup of [...interruptCleanups].reverse()) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        log(`interrupt cleanup still running after ${INTERRUPT_CLEANUP_MS} ms; going on`);
        resolve();
      }, INTERRUPT_CLEANUP_MS);
    });
    await Promise.race([cleanup().catch((error: unknown) => log(`interrupt cleanup failed: ${String(error)}`)), timeout]);
    clearTimeout(timer);
  }
  interruptCleanups.length = 0;
}

async function adminQuery(server: string, sql: string): Promise<void> {
  const admin = createDb(server, { poolMax: 1, applicationName: 'tidewater-bench' });
  try {
    await admin.raw(sql);
  } finally {
    await admin.destroy();
  }
}

async function sweepStaleDatabases(server: string): Promise<void> {
  const admin = createDb(server, { poolMax: 1, applicationName: 'tidewater-bench' });
  try {
    const { rows } = await admin.raw<{ rows: { datname: string }[] }>('SELECT datname FROM pg_database WHERE datname LIKE ?', [
      `${BENCH_DB_PREFIX}%`,
    ]);
    for (const { datname } of rows) {
      const m = /_(\d{10})_[0-9a-f]+$/.exec(datname);
      if (m && Date.now() - Number(m[1]) * 1000 > STALE_AFTER_MS) {
        await admin.raw(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
        log(`dropped stale scratch database ${datname}`);
      }
    }
  } finally {
    await admin.destroy();
  }
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

// ---------------------------------------------------------------------------------------------
// Timing

export interface Timed<T> {
  ms: number;
  result: T;
}

export async function time<T>(work: () => Promise<T>): Promise<Timed<T>> {
  const start = performance.now();
  const result = await work();
  return { ms: performance.now() - start, result };
}

export interface RunsOptions {
  /** Untimed work before each run (resetting tables, building input). */
  before?: (run: number) => Promise<void>;
  /** Label for the progress lines on stderr. */
  label?: string;
}

/** Runs `work` `runs` times one after the other; returns each run's wall time and result. */
export async function timeRuns<T>(runs: number, work: (run: number) => Promise<T>, options: RunsOptions = {}): Promise<Array<Timed<T>>> {
  const out: Array<Timed<T>> = [];
  for (let run = 0; run < runs; run++) {
    if (options.before) await options.before(run);
    const timed = await time(() => work(run));
    out.push(timed);
    if (options.label) log(`  ${options.label} run ${run + 1}/${runs}: ${formatMs(timed.ms)} ms`);
  }
  return out;
}

/**
 * One thing a bench measures. `setup` and `before` are untimed; `run` is timed. `items` is what a
 * run gets through (cells, messages, bookings), for the per-second figure.
 */
export interface Scenario {
  name: string;
  items: number;
  setup?(): Promise<void>;
  before?(run: number): Promise<void>;
  run(run: number): Promise<void>;
  teardown?(): Promise<void>;
}

export interface ScenarioTimes {
  scenario: Scenario;
  runsMs: number[];
}

/**
 * Sets every scenario up, then times them round-robin: run 1 of each, run 2 of each, and so on. On a
 * shared or noisy machine a slow stretch then hits every scenario alike instead of just one of
 * them, which keeps the ratios between scenarios honest.
 */
export async function runInterleaved(scenarios: readonly Scenario[], runs: number): Promise<ScenarioTimes[]> {
  const times = scenarios.map((scenario) => ({ scenario, runsMs: [] as number[] }));
  try {
    for (const s of scenarios) {
      if (!s.setup) continue;
      const setup = await time(() => (s.setup as () => Promise<void>)());
      log(`setup ${s.name}: ${formatMs(setup.ms)} ms (untimed)`);
    }
    for (let run = 0; run < runs; run++) {
      log(`round ${run + 1}/${runs}`);
      for (const t of times) {
        if (t.scenario.before) await t.scenario.before(run);
        const timed = await time(() => t.scenario.run(run));
        t.runsMs.push(timed.ms);
        log(`  ${t.scenario.name}: ${formatMs(timed.ms)} ms`);
      }
    }
  } finally {
    for (const s of scenarios) if (s.teardown) await s.teardown();
  }
  return times;
}

export interface ThroughputTableOptions {
  /** What `items` counts, for the headers: `cells` gives "cells" and "cells/s". */
  unit: string;
  /** The scenario the others are compared to (items per second divided by the baseline's). */
  baseline?: Scenario;
  /** Header of the ratio column, and the word after each ratio: "0.31x of COPY". */
  ratioHeader?: string;
  ratioOf?: string;
}

/** scenario | items | median ms | items/s | ratio to the baseline. */
export function throughputTable(results: readonly ScenarioTimes[], options: ThroughputTableOptions): string {
  const baseline = results.find((r) => r.scenario === options.baseline);
  const baseRate = baseline ? perSecond(baseline.scenario.items, median(baseline.runsMs)) : undefined;
  const rows = results.map((r) => {
    const ms = median(r.runsMs);
    const rate = perSecond(r.scenario.items, ms);
    let ratio = '';
    if (r === baseline) ratio = '1.00x (baseline)';
    else if (baseRate !== undefined) ratio = `${formatRatio(rate / baseRate)}${options.ratioOf ? ` of ${options.ratioOf}` : ''}`;
    return [r.scenario.name, formatInt(r.scenario.items), formatMs(ms), formatInt(rate), ratio];
  });
  const header = ['scenario', options.unit, 'median ms', `${options.unit}/s`];
  if (baseline) header.push(options.ratioHeader ?? `vs ${baseline.scenario.name}`);
  return renderTable(
    header,
    rows.map((r) => (baseline ? r : r.slice(0, 4))),
    ['left', 'right', 'right', 'right', 'left'],
  );
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * The `p`-th percentile (0 < p <= 100) by the nearest-rank method: a value that really occurred, so
 * p99 of 150 lags is the 149th smallest, not an interpolation.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError('percentile of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

/** Items per second for `count` items done in `ms` milliseconds. */
export function perSecond(count: number, ms: number): number {
  return ms > 0 ? (count * 1000) / ms : Number.POSITIVE_INFINITY;
}

// ---------------------------------------------------------------------------------------------
// Formatting

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

export function formatInt(value: number): string {
  return integer.format(Math.round(value));
}

export function formatMs(ms: number): string {
  return oneDecimal.format(ms);
}

/** `0.31x` style ratio; two significant decimals are all a bench can honestly claim. */
export function formatRatio(ratio: number): string {
  return `${ratio.toFixed(2)}x`;
}

export type Align = 'left' | 'right';

/** A plain-text table: first row is the header; numbers are best right-aligned. */
export function renderTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>, align: readonly Align[] = []): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => ((align[i] ?? 'left') === 'right' ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Command line

/**
 * Positive integer flags (`--days 365`) with defaults; `--help` prints the usage and exits.
 * Unknown flags are an error, so a typo never silently benches the default.
 */
export function parseIntFlags<K extends string>(
  usage: string,
  defaults: Record<K, number>,
  booleans: readonly string[] = [],
  argv: string[] = process.argv.slice(2),
): { values: Record<K, number>; flags: Set<string> } {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const key of Object.keys(defaults)) options[key] = { type: 'string' };
  for (const key of booleans) options[key] = { type: 'boolean' };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  } catch (error) {
    log(`${(error as Error).message}\n${usage}`);
    process.exit(2);
  }
  if (parsed.values.help === true) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  const values = { ...defaults };
  for (const key of Object.keys(defaults) as K[]) {
    const raw = parsed.values[key];
    if (raw === undefined) continue;
    const n = Number(raw);
    if (typeof raw !== 'string' || !Number.isInteger(n) || n < 1) {
      log(`--${key} must be a positive whole number; got ${String(raw)}\n${usage}`);
      process.exit(2);
    }
    values[key] = n;
  }
  const flags = new Set(booleans.filter((b) => parsed.values[b] === true));
  return { values, flags };
}

// ---------------------------------------------------------------------------------------------
// Per-statement timing

export interface StatementStats {
  /** The statement's first words, whitespace collapsed. */
  statement: string;
  calls: number;
  totalMs: number;
}

export interface QueryTimer {
  /** Stats since the last reset, slowest first. */
  stats(): StatementStats[];
  reset(): void;
  detach(): void;
}

/**
 * Times every statement knex sends on `db` (from 'query' to 'query-response'), grouped by the
 * statement's first `width` characters. Cheap enough to leave on during timed runs.
 */
export function attachQueryTimer(db: Db, width = 70): QueryTimer {
  const started = new Map<string, { at: number; statement: string }>();
  const totals = new Map<string, StatementStats>();
  const uidOf = (data: unknown): string | undefined => {
    const uid = (data as { __knexQueryUid?: unknown } | null)?.__knexQueryUid;
    return typeof uid === 'string' ? uid : undefined;
  };
  const onQuery = (data: unknown) => {
    const uid = uidOf(data);
    const sql = (data as { sql?: unknown } | null)?.sql;
    if (uid === undefined || typeof sql !== 'string') return;
    started.set(uid, { at: performance.now(), statement: sql.replace(/\s+/g, ' ').trim().slice(0, width).trimEnd() });
  };
  const onDone = (_response: unknown, data: unknown) => {
    const uid = uidOf(data);
    const start = uid === undefined ? undefined : started.get(uid);
    if (uid === undefined || !start) return;
    started.delete(uid);
    const entry = totals.get(start.statement) ?? { statement: start.statement, calls: 0, totalMs: 0 };
    entry.calls += 1;
    entry.totalMs += performance.now() - start.at;
    totals.set(start.statement, entry);
  };
  const onError = (_error: unknown, data: unknown) => onDone(undefined, data);
  db.on('query', onQuery);
  db.on('query-response', onDone);
  db.on('query-error', onError);
  return {
    stats: () => [...totals.values()].sort((a, b) => b.totalMs - a.totalMs),
    reset: () => {
      started.clear();
      totals.clear();
    },
    detach: () => {
      db.off('query', onQuery);
      db.off('query-response', onDone);
      db.off('query-error', onError);
    },
  };
}

/** `1 run`, `3 runs`. */
export function plural(count: number, noun: string): string {
  return `${formatInt(count)} ${noun}${count === 1 ? '' : 's'}`;
}

/** Adds `more` into `into`, statement by statement. */
export function addStats(into: Map<string, StatementStats>, more: readonly StatementStats[]): void {
  for (const s of more) {
    const entry = into.get(s.statement) ?? { statement: s.statement, calls: 0, totalMs: 0 };
    entry.calls += s.calls;
    entry.totalMs += s.totalMs;
    into.set(s.statement, entry);
  }
}

/**
 * Where a run's time went, averaged over `runsMs.length` runs: wall time, the sum of statement times
 * and what is left (JavaScript, BEGIN/COMMIT, pool), then every statement above `minMs` per run.
 */
export function formatBreakdown(stats: Iterable<StatementStats>, runsMs: readonly number[], minMs = 0.5): string {
  const runs = Math.max(1, runsMs.length);
  const list = [...stats].sort((a, b) => b.totalMs - a.totalMs);
  const wall = runsMs.reduce((a, b) => a + b, 0) / runs;
  const sql = list.reduce((sum, s) => sum + s.totalMs, 0) / runs;
  const lines = [
    `wall ${formatMs(wall)} ms = statements ${formatMs(sql)} ms + rest ${formatMs(wall - sql)} ms (JavaScript, BEGIN/COMMIT, pool), per run`,
  ];
  for (const s of list) {
    const ms = s.totalMs / runs;
    if (ms >= minMs) lines.push(`${formatMs(ms).padStart(9)} ms  ${s.statement}`);
  }
  return lines.join('\n');
}
