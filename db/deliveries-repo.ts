import type { DbHandle } from './connection';

export interface PendingDelivery {
  id: number;
  reservationId: string;
}

export async function pendingDeliveries(db: DbHandle, channelId: number, limit = 50): Promise<PendingDelivery[]> {
  const rows = await db('booking_deliveries')
    .where({ channel_id: channelId })
    .whereNull('delivered_at')
    .orderBy('id')
    .limit(limit)
    .select<{ id: number; reservation_id: string }[]>('id', 'reservation_id');
  return rows.map((r) => ({ id: r.id, reservationId: r.reservation_id }));
}

/**
 * The PMS answered with its own reference: the booking is delivered and acknowledged. From the
 * PMS's next `available` push on, that count includes the booking (the in-flight rule).
 */
export async function markDelivered(db: DbHandle, deliveryId: number, reservationId: string, pmsReference: string): Promise<void> {
  await db.transaction(async (trx) => {
    await trx('booking_deliveries').where({ id: deliveryId }).update({ delivered_at: trx.fn.now(), attempts: trx.raw('attempts + 1') });
    await trx('reservations')
      .where({ id: reservationId })
      .update({ pms_acked_at: trx.raw('COALESCE(pms_acked_at, now())'), pms_reference: pmsReference, updated_at: trx.fn.now() });
    await trx('booking_events').insert({ reservation_id: reservationId, kind: 'pms-acknowledged', detail: JSON.stringify({ pmsReference }) });
  });
}

/** The PMS refused the booking for good: stop trying, keep the reason for `tidewater report`. */
export async function markRefused(db: DbHandle, deliveryId: number, reason: string): Promise<void> {
  await db('booking_deliveries')
    .where({ id: deliveryId })
    .update({ delivered_at: db.fn.now(), attempts: db.raw('attempts + 1'), last_error: `refused: ${reason}`.slice(0, 2000) });
}

export async function markAttemptFailed(db: DbHandle, deliveryId: number, reason: string): Promise<void> {
  await db('booking_deliveries').where({ id: deliveryId }).update({ attempts: db.raw('attempts + 1'), last_error: reason.slice(0, 2000) });
}
