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
import { relayOutboxBatch } from '../db/sync-repo';
import {
  isUnmappedCell,
  reconcileProperty,
  scheduleBookingFix,
  scheduleDriftFix,
  type BookingFixResult,
  type ChannelDrift,
  type ReconcileResult,
} from '../services/reconcile-service';
import { DAILY_REPRICE_CRON, propertiesWithBookingWindows, repriceBookingWindows, REPRICE_QUEUE } from './daily-reprice';
import type { SyncScheduler } from './scheduler';
import type { SyncDeps } from './sync-channel';
import { postAlert as postAlertWebhook } from './alert-webhook';

/**
 * Scheduled reconciliation (issue 6): per property, on a cron in the property's time zone (nightly
 * at 03:00 by default), check every channel, re-send what drifted, let the workers deliver it, and
 * check again. Drift that survives its own fix is not a delivery hiccup but a channel that will not
 * take a value (a mapping, a partner-side rule, a stuck extranet cell): it opens an incident and
 * alerts, and a later run that finds the channel clean resolves it.
 *
 * Bookings and PMS sold counts are fixed the way `tidewater reconcile --fix` fixes them, through the
 * same scheduleBookingFix: bookings a channel has and Tidewater lost are re-pulled, bookings on
 * nights where the PMS counts differently are sent to it again. Findings only a person can settle
 * (a booking Tidewater has that the channel lacks or shows differently, a code nobody mapped) are
 * counted in the result and in tidewater_reconcile_needs_human, and logged, but they neither make a
 * run `persistent` nor open an incident or post an alert: persistent drift means a channel refusing
 * a value the hub keeps sending, something to page about, whereas a human finding is a known,
 * listed decision that stays the same every night until someone takes it; alerting on it nightly
 * would only teach people to ignore the alert. Alert on the gauge instead if a team wants a nudge.
 *
 * With Redis, one BullMQ job scheduler per property on a small `reconcile` queue, so exactly one
 * worker process runs each night's check whatever the number of workers; without Redis, a timer in
 * this process does the same.
 */

