import { createHmac } from 'node:crypto';
import { addDays } from '../../core/dates';
import { compressRuns, type ChannelView } from '../../core/channel-view';
import { channelCurrency } from '../../core/fx';
import type { ChannelConfig } from '../../core/property';
import { deliveryOptions, sendWithRetry } from '../http-delivery';
import type { ChannelCapabilities, ChannelConnector, ChannelContext, PushResult } from '../types';

/**
 * The hotel's own booking engine: JSON webhooks, signed with HMAC-SHA256 over `timestamp.body` so the
 * receiver can reject forged or replayed calls. Ranges use the channel's codes, both ends inclusive.
 */
export interface DirectAriPayload {
  hotel: string;
  currency: string;
  availability: Array<{ roomType: string; from: string; to: string; available: number }>;
  rates: Array<{
    roomType: string;
    ratePlan: string;
    from: string;
    to: string;
    rate: string | null;
    minStay: number | null;
    maxStay: number | null;
    closedToArrival: boolean;
    closedToDeparture: boolean;
    stopSell: boolean;
    /** Plans with occupancy prices: the price per number of guests ("1": "99.00"), the base's equal to `rate`. */
    rateByGuests?: Record<string, string>;
    extraAdult?: string;
    extraChild?: string;
  }>;
}

export const SIGNATURE_HEADER = 'x-tidewater-signature';
export const TIMESTAMP_HEADER = 'x-tidewater-timestamp';

export function signDirectPayload(secret: string, timestamp: string, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export function renderDirectPayload(context: ChannelContext, changes: ChannelView): DirectAriPayload {
  const { channel, property } = context;
  const availability = compressRuns(changes.inventory, (c) => c.roomType, (c) => c.available, (d) => addDays(d, 1)).map((run) => ({
    roomType: channel.roomTypes[run.sample.roomType] as string,
    from: run.from,
    to: run.to,
    available: run.value,
  }));
  const rates = compressRuns(
    changes.rates,
    (c) => `${c.roomType}|${c.ratePlan}`,
    (c) => ({
      rate: c.amount,
      minStay: c.minStay,
      maxStay: c.maxStay,
      closedToArrival: c.closedToArrival,
      closedToDeparture: c.closedToDeparture,
      stopSell: c.stopSell,
      // The booking engine shows the price of the party searching; a direct booking is charged it.
      ...(c.byGuests ? { rateByGuests: Object.fromEntries(Object.entries(c.byGuests).map(([g, a]) => [String(g), a])) } : {}),
      ...(c.byGuests && c.extraAdult ? { extraAdult: c.extraAdult } : {}),
      ...(c.byGuests && c.extraChild ? { extraChild: c.extraChild } : {}),
    }),
    (d) => addDays(d, 1),
  ).map((run) => ({
    roomType: channel.roomTypes[run.sample.roomType] as string,
    ratePlan: channel.ratePlans[run.sample.ratePlan] as string,
    from: run.from,
    to: run.to,
    ...run.value,
  }));
  // Amounts are in the channel's currency (channelViewOf converts them), so the payload says that one.
  return { hotel: channel.hotelCode ?? property.code, currency: channelCurrency(property, channel), availability, rates };
}

export const directConnector: ChannelConnector = {
  type: 'direct',
  batchIntervalMs: 1000,
  capabilities(channel: ChannelConfig): ChannelCapabilities {
    const s = channel.settings ?? {};
    return {
      maxCellsPerMessage: typeof s.maxCellsPerMessage === 'number' ? s.maxCellsPerMessage : 5000,
      requestsPerSecond: typeof s.requestsPerSecond === 'number' ? s.requestsPerSecond : 20,
      canReadAri: true,
    };
  },

  async pushAri(context: ChannelContext, changes: ChannelView): Promise<PushResult> {
    const { channel } = context;
    const body = JSON.stringify(renderDirectPayload(context, changes));
    const timestamp = String(Math.floor(Date.now() / 1000));
    const secret = channel.credentials?.secret ?? '';
    await sendWithRetry(
      {
      method: 'POST',
      url: `${channel.endpoint ?? ''}/ari`,
      data: body,
      headers: {
        'content-type': 'application/json',
        [TIMESTAMP_HEADER]: timestamp,
        [SIGNATURE_HEADER]: signDirectPayload(secret, timestamp, body),
        ...(context.correlationId ? { 'x-correlation-id': context.correlationId } : {}),
      },
      },
      deliveryOptions(channel),
    );
    return { messages: 1, warnings: [] };
  },

  async readAri(context: ChannelContext, range: { from: string; to: string }): Promise<ChannelView> {
    const { channel } = context;
    const response = await sendWithRetry({ method: 'GET', url: `${channel.endpoint ?? ''}/ari`, params: range }, deliveryOptions(channel));
    const payload = JSON.parse(response.data) as DirectAriPayload;
    return parseDirectView(channel, payload, range);
  },
};

/** Expands a channel's ranges back into Tidewater cells (channel codes → Tidewater codes). */
export function parseDirectView(channel: ChannelConfig, payload: DirectAriPayload, range: { from: string; to: string }): ChannelView {
  const roomType = invert(channel.roomTypes);
  const ratePlan = invert(channel.ratePlans);
  const view: ChannelView = { inventory: [], rates: [] };
  for (const a of payload.availability) {
    const rt = roomType.get(a.roomType);
    if (!rt) continue;
    for (let d = a.from; d <= a.to; d = addDays(d, 1)) if (d >= range.from && d <= range.to) view.inventory.push({ roomType: rt, date: d, available: a.available });
  }
  for (const r of payload.rates) {
    const rt = roomType.get(r.roomType);
    const rp = ratePlan.get(r.ratePlan);
    if (!rt || !rp) continue;
    for (let d = r.from; d <= r.to; d = addDays(d, 1)) {
      if (d < range.from || d > range.to) continue;
      view.rates.push({
        roomType: rt,
        ratePlan: rp,
        date: d,
        amount: r.rate,
        minStay: r.minStay,
        maxStay: r.maxStay,
        closedToArrival: r.closedToArrival,
        closedToDeparture: r.closedToDeparture,
        stopSell: r.stopSell,
        ...(r.rateByGuests ? { byGuests: Object.fromEntries(Object.entries(r.rateByGuests).map(([g, a]) => [Number(g), a])) } : {}),
        ...(r.rateByGuests && r.extraAdult ? { extraAdult: r.extraAdult } : {}),
        ...(r.rateByGuests && r.extraChild ? { extraChild: r.extraChild } : {}),
      });
    }
  }
  return view;
}

function invert(map: Record<string, string>): Map<string, string> {
  return new Map(Object.entries(map).map(([k, v]) => [v, k]));
}
