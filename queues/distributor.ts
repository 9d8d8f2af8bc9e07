import { randomUUID } from 'node:crypto';
import type { Registry } from 'prom-client';
import type { Logger } from '../config/logger';
import type { Db } from '../db/connection';
import { builtInConnectors } from '../connectors';
import { startIcalPolling } from '../connectors/ical/ical-import';
import type { ChannelConnector } from '../connectors/types';
import { releaseExpiredHolds } from '../services/booking-service';
import { startBullmqScheduler } from './bullmq-scheduler';
import { defaultHealthPolicy, type HealthPolicy } from './channel-health';
import { startInlineScheduler } from './inline-scheduler';
import { createDistributionMetrics, type DistributionMetrics } from './metrics';
import { startOutboxRelay, type Relay } from './outbox-relay';
import { startReservationPolling } from './reservation-poller';
import { reconcileScheduleContext, startReconcileSchedule, type ReconcileScheduleOptions } from './reconcile-schedule';
import IORedis from 'ioredis';
import { ChannelPacer, SharedChannelPacer } from './rate-limiter';
import { DEFAULT_BATCH_INTERVAL_MS, type SyncScheduler } from './scheduler';
import type { SyncDeps } from './sync-channel';

export interface DistributionOptions {
  db: Db;
  logger: Logger;
  /** With Redis: BullMQ workers (any number of processes). Without: in-process delivery. */
  redisUrl?: string;
  /** Postgres URL for LISTEN/NOTIFY; omit for the embedded database. */
  listenUrl?: string;
  queuePrefix?: string;
  registry?: Registry;
  health?: Partial<HealthPolicy>;
  connectors?: ReadonlyMap<string, ChannelConnector>;
  /** false: relay and enqueue only. */
  runWorkers?: boolean;
  concurrency?: number;
  pollMs?: number;
  sweepMs?: number;
  leaseMs?: number;
  coalesceMs?: number;
  holdSweepMs?: number;
  /** false: do not import iCal calendars from this process. */
  icalPolling?: boolean;
  /** false: do not pull reservations from OTAs from this process. */
  reservationPolling?: boolean;
  /** Scheduled reconciliation (reconcile-schedule.ts); off unless given: `tidewater worker` and `serve` turn it on. */
  reconcileSchedule?: false | ReconcileScheduleOptions;
  /** Longest stop() waits for running deliveries to finish their current message (default 30 s). */
  drainTimeoutMs?: number;
}

/** How a stop went. Not drained: deliveries were still running at the deadline (see stop()). */
export interface DrainResult {
  drained: boolean;
  ms: number;
  /** Channels whose sync stopped early with work left (handed back to the queue when there is one). */
  interrupted: number[];
}

export const DEFAULT_DRAIN_TIMEOUT_MS = 30_000;

export interface Distribution {
  metrics: DistributionMetrics;
  relay: Relay;
  scheduler: SyncScheduler;
  deps: SyncDeps;
  /**
   * Graceful shutdown: no new jobs; each running channel sync finishes the message it is sending,
   * records the answer, releases its lease and hands the rest back; then Redis and LISTEN close.
   * Resolves `drained: false` at the deadline if a delivery is still running (a partner slow to
   * answer, a retry wait): nothing is lost then either, since the outbox and dirty ranges keep the
   * work and the leases run out, but the caller should exit rather than wait on.
   */
  stop(): Promise<DrainResult>;
}

