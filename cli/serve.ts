import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidArgumentError, type Command } from 'commander';
import IORedis from 'ioredis';
import { Registry } from 'prom-client';
import { createApp } from '../api/app';
import { createApiMetrics } from '../api/metrics';
import { Readiness } from '../api/readiness';
import { startDistribution, type Distribution } from '../queues/distributor';
import { openRuntime } from './runtime';
import { drainDistribution, waitForSignal } from './worker';

/**
 * Longest the HTTP server waits for in-flight requests at shutdown before cutting their
 * connections: under the 30 s most orchestrators allow between SIGTERM and SIGKILL, with room left
 * for the deliveries to drain.
 */
const HTTP_DRAIN_TIMEOUT_MS = 10_000;

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(
      'Run the HTTP API (and, unless --no-workers, the outbox relay and channel workers). Applies pending migrations first. ' +
        'GET /healthz is liveness, GET /readyz readiness. On SIGTERM or SIGINT: /readyz turns 503, new connections stop after ' +
        'TIDEWATER_DRAIN_DELAY_MS, requests in flight finish, deliveries drain; a second signal ends the process at once.',
    )
    .option('--port <n>', 'port to listen on (default: PORT or 8080)', parsePort)
    .option('--host <host>', 'address to bind', '0.0.0.0')
    .option('--no-workers', 'serve HTTP only; run `tidewater worker` elsewhere')
    .action(async (opts: { port?: number; host: string; workers: boolean }) => {
      const rt = await openRuntime({ migrate: true });
      const port = opts.port ?? rt.env.PORT;
      const registry = new Registry();
      const readiness = new Readiness();
      // Its own connection, failing fast while Redis is down, so /healthz and /readyz answer at once.
      const redis = rt.env.REDIS_URL ? new IORedis(rt.env.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false }) : undefined;
      redis?.on('error', () => undefined);
      const app = createApp({
        db: rt.db,
        logger: rt.logger,
        maxBody: rt.env.TIDEWATER_MAX_BODY,
        metrics: createApiMetrics(registry),
        readiness,
        ...(redis ? { redis } : {}),
      });
      let distribution: Distribution | undefined;
      if (opts.workers || !rt.env.REDIS_URL) {
        // Without Redis there is nobody else to deliver: this process relays and delivers itself.
        distribution = startDistribution({
          db: rt.db,
          logger: rt.logger,
          registry,
          queuePrefix: rt.env.TIDEWATER_QUEUE_PREFIX,
          leaseMs: rt.env.TIDEWATER_CHANNEL_LEASE_MS,
          reconcileSchedule: { cron: rt.env.TIDEWATER_RECONCILE_CRON },
          ...(rt.env.TIDEWATER_ALERT_WEBHOOK ? { health: { alertWebhook: rt.env.TIDEWATER_ALERT_WEBHOOK } } : {}),
          ...(rt.env.REDIS_URL ? { redisUrl: rt.env.REDIS_URL } : {}),
          ...(rt.env.DATABASE_URL ? { listenUrl: rt.env.DATABASE_URL } : {}),
        });
      }
      const server: Server = await new Promise((resolve) => {
        const s = app.listen(port, opts.host, () => resolve(s));
      });
      const address = server.address();
      const actualPort = typeof address === 'object' && address ? address.port : port;
      rt.logger.info({ port: actualPort, workers: opts.workers }, 'tidewater serving');
      process.stderr.write(`tidewater listening on http://${opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host}:${actualPort}\n`);
      const signal = await waitForSignal();

      // Readiness first, so a load balancer polling /readyz stops sending here while the listener
      // still answers; only then stop accepting, finish what is in flight and drain deliveries.
      readiness.startDraining(`${signal} received`);
      const drainDelayMs = rt.env.TIDEWATER_DRAIN_DELAY_MS;
      rt.logger.info({ signal, drainDelayMs }, 'shutting down: /readyz is 503; closing the listener after the drain delay');
      process.stderr.write(`tidewater: ${signal}: draining (a second signal stops at once)\n`);
      if (drainDelayMs > 0) await sleep(drainDelayMs);
      await closeServer(server, HTTP_DRAIN_TIMEOUT_MS);
      rt.logger.info('HTTP closed: no new requests, draining deliveries');
      // Past the drain deadline this exits 1 at once, like `tidewater worker`.
      if (distribution) await drainDistribution(distribution, rt);
      redis?.disconnect();
      await rt.close();
    });
}

/** Stops accepting, lets requests in flight finish, and cuts whatever is still open after `timeoutMs`. */
function closeServer(server: Server, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    // Idle keep-alive connections would otherwise hold close() open until their own timeout.
    server.closeIdleConnections();
  });
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError('expected a whole number from 0 to 65535');
  return port;
}
