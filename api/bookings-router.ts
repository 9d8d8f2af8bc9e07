import { Router } from 'express';
import { NotFoundError, ValidationError } from '../core/errors';
import type { PaymentProvider } from '../core/payment';
import { findBooking, findGuest } from '../db/bookings-repo';
import type { Db } from '../db/connection';
import type { Logger } from '../config/logger';
import { createDirectBooking } from '../services/booking-service';
import { requireProperty } from '../services/property-service';
import { authorize } from './auth';
import type { BookingBody } from './response-schemas';
import { parseIdempotencyKey } from './schemas';

export interface BookingsRouterDeps {
  db: Db;
  logger: Logger;
  payments: ReadonlyMap<string, PaymentProvider>;
  paymentTimeoutMs?: number;
}

export function bookingsRouter(deps: BookingsRouterDeps): Router {
  const router = Router();

  router.post('/v1/properties/:code/bookings', async (req, res) => {
    authorize(res, req.params.code, ['admin', 'pms', 'channel']);
    const key = parseIdempotencyKey(req.header('idempotency-key'));
    if (key === undefined) throw new ValidationError([{ pointer: '/headers/idempotency-key', detail: 'an Idempotency-Key header is required for bookings' }]);
    const answer = await createDirectBooking({ db: deps.db, logger: deps.logger }, req.params.code, req.body, {
      idempotencyKey: key,
      payments: deps.payments,
      correlationId: res.locals.requestId as string,
      ...(deps.paymentTimeoutMs !== undefined ? { paymentTimeoutMs: deps.paymentTimeoutMs } : {}),
    });
    const id = (answer.body as { id?: string }).id;
    if (id) res.setHeader('location', `/v1/properties/${req.params.code}/bookings/${id}`);
    res.status(answer.statusCode).json(answer.body);
  });

  router.get('/v1/properties/:code/bookings/:id', async (req, res) => {
    const principal = authorize(res, req.params.code, ['admin', 'pms', 'channel']);
    const stored = await requireProperty(deps.db, req.params.code);
    const booking = await findBooking(deps.db, stored.id, req.params.id);
    if (!booking) throw new NotFoundError(`booking ${req.params.id} does not exist at ${req.params.code}`);
    // Guest details only for the hotel's own systems, not for channel keys.
    const guest = principal.role === 'channel' ? undefined : await findGuest(deps.db, booking.id);
    res.json({
      id: booking.id,
      status: booking.status,
      channel: booking.source,
      channelBookingId: booking.source === 'direct' ? undefined : booking.external_ref,
      total: booking.total_amount !== null ? Number(booking.total_amount).toFixed(stored.currencyDecimals) : null,
      currency: booking.currency,
      // jsonb written only by the booking services, in the shape the schema documents.
      roomStays: booking.stays as BookingBody['roomStays'],
      paymentStatus: booking.payment_status,
      overbooked: booking.overbooked,
      pmsAcknowledged: booking.pms_acked_at !== null,
      createdAt: booking.created_at,
      updatedAt: booking.updated_at,
      ...(guest ? { guest } : {}),
    } satisfies BookingBody);
  });

  return router;
}
