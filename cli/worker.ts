import type { Command } from 'commander';
import { startDistribution } from '../queues/distributor';
import { openRuntime } from './runtime';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description(
      'Run the outbox relay and channel workers only (no HTTP). Start as many as you like, on one machine or many: ' +
        'channels are leased one worker at a time, outbox rows are taken with SKIP LOCKED. Needs REDIS_URL to share work; ' +
        'without it, this process delivers everything itself.',
    )
    .option('--concurrency <n>', 'channels synced at the same time by this process', '8')
    .action(async (opts: { concurrency: string }) => {
      const rt = await openRuntime({ migrate: true });
      const distribution = startDistribution({
        db: rt.db,
        logger: rt.logger,
        concurrency: Number(opts.concurrency),
        queuePrefix: rt.env.TIDEWATER_QUEUE_PREFIX,
        leaseMs: rt.env.TIDEWATER_CHANNEL_LEASE_MS,
        ...(rt.env.TIDEWATER_ALERT_WEBHOOK ? { health: { alertWebhook: rt.env.TIDEWATER_ALERT_WEBHOOK } } : {}),
        ...(rt.env.REDIS_URL ? { redisUrl: rt.env.REDIS_URL } : {}),
        ...(rt.env.DATABASE_URL ? { listenUrl: rt.env.DATABASE_URL } : {}),
      });
      process.stderr.write(`tidewater worker running (${rt.env.REDIS_URL ? 'BullMQ on Redis' : 'in-process delivery'}); Ctrl-C to stop\n`);
      await waitForSignal();
      rt.logger.info('worker draining');
      await distribution.stop();
      await rt.close();
    });
}

export function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}
