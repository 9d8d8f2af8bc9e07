import type { ChannelView } from '../../core/channel-view';
import type { ChannelConfig } from '../../core/property';
import { deliveryOptions, sendWithRetry } from '../http-delivery';
import { ChannelRejectedError, type ChannelCapabilities, type ChannelConnector, type ChannelContext, type PushResult, type ReservationDelivery } from '../types';

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
};
