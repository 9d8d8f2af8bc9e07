import { findBookingDrift, type BookingFinding, type ReconciledBooking } from '../core/booking-reconcile';
import { channelViewOf } from '../core/channel-view';
import { addDays, daysBetween, todayIn, type IsoDate } from '../core/dates';
import { ValidationError } from '../core/errors';
import { findSoldDrift, type SoldFinding } from '../core/pms-reconcile';
import { findRatePlan, findRoomType, type ChannelConfig, type Property } from '../core/property';
import { findDrift, type CarriedFields, type DriftFinding } from '../core/reconcile';
import type { ChannelReservation } from '../core/reservation-message';
import type { Db } from '../db/connection';
import { pendingDeliveries } from '../db/deliveries-repo';
import { readLedgerSpans } from '../db/ledger-view-repo';
import type { StoredProperty } from '../db/properties-repo';
import { queuePmsRedelivery, readChannelBookings, readHubSoldCounts } from '../db/reconcile-repo';
import { markChannelsDirty, relayOutboxBatch } from '../db/sync-repo';
import { readFxRatesFor } from '../db/fx-repo';
import type { MissingExchangeRate } from '../core/fx';
import { builtInConnectors } from '../connectors';
import { UNMAPPED } from '../connectors/shared/json-view';
import type { ChannelConnector } from '../connectors/types';
import type { BookingDeps } from './booking-service';
import { applyChannelReservations } from './channel-reservation-service';
import { readChannelSide } from './channel-side';
import { parseSafetyBuffer } from '../queues/channel-health';
import { createDistributionMetrics } from '../queues/metrics';
import { ChannelPacer } from '../queues/rate-limiter';
import { syncChannel } from '../queues/sync-channel';
import { silentLogger } from '../config/logger';
import { requireProperty } from './property-service';

/** What each channel type carries, so a rates-only GDS is not blamed for showing no availability. */
export function carriedFields(type: ChannelConfig['type']): CarriedFields {
  switch (type) {
    case 'gds':
      return { availability: false, rates: true, restrictions: false };
    case 'ical':
      return { availability: true, rates: false, restrictions: false };
    case 'pms':
      return { availability: false, rates: false, restrictions: false };
    default:
      return { availability: true, rates: true, restrictions: true };
  }
}

/**
 * What `--fix` does about a finding: re-send ARI cells, re-pull a booking the channel has and
 * Tidewater lost, re-send bookings to the PMS; or nothing, because only a person can decide (a
 * booking Tidewater has that the channel lacks or shows differently is a revenue-team decision,
 * a code nobody mapped is a mapping decision).
 */
export type FixAction = 'resend' | 'repull' | 'human';

export interface BookingDrift extends BookingFinding {
  action: Extract<FixAction, 'repull' | 'human'>;
}

export interface PmsDrift extends SoldFinding {
  action: Extract<FixAction, 'resend' | 'human'>;
}

export interface ChannelDrift {
  channel: string;
  type: string;
  /** Where the channel's side came from: its own view, or (push-only channels) what it acknowledged. */
  source: 'channel' | 'acknowledged';
  cellsChecked: number;
  /** ARI cells that differ. */
  findings: DriftFinding[];
  error?: string;
  /** Bookings compared (either side), when the channel can be asked for its bookings. */
  bookingsChecked?: number;
  bookingFindings: BookingDrift[];
  /** The channel's bookings could not be read. */
  bookingError?: string;
  /** Nights × room types compared with the PMS's sold counts, when the PMS can answer. */
  nightsChecked?: number;
  pmsFindings: PmsDrift[];
  /** The PMS's sold counts could not be read. */
  pmsError?: string;
  /**
   * The channel sells in another currency and no exchange rate converts these nights, so their
   * prices are not sent (and not expected on the channel): a person has to load a rate.
   */
  missingExchangeRate?: { from: string; to: string; nights: number; firstNight: string; lastNight: string };
}

export interface ReconcileOptions {
  channel?: string;
  from?: string;
  to?: string;
  connectors?: ReadonlyMap<string, ChannelConnector>;
  onProgress?: (done: number, total: number, channel: string) => void;
}

