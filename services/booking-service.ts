import {
  assertTransition,
  checkStays,
  directBookingPricer,
  directBookingSchema,
  priceStay,
  sumAmounts,
  throwIfErrors,
  type RoomStay,
  type StayRateCell,
} from '../core/booking';
import { todayIn, type IsoDate } from '../core/dates';
import { Counter, type Registry } from 'prom-client';
import {
  NotBookableError,
  PaymentDeclinedError,
  RequestInProgressError,
  SoldOutError,
  TidewaterError,
  ValidationError,
  type FieldError,
  type ShortNight,
} from '../core/errors';
import { formatAmount } from '../core/money';
import type { PaymentProvider } from '../core/payment';
import { zodIssuesToFieldErrors } from '../core/property-document';
import { compareRevisions } from '../core/revision';
import { stayNights } from '../core/stay';
import type { Logger } from '../config/logger';
import { addBookingEvent, lockChannelBooking, openIncident, queuePmsDelivery, saveGuest, updateBooking, type GuestRecord } from '../db/bookings-repo';
import type { Db } from '../db/connection';
import { claimIdempotencyKey, completeInbound, payloadHash } from '../db/inbound-repo';
import { rebookReservation, releaseReservation, reserveRooms } from '../db/ledger-repo';
import type { ChangeOrigin } from '../db/outbox-repo';
import { readLedgerView } from '../db/ledger-view-repo';
import type { StoredProperty } from '../db/properties-repo';
import { requireProperty } from './property-service';

/** A booking as a channel delivered it, already in Tidewater's room and rate codes. */
export interface ChannelBookingInput {
  channelCode: string;
  channelBookingId: string;
  /** Sequence number or timestamp: a message older than the last applied one is ignored. */
  revision: string;
  status: 'new' | 'modified' | 'cancelled';
  /** Guest counts as the channel sent them: kept for the PMS and the hotel, not used to price or to take rooms. */
  roomStays: Array<{ roomType: string; ratePlan?: string; checkIn: string; checkOut: string; rooms: number; adults?: number; children?: number }>;
  total?: { amount: string; currency: string };
  guest?: GuestRecord;
}

export type IngestOutcome = 'created' | 'modified' | 'cancelled' | 'cancel-stored' | 'duplicate' | 'stale';

export interface IngestResult {
  outcome: IngestOutcome;
  bookingId: string;
  overbooked: ShortNight[];
}

export interface BookingDeps {
  db: Db;
  logger: Logger;
  onOverbooking?: (event: { property: string; channel: string; bookingId: string; nights: ShortNight[] }) => void;
}

/**
 * The one operation every channel's bookings go through (OTA push and pull, AlpineBits, iCal,
 * PMS). Keyed by (channel, channel's booking id); idempotent (a repeat changes nothing); ordered by
 * revision (an older message after a newer one is ignored and logged); a cancellation that arrives
 * before its booking is kept and wins over the older booking when that shows up. OTA bookings are
 * already confirmed on the OTA's side, so a sold-out night is overbooked and reported, never refused.
 */
