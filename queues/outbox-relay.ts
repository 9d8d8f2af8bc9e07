import { Client } from 'pg';
import type { Logger } from '../config/logger';
import type { Db } from '../db/connection';
import { channelsWithDirtyRanges, channelsWithPendingBookings, countDirtyRanges, relayOutboxBatch } from '../db/sync-repo';

export interface RelayOptions {
  db: Db;
  logger: Logger;
  /** Postgres URL for a LISTEN connection; without it the relay only polls (the embedded database). */
  listenUrl?: string;
  pollMs?: number;
  /** Every this often, every channel with pending work is announced again (recovers lost wake-ups). */
  sweepMs?: number;
  /** Called with the channels that have new work. Must not throw for a Redis outage; log and return. */
  onDirty: (channelIds: number[]) => Promise<void>;
  /** Told at each sweep how many dirty ranges wait: the queue depth metric. */
  onBacklog?: (ranges: number) => void;
}

export interface Relay {
  stop(): Promise<void>;
  /** Relays everything pending now; used by tests and the demo to avoid waiting for the poll. */
  drain(): Promise<number>;
}

/**
 * Moves committed outbox rows into per-channel work. LISTEN/NOTIFY wakes it within milliseconds of a
 * commit; polling is the safety net for a lost notification or connection, and the periodic sweep
 * re-announces pending work (e.g. after Redis was down when a change was first relayed).
 */
export function startOutboxRelay(options: RelayOptions): Relay {
  const { db, logger } = options;
  const pollMs = options.pollMs ?? 1000;
  const sweepMs = options.sweepMs ?? 5000;
  let stopped = false;
  let running: Promise<number> | undefined;
  let again = false;
  let listener: Client | undefined;
  let lastSweep = 0;

  const drain = async (): Promise<number> => {
    let total = 0;
    for (;;) {
      const { relayed, channelIds } = await relayOutboxBatch(db);
      total += relayed;
      if (channelIds.length > 0) await options.onDirty(channelIds);
      if (relayed === 0) break;
    }
    // Bookings waiting for a PMS have no outbox row of their own: their insert NOTIFYs, we look here.
    const bookings = await channelsWithPendingBookings(db);
    if (bookings.length > 0) await options.onDirty(bookings);
    if (Date.now() - lastSweep >= sweepMs) {
      lastSweep = Date.now();
      const pending = await channelsWithDirtyRanges(db);
      if (pending.length > 0) await options.onDirty(pending);
      if (options.onBacklog) options.onBacklog(await countDirtyRanges(db));
    }
    return total;
  };

  // One pass at a time; a wake-up during a pass schedules exactly one more.
  const kick = (): void => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = drain()
      .catch((error: unknown) => {
        logger.error({ err: error }, 'outbox relay pass failed; retrying on the next poll');
        return 0;
      })
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          kick();
        }
      });
  };

  const timer = setInterval(kick, pollMs);
  kick();

  if (options.listenUrl) {
    const connect = async () => {
      const client = new Client({ connectionString: options.listenUrl, application_name: 'tidewater-relay' });
      client.on('notification', kick);
      client.on('error', (error) => {
        logger.warn({ err: error }, 'outbox LISTEN connection lost; polling until it is back');
        listener = undefined;
        if (!stopped) setTimeout(() => void connect().catch(() => undefined), pollMs);
      });
      await client.connect();
      await client.query('LISTEN tidewater_outbox');
      listener = client;
    };
    connect().catch((error: unknown) => logger.warn({ err: error }, 'outbox LISTEN unavailable; polling'));
  }

  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      await listener?.end().catch(() => undefined);
    },
    async drain() {
      await running;
      return drain();
    },
  };
}
