import { Queue, Worker, getNextMillis, type Job } from 'bullmq';
import IORedis from 'ioredis';
import { Counter, Gauge, Registry } from 'prom-client';
import { ConfigError } from '../config/env';
import type { Logger } from '../config/logger';
import { addDays, todayIn } from '../core/dates';
import type { DriftFinding } from '../core/reconcile';
import type { Db } from '../db/connection';
import { findProperty } from '../db/properties-repo';
import type { ChannelConnector } from '../connectors/types';
import { reconcileProperty, scheduleDriftFix, type ChannelDrift, type ReconcileResult } from '../services/reconcile-service';
import type { SyncScheduler } from './scheduler';
import type { SyncDeps } from './sync-channel';

/**
 * Scheduled reconciliation (issue 6): per property, on a cron in the property's time zone (nightly
 * at 03:00 by default), check every channel, re-send what drifted, let the workers deliver it, and
 * check again. Drift that survives its own fix is not a delivery hiccup but a channel that will not
 * take a value (a mapping, a partner-side rule, a stuck extranet cell): it opens an incident and
 * alerts, and a later run that finds the channel clean resolves it.
 *
 * With Redis, one BullMQ job scheduler per property on a small `reconcile` queue, so exactly one
 * worker process runs each night's check whatever the number of workers; without Redis, a timer in
 * this process does the same.
 */

export const RECONCILE_QUEUE = 'reconcile';
export const DEFAULT_RECONCILE_CRON = '0 3 * * *';
export const PERSISTENT_DRIFT = 'persistent-drift';
const SCHEDULER_ID_PREFIX = 'reconcile:';
const DEFAULT_DAYS = 365;
/** The workers re-send within seconds; a channel in backoff may take minutes. Past this, check anyway. */
const DEFAULT_SETTLE_TIMEOUT_MS = 5 * 60_000;
const DEFAULT_REFRESH_MS = 5 * 60_000;
const DEFAULT_TICK_MS = 30_000;
const INCIDENT_SAMPLE = 10;

export interface ReconcileJob {
  property: string;
}

export type ReconcileOutcome = 'clean' | 'fixed' | 'persistent' | 'error';

export interface ReconcileMetrics {
  /** Cells in drift per channel at the last run: `found` by the first check, `remaining` after the fix. */
  driftCells: Gauge<'property' | 'channel' | 'stage'>;
  runs: Counter<'property' | 'outcome'>;
}

/** Registers the metrics once per registry (two distributions in one process share them). */
export function createReconcileMetrics(registry: Registry = new Registry()): ReconcileMetrics {
  const existing = (name: string) => registry.getSingleMetric(name);
  const driftCells =
    (existing('tidewater_reconcile_drift_cells') as Gauge<'property' | 'channel' | 'stage'> | undefined) ??
    new Gauge({
      name: 'tidewater_reconcile_drift_cells',
      help: 'Cells in drift per channel at the last scheduled reconciliation (stage found: before the fix; remaining: after it)',
      labelNames: ['property', 'channel', 'stage'] as const,
      registers: [registry],
    });
  const runs =
    (existing('tidewater_reconcile_runs_total') as Counter<'property' | 'outcome'> | undefined) ??
    new Counter({
      name: 'tidewater_reconcile_runs_total',
      help: 'Scheduled reconciliation runs by outcome (clean, fixed, persistent drift, error)',
      labelNames: ['property', 'outcome'] as const,
      registers: [registry],
    });
  return { driftCells, runs };
}

export interface ScheduledReconcileDeps {
  db: Db;
  logger: Logger;
  metrics: ReconcileMetrics;
  connectors?: ReadonlyMap<string, ChannelConnector>;
  alertWebhook?: string;
  incidentsOpened?: Counter<'kind'>;
  /** Tells the channel workers about the re-sends at once rather than at the relay's next sweep. */
  poke?: (channelIds: number[]) => Promise<void>;
  /** Nights checked from today at the property (default 365). */
  days?: number;
  settleTimeoutMs?: number;
  settlePollMs?: number;
  /** Aborted on shutdown: a run waiting for re-sends gives up instead of holding the drain. */
  signal?: AbortSignal;
}

export interface ChannelReconcileOutcome {
  channel: string;
  /** Drifted cells found by the first check. */
  found: number;
  /** Drifted cells after the fix (equal to `found` when nothing needed fixing). */
  remaining: number;
  /** Cells that drifted, were re-sent and still drift. */
  persistent: number;
  error?: string;
}