export async function ingestChannelBooking(deps: BookingDeps, propertyCode: string, input: ChannelBookingInput, origin: ChangeOrigin = {}): Promise<IngestResult> {
  const stored = await requireProperty(deps.db, propertyCode);
  const nights = input.status === 'cancelled' ? [] : stayNights(stored.property, input.roomStays.map((s) => ({ roomType: s.roomType, checkIn: s.checkIn, checkOut: s.checkOut, rooms: s.rooms })));
  const channel = stored.property.channels.find((c) => c.code === input.channelCode);
  const result = await deps.db.transaction(async (trx) => {
    const booking = await lockChannelBooking(trx, stored.id, input.channelCode, input.channelBookingId);
    if (booking.revision !== null && compareRevisions(input.revision, booking.revision) <= 0) {
      const outcome: IngestOutcome = compareRevisions(input.revision, booking.revision) === 0 ? 'duplicate' : 'stale';
      await addBookingEvent(trx, booking.id, `ignored-${outcome}`, input.revision, { applied: booking.revision });
      return { outcome, bookingId: booking.id, overbooked: [] as ShortNight[] };
    }
    if (input.status === 'cancelled') {
      const active = booking.status !== 'cancelled';
      if (active) await releaseReservation(trx, stored, booking.id, origin);
      await updateBooking(trx, booking.id, { revision: input.revision, status: 'cancelled' });
      await addBookingEvent(trx, booking.id, active ? 'cancelled' : 'cancel-stored', input.revision);
      if (active) await queuePmsDelivery(trx, stored.id, booking.id, input.channelCode);
      return { outcome: (active ? 'cancelled' : 'cancel-stored') as IngestOutcome, bookingId: booking.id, overbooked: [] as ShortNight[] };
    }
    const wasActive = booking.status !== 'cancelled';
    const rebooked = await rebookReservation(trx, stored, booking.id, nights, { allowOverbooking: true, correlationId: origin.correlationId });
    await updateBooking(trx, booking.id, {
      revision: input.revision,
      status: 'confirmed',
      stays: JSON.stringify(input.roomStays),
      total_amount: input.total?.amount ?? null,
      currency: input.total?.currency ?? null,
    });
    if (input.guest) await saveGuest(trx, booking.id, input.guest);
    if (rebooked.overbooked.length > 0) {
      await openIncident(trx, {
        propertyId: stored.id,
        channelId: channel ? (stored.channelIds.get(channel.code) ?? null) : null,
        kind: 'overbooking',
        details: { bookingId: booking.id, channel: input.channelCode, channelBookingId: input.channelBookingId, nights: rebooked.overbooked.map((n) => ({ roomType: n.roomType, date: n.date, by: n.requested - n.available })) },
      });
    }
    await addBookingEvent(trx, booking.id, wasActive ? 'modified' : 'created', input.revision, { nights: nights.length, overbooked: rebooked.overbooked.length });
    await queuePmsDelivery(trx, stored.id, booking.id, input.channelCode);
    return { outcome: (wasActive ? 'modified' : 'created') as IngestOutcome, bookingId: booking.id, overbooked: rebooked.overbooked };
  });
  const log = { property: propertyCode, channel: input.channelCode, bookingId: result.bookingId, revision: input.revision, outcome: result.outcome, correlationId: origin.correlationId };
  if (result.outcome === 'stale') deps.logger.warn(log, 'older booking revision ignored');
  else deps.logger.info(log, 'channel booking applied');
  if (result.overbooked.length > 0) {
    deps.logger.error({ ...log, nights: result.overbooked }, 'OVERBOOKING: channel booking accepted beyond the rooms left; room type closed on every channel');
    deps.onOverbooking?.({ property: propertyCode, channel: input.channelCode, bookingId: result.bookingId, nights: result.overbooked });
  }
  return result;
}

export interface DirectBookingOptions {
  idempotencyKey: string;
  payments: ReadonlyMap<string, PaymentProvider>;
  paymentTimeoutMs?: number;
  holdTtlMs?: number;
  now?: Date;
  /** The inbound request's id, carried to the channel deliveries the booking causes. */
  correlationId?: string | undefined;
}

export interface DirectBookingAnswer {
  statusCode: number;
  body: { id: string; status: string; total: string; currency: string } | Record<string, unknown>;
}

const DIRECT_SOURCE = 'direct';

/**
 * The direct-booking saga: hold the rooms (with a TTL) → authorize the payment → confirm → queue
 * for the PMS. Each step's compensation: a decline releases the hold; a failure after an approved
 * payment voids it and releases; a payment that never answers leaves the booking in
 * `manual-recovery` with its rooms held, because only a person can find out whether money moved.
 * The client's Idempotency-Key makes the whole saga safe to repeat.
 */
