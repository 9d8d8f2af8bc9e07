import type { Knex } from 'knex';
import type { ChannelRateCell, ChannelView } from '../core/channel-view';
import { formatAmount } from '../core/money';
import type { DbHandle } from './connection';
import { OUTBOX_TOPIC_LEDGER_CHANGED, type LedgerChangedPayload } from './outbox-repo';

export interface DirtyRange {
  id: number;
  roomTypeId: number;
  from: string;
  to: string;
  changedAt: Date;
  /** Ids of the inbound requests whose changes this range stands for, most recent first (always read; optional for ranges built in tests). */
  correlationIds?: string[];
}

/** Correlation ids kept per dirty range: enough to trace a delivery, bounded for a hot range. */
export const MAX_CORRELATION_IDS = 20;

/**
 * Moves committed outbox rows into per-channel dirty ranges, in one transaction. SKIP LOCKED lets any
 * number of relays run side by side, each taking different rows. Returns the channels that got work.
 */
export async function relayOutboxBatch(db: Knex, limit = 500): Promise<{ relayed: number; channelIds: number[] }> {
  return db.transaction(async (trx) => {
    const rows = await trx.raw<{ rows: { id: number; property_id: number; payload: LedgerChangedPayload; created_at: Date; correlation_id: string | null }[] }>(
      `SELECT id, property_id, payload, created_at, correlation_id FROM outbox
       WHERE published_at IS NULL AND topic = ? ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED`,
      [OUTBOX_TOPIC_LEDGER_CHANGED, limit],
    );
    if (rows.rows.length === 0) return { relayed: 0, channelIds: [] };
    // Flatten every range of every row, then fan out to each active channel that maps the room type.
    const propertyIds: number[] = [];
    const roomTypes: string[] = [];
    const froms: string[] = [];
    const tos: string[] = [];
    const changedAts: Date[] = [];
    const outboxIds: number[] = [];
    const correlationIds: Array<string | null> = [];
    for (const row of rows.rows) {
      for (const range of row.payload.ranges) {
        propertyIds.push(row.property_id);
        roomTypes.push(range.roomType);
        froms.push(range.from);
        tos.push(range.to);
        changedAts.push(row.created_at);
        outboxIds.push(row.id);
        correlationIds.push(row.correlation_id);
      }
    }
    const inserted = await trx.raw<{ rows: { channel_id: number }[] }>(
      `INSERT INTO channel_dirty_ranges (channel_id, room_type_id, from_date, to_date, changed_at, correlation_ids)
       SELECT ch.id, rt.id, r.from_date, r.to_date, MIN(r.changed_at),
              -- The requests behind the changes that collapse here, newest first, bounded.
              COALESCE((array_agg(r.correlation_id ORDER BY r.outbox_id DESC) FILTER (WHERE r.correlation_id IS NOT NULL))[1:${MAX_CORRELATION_IDS}], '{}')
       FROM unnest(?::int[], ?::text[], ?::date[], ?::date[], ?::timestamptz[], ?::bigint[], ?::text[])
            AS r(property_id, room_type, from_date, to_date, changed_at, outbox_id, correlation_id)
       JOIN room_types rt ON rt.property_id = r.property_id AND rt.code = r.room_type
       JOIN channels ch ON ch.property_id = r.property_id AND ch.active
       JOIN channel_room_types crt ON crt.channel_id = ch.id AND crt.room_type_id = rt.id
       -- Identical ranges collapse; disjoint ones stay apart, so a sync reads only what changed.
       GROUP BY ch.id, rt.id, r.from_date, r.to_date
       RETURNING channel_id`,
      [propertyIds, roomTypes, froms, tos, changedAts, outboxIds, correlationIds] as unknown as Knex.RawBinding[],
    );
    await trx('outbox').whereIn('id', rows.rows.map((r) => r.id)).update({ published_at: trx.fn.now() });
    return { relayed: rows.rows.length, channelIds: [...new Set(inserted.rows.map((r) => r.channel_id))] };
  });
}

