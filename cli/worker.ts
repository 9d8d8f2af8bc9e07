import type { Command } from 'commander';
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
    .action(async (opts: { concurrency: string }) => {
      const rt = await openRuntime({ migrate: true });
      const distribution = startDistribution({
        db: rt.db,
        logger: rt.logger,
        concurrency: Number(opts.concurrency),
        queuePrefix: rt.env.TIDEWATER_QUEUE_PREFIX,
        leaseMs: rt.env.TIDEWATER_CHANNEL_LEASE_MS,
        reconcileSchedule: { cron: rt.env.TIDEWATER_RECONCILE_CRON },
        ...(rt.env.TIDEWATER_ALERT_WEBHOOK ? { health: { alertWebhook: rt.env.TIDEWATER_ALERT_WEBHOOK } } : {}),
        ...(rt.env.REDIS_URL ? { redisUrl: rt.env.REDIS_URL } : {}),
        ...(rt.env.DATABASE_URL ? { listenUrl: rt.env.DATABASE_URL } : {}),
      });
      process.stderr.write(`tidewater worker running (${rt.env.REDIS_URL ? 'BullMQ on Redis' : 'in-process delivery'}); Ctrl-C to stop\n`);
      const signal = await waitForSignal();
      rt.logger.info({ signal }, 'worker stopping');
      await drainDistribution(distribution, rt);
      await rt.close();
    });
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
