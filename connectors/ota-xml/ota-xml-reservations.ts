import { addDays, type IsoDate } from '../../core/dates';
import type { ChannelReservation } from '../../core/reservation-message';
import { compareRevisions } from '../../core/revision';
import { MAX_STAY_NIGHTS } from '../../core/stay';
import { toOtaErrors } from '../../mappers/opentravel/response';
import { readResRetrieveRS, type ResRetrieveRSMessage } from '../../mappers/opentravel/res-retrieve-rs';
import { renderReadRQ } from '../../mappers/opentravel/read-rq';
import { readNotifReportRS, renderNotifReportRQ } from '../../mappers/opentravel/notif-report';
import { ackFor, rejectionNotice } from '../../mappers/opentravel/hotel-res-notif';
import type { AcknowledgementNotice } from '../../mappers/opentravel/common';
import { deliveryOptions, sendWithRetry } from '../http-delivery';
import { ChannelRejectedError, type ChannelContext } from '../types';

/**
 * The OpenTravel pull-and-confirm loop for reservations: OTA_ReadRQ (undelivered) →
 * OTA_ResRetrieveRS (paged with MoreIndicator / MoreDataEchoToken) → OTA_NotifReportRQ confirming
 * what was taken. A reservation that is not confirmed is sent again by the OTA on the next read,
 * so a crash between reading and confirming loses nothing.
 */
export async function readReservationPage(context: ChannelContext, moreDataEchoToken?: string): Promise<ResRetrieveRSMessage> {
  const { channel, property } = context;
  const xml = renderReadRQ({
    hotelCode: channel.hotelCode ?? property.code,
    selection: { selectionType: 'Undelivered' },
    maxResponses: typeof channel.settings?.pageSize === 'number' ? channel.settings.pageSize : 50,
    ...(moreDataEchoToken !== undefined ? { moreDataEchoToken } : {}),
  });
  const response = await post(context, xml);
  const page = readResRetrieveRS(response, { invalidReservations: 'collect' });
  if (page.status === 'errors') {
    throw new ChannelRejectedError(`OTA refused the read: ${page.errors.map((e) => e.text ?? e.code ?? e.type).join('; ')}`, 200);
  }
  return page;
}

/** A channel that keeps answering "more" forever must not keep reconciliation reading forever. */
const MAX_EXPORT_PAGES = 1000;

/**
 * The channel's bookings whose stay touches the range, as it holds them now (cancelled ones too):
 * an OTA_ReadRQ with SelectionType="All" is the OpenTravel form of an extranet's reservation
 * export, answered with the same OTA_ResRetrieveRS (and read with the same mapper) as the pull.
 * Nothing is confirmed afterwards, so the pull loop's Undelivered queue is left exactly as it was.
 *
 * OpenTravel selects by arrival or departure date, not by "stays on these nights". Arrivals from
 * MAX_STAY_NIGHTS before the range up to its last night include every stay Tidewater can hold that
 * touches it; the ones that ended before the range are dropped here.
 */
export async function readReservationExport(context: ChannelContext, range: { from: IsoDate; to: IsoDate }): Promise<ChannelReservation[]> {
  const { channel, property } = context;
  const latest = new Map<string, ChannelReservation>();
  let token: string | undefined;
  for (let page = 0; ; page++) {
    if (page >= MAX_EXPORT_PAGES) throw new ChannelRejectedError(`the reservation export of ${channel.code} did not end after ${MAX_EXPORT_PAGES} pages`);
    const xml = renderReadRQ({
      hotelCode: channel.hotelCode ?? property.code,
      selection: { start: addDays(range.from, -MAX_STAY_NIGHTS), end: range.to, dateType: 'ArrivalDate', selectionType: 'All' },
      maxResponses: typeof channel.settings?.pageSize === 'number' ? channel.settings.pageSize : 50,
      ...(token !== undefined ? { moreDataEchoToken: token } : {}),
    });
    // An incomplete export would show bookings as missing on the channel: fail rather than guess.
    const answer = readResRetrieveRS(await post(context, xml));
    if (answer.status === 'errors') {
      throw new ChannelRejectedError(`OTA refused the reservation export: ${answer.errors.map((e) => e.text ?? e.code ?? e.type).join('; ')}`, 200);
    }
    for (const r of answer.reservations) {
      const known = latest.get(r.channelReservationId);
      if (!known || compareRevisions(r.revision, known.revision) >= 0) latest.set(r.channelReservationId, r);
    }
    if (!answer.more) break;
    // Without a token the channel expects the same request again, which for an export never ends.
    if (answer.moreDataEchoToken === undefined || answer.moreDataEchoToken === token) {
      throw new ChannelRejectedError(`the reservation export of ${channel.code} says more follow but gives no new MoreDataEchoToken`);
    }
    token = answer.moreDataEchoToken;
  }
  return [...latest.values()].filter((r) => r.roomStays.length === 0 || r.roomStays.some((s) => s.checkIn <= range.to && s.checkOut > range.from));
}

export interface PageOutcome {
  taken: ChannelReservation[];
  refused: Array<{ reservation: ChannelReservation; error: Error }>;
}

/** Confirms the page: taken reservations (and skipped non-bookings) are acknowledged, refused ones reported. */
export async function confirmReservationPage(context: ChannelContext, page: ResRetrieveRSMessage, outcome: PageOutcome, bookingIds: Map<string, string>): Promise<void> {
  const refused: AcknowledgementNotice[] = [
    ...outcome.refused.map(({ reservation, error }) => ({ ...toNotice(error), recordId: reservation.channelReservationId })),
    ...page.rejected.map(rejectionNotice),
  ];
  const confirmed = [
    ...outcome.taken.map((r) => {
      const id = bookingIds.get(r.channelReservationId);
      return ackFor(r, id ? [{ type: '14', value: id, source: 'Tidewater' }] : undefined);
    }),
    // Quote requests and other non-bookings: acknowledged so the OTA stops resending them.
    ...page.skipped.filter((s) => s.channelReservationId !== undefined).map((s) => ({ channelReservationId: s.channelReservationId as string })),
  ];
  if (confirmed.length === 0 && refused.length === 0) return;
  const answer = readNotifReportRS(await post(context, renderNotifReportRQ({ confirmed, refused })));
  if (answer.status === 'errors') throw new ChannelRejectedError(`OTA refused the confirmation: ${answer.errors.map((e) => e.text ?? e.type).join('; ')}`, 200);
}

function toNotice(error: Error): AcknowledgementNotice {
  const [first] = toOtaErrors(error);
  return first ? { type: first.type, ...(first.code ? { code: first.code } : {}), text: (first.text ?? error.message).slice(0, 500) } : { type: '12', text: error.message.slice(0, 500) };
}

async function post(context: ChannelContext, xml: string): Promise<string> {
  const { channel } = context;
  const url = typeof channel.settings?.reservationsEndpoint === 'string' ? channel.settings.reservationsEndpoint : (channel.endpoint ?? '');
  const response = await sendWithRetry(
    {
      method: 'POST',
      url,
      data: xml,
      headers: { 'content-type': 'text/xml; charset=utf-8' },
      ...(channel.credentials?.username !== undefined ? { auth: { username: channel.credentials.username, password: channel.credentials.password ?? '' } } : {}),
    },
    deliveryOptions(channel),
  );
  return response.data;
}
