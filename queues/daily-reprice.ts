import type { Logger } from '../config/logger';
import { addDays, todayIn, type IsoDate } from '../core/dates';
import { nightsRepricedBetween } from '../core/pricing';
import type { Db } from '../db/connection';
import { findProperty } from '../db/properties-repo';
import { markChannelsDirty } from '../db/sync-repo';
import { carriedFields } from '../services/reconcile-service';

/**
 * The daily re-mark of booking-window prices. A booking-window rule prices a night by its days
 * before arrival, so its price changes as the calendar moves, with no ledger change to mark it
 * dirty. Once a day, just after midnight in the property's time zone, the nights whose days before
 * arrival crossed a rule bound since yesterday are marked dirty on every channel that carries rates;
 * the channel syncs then send the new prices (and only the cells whose price really changed).
 *
 * Yesterday is always the day before today: a day the job did not run (every worker down over
 * midnight) is not caught up here but by the nightly reconciliation, which compares what every
 * channel holds with today's prices and re-sends the difference.
 *
 * Scheduled by the reconcile scheduler (reconcile-schedule.ts startReconcileSchedule), on its own
 * queue: one BullMQ job scheduler per property with booking-window rules, or a timer without Redis.
 */

export const REPRICE_QUEUE = 'reprice';
/** A few minutes past local midnight: clear of the midnight rush of other jobs, long before the first guest checks prices. */
export const DAILY_REPRICE_CRON = '5 0 * * *';

export interface RepriceJob {
  property: string;
}

export interface RepriceResult {
  property: string;
  yesterday: IsoDate;
  today: IsoDate;
  /** The nights marked dirty, inclusive. */
  ranges: Array<{ from: IsoDate; to: IsoDate }>;
  /** Channels they were marked on. */
  channels: number;
}

export interface RepriceDeps {
  db: Db;
  logger: Logger;
  /** Tells the channel workers at once rather than at the relay's next sweep. */
  poke?: (channelIds: number[]) => Promise<void>;
}

/** Marks the nights a booking-window rule re-priced overnight dirty on every channel that carries rates. */
export async function repriceBookingWindows(deps: RepriceDeps, propertyCode: string, now: Date = new Date()): Promise<RepriceResult> {
  const stored = await findProperty(deps.db, propertyCode);
  if (!stored) throw new Error(`unknown property ${propertyCode}`);
  const { property } = stored;
  const today = todayIn(property.timezone, now);
  const yesterday = addDays(today, -1);
  const ranges = nightsRepricedBetween(property.pricing?.rules ?? [], yesterday, today);
  const channelIds = property.channels
    .filter((c) => carriedFields(c.type).rates)
    .map((c) => stored.channelIds.get(c.code))
    .filter((id): id is number => id !== undefined);
  const result: RepriceResult = { property: propertyCode, yesterday, today, ranges, channels: channelIds.length };
  if (ranges.length === 0 || channelIds.length === 0) return result;
  await deps.db.transaction(async (trx) => {
    for (const range of ranges) await markChannelsDirty(trx, channelIds, range);
  });
  try {
    await deps.poke?.(channelIds);
  } catch (error) {
    deps.logger.warn({ err: error, property: propertyCode }, 'could not announce the re-priced nights; the relay sweep will');
  }
  deps.logger.info({ property: propertyCode, today, ranges, channels: channelIds.length }, 'booking-window prices moved overnight: nights marked for re-sending');
  return result;
}

/** The properties whose pricing has a booking-window rule, each with its time zone. */
export async function propertiesWithBookingWindows(db: Db): Promise<Array<{ code: string; timezone: string }>> {
  return db('properties')
    .whereRaw(`document->'pricing'->'rules' @> ?::jsonb`, [JSON.stringify([{ kind: 'booking-window' }])])
    .orderBy('code')
    .select<Array<{ code: string; timezone: string }>>('code', 'timezone');
}
