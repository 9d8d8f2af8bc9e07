import type IORedis from 'ioredis';

/** Spaces the requests to one channel to at most `perSecond`; resolves when the caller may send. */
export interface RequestPacer {
  take(key: string, perSecond: number): Promise<void>;
}

/**
 * Paces requests to one channel within this process. A channel is synced by one worker at a time
 * (the channel lease), so while a worker holds a channel this is the channel's limit; what it cannot
 * see is the previous holder's last requests, which the shared pacer below covers.
 */
export class ChannelPacer implements RequestPacer {
  private readonly nextSlot = new Map<string, number>();

  async take(key: string, perSecond: number): Promise<void> {
    if (perSecond <= 0) return;
    const slot = this.reserve(key, 1000 / perSecond, Date.now());
    await waitUntil(slot);
  }

  /** Books the next free slot at or after `now` and returns it. */
  reserve(key: string, intervalMs: number, now: number): number {
    const slot = Math.max(now, this.nextSlot.get(key) ?? 0);
    this.nextSlot.set(key, slot + intervalMs);
    return slot;
  }
}

/**
 * Books a slot atomically in Redis: the next free slot is max(now, stored) and the stored value moves
 * one interval on. The key expires shortly after its last slot, so idle channels leave nothing behind.
 */
const RESERVE_SLOT = `
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
if slot < now then slot = now end
redis.call('SET', KEYS[1], tostring(slot + interval), 'PX', math.ceil(slot + interval - now + 60000))
return tostring(slot)
`;

/**
 * A channel's request rate shared by every worker process through Redis, so that the limit holds
 * across a lease hand-over (a drained or crashed worker's last requests still count for the next
 * holder) and whatever process sends. BullMQ's own limiter is per queue, not per channel, hence this.
 * When Redis does not answer, pacing falls back to this process alone: the lease still keeps one
 * sender per channel, and delivery must not stop because the limiter's store is down.
 */
export class SharedChannelPacer implements RequestPacer {
  private readonly local = new ChannelPacer();

  constructor(
    private readonly redis: IORedis,
    private readonly prefix: string,
  ) {}

  async take(key: string, perSecond: number): Promise<void> {
    if (perSecond <= 0) return;
    await waitUntil(await this.book(key, perSecond, Date.now()));
  }

  /** Books the channel's next free slot at or after `now` (ms since the epoch) and returns it. */
  async book(key: string, perSecond: number, now: number): Promise<number> {
    const intervalMs = 1000 / perSecond;
    try {
      const booked = (await this.redis.eval(RESERVE_SLOT, 1, `${this.prefix}:pace:${key}`, String(now), String(intervalMs))) as string;
      const slot = Number(booked);
      // Keep the local view in step, so a fallback right after does not burst.
      this.local.reserve(key, intervalMs, slot);
      return slot;
    } catch {
      return this.local.reserve(key, intervalMs, now);
    }
  }
}

function waitUntil(slot: number): Promise<void> {
  const wait = slot - Date.now();
  return wait > 0 ? new Promise((resolve) => setTimeout(resolve, wait)) : Promise.resolve();
}