export interface ReconcileResult {
  runId: number;
  property: string;
  from: string;
  to: string;
  channels: ChannelDrift[];
  /** Every finding of every kind. */
  findings: number;
  findingsByKind: { ari: number; booking: number; pms: number };
  /** Findings `--fix` leaves alone (action `human`, and ARI cells under codes nobody mapped). */
  needsHuman: number;
}

/**
 * Compares what each channel shows with what it should show (ledger after mappings, derived
 * rates, buffers and restrictions); the bookings of channels whose connector can list them with
 * Tidewater's; and a PMS's sold counts per night with Tidewater's, where the PMS can answer.
 * Stores the run and its findings of every kind.
 */
export async function reconcileProperty(db: Db, propertyCode: string, options: ReconcileOptions = {}): Promise<ReconcileResult> {
  const stored = await requireProperty(db, propertyCode);
  const today = todayIn(stored.property.timezone);
  const from = options.from ?? today;
  const to = options.to ?? addDays(from, 364);
  if (to < from) throw new ValidationError([{ pointer: '/to', detail: 'must not be before from' }]);
  const channels = stored.property.channels.filter((c) => options.channel === undefined || c.code === options.channel);
  if (options.channel !== undefined && channels.length === 0) throw new ValidationError([{ pointer: '/channel', detail: `unknown channel ${options.channel}` }]);
  const connectors = options.connectors ?? builtInConnectors();
  const spans = [...stored.roomTypeIds.values()].map((roomTypeId) => ({ roomTypeId, from, to }));
  const slice = await readLedgerSpans(db, stored, spans);
  const safety = parseSafetyBuffer((await db('properties').where({ id: stored.id }).first<{ safety_buffer_rooms: unknown }>('safety_buffer_rooms'))?.safety_buffer_rooms);
  const fx = await readFxRatesFor(db, stored.property);
  const results: ChannelDrift[] = [];
  for (const [i, channel] of channels.entries()) {
    options.onProgress?.(i, channels.length, channel.code);
    const expected = channelViewOf(stored.property, channel, slice, safety.channels.includes(channel.code) ? 0 : safety.percent, undefined, fx);
    const carries = carriedFields(channel.type);
    const connector = connectors.get(channel.type);
    let drift: ChannelDrift;
    try {
      const { view, source } = await readChannelSide(db, stored, channel, connector, { from, to });
      drift = { channel: channel.code, type: channel.type, source, cellsChecked: expected.inventory.length + expected.rates.length, findings: findDrift(expected, view, carries), bookingFindings: [], pmsFindings: [] };
    } catch (error) {
      drift = { channel: channel.code, type: channel.type, source: 'channel', cellsChecked: 0, findings: [], error: (error as Error).message, bookingFindings: [], pmsFindings: [] };
    }
    if (expected.missingExchangeRate) drift.missingExchangeRate = missingRateSummary(expected.missingExchangeRate);
    await reconcileBookings(db, stored, channel, connector, { from, to }, drift);
    await reconcileSoldCounts(db, stored, channel, connector, { from, to }, drift);
    results.push(drift);
  }
  options.onProgress?.(channels.length, channels.length, '');
  const byKind = {
    ari: results.reduce((n, r) => n + r.findings.length, 0),
    booking: results.reduce((n, r) => n + r.bookingFindings.length, 0),
    pms: results.reduce((n, r) => n + r.pmsFindings.length, 0),
  };
  const total = byKind.ari + byKind.booking + byKind.pms;
  const needsHuman = results.reduce(
    (n, r) => n + r.findings.filter(isUnmappedCell).length + r.bookingFindings.filter((f) => f.action === 'human').length + r.pmsFindings.filter((f) => f.action === 'human').length,
    0,
  );
  const runId = await db.transaction(async (trx) => {
    const [run] = await trx('reconciliation_runs')
      .insert({ property_id: stored.id, from_date: from, to_date: to, channels: channels.map((c) => c.code), findings: total, finished_at: trx.fn.now() })
      .returning<{ id: number }[]>('id');
    const id = (run as { id: number }).id;
    const rows = results.flatMap((r) => [
      ...r.findings.map((f) => ({ run_id: id, kind: 'ari', channel_code: r.channel, stay_date: f.date, room_type: f.roomType, rate_plan: f.ratePlan, field: f.field, ledger_value: f.ledger, channel_value: f.channel, source: r.source })),
      ...r.bookingFindings.map((f) => ({
        run_id: id,
        kind: 'booking',
        channel_code: r.channel,
        // A booking's finding is filed under its first night, so it sorts and filters with the rest.
        stay_date: f.checkIn || from,
        room_type: f.roomType,
        rate_plan: null,
        field: f.field,
        ledger_value: f.tidewater,
        channel_value: f.channel,
        source: 'channel',
        booking_ref: f.channelBookingId,
        booking_id: f.bookingId,
        issue: f.issue,
      })),
      ...r.pmsFindings.map((f) => ({ run_id: id, kind: 'pms', channel_code: r.channel, stay_date: f.date, room_type: f.roomType, rate_plan: null, field: 'sold', ledger_value: String(f.tidewater), channel_value: String(f.pms), source: 'channel' })),
    ]);
    for (let k = 0; k < rows.length; k += 1000) await trx('reconciliation_findings').insert(rows.slice(k, k + 1000));
    return id;
  });
  return { runId, property: propertyCode, from, to, channels: results, findings: total, findingsByKind: byKind, needsHuman };
}

