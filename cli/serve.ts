import type { Server } from 'node:http';
import type { Command } from 'commander';
import { Registry } from 'prom-client';
import { createApp } from '../api/app';
import { createApiMetrics } from '../api/metrics';
import { startDistribution, type Distribution } from '../queues/distributor';
import { openRuntime } from './runtime';
import { waitForSignal } from './worker';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Run the HTTP API (and, unless --no-workers, the outbox relay and channel workers). Applies pending migrations first.')
    .option('--port <n>', 'port to listen on (default: PORT or 8080)')
    .option('--host <host>', 'address to bind', '0.0.0.0')
    .option('--no-workers', 'serve HTTP only; run `tidewater worker` elsewhere')
    .action(async (opts: { port?: string; host: string; workers: boolean }) => {
      const rt = await openRuntime({ migrate: true });
      const port = opts.port !== undefined ? Number(opts.port) : rt.env.PORT;
      const registry = new Registry();
      const app = createApp({ db: rt.db, logger: rt.logger, maxBody: rt.env.TIDEWATER_MAX_BODY, metrics: createApiMetrics(registry) });
      let distribution: Distribution | undefined;
      if (opts.workers || !rt.env.REDIS_URL) {
        // Without Redis there is nobody else to deliver: this process relays and delivers itself.
        distribution = startDistribution({
          db: rt.db,
          logger: rt.logger,
          registry,
          queuePrefix: rt.env.TIDEWATER_QUEUE_PREFIX,
        leaseMs: rt.env.TIDEWATER_CHANNEL_LEASE_MS,
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
      await waitForSignal();
      rt.logger.info('shutting down: no new requests, draining deliveries');
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await distribution?.stop();
      await rt.close();
    });
}
