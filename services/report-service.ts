import type { Db } from '../db/connection';
import { checkSoldInvariant, type InvariantViolation } from '../db/invariants-repo';
import { findProperty } from '../db/properties-repo';
import type { ChannelConnector } from '../connectors/types';
import { parseSafetyBuffer } from '../queues/channel-health';
import { checkRateParity, validateParityOptions, type RateParityReport } from './rate-parity-service';

export interface ChannelReport {
  channel: string;
  type: string;
  critical: boolean;
  lagP50Ms: number | null;
  lagP99Ms: number | null;
  deliveriesLastHour: number;
  consecutiveFailures: number;
  lastError: string | null;
  lastSuccessAt: string | null;
  pendingRanges: number;
  pendingBookings: number;
  deadLetters24h: number;
  lastDeadLetter: string | null;
  bufferRooms: number;
}

export interface PropertyReport {
  property: string;
  generatedAt: string;
  safetyBuffer: { percent: number; becauseOf: string[] };
  channels: ChannelReport[];
  openIncidents: Array<{ id: number; kind: string; channel: string | null; openedAt: string; details: unknown }>;
  manualRecoveryBookings: Array<{ id: string; source: string; createdAt: string; total: string | null; currency: string | null }>;
  invariant?: { ok: boolean; violations: InvariantViolation[] };
  rateParity: RateParityReport;
}

export interface ReportOptions {
  property?: string;
  check?: boolean;
  /** Nights compared for rate parity, from today at each property (default 30). */
  parityDays?: number;
  /** Decimal string, percent of the lowest price (default "0.5"). */
  parityTolerancePercent?: string;
  connectors?: ReadonlyMap<string, ChannelConnector>;
}

/** What an operator or revenue manager needs to see first, per property. */
export async function buildReport(db: Db, options: ReportOptions = {}): Promise<PropertyReport[]> {
  const parity = {
    ...(options.parityDays !== undefined ? { days: options.parityDays } : {}),
    ...(options.parityTolerancePercent !== undefined ? { tolerancePercent: options.parityTolerancePercent } : {}),
    ...(options.connectors !== undefined ? { connectors: options.connectors } : {}),
  };
  validateParityOptions(parity);
  const properties = await db('properties')
    .modify((q) => {
      if (options.property !== undefined) q.where({ code: options.property });
    })
    .orderBy('code')
    .select<{ id: number; code: string; safety_buffer_rooms: unknown }[]>('id', 'code', 'safety_buffer_rooms');
  const reports: PropertyReport[] = [];
  for (const p of properties) {
    const { rows: channels } = await db.raw<{ rows: Array<Record<string, unknown>> }>(
      `SELECT ch.code, ch.type, ch.critical, ch.consecutive_failures, ch.last_error, ch.last_success_at, ch.buffer_rooms,
         (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY lag_ms) FROM delivery_log d WHERE d.channel_id = ch.id AND d.created_at > now() - interval '1 hour') AS p50,
         (SELECT percentile_cont(0.99) WITHIN GROUP (ORDER BY lag_ms) FROM delivery_log d WHERE d.channel_id = ch.id AND d.created_at > now() - interval '1 hour') AS p99,
         (SELECT count(*) FROM delivery_log d WHERE d.channel_id = ch.id AND d.created_at > now() - interval '1 hour')::int AS deliveries,
         (SELECT count(*) FROM channel_dirty_ranges r WHERE r.channel_id = ch.id)::int AS pending_ranges,
         (SELECT count(*) FROM booking_deliveries b WHERE b.channel_id = ch.id AND b.delivered_at IS NULL)::int AS pending_bookings,
         (SELECT count(*) FROM dead_letters x WHERE x.channel_id = ch.id AND x.created_at > now() - interval '24 hours')::int AS dead_letters,
         (SELECT reason FROM dead_letters x WHERE x.channel_id = ch.id ORDER BY x.id DESC LIMIT 1) AS last_dead_letter
       FROM channels ch WHERE ch.property_id = ? AND ch.active ORDER BY ch.code`,
      [p.id],
    );
    const incidents = await db('incidents as i')
      .leftJoin('channels as c', 'c.id', 'i.channel_id')
      .where({ 'i.property_id': p.id, 'i.status': 'open' })
      .orderBy('i.id')
      .select<Array<{ id: number; kind: string; channel: string | null; opened_at: Date; details: unknown }>>('i.id', 'i.kind', 'c.code as channel', 'i.opened_at', 'i.details');
    const manual = await db('reservations')
      .where({ property_id: p.id, status: 'manual-recovery' })
      .orderBy('created_at')
      .select<Array<{ id: string; source: string; created_at: Date; total_amount: string | null; currency: string | null }>>('id', 'source', 'created_at', 'total_amount', 'currency');
    const safety = parseSafetyBuffer(p.safety_buffer_rooms);
    const stored = await findProperty(db, p.code);
    if (!stored) continue; // deleted since the list was read
    const rateParity = await checkRateParity(db, stored, parity);
    const num = (v: unknown) => (v === null || v === undefined ? null : Math.round(Number(v)));
    const report: PropertyReport = {
      property: p.code,
      generatedAt: new Date().toISOString(),
      safetyBuffer: { percent: safety.percent, becauseOf: safety.channels },
      channels: channels.map((c) => ({
        channel: String(c.code),
        type: String(c.type),
        critical: Boolean(c.critical),
        lagP50Ms: num(c.p50),
        lagP99Ms: num(c.p99),
        deliveriesLastHour: Number(c.deliveries),
        consecutiveFailures: Number(c.consecutive_failures),
        lastError: (c.last_error as string | null) ?? null,
        lastSuccessAt: c.last_success_at ? (c.last_success_at as Date).toISOString() : null,
        pendingRanges: Number(c.pending_ranges),
        pendingBookings: Number(c.pending_bookings),
        deadLetters24h: Number(c.dead_letters),
        lastDeadLetter: (c.last_dead_letter as string | null) ?? null,
        bufferRooms: Number(c.buffer_rooms),
      })),
      openIncidents: incidents.map((i) => ({ id: i.id, kind: i.kind, channel: i.channel, openedAt: i.opened_at.toISOString(), details: i.details })),
      manualRecoveryBookings: manual.map((m) => ({ id: m.id, source: m.source, createdAt: m.created_at.toISOString(), total: m.total_amount, currency: m.currency })),
      rateParity,
    };
    if (options.check) {
      const violations = await checkSoldInvariant(db, p.code);
      report.invariant = { ok: violations.length === 0, violations };
    }
    reports.push(report);
  }
  return reports;
}
