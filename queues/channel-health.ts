import { addDays, todayIn } from '../core/dates';
import type { Logger } from '../config/logger';
import type { Knex } from 'knex';
import type { Db } from '../db/connection';
import { markChannelsDirty } from '../db/sync-repo';
import type { DistributionMetrics } from './metrics';
import { postAlert } from './alert-webhook';

export interface HealthPolicy {
  /** Consecutive failures of a critical channel before the safety buffer engages. */
  failureThreshold: number;
  /** Share of each room type's rooms withheld from the other channels meanwhile (at least one room). */
  safetyBufferPercent: number;
  /** A critical channel whose oldest pending change is older than this counts as failing too. */
  maxLagMs: number;
  /** Days ahead that a buffer change re-sends to the other channels. */
  horizonDays: number;
  alertWebhook?: string;
}

export const defaultHealthPolicy: HealthPolicy = { failureThreshold: 3, safetyBufferPercent: 10, maxLagMs: 60_000, horizonDays: 365 };

export interface SafetyBufferState {
  percent: number;
  /** Codes of the critical channels whose failure engaged the buffer. */
  channels: string[];
}

export function parseSafetyBuffer(value: unknown): SafetyBufferState {
  const v = (value ?? {}) as Partial<SafetyBufferState>;
  return { percent: typeof v.percent === 'number' ? v.percent : 0, channels: Array.isArray(v.channels) ? v.channels : [] };
}

export interface HealthDeps {
  db: Db;
  logger: Logger;
  metrics: DistributionMetrics;
  policy: HealthPolicy;
}

/**
 * A critical channel keeps failing: hold back rooms on every other channel of the property so that
 * bookings arriving there cannot oversell what the failing channel still shows, open an incident,
 * and alert. Idempotent: the open incident is unique per channel.
 */
export async function engageSafetyBuffer(deps: HealthDeps, propertyId: number, channelId: number, reason: string): Promise<boolean> {
  const { db, policy } = deps;
  const engaged = await db.transaction(async (trx) => {
    const inserted = await trx.raw<{ rows: { id: number }[] }>(
      `INSERT INTO incidents (property_id, channel_id, kind, status, details)
       VALUES (?, ?, 'critical-channel-failing', 'open', ?::jsonb) ON CONFLICT DO NOTHING RETURNING id`,
      [propertyId, channelId, JSON.stringify({ reason, bufferPercent: policy.safetyBufferPercent })],
    );
    if (inserted.rows.length === 0) return undefined;
    const property = await trx('properties').where({ id: propertyId }).forUpdate().first<{ code: string; timezone: string; safety_buffer_rooms: unknown }>();
    const channel = await trx('channels').where({ id: channelId }).first<{ code: string }>();
    if (!property || !channel) return undefined;
    const state = parseSafetyBuffer(property.safety_buffer_rooms);
    const next: SafetyBufferState = { percent: policy.safetyBufferPercent, channels: [...new Set([...state.channels, channel.code])] };
    await trx('properties').where({ id: propertyId }).update({ safety_buffer_rooms: JSON.stringify(next) });
    await resyncOtherChannels(trx, propertyId, next.channels, property.timezone, policy.horizonDays);
    return { property: property.code, channel: channel.code };
  });
  if (!engaged) return false;
  deps.metrics.incidentsOpened.inc({ kind: 'critical-channel-failing' });
  deps.metrics.buffersInEffect.set({ property: engaged.property }, policy.safetyBufferPercent);
  deps.logger.error(
    { property: engaged.property, channel: engaged.channel, reason, bufferPercent: policy.safetyBufferPercent },
    'critical channel failing: safety buffer engaged on the other channels',
  );
  await sendAlert(deps, { event: 'safety-buffer-engaged', property: engaged.property, channel: engaged.channel, reason });
  return true;
}

/** The channel is healthy and has nothing left to sync: resolve its incident, lift the buffer if no other holds it. */
export async function liftSafetyBuffer(deps: HealthDeps, propertyId: number, channelId: number): Promise<boolean> {
  const { db, policy } = deps;
  const lifted = await db.transaction(async (trx) => {
    const resolved = await trx('incidents')
      .where({ property_id: propertyId, channel_id: channelId, kind: 'critical-channel-failing', status: 'open' })
      .update({ status: 'resolved', resolved_at: trx.fn.now() });
    if (resolved === 0) return undefined;
    const property = await trx('properties').where({ id: propertyId }).forUpdate().first<{ code: string; timezone: string; safety_buffer_rooms: unknown }>();
    const channel = await trx('channels').where({ id: channelId }).first<{ code: string }>();
    if (!property || !channel) return undefined;
    const state = parseSafetyBuffer(property.safety_buffer_rooms);
    const channels = state.channels.filter((c) => c !== channel.code);
    const next: SafetyBufferState = { percent: channels.length > 0 ? state.percent : 0, channels };
    await trx('properties').where({ id: propertyId }).update({ safety_buffer_rooms: JSON.stringify(next) });
    await resyncOtherChannels(trx, propertyId, state.channels, property.timezone, policy.horizonDays);
    return { property: property.code, channel: channel.code, percent: next.percent };
  });
  if (!lifted) return false;
  deps.metrics.buffersInEffect.set({ property: lifted.property }, lifted.percent);
  deps.logger.warn({ property: lifted.property, channel: lifted.channel }, 'critical channel recovered and synced: safety buffer lifted');
  await sendAlert(deps, { event: 'safety-buffer-lifted', property: lifted.property, channel: lifted.channel });
  return true;
}

async function resyncOtherChannels(trx: Knex.Transaction, propertyId: number, excludedCodes: string[], timezone: string, horizonDays: number): Promise<void> {
  const others = await trx('channels')
    .where({ property_id: propertyId, active: true })
    .whereNotIn('code', excludedCodes)
    .pluck<number[]>('id');
  const today = todayIn(timezone);
  // Everything from yesterday to the horizon, or to the last night the ledger knows if that is later.
  const [last] = await trx.raw<{ rows: { last: string | null }[] }>(
    `SELECT GREATEST((SELECT max(stay_date) FROM inventory_cells WHERE property_id = ?),
                     (SELECT max(stay_date) FROM rate_cells WHERE property_id = ?))::text AS last`,
    [propertyId, propertyId],
  ).then((r) => r.rows);
  const horizon = addDays(today, horizonDays);
  const to = last?.last && last.last > horizon ? last.last : horizon;
  await markChannelsDirty(trx, others, { from: addDays(today, -1), to });
}

function sendAlert(deps: HealthDeps, body: Record<string, string>): Promise<void> {
  return postAlert(deps.policy.alertWebhook, deps.logger, body);
}