export async function createDirectBooking(deps: BookingDeps, propertyCode: string, input: unknown, options: DirectBookingOptions): Promise<DirectBookingAnswer> {
  try {
    const answer = await runDirectBooking(deps, propertyCode, input, options);
    countBooking('direct', answer.statusCode === 202 ? 'failed' : 'accepted');
    return answer;
  } catch (error) {
    countBooking('direct', error instanceof RequestInProgressError ? 'duplicate' : error instanceof TidewaterError ? 'refused' : 'failed');
    throw error;
  }
}

async function runDirectBooking(deps: BookingDeps, propertyCode: string, input: unknown, options: DirectBookingOptions): Promise<DirectBookingAnswer> {
  const parsed = directBookingSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError(zodIssuesToFieldErrors(parsed.error.issues));
  const request = parsed.data;
  const stored = await requireProperty(deps.db, propertyCode);
  const today = todayIn(stored.property.timezone, options.now);
  throwIfErrors(checkStays(stored.property, request.roomStays, today));
  const provider = options.payments.get(request.payment.provider);
  if (!provider) throw new ValidationError([{ pointer: '/payment/provider', detail: `unknown payment provider ${request.payment.provider}` }]);
  // Priced from the ledger as it is before the hold below, so each night's occupancy is the one the
  // guest was shown a price for; this booking's own rooms never raise its price.
  const { total, errors } = await priceStays(deps.db, stored, request.roomStays, today);
  if (errors.length > 0) throw new NotBookableError(errors);
  const currency = stored.property.currency;
  const source = `direct:${propertyCode}:booking`;
  const hash = payloadHash(input);

  // Step 1: claim the key and hold the rooms, in one transaction.
  type Held = { replay: DirectBookingAnswer } | { claimId: number; bookingId: string };
  const held = await deps.db.transaction(async (trx): Promise<Held> => {
    const claim = await claimIdempotencyKey(trx, { propertyId: stored.id, source, key: options.idempotencyKey, hash });
    if (!claim.claimed) {
      if (claim.replay.statusCode === null || claim.replay.statusCode === undefined) throw new RequestInProgressError(`request ${options.idempotencyKey} is still being processed`);
      return { replay: { statusCode: claim.replay.statusCode, body: claim.replay.body as DirectBookingAnswer['body'] } };
    }
    try {
      const reservation = await trx.transaction((sp) =>
        reserveRooms(sp, stored, {
          source: DIRECT_SOURCE,
          externalRef: `key:${options.idempotencyKey}`,
          status: 'held',
          nights: request.roomStays.flatMap((s) => stayNights(stored.property, [{ roomType: s.roomType, checkIn: s.checkIn, checkOut: s.checkOut, rooms: s.rooms }])),
          holdExpiresAt: new Date((options.now ?? new Date()).getTime() + (options.holdTtlMs ?? 15 * 60_000)),
          correlationId: options.correlationId,
        }),
      );
      await updateBooking(trx, reservation.id, { stays: JSON.stringify(request.roomStays), total_amount: total, currency, revision: '1' });
      await saveGuest(trx, reservation.id, request.guest);
      await addBookingEvent(trx, reservation.id, 'held', '1', { total, currency });
      return { claimId: claim.id, bookingId: reservation.id };
    } catch (error) {
      if (!(error instanceof SoldOutError)) throw error;
      // A sold-out answer is an answer: a repeat of the key gets it again rather than a new try.
      const answer: DirectBookingAnswer = { statusCode: 409, body: soldOutBody(error) };
      await completeInbound(trx, claim.id, 'sold-out', answer);
      return { replay: answer };
    }
  });
  if ('replay' in held) {
    if (held.replay.statusCode === 409) throw new SoldOutError((held.replay.body as { nights?: ShortNight[] }).nights ?? []);
    if (held.replay.statusCode === 402) throw new PaymentDeclinedError('declined earlier', String((held.replay.body as { bookingId?: string }).bookingId ?? ''));
    return held.replay;
  }
  const { claimId, bookingId } = held;

  // Step 2: the payment, outside any transaction (it may take seconds, or never answer).
  let authorization: Awaited<ReturnType<PaymentProvider['authorize']>> | undefined;
  try {
    authorization = await provider.authorize(
      { token: request.payment.token, amount: total, currency, reference: bookingId },
      AbortSignal.timeout(options.paymentTimeoutMs ?? 10_000),
    );
  } catch (error) {
    deps.logger.error({ property: propertyCode, bookingId, err: (error as Error).message }, 'payment outcome unknown: booking moved to manual recovery, rooms stay held');
    const answer: DirectBookingAnswer = { statusCode: 202, body: { id: bookingId, status: 'manual-recovery', total, currency } };
    await deps.db.transaction(async (trx) => {
      assertTransition('held', 'manual-recovery');
      await updateBooking(trx, bookingId, { status: 'manual-recovery', payment_status: 'unknown', hold_expires_at: null });
      await addBookingEvent(trx, bookingId, 'payment-unknown', '1', { provider: provider.name });
      await completeInbound(trx, claimId, 'manual-recovery', answer);
    });
    return answer;
  }

  // Step 3: confirm, or compensate.
  if (authorization.outcome === 'declined') {
    const reason = authorization.reason;
    await deps.db.transaction(async (trx) => {
      await releaseReservation(trx, stored, bookingId, { correlationId: options.correlationId });
      await updateBooking(trx, bookingId, { payment_status: 'declined' });
      await addBookingEvent(trx, bookingId, 'payment-declined', '1', { provider: provider.name });
      await completeInbound(trx, claimId, 'declined', { statusCode: 402, body: { bookingId, reason } });
    });
    throw new PaymentDeclinedError(reason, bookingId);
  }
  const paymentRef = authorization.reference;
  const answer: DirectBookingAnswer = { statusCode: 201, body: { id: bookingId, status: 'confirmed', total, currency } };
  try {
    await deps.db.transaction(async (trx) => {
      const row = await trx('reservations').where({ id: bookingId }).forUpdate().first<{ status: 'held' | 'confirmed' | 'cancelled' | 'manual-recovery' }>('status');
      // The hold may have expired while the payment ran: the rooms are gone, so is the sale.
      if (!row || row.status !== 'held') throw new Error(`hold of booking ${bookingId} expired during payment`);
      assertTransition('held', 'confirmed');
      await updateBooking(trx, bookingId, { status: 'confirmed', payment_status: 'authorized', payment_ref: paymentRef, hold_expires_at: null });
      await addBookingEvent(trx, bookingId, 'confirmed', '1', { provider: provider.name });
      await queuePmsDelivery(trx, stored.id, bookingId);
      await completeInbound(trx, claimId, 'confirmed', answer);
    });
  } catch (error) {
    deps.logger.error({ property: propertyCode, bookingId, err: (error as Error).message }, 'confirmation failed after payment: voiding the payment');
    await provider.void(paymentRef);
    await deps.db.transaction(async (trx) => {
      const row = await trx('reservations').where({ id: bookingId }).first<{ status: string }>('status');
      if (row?.status === 'held') await releaseReservation(trx, stored, bookingId, { correlationId: options.correlationId });
      await updateBooking(trx, bookingId, { payment_status: 'voided' });
      await addBookingEvent(trx, bookingId, 'payment-voided', '1', {});
      await completeInbound(trx, claimId, 'failed', { statusCode: 409, body: { bookingId, reason: 'the hold expired before the payment completed; the payment was voided' } });
    });
    throw new NotBookableError([{ pointer: '/payment', detail: 'the rooms could not be confirmed in time; the payment was voided' }]);
  }
  deps.logger.info({ property: propertyCode, bookingId, total, currency, correlationId: options.correlationId }, 'direct booking confirmed');
  return answer;
}

