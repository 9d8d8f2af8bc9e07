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
import { ChannelPacer } from './rate-limiter';
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
}

export interface Distribution {
  metrics: DistributionMetrics;
  relay: Relay;
  scheduler: SyncScheduler;
  deps: SyncDeps;
  stop(): Promise<void>;
}

/** The outbox relay plus channel workers: what `tidewater worker` runs, and `serve` unless --no-workers. */
export function startDistribution(options: DistributionOptions): Distribution {
  const connectors = options.connectors ?? builtInConnectors();
  const metrics = createDistributionMetrics(options.registry);
  const deps: SyncDeps = {
    db: options.db,
    logger: options.logger,
    metrics,
    connectors,
    pacer: new ChannelPacer(),
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
  return {
    metrics,
    relay,
    scheduler,
    deps,
    async stop() {
      clearInterval(holds);
      await icalPoller?.stop();
      await reservationPoller?.stop();
      await relay.stop();
      await scheduler.stop();
    },
  };
}
