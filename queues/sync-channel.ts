import { randomUUID } from 'node:crypto';
import { channelViewOf, diffChannelView, isEmptyView, type ChannelView, type LedgerSlice } from '../core/channel-view';
import type { Logger } from '../config/logger';
import type { Db } from '../db/connection';
import { readLedgerSpans } from '../db/ledger-view-repo';
import { findPropertyById, type StoredProperty } from '../db/properties-repo';
import {
  addDeadLetter,
  claimChannelLease,
  correlationIdsOf,
  deleteDirtyRanges,
  findChannelRow,
  logDelivery,
  readAckedView,
  readDirtyRanges,
  recordChannelFailure,
  recordChannelSuccess,
  releaseChannelLease,
  saveAckedView,
  type DirtyRange,
} from '../db/sync-repo';
import { backoffMs } from '../connectors/retry-policy';
import { syncChannelContent } from './channel-content';
import { ChannelRejectedError, TransientChannelError, type ChannelConnector, type ReservationDelivery } from '../connectors/types';
import { addDays } from '../core/dates';
import { currencyDecimals, formatAmount } from '../core/money';
import { channelCurrency, type FxRates } from '../core/fx';
import { readFxRatesFor } from '../db/fx-repo';
import { checkExchangeRates } from './exchange-rate-incident';
import type { ChannelConfig, StayNight } from '../core/property';
import { findBooking, findGuest } from '../db/bookings-repo';
import { markAttemptFailed, markDelivered, markRefused, pendingDeliveries } from '../db/deliveries-repo';
import { reservationNights } from '../db/ledger-repo';
import { defaultHealthPolicy, engageSafetyBuffer, liftSafetyBuffer, parseSafetyBuffer, type HealthPolicy } from './channel-health';
import type { DistributionMetrics } from './metrics';
import type { RequestPacer } from './rate-limiter';

export interface SyncDeps {
  db: Db;
  logger: Logger;
  metrics: DistributionMetrics;
  connectors: ReadonlyMap<string, ChannelConnector>;
  pacer: RequestPacer;
  health?: HealthPolicy;
  /** Identifies this worker in channel leases. */
  workerId?: string;
  leaseMs?: number;
  coalesceMs?: number;
  /**
   * Aborted when the process shuts down: a run finishes the message it is sending, records the
   * channel's answer and stops there, leaving the rest dirty for the next worker.
   */
  signal?: AbortSignal;
}

export type SyncOutcome =
  | { status: 'synced'; messages: number; cells: number; lagMs: number | null; more: boolean }
  | { status: 'idle' }
  | { status: 'busy'; retryAt: number }
  | { status: 'backoff'; retryAt: number; error: string }
  | { status: 'gone' }
  /** Stopped early by `signal`: what was sent is acknowledged, the rest is still dirty. */
  | { status: 'interrupted'; messages: number; cells: number };

const DEFAULT_LEASE_MS = 20_000;
/** At most one sync per channel this often: a burst of changes to a cell becomes one message per window. */
export const DEFAULT_COALESCE_MS = 250;
const MAX_ROUNDS = 5;
const DIRTY_READ_LIMIT = 5000;
/** Non-critical channels retry on a slower schedule: they must not crowd out the critical ones. */
const NON_CRITICAL_BACKOFF_FACTOR = 4;
const MAX_BACKOFF_MS = 60_000;

/**
 * Brings one channel up to date with the ledger. Holds the channel's lease throughout, so it is the
 * only worker sending to this channel; reads dirty ranges, then the *current* ledger for them, and
 * sends only what differs from what the channel last acknowledged. Any number of changes to a cell
 * before this runs collapse into one send of its latest value.
 */