function soldOutBody(error: SoldOutError): Record<string, unknown> {
  return { nights: error.nights };
}

/**
 * Prices every stay like the booking engine shows it (directBookingPricer: the pricing rules, and
 * the markup of the property's one direct channel) from the ledger's rate cells, and checks its
 * restrictions.
 */
async function priceStays(db: Db, stored: StoredProperty, stays: RoomStay[], today: IsoDate): Promise<{ total: string; errors: FieldError[] }> {
  const decimals = stored.currencyDecimals;
  const price = directBookingPricer(stored.property, today);
  const totals: string[] = [];
  const errors: FieldError[] = [];
  for (const [i, stay] of stays.entries()) {
    const days = await readLedgerView(db, stored, { from: stay.checkIn, to: stay.checkOut, roomType: stay.roomType, ratePlan: stay.ratePlan });
    const cells = new Map<string, StayRateCell>();
    for (const day of days) {
      const room = day.roomTypes[0];
      const plan = room?.ratePlans[0];
      if (room && plan) {
        cells.set(day.date, {
          date: day.date,
          rate: plan.rate,
          rateByGuests: plan.rateByGuests,
          minStay: plan.minStay,
          maxStay: plan.maxStay,
          closedToArrival: plan.closedToArrival,
          closedToDeparture: plan.closedToDeparture,
          stopSell: plan.stopSell,
          occupancy: room,
        });
      }
    }
    const priced = priceStay(stay, cells, decimals, `/roomStays/${i}`, price);
    totals.push(priced.total);
    errors.push(...priced.errors);
  }
  return { total: formatAmount(sumAmounts(totals, decimals), decimals), errors };
}

