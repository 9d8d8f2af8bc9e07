import { createHmac, timingSafeEqual } from 'node:crypto';
import { channelViewOf, type LedgerSlice } from '../../core/channel-view';
import { addDays, todayIn } from '../../core/dates';
import type { ChannelConfig } from '../../core/property';
import type { DbHandle } from '../../db/connection';
import { readLedgerView } from '../../db/ledger-view-repo';
import { findProperty } from '../../db/properties-repo';
import { renderBlockedCalendar } from '../../mappers/ical';
import { parseSafetyBuffer } from '../../queues/channel-health';
import { parseIcalSettings } from './ical-settings';

/**
 * The export feed: the nights a vacation rental channel must not sell, per channel room, at a URL
 * that can be pasted into Airbnb's "import calendar" box. Such channels fetch anonymously, so the
 * URL carries its own credential: an HMAC-SHA256 of (property, channel, channel room) keyed with the
 * channel's `credentials.feedSecret`. A leaked URL reveals one room's blocked nights and nothing
 * else; rotating the secret revokes every URL of the channel.
 */
export function feedToken(secret: string, propertyCode: string, channelCode: string, channelRoomCode: string): string {
  // JSON keeps the three codes apart: ("a-b","c") and ("a","b-c") sign differently.
  return createHmac('sha256', secret).update(JSON.stringify([propertyCode, channelCode, channelRoomCode])).digest('base64url');
}

export function verifyFeedToken(secret: string, propertyCode: string, channelCode: string, channelRoomCode: string, token: string): boolean {
  const expected = Buffer.from(feedToken(secret, propertyCode, channelCode, channelRoomCode));
  const given = Buffer.from(token);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** The path (with its token) of a room's feed, for the hotel to hand to the channel. */
export function feedPath(secret: string, propertyCode: string, channelCode: string, channelRoomCode: string): string {
  const seg = encodeURIComponent;
  return `/ical/${seg(propertyCode)}/${seg(channelCode)}/${seg(channelRoomCode)}.ics?token=${feedToken(secret, propertyCode, channelCode, channelRoomCode)}`;
}

export interface FeedRequest {
  propertyCode: string;
  channelCode: string;
  channelRoomCode: string;
  token: string;
}

/**
 * Renders a room's blocked calendar straight from the ledger (not from what the sync worker last
 * recorded), so a channel always imports the current state. Undefined for anything that should be a
 * 404 — unknown property, channel, room, no feed secret, wrong token — without saying which, so the
 * endpoint cannot be used to discover codes.
 */
export async function renderChannelFeed(db: DbHandle, request: FeedRequest, now: Date = new Date()): Promise<string | undefined> {
  const stored = await findProperty(db, request.propertyCode);
  if (!stored) return undefined;
  const channel = stored.property.channels.find((c) => c.code === request.channelCode);
  if (!channel || channel.type !== 'ical' || !stored.channelIds.has(channel.code)) return undefined;
  const secret = channel.credentials?.feedSecret;
  if (!secret || !verifyFeedToken(secret, stored.property.code, channel.code, request.channelRoomCode, request.token)) return undefined;
  const roomType = Object.entries(channel.roomTypes).find(([, code]) => code === request.channelRoomCode)?.[0];
  if (roomType === undefined || !stored.roomTypeIds.has(roomType)) return undefined;

  const settings = parseIcalSettings(channel);
  const from = todayIn(stored.property.timezone, now);
  const days = await readLedgerView(db, stored, { from, to: addDays(from, settings.horizonDays - 1), roomType });
  const slice: LedgerSlice = { inventory: [], rates: [] };
  for (const day of days) {
    for (const rt of day.roomTypes) {
      slice.inventory.push({ roomType: rt.roomType, date: day.date, available: rt.available });
      for (const rp of rt.ratePlans) {
        slice.rates.push({
          roomType: rt.roomType,
          ratePlan: rp.ratePlan,
          date: day.date,
          amount: rp.rate,
          minStay: rp.minStay,
          maxStay: rp.maxStay,
          closedToArrival: rp.closedToArrival,
          closedToDeparture: rp.closedToDeparture,
          stopSell: rp.stopSell,
        });
      }
    }
  }
  // The same safety buffer the sync worker applies, so the feed and the recorded view agree.
  const row = await db('properties').where({ id: stored.id }).first<{ safety_buffer_rooms: unknown }>('safety_buffer_rooms');
  const safety = parseSafetyBuffer(row?.safety_buffer_rooms);
  const view = channelViewOf(stored.property, channelForStopSell(channel, stored.property.ratePlans.map((p) => p.code)), slice, safety.channels.includes(channel.code) ? 0 : safety.percent);
  return renderBlockedCalendar({
    property: { code: stored.property.code, name: stored.property.name },
    channelCode: channel.code,
    channelRoomCode: request.channelRoomCode,
    roomType,
    view,
    now,
    ...(settings.summary !== undefined ? { summary: settings.summary } : {}),
  });
}

/**
 * Vacation rental channels have no rate plans, so a hotel rarely maps any for them. "Stop-sell on
 * every plan" then means every plan of the property: an unmapped channel is treated as selling all
 * of them. A channel that does map plans is judged on exactly those, as in channelViewOf.
 */
function channelForStopSell(channel: ChannelConfig, allPlans: string[]): ChannelConfig {
  if (Object.keys(channel.ratePlans).length > 0) return channel;
  return { ...channel, ratePlans: Object.fromEntries(allPlans.map((p) => [p, p])) };
}