/** Marks a whole horizon dirty for the given channels: used when buffers change or a resync is asked for. */
export async function markChannelsDirty(
  db: DbHandle,
  channelIds: number[],
  range: { from: string; to: string },
  roomTypeIds?: number[],
): Promise<void> {
  if (channelIds.length === 0) return;
  await db.raw(
    `INSERT INTO channel_dirty_ranges (channel_id, room_type_id, from_date, to_date, changed_at)
     SELECT crt.channel_id, crt.room_type_id, ?, ?, now() FROM channel_room_types crt
     WHERE crt.channel_id = ANY(?::int[]) ${roomTypeIds ? 'AND crt.room_type_id = ANY(?::int[])' : ''}`,
    [range.from, range.to, channelIds, ...(roomTypeIds ? [roomTypeIds] : [])] as unknown as Knex.RawBinding[],
  );
}

/** Channels with work waiting: dirty ARI ranges, or bookings not yet delivered to a PMS. */
export async function channelsWithDirtyRanges(db: DbHandle): Promise<number[]> {
  const { rows } = await db.raw<{ rows: { channel_id: number }[] }>(
    `SELECT DISTINCT channel_id FROM channel_dirty_ranges
     UNION SELECT DISTINCT channel_id FROM booking_deliveries WHERE delivered_at IS NULL`,
  );
  return rows.map((r) => r.channel_id);
}

export async function channelsWithPendingBookings(db: DbHandle): Promise<number[]> {
  return db('booking_deliveries').whereNull('delivered_at').distinct('channel_id').pluck<number[]>('channel_id');
}

export async function countDirtyRanges(db: DbHandle): Promise<number> {
  const [row] = await db('channel_dirty_ranges').count<{ count: number }[]>({ count: '*' });
  return Number(row?.count ?? 0);
}

export async function readDirtyRanges(db: DbHandle, channelId: number, limit = 5000): Promise<DirtyRange[]> {
  const rows = await db('channel_dirty_ranges')
    .where({ channel_id: channelId })
    .orderBy('id')
    .limit(limit)
    .select<{ id: number; room_type_id: number; from_date: string; to_date: string; changed_at: Date; correlation_ids: string[] }[]>(
      'id',
      'room_type_id',
      'from_date',
      'to_date',
      'changed_at',
      'correlation_ids',
    );
  return rows.map((r) => ({ id: r.id, roomTypeId: r.room_type_id, from: r.from_date, to: r.to_date, changedAt: r.changed_at, correlationIds: r.correlation_ids }));
}

/**
 * The requests behind a set of dirty ranges, for a delivery's log line: newest ranges first,
 * each id once, at most MAX_CORRELATION_IDS.
 */
export function correlationIdsOf(ranges: readonly Pick<DirtyRange, 'id' | 'correlationIds'>[]): string[] {
  const out = new Set<string>();
  for (const range of [...ranges].sort((a, b) => b.id - a.id)) {
    for (const id of range.correlationIds ?? []) {
      if (out.size >= MAX_CORRELATION_IDS) return [...out];
      out.add(id);
    }
  }
  return [...out];
}

/** Deletes exactly the ranges a worker read: a range added meanwhile (even with a lower id) stays. */
export async function deleteDirtyRanges(db: DbHandle, ids: number[]): Promise<void> {
  if (ids.length > 0) await db('channel_dirty_ranges').whereIn('id', ids).delete();
}

/**
 * Claims the channel for this worker until `leaseMs` from now. Only one worker syncs a channel at a
 * time, so an older read of the ledger can never be sent after a newer one; a dead worker's lease
 * simply runs out.
 */
export async function claimChannelLease(db: DbHandle, channelId: number, owner: string, leaseMs: number): Promise<boolean> {
  const updated = await db('channels')
    .where({ id: channelId })
    .andWhere((q) => q.whereNull('sync_lease_until').orWhere('sync_lease_until', '<', db.fn.now()).orWhere('sync_lease_owner', owner))
    .update({ sync_lease_owner: owner, sync_lease_until: db.raw(`now() + (? * interval '1 millisecond')`, [leaseMs]) });
  return updated > 0;
}

export async function releaseChannelLease(db: DbHandle, channelId: number, owner: string): Promise<void> {
  await db('channels').where({ id: channelId, sync_lease_owner: owner }).update({ sync_lease_owner: null, sync_lease_until: null });
}