export interface ScheduledReconcileResult {
  property: string;
  outcome: ReconcileOutcome;
  from: string;
  to: string;
  /** reconciliation_runs ids: the check, and the re-check when there was something to fix. */
  runIds: number[];
  channels: ChannelReconcileOutcome[];
  incidentsOpened: string[];
  incidentsResolved: string[];
}

export class ReconcileInterruptedError extends Error {
  readonly code = 'reconcile-interrupted';
  constructor(property: string) {
    super(`reconciliation of ${property} interrupted by shutdown; the next scheduled run checks again`);
    this.name = 'ReconcileInterruptedError';
  }
}

const findingKey = (f: DriftFinding) => `${f.date}|${f.roomType}|${f.ratePlan ?? ''}|${f.field}`;

/**
 * One scheduled check of a property: reconcile; if anything drifted, re-send exactly those cells,
 * wait (bounded) for the workers to deliver them, and reconcile again. Records the outcome in the
 * metrics and opens or resolves `persistent-drift` incidents per channel.
 */
export async function runScheduledReconcile(deps: ScheduledReconcileDeps, propertyCode: string): Promise<ScheduledReconcileResult> {
  const { db, logger, metrics } = deps;
  try {
    const stored = await findProperty(db, propertyCode);
    if (!stored) throw new Error(`unknown property ${propertyCode}`);
    const from = todayIn(stored.property.timezone);
    // One range for both checks, so a run across midnight compares the same nights.
    const range = { from, to: addDays(from, (deps.days ?? DEFAULT_DAYS) - 1), ...(deps.connectors ? { connectors: deps.connectors } : {}) };
    const first = await reconcileProperty(db, propertyCode, range);
    let second: ReconcileResult | undefined;
    const drifted = first.channels.filter((c) => c.findings.length > 0);
    if (drifted.length > 0) {
      const cells = await scheduleDriftFix(db, propertyCode, first);
      const channelIds = drifted.map((c) => stored.channelIds.get(c.channel)).filter((id): id is number => id !== undefined);
      logger.info({ property: propertyCode, cells, channels: drifted.map((c) => c.channel) }, 'reconciliation: re-sending drifted cells');
      await waitForResend(deps, propertyCode, channelIds);
      second = await reconcileProperty(db, propertyCode, range);
    }
    const channels = first.channels.map((c) => channelOutcome(c, second?.channels.find((s) => s.channel === c.channel)));
    const outcome: ReconcileOutcome = channels.some((c) => c.persistent > 0)
      ? 'persistent'
      : channels.some((c) => c.error !== undefined)
        ? 'error'
        : channels.some((c) => c.found > 0)
          ? 'fixed'
          : 'clean';
    if (second && !channels.some((c) => c.persistent > 0)) await db('reconciliation_runs').where({ id: first.runId }).update({ fixed: true });

    const incidents = await recordIncidents(deps, stored.id, propertyCode, channels, second ?? first, stored.channelIds);
    for (const c of channels) {
      if (c.error !== undefined) continue; // unknown, not zero: keep the last known figure
      metrics.driftCells.set({ property: propertyCode, channel: c.channel, stage: 'found' }, c.found);
      metrics.driftCells.set({ property: propertyCode, channel: c.channel, stage: 'remaining' }, c.remaining);
    }
    metrics.runs.inc({ property: propertyCode, outcome });
    const result: ScheduledReconcileResult = {
      property: propertyCode,
      outcome,
      from: first.from,
      to: first.to,
      runIds: second ? [first.runId, second.runId] : [first.runId],
      channels,
      ...incidents,
    };
    const log = { property: propertyCode, outcome, runIds: result.runIds, channels: channels.filter((c) => c.found > 0 || c.error !== undefined) };
    if (outcome === 'error') logger.warn(log, 'scheduled reconciliation: some channels could not be checked');
    else logger.info(log, `scheduled reconciliation: ${outcome}`);
    return result;
  } catch (error) {
    if (!(error instanceof ReconcileInterruptedError)) {
      metrics.runs.inc({ property: propertyCode, outcome: 'error' });
      logger.error({ property: propertyCode, err: error }, 'scheduled reconciliation failed');
    }
    throw error;
  }
}