export const RECONCILE_QUEUE = 'reconcile';
export const DEFAULT_RECONCILE_CRON = '0 3 * * *';
export const PERSISTENT_DRIFT = 'persistent-drift';
const SCHEDULER_ID_PREFIX = 'reconcile:';
const REPRICE_ID_PREFIX = 'reprice:';
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
  /** Findings only a person can settle at the last run's last check, by kind (ari: codes nobody mapped; booking; pms). */
  needsHuman: Gauge<'property' | 'kind'>;
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
  const needsHuman =
    (existing('tidewater_reconcile_needs_human') as Gauge<'property' | 'kind'> | undefined) ??
    new Gauge({
      name: 'tidewater_reconcile_needs_human',
      help: 'Findings left for a person at the last scheduled reconciliation, by kind (ari: codes nobody mapped; booking: a booking the channel lacks or shows differently; pms)',
      labelNames: ['property', 'kind'] as const,
      registers: [registry],
    });
  return { driftCells, runs, needsHuman };
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
  /** Booking and PMS findings the fix acts on (re-pull, re-send): found by the first check, what was done, left at the last. */
  bookings: { found: number; repulled: number; refused: number; redeliveries: number; remaining: number };
  /** Findings only a person can settle, at the last check: reported, never alerted (see the top of this file). */
  needsHuman: { ari: number; booking: number; pms: number };
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
    let bookingFix: BookingFixResult | undefined;
    const drifted = first.channels.filter((c) => c.findings.length > 0);
    const bookingsFound = fixableBookingFindings(first);
    if (drifted.length > 0 || bookingsFound > 0) {
      const cells = drifted.length > 0 ? await scheduleDriftFix(db, propertyCode, first) : 0;
      const waitOn = new Set(drifted.map((c) => c.channel));
      if (bookingsFound > 0) {
        bookingFix = await scheduleBookingFix({ db, logger }, propertyCode, first, deps.connectors);
        for (const c of first.channels) if (c.pmsFindings.some((f) => f.action === 'resend')) waitOn.add(c.channel);
        if (bookingFix.repulled > 0) {
          // A re-pulled booking's nights change every channel's view; relayed here rather than at the
          // relay's next poll, so the wait below covers them and the re-check is not mere lag.
          while ((await relayOutboxBatch(db)).relayed > 0);
          for (const c of first.channels) waitOn.add(c.channel);
        }
        for (const r of bookingFix.refused) logger.warn({ property: propertyCode, ...r }, 'reconciliation: a booking missing in Tidewater could not be pulled again');
      }
      const channelIds = [...waitOn].map((code) => stored.channelIds.get(code)).filter((id): id is number => id !== undefined);
      logger.info(
        { property: propertyCode, cells, channels: drifted.map((c) => c.channel), repulled: bookingFix?.repulled ?? 0, redeliveries: bookingFix?.redeliveries ?? 0 },
        'reconciliation: re-sending drifted cells and bookings',
      );
      await waitForResend(deps, propertyCode, channelIds);
      second = await reconcileProperty(db, propertyCode, range);
    }
    const last = second ?? first;
    const channels = first.channels.map((c) => channelOutcome(c, second?.channels.find((s) => s.channel === c.channel)));
    const bookings = {
      found: bookingsFound,
      repulled: bookingFix?.repulled ?? 0,
      refused: bookingFix?.refused.length ?? 0,
      redeliveries: bookingFix?.redeliveries ?? 0,
      remaining: second ? fixableBookingFindings(second) : bookingsFound,
    };
    const needsHuman = humanFindings(last);
    // Bookings or sold counts that could not be read leave the check incomplete, like unreadable ARI.
    const unreadable = first.channels.filter((c) => c.bookingError !== undefined || c.pmsError !== undefined);
    const outcome: ReconcileOutcome = channels.some((c) => c.persistent > 0)
      ? 'persistent'
      : channels.some((c) => c.error !== undefined) || unreadable.length > 0
        ? 'error'
        : channels.some((c) => c.found > 0) || bookings.found > 0
          ? 'fixed'
          : 'clean';
    if (second && !channels.some((c) => c.persistent > 0)) await db('reconciliation_runs').where({ id: first.runId }).update({ fixed: true });

    const incidents = await recordIncidents(deps, stored.id, propertyCode, channels, last, stored.channelIds);
    for (const c of channels) {
      if (c.error !== undefined) continue; // unknown, not zero: keep the last known figure
      metrics.driftCells.set({ property: propertyCode, channel: c.channel, stage: 'found' }, c.found);
      metrics.driftCells.set({ property: propertyCode, channel: c.channel, stage: 'remaining' }, c.remaining);
    }
    for (const [kind, n] of Object.entries(needsHuman)) metrics.needsHuman.set({ property: propertyCode, kind }, n);
    metrics.runs.inc({ property: propertyCode, outcome });
    const result: ScheduledReconcileResult = {
      property: propertyCode,
      outcome,
      from: first.from,
      to: first.to,
      runIds: second ? [first.runId, second.runId] : [first.runId],
      channels,
      bookings,
      needsHuman,
      ...incidents,
    };
    const log = {
      property: propertyCode,
      outcome,
      runIds: result.runIds,
      channels: channels.filter((c) => c.found > 0 || c.error !== undefined),
      ...(bookings.found > 0 ? { bookings } : {}),
      ...(unreadable.length > 0 ? { unreadable: unreadable.map((c) => ({ channel: c.channel, bookings: c.bookingError, soldCounts: c.pmsError })) } : {}),
    };
    if (outcome === 'error') logger.warn(log, 'scheduled reconciliation: some channels could not be checked');
    else logger.info(log, `scheduled reconciliation: ${outcome}`);
    const human = needsHuman.ari + needsHuman.booking + needsHuman.pms;
    if (human > 0) {
      logger.warn(
        { property: propertyCode, runId: last.runId, needsHuman },
        `reconciliation: ${human} findings need a person (tidewater reconcile --property ${propertyCode} lists them)`,
      );
    }
    return result;
  } catch (error) {
    if (!(error instanceof ReconcileInterruptedError)) {
      metrics.runs.inc({ property: propertyCode, outcome: 'error' });
      logger.error({ property: propertyCode, err: error }, 'scheduled reconciliation failed');
    }
    throw error;
  }
}

