import type { AxiosResponse } from 'axios';
import type { ChannelView } from '../../core/channel-view';
import { channelCurrency } from '../../core/fx';
import type { ChannelConfig } from '../../core/property';
import { renderHotelAvailNotif } from '../../mappers/opentravel/hotel-avail-notif';
import { ADULT, CHILD, renderHotelRateAmountNotif, type RateAmountDetail } from '../../mappers/opentravel/hotel-rate-amount-notif';
import { readOtaResponse } from '../../mappers/opentravel/response';
import { toChannelRuns } from '../shared/ari-runs';
import { deliveryOptions, sendWithRetry } from '../http-delivery';
import { readReservationExport } from './ota-xml-reservations';
import { ChannelRejectedError, type ChannelCapabilities, type ChannelConnector, type ChannelContext, type PushResult } from '../types';

/** Most AvailStatusMessage / RateAmountMessage elements per request; OTAs commonly cap requests near here. */
const DEFAULT_MAX_CELLS = 1000;

/**
 * OpenTravel push to an OTA: availability and restrictions in OTA_HotelAvailNotifRQ, prices in
 * OTA_HotelRateAmountNotifRQ, over HTTP POST with Basic auth. An answer with `Errors` is a refusal
 * of that message (dead-lettered, never retried); `Warnings` are logged.
 */
export function otaXmlConnector(type: 'ota-xml' | 'gds' = 'ota-xml'): ChannelConnector {
  return {
    type,
    // A GDS switch loads rates in batches; an OTA wants changes now.
    batchIntervalMs: type === 'gds' ? 5000 : 1000,
    capabilities(channel: ChannelConfig): ChannelCapabilities {
      const s = channel.settings ?? {};
      return {
        maxCellsPerMessage: typeof s.maxCellsPerMessage === 'number' ? s.maxCellsPerMessage : DEFAULT_MAX_CELLS,
        requestsPerSecond: typeof s.requestsPerSecond === 'number' ? s.requestsPerSecond : 10,
        canReadAri: false,
        // Where Tidewater pulls reservations with OTA_ReadRQ, the same endpoint answers the export
        // reconciliation reads; channels that push their bookings may say so with readBookings.
        canReadBookings: type === 'ota-xml' && (s.pullReservations === true || s.readBookings === true),
      };
    },
    readBookings: readReservationExport,
    async pushAri(context: ChannelContext, changes: ChannelView): Promise<PushResult> {
      const { channel, property } = context;
      const hotelCode = channel.hotelCode ?? property.code;
      const runs = toChannelRuns(channel, changes);
      // GDS profiles load prices only: availability and restrictions stay with the GDS's own seamless link.
      const status = type === 'gds' ? [] : [...runs.availability, ...runs.restrictions];
      const messages: string[] = [];
      const echo = (kind: string) => `${context.correlationId ?? 'tw'}-${kind}`.slice(0, 128);
      if (status.length > 0) messages.push(renderHotelAvailNotif({ hotelCode, echoToken: echo('avail'), updates: status }));
      if (runs.rates.length > 0) {
        // The channel's currency: channelViewOf converted the amounts into it (core/fx.ts).
        messages.push(renderHotelRateAmountNotif({ hotelCode, echoToken: echo('rates'), currency: channelCurrency(property, channel), updates: runs.rates, rates: runs.supplements.map(additionalGuests) }));
      }
      const warnings: string[] = [];
      for (const xml of messages) {
        await sendWithRetry(
          {
            method: 'POST',
            url: channel.endpoint ?? '',
            data: xml,
            headers: { 'content-type': 'text/xml; charset=utf-8', ...(context.correlationId ? { 'x-correlation-id': context.correlationId } : {}) },
            ...(channel.credentials?.username !== undefined
              ? { auth: { username: channel.credentials.username, password: channel.credentials.password ?? '' } }
              : {}),
          },
          { ...deliveryOptions(channel), checkBody: (response) => warnings.push(...checkOtaAnswer(response)) },
        );
      }
      return { messages: messages.length, warnings };
    },
  };
}

/** Throws ChannelRejectedError for an OTA `Errors` answer; returns the warnings of a successful one. */
export function checkOtaAnswer(response: AxiosResponse<string>): string[] {
  let answer;
  try {
    answer = readOtaResponse(response.data);
  } catch (error) {
    throw new ChannelRejectedError(`unreadable answer: ${(error as Error).message}`, response.status);
  }
  const describe = (n: { type: string; code?: string; shortText?: string; text?: string }) =>
    [`type ${n.type}`, n.code && `code ${n.code}`, n.shortText, n.text].filter(Boolean).join(' ');
  if (answer.status === 'errors') {
    const texts = answer.errors.map(describe);
    throw new ChannelRejectedError(`partner answered Errors: ${texts.join('; ')}`, response.status, texts);
  }
  return answer.warnings.map(describe);
}

/**
 * A plan's extra adult and child amounts as AdditionalGuestAmounts beside the per-guest prices
 * (rateByGuests, which already price extra adults up to the room's maximum: the adult amount tells
 * an OTA what one more adult adds where it prices beyond them).
 */
function additionalGuests(supplements: { extraAdult?: string; extraChild?: string } | undefined): RateAmountDetail | undefined {
  if (!supplements) return undefined;
  return {
    taxes: 'included',
    occupancyRates: [],
    additionalGuestAmounts: [
      ...(supplements.extraAdult !== undefined ? [{ amount: supplements.extraAdult, ageQualifyingCode: ADULT }] : []),
      ...(supplements.extraChild !== undefined ? [{ amount: supplements.extraChild, ageQualifyingCode: CHILD }] : []),
    ],
  };
}