/** An ARI cell the channel shows under a code nobody mapped: no re-send removes it, a person must. */
export function isUnmappedCell(f: DriftFinding): boolean {
  return f.roomType.startsWith(UNMAPPED) || (f.ratePlan ?? '').startsWith(UNMAPPED);
}

/** The channel's bookings against Tidewater's, where the channel can be asked for them. */
async function reconcileBookings(db: Db, stored: StoredProperty, channel: ChannelConfig, connector: ChannelConnector | undefined, range: { from: IsoDate; to: IsoDate }, drift: ChannelDrift): Promise<void> {
  if (!connector?.readBookings || connector.capabilities(channel).canReadBookings !== true) return;
  try {
    const held = await connector.readBookings({ property: stored.property, channel }, range);
    const theirs = held.map((r) => reconciledFromChannel(stored.property, channel, r));
    const ours = await readChannelBookings(db, stored.id, channel.code, range, theirs.map((b) => b.channelBookingId));
    drift.bookingsChecked = new Set([...ours, ...theirs].map((b) => b.channelBookingId)).size;
    const unmapped = new Set(theirs.filter((b) => b.stays.some((s) => s.roomType.startsWith(UNMAPPED) || (s.ratePlan ?? '').startsWith(UNMAPPED))).map((b) => b.channelBookingId));
    drift.bookingFindings = findBookingDrift(ours, theirs, range).map((f) => ({
      ...f,
      // Re-pulling goes through the normal ingestion, which refuses codes nobody mapped.
      action: f.issue === 'missing-in-tidewater' && !unmapped.has(f.channelBookingId) ? 'repull' : 'human',
    }));
  } catch (error) {
    drift.bookingError = (error as Error).message;
  }
}

/** Tidewater's sold counts per night against the PMS's, where the PMS can answer. */
async function reconcileSoldCounts(db: Db, stored: StoredProperty, channel: ChannelConfig, connector: ChannelConnector | undefined, range: { from: IsoDate; to: IsoDate }, drift: ChannelDrift): Promise<void> {
  if (!connector?.readSoldCounts || connector.capabilities(channel).canReadSoldCounts !== true) return;
  try {
    const counts = await connector.readSoldCounts({ property: stored.property, channel }, range);
    const theirs = counts.map((c) => ({ roomType: tidewaterCode(channel.roomTypes, c.roomType, (code) => findRoomType(stored.property, code) !== undefined), date: c.date, sold: c.sold }));
    const ours = await readHubSoldCounts(db, stored, range, channel.code);
    drift.nightsChecked = stored.property.roomTypes.length * (daysBetween(range.from, range.to) + 1);
    drift.pmsFindings = findSoldDrift(ours, theirs, range).map((f) => ({ ...f, action: f.roomType.startsWith(UNMAPPED) ? 'human' : 'resend' }));
  } catch (error) {
    drift.pmsError = (error as Error).message;
  }
}

