import type { Db } from '../db/connection';

/** Decides when a channel's sync runs: at once for critical channels, batched for the others. */
export interface SyncScheduler {
  schedule(channelIds: number[]): Promise<void>;
  /** Channel syncs running in this process now. */
  inFlight(): number;
  /**
   * Takes no new work and tells running syncs to stop after the message they are sending (each
   * records the channel's answer and releases its lease); resolves once they all have. What they
   * left undone is still dirty in Postgres.
   */
  stop(): Promise<DrainSummary>;
}

export interface DrainSummary {
  /** Channels whose sync stopped early with work left, handed back for another run. */
  interrupted: number[];
}

/** Channels that are not critical are batched: their work waits this long to gather more changes. */
export const DEFAULT_BATCH_INTERVAL_MS = 2000;

/** Remembers which channels are critical, refreshed now and then (property imports may change it). */
export class ChannelDelays {
  private cache = new Map<number, number>();
  private loadedAt = 0;
  constructor(
    private readonly db: Db,
    private readonly batchIntervalMs: (type: string) => number,
  ) {}

  async delayFor(channelId: number): Promise<number> {
    if (Date.now() - this.loadedAt > 10_000 || !this.cache.has(channelId)) {
      const rows = await this.db('channels').select<{ id: number; critical: boolean; type: string }[]>('id', 'critical', 'type');
      this.cache = new Map(rows.map((r) => [r.id, r.critical ? 0 : this.batchIntervalMs(r.type)]));
      this.loadedAt = Date.now();
    }
    return this.cache.get(channelId) ?? 0;
  }
}