export async function syncChannel(deps: SyncDeps, channelId: number): Promise<SyncOutcome> {
  const { db, logger, signal } = deps;
  if (signal?.aborted) return { status: 'interrupted', messages: 0, cells: 0 };
  // One owner per run, not per process: two jobs of one process must not share a channel's lease.
  const owner = `${deps.workerId ?? `worker-${process.pid}`}:${randomUUID().slice(0, 8)}`;
  const leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
  const channelRow = await findChannelRow(db, channelId);
  if (!channelRow) return { status: 'gone' };
  if (channelRow.next_attempt_at && channelRow.next_attempt_at.getTime() > Date.now()) {
    return { status: 'backoff', retryAt: channelRow.next_attempt_at.getTime(), error: 'waiting for the next attempt' };
  }
  // Coalescing window: at most one sync per window per channel, across all workers. Changes that
  // arrive meanwhile are sent together, with their latest values, when it ends.
  const coalesceMs = deps.coalesceMs ?? DEFAULT_COALESCE_MS;
  if (channelRow.last_success_at && channelRow.last_success_at.getTime() + coalesceMs > Date.now()) {
    return { status: 'busy', retryAt: channelRow.last_success_at.getTime() + coalesceMs };
  }
  if (!(await claimChannelLease(db, channelId, owner, leaseMs))) return { status: 'busy', retryAt: Date.now() + 250 };

  let messages = 0;
  let cells = 0;
  let lagMs: number | null = null;
  // The ranges this run read: their correlation ids name the requests the delivery carries.
  const carried: DirtyRange[] = [];
  // Why a run ended before its work was done; the unsent ranges stay dirty either way.
  let stopped: 'interrupted' | 'lease-lost' | undefined;
  let fx: FxRates | undefined;
  try {
    // Another round only while a round hit the read limit (a backlog); changes that arrive during a
    // round wait for the next window, so that a burst of changes becomes one message per window.
    for (let round = 0, full = true; round < MAX_ROUNDS && full; round++) {
      const dirty = await readDirtyRanges(db, channelId, DIRTY_READ_LIMIT);
      carried.push(...dirty);
      full = dirty.length === DIRTY_READ_LIMIT;
      if (dirty.length === 0) break;
      const stored = await findPropertyById(db, channelRow.property_id);
      const channel = stored?.property.channels.find((c) => c.code === channelRow.code);
      const connector = channel ? deps.connectors.get(channel.type) : undefined;
      if (!stored || !channel || !connector) {
        // Deactivated channel, or a type with no connector here: nothing can be sent, say so once.
        logger.warn({ channel: channelRow.code, type: channel?.type }, 'channel cannot be synced: no connector or configuration');
        await deleteDirtyRanges(db, dirty.map((d) => d.id));
        continue;
      }
      const safety = parseSafetyBuffer((await db('properties').where({ id: stored.id }).first<{ safety_buffer_rooms: unknown }>('safety_buffer_rooms'))?.safety_buffer_rooms);
      const bufferPercent = safety.channels.includes(channel.code) ? 0 : safety.percent;
      const spans = mergeSpans(dirty);
      // Read once per run: the rates a channel in another currency converts at (core/fx.ts).
      fx ??= await readFxRatesFor(db, stored.property);
      const desired = channelViewOf(stored.property, channel, await readLedgerSlice(db, stored, spans), bufferPercent, undefined, fx);
      await checkExchangeRates(deps, { propertyId: stored.id, channelId }, stored.property, channel, desired, fx);
      const codes = idMaps(stored);
      // Acknowledged prices are in the channel's currency, so compared in its decimals (JPY: none).
      const acked = await readAckedView(db, channelId, spans, { roomType: codes.roomTypeCode, ratePlan: codes.ratePlanCode }, currencyDecimals(channelCurrency(stored.property, channel)));
      const changes = diffChannelView(desired, acked);
      const caps = connector.capabilities(channel);
      const context = { property: stored.property, channel, correlationId: `sync-${channelId}-${dirty[0]?.id ?? 0}` };
      // Descriptive content (room categories) first: the ARI below refers to it.
      if (round === 0 && connector.content) {
        const renewLease = () => claimChannelLease(db, channelId, owner, leaseMs);
        const content = await syncChannelContent(deps, connector.content, context, { channelId, propertyId: stored.id, requestsPerSecond: caps.requestsPerSecond, renewLease });
        messages += content.messages;
        if (content.stopped) {
          stopped = content.stopped;
          break;
        }
      }

      for (const chunk of chunkView(changes, caps.maxCellsPerMessage)) {
        await deps.pacer.take(`channel:${channelId}`, caps.requestsPerSecond);
        // Checked between messages only: a message already on its way is finished and its answer
        // recorded, so the channel never holds something the acknowledged state does not know of.
        if (signal?.aborted) {
          stopped = 'interrupted';
          break;
        }
        // Renewed before each send and checked: a run that outlived its lease (a stalled process)
        // must not send next to the worker that took the channel over.
        if (!(await claimChannelLease(db, channelId, owner, leaseMs))) {
          stopped = 'lease-lost';
          logger.warn({ channel: channelRow.code, leaseMs }, 'channel lease lost mid-run; leaving the rest to its new holder');
          break;
        }
        try {
          const result = await connector.pushAri(context, chunk);
          messages += result.messages;
          cells += chunk.inventory.length + chunk.rates.length;
          deps.metrics.messagesSent.inc({ channel_type: channel.type, outcome: 'accepted' }, result.messages);
          if (result.warnings.length > 0) logger.warn({ channel: channel.code, warnings: result.warnings.slice(0, 5) }, 'channel accepted with warnings');
          await saveAckedView(db, channelId, chunk, { roomType: stored.roomTypeIds, ratePlan: stored.ratePlanIds });
        } catch (error) {
          if (!(error instanceof ChannelRejectedError)) throw error;
          // Refused for good: dead-letter this chunk, carry on with the others. No retry storm;
          // reconciliation shows the drift until someone fixes the mapping or the partner.
          deps.metrics.messagesSent.inc({ channel_type: channel.type, outcome: 'rejected' });
          deps.metrics.deadLetters.inc({ channel_type: channel.type });
          await addDeadLetter(db, { channelId, propertyId: stored.id, reason: error.message, message: JSON.stringify(chunk).slice(0, 100_000) });
          logger.error({ channel: channel.code, error: error.message }, 'channel rejected a message: dead-lettered');
        }
      }
      // Ranges are cleared only when every change of theirs went out; acknowledged cells of a
      // stopped run drop out of the next run's diff, so nothing is sent twice.
      if (stopped) break;
      await deleteDirtyRanges(db, dirty.map((d) => d.id));
      const oldest = Math.min(...dirty.map((d) => d.changedAt.getTime()));
      lagMs = Date.now() - oldest;
      if (!isEmptyView(changes)) deps.metrics.syncLag.observe({ channel_type: channel.type }, lagMs / 1000);
    }
    if (!stopped) {
      const bookings = await deliverPendingBookings(deps, channelRow);
      messages += bookings.delivered;
      if (bookings.interrupted) stopped = 'interrupted';
    }
    const more = stopped !== undefined || (await readDirtyRanges(db, channelId, 1)).length > 0;
    // Only a message the channel accepted proves a failing channel has recovered; a run with
    // nothing to send says nothing about it.
    const healthy = messages > 0 || channelRow.consecutive_failures === 0;
    if (healthy) await recordChannelSuccess(db, channelId);
    // Recovered and fully synced again: if this channel's failure had engaged a safety buffer, lift it.
    if (healthy && !more) await liftSafetyBuffer(healthDeps(deps), channelRow.property_id, channelId);
    if (messages > 0) {
      await logDelivery(db, { channelId, messages, cells, lagMs, outcome: stopped ?? 'synced' });
      // Per process, so an operator (or the scale-out test) can see which worker delivered what.
      logger.info({ channel: channelRow.code, channelId, messages, cells, lagMs, outcome: stopped ?? 'synced', correlationIds: correlationIdsOf(carried) }, 'delivered to channel');
    }
    if (stopped === 'interrupted') return { status: 'interrupted', messages, cells };
    if (stopped === 'lease-lost') return { status: 'busy', retryAt: Date.now() + 250 };
    return messages === 0 && cells === 0 && lagMs === null ? { status: 'idle' } : { status: 'synced', messages, cells, lagMs, more };
  } catch (error) {
    const message = (error as Error).message;
    const backoff = Math.min(MAX_BACKOFF_MS, backoffMs(channelRow.consecutive_failures + 1) * (channelRow.critical ? 1 : NON_CRITICAL_BACKOFF_FACTOR));
    const waitMs = error instanceof TransientChannelError && error.waitMs ? Math.max(error.waitMs, backoff) : backoff;
    const failures = await recordChannelFailure(db, channelId, message, waitMs);
    deps.metrics.retries.inc({ channel_type: channelRow.type });
    logger.warn({ channel: channelRow.code, failures, retryInMs: waitMs, error: message, correlationIds: correlationIdsOf(carried) }, 'channel sync failed; will retry');
    const policy = deps.health ?? defaultHealthPolicy;
    if (channelRow.critical && failures >= policy.failureThreshold) {
      await engageSafetyBuffer(healthDeps(deps), channelRow.property_id, channelId, `${failures} consecutive failures: ${message}`);
    }
    if (messages > 0) await logDelivery(db, { channelId, messages, cells, lagMs, outcome: 'partial' });
    return { status: 'backoff', retryAt: Date.now() + waitMs, error: message };
  } finally {
    await releaseChannelLease(db, channelId, owner);
  }
}