/** A channel's booking in Tidewater codes, read the way applyChannelReservations reads it. */
function reconciledFromChannel(property: Property, channel: ChannelConfig, r: ChannelReservation): ReconciledBooking {
  return {
    channelBookingId: r.channelReservationId,
    status: r.status === 'cancelled' ? 'cancelled' : 'confirmed',
    revision: r.revision,
    stays: r.roomStays.map((s) => ({
      roomType: tidewaterCode(channel.roomTypes, s.roomType, (code) => findRoomType(property, code) !== undefined),
      ...(s.ratePlan !== undefined ? { ratePlan: tidewaterCode(channel.ratePlans, s.ratePlan, (code) => findRatePlan(property, code) !== undefined) } : {}),
      checkIn: s.checkIn,
      checkOut: s.checkOut,
      rooms: s.rooms,
    })),
    total: r.total ? { amount: r.total.amount, currency: r.total.currency } : null,
  };
}

/**
 * The channel's code in Tidewater's terms: through the channel's mapping when exactly one code
 * maps to it, else as a Tidewater code (channel-reservation-service's rule for incoming bookings),
 * else marked unmapped so it shows as a difference.
 */
function tidewaterCode(mapping: Record<string, string>, code: string, isOwn: (code: string) => boolean): string {
  const mapped = Object.entries(mapping).filter(([, theirs]) => theirs === code);
  if (mapped.length === 1) return (mapped[0] as [string, string])[0];
  return isOwn(code) ? code : UNMAPPED + code;
}

function missingRateSummary(m: MissingExchangeRate): NonNullable<ChannelDrift['missingExchangeRate']> {
  return { from: m.from, to: m.to, nights: m.nights.length, firstNight: m.nights[0] as string, lastNight: m.nights[m.nights.length - 1] as string };
}

/**
 * Makes the next sync re-send exactly the drifted cells: forgets that the channel acknowledged
 * them (so the diff sends them again even if the ledger did not change) and marks their ranges
 * dirty. The workers (or the caller) then sync as usual.
 */
export async function scheduleDriftFix(db: Db, propertyCode: string, result: ReconcileResult): Promise<number> {
  const stored = await requireProperty(db, propertyCode);
  let cells = 0;
  await db.transaction(async (trx) => {
    for (const drift of result.channels) {
      if (drift.findings.length === 0) continue;
      const channelId = stored.channelIds.get(drift.channel);
      if (channelId === undefined) continue;
      const byRoom = new Map<number, { from: string; to: string; dates: Set<string> }>();
      for (const f of drift.findings) {
        const roomTypeId = stored.roomTypeIds.get(f.roomType);
        if (roomTypeId === undefined) continue; // unmapped codes on the channel: only a full resend of the mapped ones helps
        const r = byRoom.get(roomTypeId) ?? { from: f.date, to: f.date, dates: new Set<string>() };
        if (f.date < r.from) r.from = f.date;
        if (f.date > r.to) r.to = f.date;
        r.dates.add(f.date);
        byRoom.set(roomTypeId, r);
      }
      for (const [roomTypeId, r] of byRoom) {
        const dates = [...r.dates];
        await trx('channel_inventory_state').where({ channel_id: channelId, room_type_id: roomTypeId }).whereIn('stay_date', dates).delete();
        await trx('channel_rate_state').where({ channel_id: channelId, room_type_id: roomTypeId }).whereIn('stay_date', dates).delete();
        await markChannelsDirty(trx, [channelId], { from: r.from, to: r.to }, [roomTypeId]);
        cells += dates.length;
      }
      // Cells the channel shows under codes nobody mapped cannot be "re-sent"; a full resend of the
      // channel's horizon overwrites what the mapped codes show, and the report keeps the rest.
      if (drift.findings.some((f) => stored.roomTypeIds.get(f.roomType) === undefined)) {
        await trx('channel_inventory_state').where({ channel_id: channelId }).whereBetween('stay_date', [result.from, result.to]).delete();
        await trx('channel_rate_state').where({ channel_id: channelId }).whereBetween('stay_date', [result.from, result.to]).delete();
        await markChannelsDirty(trx, [channelId], { from: result.from, to: result.to });
      }
    }
  });
  return cells;
}