function channelOutcome(first: ChannelDrift, second: ChannelDrift | undefined): ChannelReconcileOutcome {
  const error = first.error ?? second?.error;
  if (!second || first.findings.length === 0) {
    return { channel: first.channel, found: first.findings.length, remaining: second?.findings.length ?? first.findings.length, persistent: 0, ...(error !== undefined ? { error } : {}) };
  }
  // Only cells that drifted, were re-sent and drift again count: a cell the ledger changed in
  // between (and the workers have yet to send) is ordinary lag, not a channel refusing a value.
  const before = new Set(first.findings.map(findingKey));
  const persistent = second.findings.filter((f) => before.has(findingKey(f))).length;
  return { channel: first.channel, found: first.findings.length, remaining: second.findings.length, persistent, ...(error !== undefined ? { error } : {}) };
}

/** Waits until the dirty ranges the fix wrote (and any before them) are delivered, or the bound passes. */
async function waitForResend(deps: ScheduledReconcileDeps, propertyCode: string, channelIds: number[]): Promise<void> {
  if (channelIds.length === 0) return;
  const { db } = deps;
  const [mark] = await db('channel_dirty_ranges').whereIn('channel_id', channelIds).max<{ max: string | null }[]>({ max: 'id' });
  const upTo = mark?.max;
  if (upTo === null || upTo === undefined) return;
  try {
    await deps.poke?.(channelIds);
  } catch (error) {
    deps.logger.warn({ err: error, property: propertyCode }, 'could not announce the re-send; the relay sweep will');
  }
  const deadline = Date.now() + (deps.settleTimeoutMs ?? DEFAULT_SETTLE_TIMEOUT_MS);
  // Ranges written later (new ledger changes) do not hold the check back: they are ordinary traffic.
  while (Date.now() < deadline) {
    if (deps.signal?.aborted) throw new ReconcileInterruptedError(propertyCode);
    const [row] = await db('channel_dirty_ranges').whereIn('channel_id', channelIds).where('id', '<=', upTo).count<{ c: string }[]>({ c: '*' });
    if (Number(row?.c ?? 0) === 0) return;
    await new Promise((r) => setTimeout(r, deps.settlePollMs ?? 500));
  }
  deps.logger.warn({ property: propertyCode, channelIds }, 'reconciliation: re-sends not delivered in time; checking again anyway');
}

async function recordIncidents(
  deps: ScheduledReconcileDeps,
  propertyId: number,
  propertyCode: string,
  channels: ChannelReconcileOutcome[],
  last: ReconcileResult,
  channelIds: Map<string, number>,
): Promise<{ incidentsOpened: string[]; incidentsResolved: string[] }> {
  const { db, logger } = deps;
  const opened: string[] = [];
  const resolved: string[] = [];
  for (const c of channels) {
    const channelId = channelIds.get(c.channel);
    if (channelId === undefined) continue;
    if (c.persistent > 0) {
      const findings = last.channels.find((d) => d.channel === c.channel)?.findings ?? [];
      const details = { runId: last.runId, cells: c.persistent, from: last.from, to: last.to, sample: findings.slice(0, INCIDENT_SAMPLE) };
      // One open incident per channel (incidents_one_open): a later run refreshes its details and stays quiet.
      const inserted = await db.raw<{ rows: { id: number }[] }>(
        `INSERT INTO incidents (property_id, channel_id, kind, status, details)
         VALUES (?, ?, ?, 'open', ?::jsonb) ON CONFLICT DO NOTHING RETURNING id`,
        [propertyId, channelId, PERSISTENT_DRIFT, JSON.stringify(details)],
      );
      if (inserted.rows.length === 0) {
        await db('incidents').where({ property_id: propertyId, channel_id: channelId, kind: PERSISTENT_DRIFT, status: 'open' }).update({ details: JSON.stringify(details) });
        continue;
      }
      opened.push(c.channel);
      deps.incidentsOpened?.inc({ kind: PERSISTENT_DRIFT });
      logger.error(
        { property: propertyCode, channel: c.channel, cells: c.persistent, runId: last.runId, sample: findings.slice(0, 3) },
        `drift persists after a fix: ${c.channel} still shows ${c.persistent} cells differently from the ledger; incident opened`,
      );
      await postAlert(deps, { event: PERSISTENT_DRIFT, property: propertyCode, channel: c.channel, cells: c.persistent, runId: last.runId });
    } else if (c.error === undefined && c.remaining === 0) {
      const closed = await db('incidents')
        .where({ property_id: propertyId, channel_id: channelId, kind: PERSISTENT_DRIFT, status: 'open' })
        .update({ status: 'resolved', resolved_at: db.fn.now() });
      if (closed === 0) continue;
      resolved.push(c.channel);
      logger.warn({ property: propertyCode, channel: c.channel, runId: last.runId }, `${c.channel} shows what the ledger says again: persistent drift resolved`);
      await postAlert(deps, { event: `${PERSISTENT_DRIFT}-resolved`, property: propertyCode, channel: c.channel, runId: last.runId });
    }
  }
  return { incidentsOpened: opened, incidentsResolved: resolved };
}