function healthDeps(deps: SyncDeps) {
  return { db: deps.db, logger: deps.logger, metrics: deps.metrics, policy: deps.health ?? defaultHealthPolicy };
}

/** Dirty ranges merged per room type where they overlap or touch; disjoint ranges stay apart. */
export function mergeSpans(dirty: DirtyRange[]): Array<{ roomTypeId: number; from: string; to: string }> {
  const sorted = [...dirty].sort((a, b) => a.roomTypeId - b.roomTypeId || (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
  const spans: Array<{ roomTypeId: number; from: string; to: string }> = [];
  for (const d of sorted) {
    const last = spans[spans.length - 1];
    if (last && last.roomTypeId === d.roomTypeId && d.from <= addDays(last.to, 1)) {
      if (d.to > last.to) last.to = d.to;
    } else {
      spans.push({ roomTypeId: d.roomTypeId, from: d.from, to: d.to });
    }
  }
  return spans;
}

async function readLedgerSlice(db: Db, stored: StoredProperty, spans: Array<{ roomTypeId: number; from: string; to: string }>): Promise<LedgerSlice> {
  return readLedgerSpans(db, stored, spans);
}

function idMaps(stored: StoredProperty) {
  return {
    roomTypeCode: new Map([...stored.roomTypeIds].map(([code, id]) => [id, code])),
    ratePlanCode: new Map([...stored.ratePlanIds].map(([code, id]) => [id, code])),
  };
}

/**
 * Splits a view into pieces of at most `max` cells. Inventory and rates share a piece while they
 * fit, so a small change is one request, not one per kind; each room type's dates stay together.
 */
export function chunkView(view: ChannelView, max: number): ChannelView[] {
  if (isEmptyView(view)) return [];
  const size = Math.max(1, max);
  const inventory = [...view.inventory].sort((a, b) => (a.roomType + a.date < b.roomType + b.date ? -1 : 1));
  const rates = [...view.rates].sort((a, b) => (a.roomType + a.ratePlan + a.date < b.roomType + b.ratePlan + b.date ? -1 : 1));
  const chunks: ChannelView[] = [];
  let current: ChannelView = { inventory: [], rates: [] };
  const room = () => size - current.inventory.length - current.rates.length;
  for (const cell of inventory) {
    if (room() === 0) chunks.push((current = { inventory: [], rates: [] }));
    if (chunks.length === 0) chunks.push(current);
    current.inventory.push(cell);
  }
  for (const cell of rates) {
    if (chunks.length === 0) chunks.push(current);
    if (room() === 0) chunks.push((current = { inventory: [], rates: [] }));
    current.rates.push(cell);
  }
  return chunks;
}

/**
 * Bookings waiting for this channel's PMS, oldest first. The PMS's answer is the acknowledgement
 * the in-flight rule waits for. A refusal is kept for `tidewater report`; a transient failure stops
 * the run (thrown) so the channel backs off like any other failing channel.
 */
async function deliverPendingBookings(
  deps: SyncDeps,
  channelRow: { id: number; property_id: number; code: string },
): Promise<{ delivered: number; interrupted: boolean }> {
  const { db, logger } = deps;
  const pending = await pendingDeliveries(db, channelRow.id);
  if (pending.length === 0) return { delivered: 0, interrupted: false };
  const stored = await findPropertyById(db, channelRow.property_id);
  const channel = stored?.property.channels.find((c) => c.code === channelRow.code);
  const connector = channel ? deps.connectors.get(channel.type) : undefined;
  if (!stored || !channel || !connector?.deliverReservation) return { delivered: 0, interrupted: false };
  let delivered = 0;
  for (const delivery of pending) {
    // Shutting down: the bookings not yet sent stay pending for the next worker.
    if (deps.signal?.aborted) return { delivered, interrupted: true };
    const booking = await loadReservationDelivery(db, stored, channel, delivery.reservationId);
    if (!booking) {
      await markRefused(db, delivery.id, 'booking no longer exists');
      continue;
    }
    await deps.pacer.take(`channel:${channelRow.id}`, connector.capabilities(channel).requestsPerSecond);
    try {
      const { pmsReference } = await connector.deliverReservation({ property: stored.property, channel, correlationId: `booking-${booking.bookingId}` }, booking);
      await markDelivered(db, delivery.id, delivery.reservationId, pmsReference);
      deps.metrics.messagesSent.inc({ channel_type: channel.type, outcome: 'accepted' });
      delivered++;
    } catch (error) {
      if (error instanceof ChannelRejectedError) {
        await markRefused(db, delivery.id, error.message);
        await addDeadLetter(db, { channelId: channelRow.id, propertyId: stored.id, reason: `booking ${booking.bookingId}: ${error.message}` });
        deps.metrics.deadLetters.inc({ channel_type: channel.type });
        logger.error({ channel: channel.code, bookingId: booking.bookingId, error: error.message }, 'PMS refused a booking: dead-lettered');
        continue;
      }
      await markAttemptFailed(db, delivery.id, (error as Error).message);
      throw error;
    }
  }
  return { delivered, interrupted: false };
}

async function loadReservationDelivery(db: Db, stored: StoredProperty, channel: ChannelConfig, reservationId: string): Promise<ReservationDelivery | undefined> {
  const row = await findBooking(db, stored.id, reservationId);
  if (!row) return undefined;
  const nights = await reservationNights(db, stored, reservationId);
  type StoredStay = { roomType: string; ratePlan?: string; checkIn: string; checkOut: string; rooms: number; adults?: number; children?: number };
  const stays: StoredStay[] = Array.isArray(row.stays) ? (row.stays as StoredStay[]) : [];
  const code = (map: Record<string, string>, value: string) => map[value] ?? value;
  const roomStays = (stays.length > 0 ? stays : (staysFromNights(nights) as StoredStay[])).map((s) => ({
    roomType: code(channel.roomTypes, s.roomType),
    ...(s.ratePlan !== undefined ? { ratePlan: code(channel.ratePlans, s.ratePlan) } : {}),
    checkIn: s.checkIn,
    checkOut: s.checkOut,
    rooms: s.rooms,
    ...(s.adults !== undefined ? { adults: s.adults } : {}),
    ...(s.children !== undefined ? { children: s.children } : {}),
  }));
  const guest = await findGuest(db, reservationId);
  return {
    bookingId: row.id,
    source: row.source,
    sourceReference: row.external_ref,
    status: row.status,
    revision: row.revision,
    roomStays,
    total: row.total_amount !== null && row.currency !== null ? { amount: formatAmount(row.total_amount, stored.currencyDecimals), currency: row.currency } : null,
    ...(guest && !guest.erasedAt ? { guest: { ...(guest.firstName ? { firstName: guest.firstName } : {}), ...(guest.lastName ? { lastName: guest.lastName } : {}), ...(guest.email ? { email: guest.email } : {}), ...(guest.phone ? { phone: guest.phone } : {}) } } : {}),
  };
}

/** One stay per room type and run of consecutive nights, for bookings stored without their stays. */
function staysFromNights(nights: StayNight[]): Array<{ roomType: string; checkIn: string; checkOut: string; rooms: number }> {
  const out: Array<{ roomType: string; checkIn: string; checkOut: string; rooms: number }> = [];
  for (const n of [...nights].sort((a, b) => (a.roomType + a.date < b.roomType + b.date ? -1 : 1))) {
    const last = out[out.length - 1];
    if (last && last.roomType === n.roomType && last.checkOut === n.date && last.rooms === n.rooms) last.checkOut = addDays(n.date, 1);
    else out.push({ roomType: n.roomType, checkIn: n.date, checkOut: addDays(n.date, 1), rooms: n.rooms });
  }
  return out;
}