export interface BookingFixResult {
  /** Bookings re-pulled from their channel through the normal ingestion. */
  repulled: number;
  /** Bookings the re-pull could not take (the reason, per channel and booking id). */
  refused: Array<{ channel: string; channelBookingId: string; reason: string }>;
  /** Booking deliveries queued again for a PMS whose sold counts differ. */
  redeliveries: number;
}

/**
 * The booking side of `--fix`. Bookings a channel has and Tidewater lost are read from the channel
 * again and applied through applyChannelReservations, the path every pulled booking takes (same
 * idempotency: a booking that arrived meanwhile is a duplicate and changes nothing). Bookings on
 * nights where the PMS's sold count differs are queued for the PMS again. Nothing else is touched:
 * a booking Tidewater has and the channel lacks, or shows differently, stays as it is for a person
 * to decide (action `human`).
 */
export async function scheduleBookingFix(
  deps: BookingDeps,
  propertyCode: string,
  result: ReconcileResult,
  connectors: ReadonlyMap<string, ChannelConnector> = builtInConnectors(),
): Promise<BookingFixResult> {
  const stored = await requireProperty(deps.db, propertyCode);
  const out: BookingFixResult = { repulled: 0, refused: [], redeliveries: 0 };
  for (const drift of result.channels) {
    const channel = stored.property.channels.find((c) => c.code === drift.channel);
    if (!channel) continue;
    const wanted = new Set(drift.bookingFindings.filter((f) => f.action === 'repull').map((f) => f.channelBookingId));
    const connector = connectors.get(channel.type);
    if (wanted.size > 0 && connector?.readBookings) {
      // Read again rather than trusting the check's copy: the channel's current version is the one to apply.
      const held = await connector.readBookings({ property: stored.property, channel }, { from: result.from, to: result.to });
      const applied = await applyChannelReservations(deps, stored, channel, held.filter((r) => wanted.has(r.channelReservationId)));
      for (const a of applied) {
        if (a.result) out.repulled++;
        else out.refused.push({ channel: channel.code, channelBookingId: a.reservation.channelReservationId, reason: a.error?.message ?? 'refused' });
      }
    }
    const cells = drift.pmsFindings.filter((f) => f.action === 'resend');
    const channelId = stored.channelIds.get(channel.code);
    if (cells.length > 0 && channelId !== undefined) out.redeliveries += await queuePmsRedelivery(deps.db, stored, { id: channelId, code: channel.code }, cells);
  }
  return out;
}

/**
 * Runs the property's channel syncs in this process, so a fix does not depend on workers being up.
 * Ledger changes waiting in the outbox (a re-pulled booking's nights) are relayed first, and each
 * channel is synced until its dirty ranges and its queued PMS deliveries are done.
 */
export async function resyncPropertyNow(db: Db, propertyCode: string, connectors: ReadonlyMap<string, ChannelConnector> = builtInConnectors()): Promise<void> {
  while ((await relayOutboxBatch(db)).relayed > 0);
  const ids = await db('channels as c').join('properties as p', 'p.id', 'c.property_id').where({ 'p.code': propertyCode, 'c.active': true }).pluck<number[]>('c.id');
  const deps = { db, logger: silentLogger, metrics: createDistributionMetrics(), connectors, pacer: new ChannelPacer(), coalesceMs: 0 };
  for (const id of ids) {
    // A sync delivers at most one page of PMS bookings, so a long queue takes many rounds; the waits are bounded on their own.
    for (let round = 0, waits = 0; round < 500 && waits < 20; round++) {
      const outcome = await syncChannel(deps, id);
      if (outcome.status === 'backoff' || outcome.status === 'busy') {
        waits++;
        await new Promise((r) => setTimeout(r, Math.min(2000, Math.max(50, outcome.retryAt - Date.now()))));
        continue;
      }
      if (outcome.status !== 'synced') break;
      if (!outcome.more && (await pendingDeliveries(db, id, 1)).length === 0) break;
    }
  }
}