export async function readAckedView(
  db: DbHandle,
  channelId: number,
  spans: Array<{ roomTypeId: number; from: string; to: string }>,
  codes: { roomType: Map<number, string>; ratePlan: Map<number, string> },
  currencyDecimals: number,
): Promise<ChannelView> {
  if (spans.length === 0) return { inventory: [], rates: [] };
  const params = [channelId, spans.map((s) => s.roomTypeId), spans.map((s) => s.from), spans.map((s) => s.to)] as unknown as Knex.RawBinding[];
  const spansSql = `unnest(?::int[], ?::date[], ?::date[]) AS s(room_type_id, from_date, to_date)`;
  const [inventory, rates] = await Promise.all([
    db.raw<{ rows: { room_type_id: number; stay_date: string; available: number }[] }>(
      `SELECT st.room_type_id, st.stay_date, st.available FROM channel_inventory_state st
       JOIN ${spansSql} ON st.room_type_id = s.room_type_id AND st.stay_date BETWEEN s.from_date AND s.to_date
       WHERE st.channel_id = ?`,
      [...params.slice(1), channelId],
    ),
    db.raw<{ rows: RateStateRow[] }>(
      `SELECT st.room_type_id, st.rate_plan_id, st.stay_date, st.amount, st.min_stay, st.max_stay,
              st.closed_to_arrival, st.closed_to_departure, st.stop_sell, st.occupancy_prices
       FROM channel_rate_state st
       JOIN ${spansSql} ON st.room_type_id = s.room_type_id AND st.stay_date BETWEEN s.from_date AND s.to_date
       WHERE st.channel_id = ?`,
      [...params.slice(1), channelId],
    ),
  ]);
  return {
    inventory: inventory.rows.map((r) => ({ roomType: codes.roomType.get(r.room_type_id) as string, date: r.stay_date, available: r.available })),
    rates: rates.rows.map(
      (r): ChannelRateCell => ({
        roomType: codes.roomType.get(r.room_type_id) as string,
        ratePlan: codes.ratePlan.get(r.rate_plan_id) as string,
        date: r.stay_date,
        amount: r.amount === null ? null : formatAmount(r.amount, currencyDecimals),
        minStay: r.min_stay,
        maxStay: r.max_stay,
        closedToArrival: r.closed_to_arrival,
        closedToDeparture: r.closed_to_departure,
        stopSell: r.stop_sell,
        ...(r.occupancy_prices ?? {}),
      }),
    ),
  };
}

interface RateStateRow {
  room_type_id: number;
  rate_plan_id: number;
  stay_date: string;
  amount: string | null;
  min_stay: number | null;
  max_stay: number | null;
  closed_to_arrival: boolean;
  closed_to_departure: boolean;
  stop_sell: boolean;
  /** Stored as the view had them (already in the channel's currency and decimals). */
  occupancy_prices: Pick<ChannelRateCell, 'byGuests' | 'extraAdult' | 'extraChild'> | null;
}

/** Records what the channel has acknowledged. Called only after the channel said yes. */
export async function saveAckedView(
  db: DbHandle,
  channelId: number,
  view: ChannelView,
  ids: { roomType: Map<string, number>; ratePlan: Map<string, number> },
): Promise<void> {
  if (view.inventory.length > 0) {
    await db.raw(
      `INSERT INTO channel_inventory_state (channel_id, room_type_id, stay_date, available)
       SELECT ?, * FROM unnest(?::int[], ?::date[], ?::int[])
       ON CONFLICT (channel_id, room_type_id, stay_date) DO UPDATE SET available = EXCLUDED.available, acked_at = now()`,
      [
        channelId,
        view.inventory.map((c) => ids.roomType.get(c.roomType)),
        view.inventory.map((c) => c.date),
        view.inventory.map((c) => c.available),
      ] as unknown as Knex.RawBinding[],
    );
  }
  if (view.rates.length > 0) {
    const r = view.rates;
    await db.raw(
      `INSERT INTO channel_rate_state (channel_id, rate_plan_id, room_type_id, stay_date, amount, min_stay, max_stay,
                                       closed_to_arrival, closed_to_departure, stop_sell, occupancy_prices)
       SELECT ?, * FROM unnest(?::int[], ?::int[], ?::date[], ?::numeric[], ?::int[], ?::int[], ?::bool[], ?::bool[], ?::bool[], ?::jsonb[])
       ON CONFLICT (channel_id, rate_plan_id, room_type_id, stay_date) DO UPDATE SET
         amount = EXCLUDED.amount, min_stay = EXCLUDED.min_stay, max_stay = EXCLUDED.max_stay,
         closed_to_arrival = EXCLUDED.closed_to_arrival, closed_to_departure = EXCLUDED.closed_to_departure,
         stop_sell = EXCLUDED.stop_sell, occupancy_prices = EXCLUDED.occupancy_prices, acked_at = now()`,
      [
        channelId,
        r.map((c) => ids.ratePlan.get(c.ratePlan)),
        r.map((c) => ids.roomType.get(c.roomType)),
        r.map((c) => c.date),
        r.map((c) => c.amount),
        r.map((c) => c.minStay),
        r.map((c) => c.maxStay),
        r.map((c) => c.closedToArrival),
        r.map((c) => c.closedToDeparture),
        r.map((c) => c.stopSell),
        r.map((c) => occupancyPricesJson(c)),
      ] as unknown as Knex.RawBinding[],
    );
  }
}