/** The outbox relay plus channel workers: what `tidewater worker` runs, and `serve` unless --no-workers. */
export function startDistribution(options: DistributionOptions): Distribution {
  const connectors = options.connectors ?? builtInConnectors();
  const metrics = createDistributionMetrics(options.registry);
  // Commands fail at once while Redis is down, so pacing falls back to this process instead of waiting.
  const pacerRedis = options.redisUrl ? new IORedis(options.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false }) : undefined;
  pacerRedis?.on('error', () => undefined);
  const deps: SyncDeps = {
    db: options.db,
    logger: options.logger,
    metrics,
    connectors,
    pacer: pacerRedis ? new SharedChannelPacer(pacerRedis, options.queuePrefix ?? 'tidewater') : new ChannelPacer(),
    health: { ...defaultHealthPolicy, ...options.health },
    workerId: `worker-${process.pid}-${randomUUID().slice(0, 8)}`,
    ...(options.leaseMs !== undefined ? { leaseMs: options.leaseMs } : {}),
    ...(options.coalesceMs !== undefined ? { coalesceMs: options.coalesceMs } : {}),
  };
  const batchIntervalMs = (type: string) => connectors.get(type)?.batchIntervalMs ?? DEFAULT_BATCH_INTERVAL_MS;
  const scheduler: SyncScheduler = options.redisUrl
    ? startBullmqScheduler(deps, {
        redisUrl: options.redisUrl,
        batchIntervalMs,
        ...(options.queuePrefix !== undefined ? { prefix: options.queuePrefix } : {}),
        ...(options.runWorkers !== undefined ? { runWorkers: options.runWorkers } : {}),
        ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
      })
    : startInlineScheduler(deps, { batchIntervalMs, ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}) });
  const relay = startOutboxRelay({
    db: options.db,
    logger: options.logger,
    onDirty: (ids) => scheduler.schedule(ids),
    onBacklog: (ranges) => metrics.dirtyRanges.set(ranges),
    ...(options.listenUrl !== undefined ? { listenUrl: options.listenUrl } : {}),
    ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
    ...(options.sweepMs !== undefined ? { sweepMs: options.sweepMs } : {}),
  });
  // Background duties of a worker: iCal calendars to import, unpaid holds to release.
  const icalPoller = options.runWorkers === false || options.icalPolling === false ? undefined : startIcalPolling({ db: options.db, logger: options.logger });
  const reservationPoller =
    options.runWorkers === false || options.reservationPolling === false ? undefined : startReservationPolling({ db: options.db, logger: options.logger });
  const holds = setInterval(() => {
    releaseExpiredHolds(options.db, options.logger).catch((error: unknown) => options.logger.warn({ err: error }, 'releasing expired holds failed'));
  }, options.holdSweepMs ?? 10_000);
  holds.unref();
  // Scheduled reconciliation: only when asked for, so tests and the demo run none.
  const reconcile =
    options.reconcileSchedule && options.runWorkers !== false ? startReconcileSchedule(reconcileScheduleContext(options, deps, scheduler), options.reconcileSchedule) : undefined;
  const drainTimeoutMs = options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
  let stopping: Promise<DrainResult> | undefined;

  const drain = async (): Promise<DrainResult> => {
    const { logger } = options;
    const started = Date.now();
    clearInterval(holds);
    const deliveries = scheduler.inFlight();
    logger.info({ deliveries, deadlineMs: drainTimeoutMs }, `draining ${deliveries} deliveries`);
    // The scheduler first, so running syncs hear of it at once; the relay and pollers stop alongside.
    // A relay pass still under way may announce work: the queue takes it while open, and after that
    // it simply stays dirty in Postgres for the next sweep.
    const work = Promise.all([scheduler.stop(), relay.stop(), icalPoller?.stop(), reservationPoller?.stop(), reconcile?.stop()]).then(
      ([summary]) => summary,
      (error: unknown) => {
        logger.error({ err: error }, 'stopping distribution failed');
        return undefined;
      },
    );
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), drainTimeoutMs);
    });
    const outcome = await Promise.race([work, deadline]);
    clearTimeout(timer);
    pacerRedis?.disconnect();
    const ms = Date.now() - started;
    if (outcome === 'deadline') {
      logger.error(
        { deliveries: scheduler.inFlight(), ms },
        'drain deadline passed with deliveries still running: their changes stay dirty in Postgres and their channel leases run out for another worker',
      );
      return { drained: false, ms, interrupted: [] };
    }
    if (outcome === undefined) return { drained: false, ms, interrupted: [] };
    logger.info({ ms, interrupted: outcome.interrupted }, 'drained');
    return { drained: true, ms, interrupted: outcome.interrupted };
  };

  return {
    metrics,
    relay,
    scheduler,
    deps,
    stop() {
      // A second call (SIGTERM after SIGINT, a test's afterAll) waits for the same drain.
      stopping ??= drain();
      return stopping;
    },
  };
}
