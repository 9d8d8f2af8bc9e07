import { stayNights, type StayRequest } from '../core/stay';
import type { Db } from '../db/connection';
import { acknowledgeReservation, releaseReservation, reserveRooms, type Reservation } from '../db/ledger-repo';
import { requireProperty } from './property-service';

export interface ReserveStayInput {
  source: string;
  externalRef?: string;
  status?: 'held' | 'confirmed';
  stays: StayRequest[];
}

/** Reserves every night of every stay in one transaction, or nothing (SoldOutError names the short nights). */
export async function reserveStay(db: Db, propertyCode: string, input: ReserveStayInput): Promise<Reservation> {
  const stored = await requireProperty(db, propertyCode);
  const nights = stayNights(stored.property, input.stays);
  return db.transaction((trx) =>
    reserveRooms(trx, stored, {
      source: input.source,
      nights,
      ...(input.externalRef !== undefined ? { externalRef: input.externalRef } : {}),
      ...(input.status !== undefined ? { status: input.status } : {}),
    }),
  );
}

export async function releaseStay(db: Db, propertyCode: string, reservationId: string): Promise<Reservation> {
  const stored = await requireProperty(db, propertyCode);
  return db.transaction((trx) => releaseReservation(trx, stored, reservationId));
}

export async function acknowledgeByPms(db: Db, propertyCode: string, reservationId: string): Promise<void> {
  const stored = await requireProperty(db, propertyCode);
  await acknowledgeReservation(db, stored, reservationId);
}
