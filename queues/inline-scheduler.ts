import { ChannelDelays, type SyncScheduler } from './scheduler';
import { syncChannel, type SyncDeps } from './sync-channel';

/**
 * Delivery without Redis (the embedded default): the same sync function, connectors and retry
 * policy as the BullMQ workers, driven by timers in this process.
 */
export function startInlineScheduler(deps: SyncDeps, options: { concurrency?: number; batchIntervalMs?: (type: string) => number } = {}): SyncScheduler {
  const concurrency = options.concurrency ?? 4;
  const delays = new ChannelDelays(deps.db, options.batchIntervalMs ?? (() => 0));
  const due = new Map<number, number>();
  const running = new Map<number, Promise<void>>();
  let stopped = false;

  const run = (channelId: number) => {
    due.delete(channelId);
    const task = syncChannel(deps, channelId)
      .then((outcome) => {
        if (outcome.status === 'busy' || outcome.status === 'backoff') setDue(channelId, outcome.retryAt);
        else if (outcome.status === 'synced' && outcome.more) setDue(channelId, Date.now());
      })
      .catch((error: unknown) => {
        deps.logger.error({ err: error, channelId }, 'channel sync crashed; retrying in 1 s');
        setDue(channelId, Date.now() + 1000);
      })
      .finally(() => running.delete(channelId));
    running.set(channelId, task);
  };

  const setDue = (channelId: number, at: number) => {
    const current = due.get(channelId);
    if (current === undefined || at < current) due.set(channelId, at);
  };

  const tick = () => {
    if (stopped) return;
    const now = Date.now();
    for (const [channelId, at] of [...due].sort((a, b) => a[1] - b[1])) {
      if (running.size >= concurrency) break;
      if (at <= now && !running.has(channelId)) run(channelId);
    }
  };
  const timer = setInterval(tick, 25);

  return {
    async schedule(channelIds) {
      for (const id of channelIds) {
        const delay = await delays.delayFor(id);
        const at = Date.now() + delay;
        // A batched channel keeps its first due time, so steady changes cannot postpone it forever.
        if (!due.has(id)) due.set(id, at);
        else setDue(id, at);
      }
      tick();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await Promise.allSettled([...running.values()]);
    },
  };
}