/** The same webhook and body shape as the safety buffer's alerts (channel-health). */
async function postAlert(deps: ScheduledReconcileDeps, body: Record<string, string | number>): Promise<void> {
  if (!deps.alertWebhook) return;
  try {
    await fetch(deps.alertWebhook, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, at: new Date().toISOString() }),
      signal: AbortSignal.timeout(5000),
    });
  } catch (error) {
    deps.logger.warn({ err: error, event: body.event }, 'alert webhook failed');
  }
}

export interface ReconcileScheduleOptions {
  /** Cron pattern (minute hour day month weekday), evaluated in each property's time zone; `off`: none. */
  cron?: string;
  days?: number;
  settleTimeoutMs?: number;
  /** How often new properties and time zone changes are picked up. */
  refreshMs?: number;
  /** Without Redis: how often the timer looks for a due run. */
  tickMs?: number;
}

export interface ReconcileScheduleContext extends Omit<ScheduledReconcileDeps, 'metrics' | 'signal' | 'days' | 'settleTimeoutMs'> {
  registry?: Registry;
  redisUrl?: string;
  prefix?: string;
}

export interface ReconcileSchedule {
  /** Undefined when the schedule is off. */
  metrics: ReconcileMetrics | undefined;
  stop(): Promise<void>;
}

/** The schedule's context from what startDistribution already has, so its wiring there stays one line. */
export function reconcileScheduleContext(
  options: { redisUrl?: string; queuePrefix?: string; registry?: Registry },
  deps: Pick<SyncDeps, 'db' | 'logger' | 'metrics' | 'connectors' | 'health'>,
  scheduler: Pick<SyncScheduler, 'schedule'>,
): ReconcileScheduleContext {
  return {
    db: deps.db,
    logger: deps.logger,
    connectors: deps.connectors,
    incidentsOpened: deps.metrics.incidentsOpened,
    poke: (channelIds) => scheduler.schedule(channelIds),
    ...(deps.health?.alertWebhook !== undefined ? { alertWebhook: deps.health.alertWebhook } : {}),
    ...(options.registry !== undefined ? { registry: options.registry } : {}),
    ...(options.redisUrl !== undefined ? { redisUrl: options.redisUrl } : {}),
    ...(options.queuePrefix !== undefined ? { prefix: options.queuePrefix } : {}),
  };
}

export function startReconcileSchedule(ctx: ReconcileScheduleContext, options: ReconcileScheduleOptions = {}): ReconcileSchedule {
  const cron = options.cron ?? DEFAULT_RECONCILE_CRON;
  // The CLI passes TIDEWATER_RECONCILE_CRON through as is, so `off` is understood here.
  if (cron === 'off') return { metrics: undefined, stop: () => Promise.resolve() };
  try {
    getNextMillis(Date.now(), { pattern: cron, tz: 'UTC' });
  } catch (error) {
    throw new ConfigError([{ variable: 'TIDEWATER_RECONCILE_CRON', given: cron, expected: `a cron pattern the scheduler understands (${(error as Error).message})` }]);
  }
  const metrics = createReconcileMetrics(ctx.registry);
  const abort = new AbortController();
  const deps: ScheduledReconcileDeps = {
    ...ctx,
    metrics,
    signal: abort.signal,
    ...(options.days !== undefined ? { days: options.days } : {}),
    ...(options.settleTimeoutMs !== undefined ? { settleTimeoutMs: options.settleTimeoutMs } : {}),
  };
  const schedule = ctx.redisUrl ? startBullmqSchedule(deps, ctx.redisUrl, ctx.prefix ?? 'tidewater', cron, options) : startTimerSchedule(deps, cron, options);
  return {
    metrics,
    async stop() {
      abort.abort();
      await schedule.stop();
    },
  };
}

