import { ChannelDelays, type DrainSummary, type SyncScheduler } from './scheduler';
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
  // Aborted by stop(): running syncs end after the message they are sending.
  const draining = new AbortController();
  const runDeps: SyncDeps = { ...deps, signal: draining.signal };
  const interrupted = new Set<number>();
  let stopped = false;

  const run = (channelId: number) => {
    due.delete(channelId);
    const task = syncChannel(runDeps, channelId)
      .then((outcome) => {
        // Nobody else delivers for this process: what a stopped sync left stays dirty in Postgres,
        // and the relay's first sweep after the next start announces it.
        if (outcome.status === 'interrupted') interrupted.add(channelId);
        else if (outcome.status === 'busy' || outcome.status === 'backoff') setDue(channelId, outcome.retryAt);
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
    if (stopped) return;
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
        if (stopped) return;
        const at = Date.now() + delay;
        // A batched channel keeps its first due time, so steady changes cannot postpone it forever.
        if (!due.has(id)) due.set(id, at);
        else setDue(id, at);
      }
      tick();
    },
    inFlight: () => running.size,
    async stop(): Promise<DrainSummary> {
      stopped = true;
      clearInterval(timer);
      draining.abort();
      // Everything in `due` is backed by dirty ranges or pending bookings in Postgres: dropping it loses nothing.
      due.clear();
      await Promise.allSettled([...running.values()]);
      return { interrupted: [...interrupted] };
    },
  };
}
