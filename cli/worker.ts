import type { Server } from 'node:http';
import type { Command } from 'commander';
import IORedis from 'ioredis';
import { Registry } from 'prom-client';
import { createApiMetrics } from '../api/metrics';
import { Readiness } from '../api/readiness';
import { createWorkerStatusApp } from '../api/worker-status-app';
import { startDistribution, type Distribution } from '../queues/distributor';
import { openRuntime, type Runtime } from './runtime';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description(
      'Run the outbox relay and channel workers only (no HTTP). Start as many as you like, on one machine or many: ' +
        'channels are leased one worker at a time, outbox rows are taken with SKIP LOCKED. Needs REDIS_URL to share work; ' +
        'without it, this process delivers everything itself. On SIGTERM or SIGINT each running delivery finishes the ' +
        'message it is sending and hands the rest back; exits 0 once drained, 1 if that takes longer than 30 s.',
    )
    .option('--concurrency <n>', 'channels synced at the same time by this process', '8')
    .option(
      '--metrics-port <n>',
      'serve /metrics, /healthz and /readyz on this port (default: TIDEWATER_WORKER_METRICS_PORT; unset: no listener). ' +
        'Delivery metrics (sync lag, retries, dead letters) are counted where deliveries happen: scrape every worker.',
    )
    .action(async (opts: { concurrency: string; metricsPort?: string }) => {
      const rt = await openRuntime({ migrate: true });
      const registry = new Registry();
      const metricsPort = opts.metricsPort !== undefined ? Number(opts.metricsPort) : rt.env.TIDEWATER_WORKER_METRICS_PORT;
      const distribution = startDistribution({
        db: rt.db,
        logger: rt.logger,
        registry,
        concurrency: Number(opts.concurrency),
        queuePrefix: rt.env.TIDEWATER_QUEUE_PREFIX,
        leaseMs: rt.env.TIDEWATER_CHANNEL_LEASE_MS,
        reconcileSchedule: { cron: rt.env.TIDEWATER_RECONCILE_CRON },
        ...(rt.env.TIDEWATER_ALERT_WEBHOOK ? { health: { alertWebhook: rt.env.TIDEWATER_ALERT_WEBHOOK } } : {}),
        ...(rt.env.REDIS_URL ? { redisUrl: rt.env.REDIS_URL } : {}),
        ...(rt.env.DATABASE_URL ? { listenUrl: rt.env.DATABASE_URL } : {}),
      });
      const status = metricsPort !== undefined && Number.isInteger(metricsPort) ? await listenForStatus(rt, registry, metricsPort) : undefined;
      process.stderr.write(`tidewater worker running (${rt.env.REDIS_URL ? 'BullMQ on Redis' : 'in-process delivery'})${status ? `; metrics on ${status.url}/metrics` : ''}; Ctrl-C to stop\n`);
      const signal = await waitForSignal();
      rt.logger.info({ signal }, 'worker stopping');
      status?.readiness.startDraining(`${signal} received`);
      await drainDistribution(distribution, rt);
      await status?.close();
      await rt.close();
    });
}

/** The worker's small status listener; it stays up while the worker drains, so the drain can be watched. */
async function listenForStatus(rt: Runtime, registry: Registry, port: number): Promise<{ url: string; readiness: Readiness; close(): Promise<void> }> {
  const readiness = new Readiness();
  const redis = rt.env.REDIS_URL ? new IORedis(rt.env.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false }) : undefined;
  redis?.on('error', () => undefined);
  const app = createWorkerStatusApp({ db: rt.db, metrics: createApiMetrics(registry), readiness, ...(redis ? { redis } : {}) });
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(port, '0.0.0.0', () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://127.0.0.1:${actualPort}`,
    readiness,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      redis?.disconnect();
    },
  };
}

/**
 * Waits for the first SIGINT or SIGTERM. The listeners are `once`: a second signal meets Node's
 * default handler and ends the process at once, for an operator who will not wait for the drain.
 */
export function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

/**
 * Stops delivery gracefully. Past the drain deadline the process exits 1 at once instead of
 * waiting on a delivery that will not end: nothing is lost, since the unsent changes are still dirty
 * in Postgres and the abandoned leases run out for another worker; a message that was on its way may
 * be sent once more, which a channel applies idempotently (it stores the same values).
 */
export async function drainDistribution(distribution: Distribution, rt: Pick<Runtime, 'logger'>): Promise<void> {
  const result = await distribution.stop();
  if (result.drained) return;
  await new Promise<void>((resolve) => rt.logger.flush(() => resolve()));
  process.exit(1);
}