async function propertyZones(db: Db): Promise<Array<{ code: string; timezone: string }>> {
  return db('properties').orderBy('code').select<Array<{ code: string; timezone: string }>>('code', 'timezone');
}

function startBullmqSchedule(deps: ScheduledReconcileDeps, redisUrl: string, prefix: string, cron: string, options: ReconcileScheduleOptions): { stop(): Promise<void> } {
  const { db, logger } = deps;
  // As for channel pokes: fail fast while Redis is down, the next refresh registers what was missed.
  const queueConnection = new IORedis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  queueConnection.on('error', () => undefined);
  const queue = new Queue<ReconcileJob>(RECONCILE_QUEUE, { connection: queueConnection, prefix });
  queue.on('error', () => undefined);
  const workerConnection = new IORedis(redisUrl, { maxRetriesPerRequest: null });
  workerConnection.on('error', () => undefined);
  // One check at a time per process: a year of every channel is heavy; other processes take other properties.
  const worker = new Worker<ReconcileJob, ScheduledReconcileResult | null>(
    RECONCILE_QUEUE,
    async (job: Job<ReconcileJob>) => {
      if (!(await findProperty(db, job.data.property))) {
        await queue.removeJobScheduler(`${SCHEDULER_ID_PREFIX}${job.data.property}`);
        logger.info({ property: job.data.property }, 'property gone: its reconciliation schedule is removed');
        return null;
      }
      return runScheduledReconcile(deps, job.data.property);
    },
    { connection: workerConnection, prefix, concurrency: 1 },
  );
  worker.on('error', (error) => logger.warn({ err: error }, 'reconcile worker connection problem'));

  // Upserted only when new or changed here: every worker process runs this, and re-upserting an
  // unchanged scheduler would only rewrite its next job.
  const registered = new Map<string, string>();
  const refresh = async () => {
    for (const { code, timezone } of await propertyZones(db)) {
      const key = `${cron}|${timezone}`;
      if (registered.get(code) === key) continue;
      await queue.upsertJobScheduler(
        `${SCHEDULER_ID_PREFIX}${code}`,
        { pattern: cron, tz: timezone },
        { name: 'reconcile', data: { property: code }, opts: { attempts: 1, removeOnComplete: { count: 30 }, removeOnFail: { count: 30 } } },
      );
      registered.set(code, key);
    }
  };
  let refreshing = Promise.resolve();
  const runRefresh = () => {
    refreshing = refreshing.then(refresh).catch((error: unknown) => logger.warn({ err: error }, 'could not register reconciliation schedules (Redis down?); retrying later'));
  };
  runRefresh();
  const timer = setInterval(runRefresh, options.refreshMs ?? DEFAULT_REFRESH_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await refreshing;
      await worker.close();
      await queue.close();
      queueConnection.disconnect();
      workerConnection.disconnect();
    },
  };
}

function startTimerSchedule(deps: ScheduledReconcileDeps, cron: string, options: ReconcileScheduleOptions): { stop(): Promise<void> } {
  const { db, logger } = deps;
  const due = new Map<string, number>();
  let stopped = false;
  let current: Promise<void> = Promise.resolve();
  const tick = async () => {
    for (const { code, timezone } of await propertyZones(db)) {
      if (stopped) return;
      // Keyed with the zone, so a property moved to another zone gets its next time recomputed.
      const key = `${code}|${timezone}`;
      const next = due.get(key) ?? (getNextMillis(Date.now(), { pattern: cron, tz: timezone }) as number);
      due.set(key, next);
      if (next > Date.now()) continue;
      try {
        await runScheduledReconcile(deps, code);
      } catch {
        // Logged and counted by runScheduledReconcile; the next occurrence tries again.
      }
      due.set(key, getNextMillis(Date.now(), { pattern: cron, tz: timezone }) as number);
    }
  };
  let busy = false;
  const timer = setInterval(() => {
    // One pass at a time: ticks during a long check are skipped, not queued up behind it.
    if (busy || stopped) return;
    busy = true;
    current = tick()
      .catch((error: unknown) => logger.warn({ err: error }, 'reconciliation timer failed'))
      .finally(() => {
        busy = false;
      });
  }, options.tickMs ?? DEFAULT_TICK_MS);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await current;
    },
  };
}