export interface ChannelRow {
  id: number;
  property_id: number;
  code: string;
  type: string;
  critical: boolean;
  consecutive_failures: number;
  next_attempt_at: Date | null;
  last_success_at: Date | null;
}

export async function findChannelRow(db: DbHandle, channelId: number): Promise<ChannelRow | undefined> {
  return db('channels').where({ id: channelId }).first<ChannelRow | undefined>('id', 'property_id', 'code', 'type', 'critical', 'consecutive_failures', 'next_attempt_at', 'last_success_at');
}

/** The fingerprint of the descriptive content (room categories) the channel last settled, if any. */
export async function readContentFingerprint(db: DbHandle, channelId: number): Promise<string | null> {
  const row = await db('channels').where({ id: channelId }).first<{ content_fingerprint: string | null } | undefined>('content_fingerprint');
  return row?.content_fingerprint ?? null;
}

export async function saveContentFingerprint(db: DbHandle, channelId: number, fingerprint: string): Promise<void> {
  await db('channels').where({ id: channelId }).update({ content_fingerprint: fingerprint });
}

export async function recordChannelSuccess(db: DbHandle, channelId: number): Promise<void> {
  await db('channels')
    .where({ id: channelId })
    .update({ consecutive_failures: 0, next_attempt_at: null, last_success_at: db.fn.now(), last_error: null });
}

/** Counts a failure and schedules the next attempt; returns the new count of consecutive failures. */
export async function recordChannelFailure(db: DbHandle, channelId: number, error: string, retryInMs: number): Promise<number> {
  const [row] = await db('channels')
    .where({ id: channelId })
    .update({
      consecutive_failures: db.raw('consecutive_failures + 1'),
      last_failure_at: db.fn.now(),
      last_error: error.slice(0, 1000),
      next_attempt_at: db.raw(`now() + (? * interval '1 millisecond')`, [retryInMs]),
    })
    .returning<{ consecutive_failures: number }[]>('consecutive_failures');
  return row?.consecutive_failures ?? 0;
}

export async function addDeadLetter(db: DbHandle, entry: { channelId: number; propertyId: number; reason: string; message?: string }): Promise<void> {
  await db('dead_letters').insert({
    channel_id: entry.channelId,
    property_id: entry.propertyId,
    reason: entry.reason.slice(0, 2000),
    message: entry.message?.slice(0, 100_000) ?? null,
  });
}

export async function logDelivery(db: DbHandle, entry: { channelId: number; messages: number; cells: number; lagMs: number | null; outcome: string }): Promise<void> {
  await db('delivery_log').insert({ channel_id: entry.channelId, messages: entry.messages, cells: entry.cells, lag_ms: entry.lagMs, outcome: entry.outcome });
}

/** A cell's per-guest prices and supplements as acknowledged state; null for a cell without them. */
function occupancyPricesJson(c: ChannelRateCell): string | null {
  if (c.byGuests === undefined && c.extraAdult === undefined && c.extraChild === undefined) return null;
  return JSON.stringify({
    ...(c.byGuests !== undefined ? { byGuests: c.byGuests } : {}),
    ...(c.extraAdult !== undefined ? { extraAdult: c.extraAdult } : {}),
    ...(c.extraChild !== undefined ? { extraChild: c.extraChild } : {}),
  });
}
