import { z } from 'zod';
import type { ChannelView } from '../../core/channel-view';
import { isIsoDate, type IsoDate } from '../../core/dates';
import type { ChannelConfig } from '../../core/property';
import { deliveryOptions, sendWithRetry } from '../http-delivery';
import {
  ChannelRejectedError,
  type ChannelCapabilities,
  type ChannelConnector,
  type ChannelContext,
  type PmsSoldCount,
  type PushResult,
  type ReservationDelivery,
} from '../types';

const soldCountsAnswer = z.object({
  nights: z.array(z.object({ roomType: z.string().min(1), date: z.string().refine(isIsoDate, 'must be a date in YYYY-MM-DD form'), sold: z.number().int().min(0) })),
});

/**
 * The hotel's PMS as a destination: it is the source of ARI, so nothing is pushed back to it, but
 * every booking taken anywhere is delivered to it (JSON, POST {endpoint}/reservations) and the PMS's
 * answer — its own reservation number — is the acknowledgement the in-flight rule waits for.
 */
export const pmsConnector: ChannelConnector = {
  type: 'pms',
  batchIntervalMs: 0,
  capabilities(channel: ChannelConfig): ChannelCapabilities {
    const s = channel.settings ?? {};
    return {
      maxCellsPerMessage: 10_000,
      requestsPerSecond: typeof s.requestsPerSecond === 'number' ? s.requestsPerSecond : 20,
      canReadAri: false,
      // Not every PMS can say what it counts as sold through the hub; the property document says whether this one can.
      canReadSoldCounts: s.soldCounts === true,
    };
  },

  pushAri(_context: ChannelContext, _changes: ChannelView): Promise<PushResult> {
    return Promise.resolve({ messages: 0, warnings: [] });
  },

  async deliverReservation(context: ChannelContext, booking: ReservationDelivery): Promise<{ pmsReference: string }> {
    const { channel } = context;
    const token = channel.credentials?.token;
    const response = await sendWithRetry(
      {
        method: 'POST',
        url: `${channel.endpoint ?? ''}/reservations`,
        data: JSON.stringify({ hotel: channel.hotelCode ?? context.property.code, reservation: booking }),
        headers: {
          'content-type': 'application/json',
          'idempotency-key': `${booking.bookingId}:${booking.revision ?? '0'}:${booking.status}`,
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(context.correlationId ? { 'x-correlation-id': context.correlationId } : {}),
        },
        ...(!token && channel.credentials?.username !== undefined
          ? { auth: { username: channel.credentials.username, password: channel.credentials.password ?? '' } }
          : {}),
      },
      deliveryOptions(channel),
    );
    let body: { reference?: unknown };
    try {
      body = JSON.parse(response.data) as { reference?: unknown };
    } catch {
      throw new ChannelRejectedError('PMS answered without JSON', response.status, [response.data.slice(0, 200)]);
    }
    if (typeof body.reference !== 'string' || body.reference === '') {
      throw new ChannelRejectedError('PMS answer has no reservation reference', response.status, [response.data.slice(0, 200)]);
    }
    return { pmsReference: body.reference };
  },

  /**
   * GET {endpoint}/sold?from&to → { nights: [{ roomType, date, sold }] }: rooms of the bookings the
   * PMS received from the hub, per its room type and night. Its own walk-ins and phone bookings
   * are not Tidewater's to compare, so a PMS answers for the hub's bookings only.
   */
  async readSoldCounts(context: ChannelContext, range: { from: IsoDate; to: IsoDate }): Promise<PmsSoldCount[]> {
    const { channel } = context;
    const response = await sendWithRetry(
      { method: 'GET', url: `${channel.endpoint ?? ''}/sold`, params: { hotel: channel.hotelCode ?? context.property.code, from: range.from, to: range.to }, headers: authHeaders(channel) },
      deliveryOptions(channel),
    );
    let body: unknown;
    try {
      body = JSON.parse(response.data);
    } catch {
      throw new ChannelRejectedError('PMS answered the sold counts without JSON', response.status, [response.data.slice(0, 200)]);
    }
    const parsed = soldCountsAnswer.safeParse(body);
    if (!parsed.success) throw new ChannelRejectedError(`PMS sold counts unreadable: ${parsed.error.issues[0]?.message ?? 'bad shape'}`, response.status);
    return parsed.data.nights;
  },
};

function authHeaders(channel: ChannelConfig): Record<string, string> {
  const token = channel.credentials?.token;
  if (token) return { authorization: `Bearer ${token}` };
  if (channel.credentials?.username !== undefined) {
    return { authorization: `Basic ${Buffer.from(`${channel.credentials.username}:${channel.credentials.password ?? ''}`).toString('base64')}` };
  }
  return {};
}
