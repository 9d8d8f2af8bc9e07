import { channelViewOf, type ChannelView } from '../core/channel-view';
import { addDays, todayIn } from '../core/dates';
import { ValidationError } from '../core/errors';
import type { ChannelConfig } from '../core/property';
import { findDrift, type CarriedFields, type DriftFinding } from '../core/reconcile';
import type { Db } from '../db/connection';
import { readLedgerSpans } from '../db/ledger-view-repo';
import type { StoredProperty } from '../db/properties-repo';
import { markChannelsDirty, readAckedView } from '../db/sync-repo';
import { builtInConnectors } from '../connectors';
import { readJsonView } from '../connectors/shared/json-view';
import type { ChannelConnector } from '../connectors/types';
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

export interface ChannelDrift {
  channel: string;
  type: string;
  /** Where the channel's side came from: its own view, or (push-only channels) what it acknowledged. */
  source: 'channel' | 'acknowledged';
  cellsChecked: number;
  findings: DriftFinding[];
  error?: string;
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
  findings: number;
}

/**
 * Compares what each channel shows with what it should show (ledger after mappings, derived
 * rates, buffers and restrictions) and stores the run and its findings.
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
  const results: ChannelDrift[] = [];
  for (const [i, channel] of channels.entries()) {
    options.onProgress?.(i, channels.length, channel.code);
    const expected = channelViewOf(stored.property, channel, slice, safety.channels.includes(channel.code) ? 0 : safety.percent);
    const carries = carriedFields(channel.type);
    try {
      const { view, source } = await channelSide(db, stored, channel, connectors.get(channel.type), spans, { from, to });
      results.push({ channel: channel.code, type: channel.type, source, cellsChecked: expected.inventory.length + expected.rates.length, findings: findDrift(expected, view, carries) });
    } catch (error) {
      results.push({ channel: channel.code, type: channel.type, source: 'channel', cellsChecked: 0, findings: [], error: (error as Error).message });
    }
  }
  options.onProgress?.(channels.length, channels.length, '');
  const total = results.reduce((n, r) => n + r.findings.length, 0);
  const runId = await db.transaction(async (trx) => {
    const [run] = await trx('reconciliation_runs')
      .insert({ property_id: stored.id, from_date: from, to_date: to, channels: channels.map((c) => c.code), findings: total, finished_at: trx.fn.now() })
      .returning<{ id: number }[]>('id');
    const id = (run as { id: number }).id;
    const rows = results.flatMap((r) =>
      r.findings.map((f) => ({ run_id: id, channel_code: r.channel, stay_date: f.date, room_type: f.roomType, rate_plan: f.ratePlan, field: f.field, ledger_value: f.ledger, channel_value: f.channel, source: r.source })),
    );
    for (let k = 0; k < rows.length; k += 1000) await trx('reconciliation_findings').insert(rows.slice(k, k + 1000));
    return id;
  });
  return { runId, property: propertyCode, from, to, channels: results, findings: total };
}

async function channelSide(
  db: Db,
  stored: StoredProperty,
  channel: ChannelConfig,
  connector: ChannelConnector | undefined,
  spans: Array<{ roomTypeId: number; from: string; to: string }>,
  range: { from: string; to: string },
): Promise<{ view: ChannelView; source: 'channel' | 'acknowledged' }> {
  if (connector?.readAri) return { view: await connector.readAri({ property: stored.property, channel }, range), source: 'channel' };
  if (typeof channel.settings?.viewEndpoint === 'string') return { view: await readJsonView(channel, range), source: 'channel' };
  const channelId = stored.channelIds.get(channel.code) as number;
  const codes = {
    roomType: new Map([...stored.roomTypeIds].map(([code, id]) => [id, code])),
    ratePlan: new Map([...stored.ratePlanIds].map(([code, id]) => [id, code])),
  };
  return { view: await readAckedView(db, channelId, spans, codes, stored.currencyDecimals), source: 'acknowledged' };
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

/** Runs the property's channel syncs in this process, so a fix does not depend on workers being up. */
export async function resyncPropertyNow(db: Db, propertyCode: string, connectors: ReadonlyMap<string, ChannelConnector> = builtInConnectors()): Promise<void> {
  const ids = await db('channels as c').join('properties as p', 'p.id', 'c.property_id').where({ 'p.code': propertyCode, 'c.active': true }).pluck<number[]>('c.id');
  const deps = { db, logger: silentLogger, metrics: createDistributionMetrics(), connectors, pacer: new ChannelPacer(), coalesceMs: 0 };
  for (const id of ids) {
    for (let attempt = 0; attempt < 20; attempt++) {
      const outcome = await syncChannel(deps, id);
      if (outcome.status === 'idle' || outcome.status === 'gone' || (outcome.status === 'synced' && !outcome.more)) break;
      if (outcome.status === 'backoff' || outcome.status === 'busy') await new Promise((r) => setTimeout(r, Math.min(2000, Math.max(50, outcome.retryAt - Date.now()))));
    }
  }
}
