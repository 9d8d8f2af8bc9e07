import { Queue, Worker, type Job } from 'bullmq';
import IORedis from 'ioredis';
import { ChannelDelays, type DrainSummary, type SyncScheduler } from './scheduler';
import { syncChannel, type SyncDeps } from './sync-channel';

export const CHANNEL_SYNC_QUEUE = 'channel-sync';

export interface ChannelSyncJob {
  channelId: number;
}

export interface BullmqOptions {
  redisUrl: string;
  /** Key prefix; tests use one per file so they can run side by side. */
  prefix?: string;
  concurrency?: number;
  /** false: only enqueue (an API process with --no-workers). */
  runWorkers?: boolean;
  batchIntervalMs?: (type: string) => number;
}

/**
 * One BullMQ queue of "sync channel N" pokes. A poke carries no payload: the worker reads the
 * channel's dirty ranges and the current ledger, so pokes can be deduplicated freely (one waiting
 * per channel) and an old poke can never carry an old value.
 */
export function startBullmqScheduler(deps: SyncDeps, options: BullmqOptions): SyncScheduler & { queue: Queue } {
  const prefix = options.prefix ?? 'tidewater';
  const delays = new ChannelDelays(deps.db, options.batchIntervalMs ?? (() => 0));
  // Adds fail fast while Redis is down instead of queueing in memory: the relay logs it and the
  // periodic sweep announces the work again once Redis is back. The ledger keeps accepting writes.
  const queueConnection = new IORedis(options.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
  queueConnection.on('error', () => undefined);
  const queue = new Queue<ChannelSyncJob>(CHANNEL_SYNC_QUEUE, { connection: queueConnection, prefix });
  queue.on('error', () => undefined);

  const poke = async (channelId: number, delay: number) => {
    await queue.add(
      'sync',
      { channelId },
      { deduplication: { id: `channel-${channelId}` }, delay: Math.max(0, delay), removeOnComplete: true, removeOnFail: 1000, attempts: 5, backoff: { type: 'exponential', delay: 1000 } },
    );
  };

  // Aborted by stop(): running syncs end after the message they are sending.
  const draining = new AbortController();
  const runDeps: SyncDeps = { ...deps, signal: draining.signal };
  const interrupted = new Set<number>();
  let running = 0;
  let queueClosed = false;

  let worker: Worker<ChannelSyncJob> | undefined;
  let workerConnection: IORedis | undefined;
  if (options.runWorkers !== false) {
    workerConnection = new IORedis(options.redisUrl, { maxRetriesPerRequest: null });
    workerConnection.on('error', () => undefined);
    worker = new Worker<ChannelSyncJob>(
      CHANNEL_SYNC_QUEUE,
      async (job: Job<ChannelSyncJob>) => {
        const { channelId } = job.data;
        running++;
        try {
          // Free the dedup slot first: a change committed while this run works gets its own poke.
          await job.removeDeduplicationKey();
          const outcome = await syncChannel(runDeps, channelId);
          if (outcome.status === 'busy' || outcome.status === 'backoff') await poke(channelId, outcome.retryAt - Date.now());
          else if (outcome.status === 'synced' && outcome.more) await poke(channelId, 0);
          else if (outcome.status === 'interrupted') await handBack(channelId);
          return outcome.status;
        } finally {
          running--;
        }
      },
      { connection: workerConnection, prefix, concurrency: options.concurrency ?? 8 },
    );
    worker.on('error', (error) => deps.logger.warn({ err: error }, 'channel worker connection problem'));
  }

  /**
   * A sync stopped by the drain is poked again at once, while this process still holds the queue
   * open, so a worker that keeps running takes the channel over now (its lease is already released)
   * rather than at the next relay sweep. The sweep stays the guarantee: the work is dirty in Postgres.
   */
  const handBack = async (channelId: number) => {
    interrupted.add(channelId);
    try {
      await poke(channelId, 0);
    } catch (error) {
      deps.logger.warn({ err: error, channelId }, 'could not hand an interrupted channel sync back to the queue; the relay sweep will announce it');
    }
  };

  return {
    queue,
    async schedule(channelIds) {
      // Shut down: the work stays dirty in Postgres and the next relay sweep announces it.
      if (queueClosed) return;
      for (const id of channelIds) {
        try {
          await poke(id, await delays.delayFor(id));
        } catch (error) {
          deps.logger.warn({ err: error, channelId: id }, 'could not enqueue channel sync (Redis down?); the sweep will retry');
        }
      }
    },
    inFlight: () => running,
    async stop(): Promise<DrainSummary> {
      draining.abort();
      // close() fetches no more jobs and waits for the active ones, which now end after their current message.
      await worker?.close();
      queueClosed = true;
      await queue.close();
      queueConnection.disconnect();
      workerConnection?.disconnect();
      return { interrupted: [...interrupted] };
    },
  };
}