/** Booking and PMS findings scheduleBookingFix acts on. */
function fixableBookingFindings(result: ReconcileResult): number {
  return result.channels.reduce(
    (n, c) => n + c.bookingFindings.filter((f) => f.action === 'repull').length + c.pmsFindings.filter((f) => f.action === 'resend').length,
    0,
  );
}

/** What the CLI lists as needing a person (ReconcileResult.needsHuman), by kind. */
function humanFindings(result: ReconcileResult): { ari: number; booking: number; pms: number } {
  return {
    ari: result.channels.reduce((n, c) => n + c.findings.filter(isUnmappedCell).length, 0),
    booking: result.channels.reduce((n, c) => n + c.bookingFindings.filter((f) => f.action === 'human').length, 0),
    pms: result.channels.reduce((n, c) => n + c.pmsFindings.filter((f) => f.action === 'human').length, 0),
  };
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

/**
 * Waits until the dirty ranges and PMS booking deliveries the fix wrote (and any before them) are
 * delivered, or the bound passes.
 */
async function waitForResend(deps: ScheduledReconcileDeps, propertyCode: string, channelIds: number[]): Promise<void> {
  if (channelIds.length === 0) return;
  const { db } = deps;
  const [mark] = await db('channel_dirty_ranges').whereIn('channel_id', channelIds).max<{ max: string | null }[]>({ max: 'id' });
  const [deliveryMark] = await db('booking_deliveries').whereIn('channel_id', channelIds).whereNull('delivered_at').max<{ max: string | null }[]>({ max: 'id' });
  const upTo = mark?.max ?? null;
  const deliveriesUpTo = deliveryMark?.max ?? null;
  if (upTo === null && deliveriesUpTo === null) return;
  try {
    await deps.poke?.(channelIds);
  } catch (error) {
    deps.logger.warn({ err: error, property: propertyCode }, 'could not announce the re-send; the relay sweep will');
  }
  const deadline = Date.now() + (deps.settleTimeoutMs ?? DEFAULT_SETTLE_TIMEOUT_MS);
  // Ranges written later (new ledger changes) do not hold the check back: they are ordinary traffic.
  while (Date.now() < deadline) {
    if (deps.signal?.aborted) throw new ReconcileInterruptedError(propertyCode);
    const [row] = upTo === null ? [undefined] : await db('channel_dirty_ranges').whereIn('channel_id', channelIds).where('id', '<=', upTo).count<{ c: string }[]>({ c: '*' });
    const [deliveries] =
      deliveriesUpTo === null
        ? [undefined]
        : await db('booking_deliveries').whereIn('channel_id', channelIds).whereNull('delivered_at').where('id', '<=', deliveriesUpTo).count<{ c: string }[]>({ c: '*' });
    if (Number(row?.c ?? 0) === 0 && Number(deliveries?.c ?? 0) === 0) return;
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
function postAlert(deps: ScheduledReconcileDeps, body: Record<string, string | number>): Promise<void> {
  return postAlertWebhook(deps.alertWebhook, deps.logger, body);
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
  /**
   * The daily re-mark of booking-window prices (daily-reprice.ts), another scheduled duty of the
   * same processes; on unless false, also when the reconciliation's cron is `off`.
   */
  reprice?: false | { cron?: string };
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

/**
 * Starts the scheduled duties of a worker process: the reconciliation on its cron and the daily
 * re-mark of booking-window prices (both per property, in the property's time zone).
 */
export function startReconcileSchedule(ctx: ReconcileScheduleContext, options: ReconcileScheduleOptions = {}): ReconcileSchedule {
  const cron = options.cron ?? DEFAULT_RECONCILE_CRON;
  // The CLI passes TIDEWATER_RECONCILE_CRON through as is, so `off` is understood here.
  if (cron !== 'off') checkCron(cron, 'TIDEWATER_RECONCILE_CRON');
  const repriceCron = options.reprice === false ? undefined : (options.reprice?.cron ?? DAILY_REPRICE_CRON);
  if (repriceCron !== undefined) checkCron(repriceCron, 'reprice cron');
  const abort = new AbortController();
  const schedules: Array<{ stop(): Promise<void> }> = [];
  const start = (job: PropertyJob) =>
    schedules.push(ctx.redisUrl ? startBullmqSchedule(ctx, ctx.redisUrl, ctx.prefix ?? 'tidewater', job, options) : startTimerSchedule(ctx, job, options));
  if (repriceCron !== undefined) {
    start({
      queue: REPRICE_QUEUE,
      idPrefix: REPRICE_ID_PREFIX,
      jobName: 'reprice',
      cron: repriceCron,
      what: 'booking-window re-mark',
      properties: propertiesWithBookingWindows,
      run: (code) =>
        repriceBookingWindows(ctx, code).catch((error: unknown) => {
          ctx.logger.error({ err: error, property: code }, 'booking-window re-mark failed; the nightly reconciliation re-sends what it missed');
          throw error;
        }),
    });
  }
  let metrics: ReconcileMetrics | undefined;
  if (cron !== 'off') {
    const reconcileMetrics = createReconcileMetrics(ctx.registry);
    metrics = reconcileMetrics;
    const deps: ScheduledReconcileDeps = {
      ...ctx,
      metrics: reconcileMetrics,
      signal: abort.signal,
      ...(options.days !== undefined ? { days: options.days } : {}),
      ...(options.settleTimeoutMs !== undefined ? { settleTimeoutMs: options.settleTimeoutMs } : {}),
    };
    start({
      queue: RECONCILE_QUEUE,
      idPrefix: SCHEDULER_ID_PREFIX,
      jobName: 'reconcile',
      cron,
      what: 'reconciliation',
      properties: propertyZones,
      run: (code) => runScheduledReconcile(deps, code),
    });
  }
  return {
    metrics,
    async stop() {
      abort.abort();
      await Promise.all(schedules.map((s) => s.stop()));
    },
  };
}

function checkCron(cron: string, variable: string): void {
  try {
    getNextMillis(Date.now(), { pattern: cron, tz: 'UTC' });
  } catch (error) {
    throw new ConfigError([{ variable, given: cron, expected: `a cron pattern the scheduler understands (${(error as Error).message})` }]);
  }
}

/** A job run per property on a cron in the property's time zone. */
interface PropertyJob {
  queue: string;
  /** Job scheduler ids are this plus the property code. */
  idPrefix: string;
  jobName: string;
  cron: string;
  /** For logs. */
  what: string;
  /** The properties to schedule, re-read every refresh; one dropped from the list loses its schedule. */
  properties: (db: Db) => Promise<Array<{ code: string; timezone: string }>>;
  /** Logs and counts its own failures. */
  run: (code: string) => Promise<unknown>;
}

async function propertyZones(db: Db): Promise<Array<{ code: string; timezone: string }>> {
  return db('properties').orderBy('code').select<Array<{ code: string; timezone: string }>>('code', 'timezone');
}

function startBullmqSchedule(deps: Pick<ScheduledReconcileDeps, 'db' | 'logger'>, redisUrl: string, prefix: string, job: PropertyJob, options: ReconcileScheduleOptions): { stop(): Promise<void> } {
  const { db, logger } = deps;
  // As for channel pokes: fail fast while Redis is down, the next refresh registers what was missed.
  const queueConnection = new IORedis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  queueConnection.on('error', () => undefined);
  const queue = new Queue<ReconcileJob>(job.queue, { connection: queueConnection, prefix });
  queue.on('error', () => undefined);
  const workerConnection = new IORedis(redisUrl, { maxRetriesPerRequest: null });
  workerConnection.on('error', () => undefined);
  // One check at a time per process: a year of every channel is heavy; other processes take other properties.
  const worker = new Worker<ReconcileJob, unknown>(
    job.queue,
    async (j: Job<ReconcileJob>) => {
      if (!(await findProperty(db, j.data.property))) {
        await queue.removeJobScheduler(`${job.idPrefix}${j.data.property}`);
        logger.info({ property: j.data.property }, `property gone: its ${job.what} schedule is removed`);
        return null;
      }
      return job.run(j.data.property);
    },
    { connection: workerConnection, prefix, concurrency: 1 },
  );
  worker.on('error', (error) => logger.warn({ err: error }, `${job.what} worker connection problem`));

  // Upserted only when new or changed here: every worker process runs this, and re-upserting an
  // unchanged scheduler would only rewrite its next job.
  const registered = new Map<string, string>();
  const refresh = async () => {
    const listed = await job.properties(db);
    for (const { code, timezone } of listed) {
      const key = `${job.cron}|${timezone}`;
      if (registered.get(code) === key) continue;
      await queue.upsertJobScheduler(
        `${job.idPrefix}${code}`,
        { pattern: job.cron, tz: timezone },
        { name: job.jobName, data: { property: code }, opts: { attempts: 1, removeOnComplete: { count: 30 }, removeOnFail: { count: 30 } } },
      );
      registered.set(code, key);
    }
    // A property that no longer qualifies (no booking-window rule left) stops being scheduled.
    const still = new Set(listed.map((p) => p.code));
    for (const code of [...registered.keys()].filter((c) => !still.has(c))) {
      await queue.removeJobScheduler(`${job.idPrefix}${code}`);
      registered.delete(code);
    }
  };
  let refreshing = Promise.resolve();
  const runRefresh = () => {
    refreshing = refreshing.then(refresh).catch((error: unknown) => logger.warn({ err: error }, `could not register ${job.what} schedules (Redis down?); retrying later`));
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

function startTimerSchedule(deps: Pick<ScheduledReconcileDeps, 'db' | 'logger'>, job: PropertyJob, options: ReconcileScheduleOptions): { stop(): Promise<void> } {
  const { db, logger } = deps;
  const due = new Map<string, number>();
  let stopped = false;
  let current: Promise<void> = Promise.resolve();
  const tick = async () => {
    for (const { code, timezone } of await job.properties(db)) {
      if (stopped) return;
      // Keyed with the zone, so a property moved to another zone gets its next time recomputed.
      const key = `${code}|${timezone}`;
      const next = due.get(key) ?? (getNextMillis(Date.now(), { pattern: job.cron, tz: timezone }) as number);
      due.set(key, next);
      if (next > Date.now()) continue;
      try {
        await job.run(code);
      } catch (error) {
        // runScheduledReconcile logs and counts its own; the next occurrence tries again either way.
        logger.debug({ err: error, property: code }, `${job.what} run failed`);
      }
      due.set(key, getNextMillis(Date.now(), { pattern: job.cron, tz: timezone }) as number);
    }
  };
  let busy = false;
  const timer = setInterval(() => {
    // One pass at a time: ticks during a long check are skipped, not queued up behind it.
    if (busy || stopped) return;
    busy = true;
    current = tick()
      .catch((error: unknown) => logger.warn({ err: error }, `${job.what} timer failed`))
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
