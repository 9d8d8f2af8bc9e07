import type { ChannelConfig } from '../core/property';
import type { Logger } from '../config/logger';
import type { Db } from '../db/connection';
import { findProperty, type StoredProperty } from '../db/properties-repo';
import { confirmReservationPage, readReservationPage } from '../connectors/ota-xml/ota-xml-reservations';
import { applyChannelReservations } from '../services/channel-reservation-service';
import type { BookingDeps } from '../services/booking-service';

/** OTAs ask to be polled about every 20 seconds. */
export const DEFAULT_RESERVATION_POLL_MS = 20_000;
const MAX_PAGES_PER_POLL = 20;

export interface PollDeps extends BookingDeps {
  /** Test hook: runs after a page was applied and before it is confirmed (where a crash would hurt). */
  beforeConfirm?: (channel: string) => Promise<void>;
}

export interface PollResult {
  channel: string;
  pages: number;
  taken: number;
  refused: number;
}

/** Pulls every page of undelivered reservations of one channel, applying and confirming page by page. */
export async function pollChannelReservations(deps: PollDeps, stored: StoredProperty, channel: ChannelConfig): Promise<PollResult> {
  const context = { property: stored.property, channel };
  const result: PollResult = { channel: channel.code, pages: 0, taken: 0, refused: 0 };
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES_PER_POLL; page++) {
    const read = await readReservationPage(context, token);
    result.pages++;
    const applied = await applyChannelReservations(deps, stored, channel, read.reservations);
    const taken = applied.filter((a) => a.result).map((a) => a.reservation);
    const refused = applied.filter((a) => a.error).map((a) => ({ reservation: a.reservation, error: a.error as Error }));
    for (const r of refused) deps.logger.warn({ channel: channel.code, reservation: r.reservation.channelReservationId, error: r.error.message }, 'pulled reservation refused');
    await deps.beforeConfirm?.(channel.code);
    const bookingIds = new Map(applied.filter((a) => a.result).map((a) => [a.reservation.channelReservationId, a.result?.bookingId as string]));
    await confirmReservationPage(context, read, { taken, refused }, bookingIds);
    result.taken += taken.length;
    result.refused += refused.length;
    if (!read.more) break;
    token = read.moreDataEchoToken;
  }
  return result;
}

/** The channels that are polled: `ota-xml` channels with `settings.pullReservations: true`. */
export async function pollableChannels(db: Db): Promise<Array<{ property: string; channel: string }>> {
  return db('channels as c')
    .join('properties as p', 'p.id', 'c.property_id')
    .where({ 'c.active': true, 'c.type': 'ota-xml' })
    .whereRaw(`(c.config->'settings'->>'pullReservations')::boolean IS TRUE`)
    .orderBy(['p.code', 'c.code'])
    .select<Array<{ property: string; channel: string }>>('p.code as property', 'c.code as channel');
}

export interface ReservationPoller {
  pollNow(): Promise<PollResult[]>;
  stop(): Promise<void>;
}

/** Polls every pollable channel every `intervalMs`; one poll at a time per process. */
export function startReservationPolling(deps: PollDeps & { db: Db; logger: Logger; intervalMs?: number }): ReservationPoller {
  let stopped = false;
  let current: Promise<PollResult[]> = Promise.resolve([]);
  const pollAll = async (): Promise<PollResult[]> => {
    const results: PollResult[] = [];
    for (const { property, channel } of await pollableChannels(deps.db)) {
      const stored = await findProperty(deps.db, property);
      const config = stored?.property.channels.find((c) => c.code === channel);
      if (!stored || !config) continue;
      try {
        results.push(await pollChannelReservations(deps, stored, config));
      } catch (error) {
        deps.logger.warn({ property, channel, err: (error as Error).message }, 'reservation poll failed; next poll will fetch again');
      }
    }
    return results;
  };
  const run = () => {
    current = current.then(pollAll, pollAll);
    return current;
  };
  const timer = setInterval(() => {
    if (!stopped) void run();
  }, deps.intervalMs ?? DEFAULT_RESERVATION_POLL_MS);
  timer.unref();
  return {
    pollNow: run,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await current.catch(() => undefined);
    },
  };
}
