import type { ChannelReservation } from '../core/reservation-message';
import { TidewaterError, ValidationError, type FieldError } from '../core/errors';
import { findRatePlan, findRoomType, type ChannelConfig } from '../core/property';
import type { ChangeOrigin } from '../db/outbox-repo';
import type { StoredProperty } from '../db/properties-repo';
import { countBooking, ingestChannelBooking, type BookingDeps, type IngestResult } from './booking-service';

export interface AppliedReservation {
  reservation: ChannelReservation;
  result?: IngestResult;
  /** Why this reservation was not applied (unknown code, bad dates): the partner is told, nothing is written. */
  error?: Error;
}

/**
 * Applies reservations a channel sent (pushed or pulled), one transaction each, in the order given.
 * Codes are read through the channel's mapping first, then as Tidewater codes. One bad reservation
 * does not stop the others: each gets its own answer.
 */
export async function applyChannelReservations(
  deps: BookingDeps,
  stored: StoredProperty,
  channel: ChannelConfig,
  reservations: readonly ChannelReservation[],
  origin: ChangeOrigin = {},
): Promise<AppliedReservation[]> {
  const out: AppliedReservation[] = [];
  for (const reservation of reservations) {
    try {
      const roomStays = reservation.roomStays.map((s, i) => {
        const errors: FieldError[] = [];
        const roomType = fromChannelCode(channel.roomTypes, s.roomType, (c) => findRoomType(stored.property, c) !== undefined);
        const ratePlan = s.ratePlan !== undefined ? fromChannelCode(channel.ratePlans, s.ratePlan, (c) => findRatePlan(stored.property, c) !== undefined) : undefined;
        if (!roomType) errors.push({ pointer: `/roomStays/${i}/roomType`, detail: `room type ${s.roomType} is neither mapped by channel ${channel.code} nor a room type of ${stored.property.code}` });
        if (s.ratePlan !== undefined && !ratePlan) errors.push({ pointer: `/roomStays/${i}/ratePlan`, detail: `rate plan ${s.ratePlan} is neither mapped by channel ${channel.code} nor a rate plan of ${stored.property.code}` });
        if (errors.length > 0) throw new ValidationError(errors);
        return { roomType: roomType as string, ...(ratePlan ? { ratePlan } : {}), checkIn: s.checkIn, checkOut: s.checkOut, rooms: s.rooms, adults: s.adults, children: s.children };
      });
      const result = await ingestChannelBooking(deps, stored.property.code, {
        channelCode: channel.code,
        channelBookingId: reservation.channelReservationId,
        revision: reservation.revision,
        status: reservation.status,
        roomStays,
        ...(reservation.total ? { total: { amount: reservation.total.amount, currency: reservation.total.currency } } : {}),
        ...(reservation.guest ? { guest: reservation.guest } : {}),
      }, origin);
      out.push({ reservation, result });
      countBooking(channel.type, result.outcome === 'duplicate' || result.outcome === 'stale' ? 'duplicate' : 'accepted');
    } catch (error) {
      out.push({ reservation, error: error as Error });
      // Ours to explain (unmapped code, bad dates) is a rejection the channel is told about; anything else a failure.
      countBooking(channel.type, error instanceof TidewaterError ? 'rejected' : 'failed');
    }
  }
  return out;
}

function fromChannelCode(mapping: Record<string, string>, code: string, isOwn: (code: string) => boolean): string | undefined {
  const mapped = Object.entries(mapping).filter(([, theirs]) => theirs === code).map(([ours]) => ours);
  if (mapped.length === 1) return mapped[0];
  return isOwn(code) ? code : undefined;
}