/** Releases holds whose time ran out (a guest who never paid). Safe to run from many workers. */
export async function releaseExpiredHolds(db: Db, logger: Logger, limit = 100): Promise<number> {
  const expired = await db('reservations')
    .where({ status: 'held' })
    .where('hold_expires_at', '<', db.fn.now())
    .limit(limit)
    .select<{ id: string; property_id: number }[]>('id', 'property_id');
  let released = 0;
  for (const row of expired) {
    await db.transaction(async (trx) => {
      const locked = await trx('reservations').where({ id: row.id, status: 'held' }).where('hold_expires_at', '<', trx.fn.now()).forUpdate().skipLocked().first<{ id: string } | undefined>('id');
      if (!locked) return;
      const property = await trx('properties').where({ id: row.property_id }).first<{ code: string }>('code');
      const stored = await requireProperty(db, property?.code ?? '');
      await releaseReservation(trx, stored, row.id);
      await addBookingEvent(trx, row.id, 'hold-expired', null);
      released++;
    });
  }
  if (released > 0) logger.info({ released }, 'expired holds released');
  return released;
}

/**
 * What became of a booking the hub was given, for the booking success-rate alert
 * (deploy/prometheus/alerts.yml): `accepted` (in the ledger, changes and cancellations included),
 * `duplicate` (a repeat or an older revision: nothing to do), `refused` (sold out, payment declined,
 * not bookable, invalid: the guest or client was told why, a normal part of selling), `rejected` (a
 * channel booking the hub could not apply, e.g. an unmapped room code: the channel holds a booking the
 * ledger does not), `failed` (the hub could not finish it: an error, or a payment whose outcome is unknown).
 */
export type BookingOutcome = 'accepted' | 'duplicate' | 'refused' | 'rejected' | 'failed';

export const BOOKINGS_METRIC = 'tidewater_bookings_total';

/**
 * One counter per process, not per registry: bookings arrive by many paths (JSON API, OTA and
 * AlpineBits pushes, reservation pulls) that carry no registry. Each /metrics registry adopts it.
 */
const bookingOutcomes = new Counter({
  name: BOOKINGS_METRIC,
  help: 'Bookings received, by channel type (direct: the booking API) and outcome (accepted, duplicate, refused, rejected, failed)',
  labelNames: ['channel_type', 'outcome'] as const,
  registers: [],
});

export function countBooking(channelType: string, outcome: BookingOutcome): void {
  bookingOutcomes.inc({ channel_type: channelType, outcome });
}

/** Exposes the booking counter on a /metrics registry; safe to call again for the same registry. */
export function registerBookingMetrics(registry: Registry): void {
  if (registry.getSingleMetric(BOOKINGS_METRIC) === undefined) registry.registerMetric(bookingOutcomes);
}
