import { createHash } from 'node:crypto';
import type { AxiosResponse } from 'axios';
import type { ChannelView } from '../../core/channel-view';
import type { ChannelConfig, Property } from '../../core/property';
import { renderFreeRooms } from '../../mappers/alpinebits/free-rooms';
import {
  ALPINEBITS_ACTIONS,
  ALPINEBITS_VERSION,
  HANDSHAKE_ACTIONS,
  HANDSHAKE_CAPABILITIES,
  alpineBitsHeaders,
  encodeMultipart,
  missingCapabilities,
  readAlpineBitsAnswer,
  readPingResponse,
  renderPingRequest,
  type HandshakeData,
} from '../../mappers/alpinebits/handshake';
import { INVENTORY_CAPABILITIES, renderInventory, type InventoryInput } from '../../mappers/alpinebits/inventory';
import { renderRatePlans, type BookingRuleInput, type RateInput } from '../../mappers/alpinebits/rate-plans';
import { toScaled } from '../../core/money';
import { channelCurrency } from '../../core/fx';
import { toChannelRuns } from '../shared/ari-runs';
import { deliveryOptions, sendWithRetry } from '../http-delivery';
import { ChannelRejectedError, type ChannelCapabilities, type ChannelConnector, type ChannelContext, type ContentPushResult, type PushResult } from '../types';

/** Nights × room categories per request; AlpineBits servers are small hotel systems. */
const DEFAULT_MAX_CELLS = 1000;
/** How long a handshake result is trusted before it is asked again (a server may be upgraded). */
const HANDSHAKE_TTL_MS = 10 * 60_000;

/**
 * What Tidewater offers in the handshake: the three push actions and the capabilities its messages
 * use. Inventory with use_rooms (physical rooms carry the room count), not occupancy_children:
 * Tidewater has no child occupancy to send.
 */
export const CLIENT_HANDSHAKE: HandshakeData = {
  versions: [
    {
      version: ALPINEBITS_VERSION,
      actions: [
        { action: HANDSHAKE_ACTIONS.ping },
        { action: HANDSHAKE_ACTIONS.freeRooms, supports: [HANDSHAKE_CAPABILITIES.freeRoomsCategories, HANDSHAKE_CAPABILITIES.freeRoomsDeltas] },
        {
          action: HANDSHAKE_ACTIONS.ratePlans,
          supports: [HANDSHAKE_CAPABILITIES.ratePlansOverlay, HANDSHAKE_CAPABILITIES.ratePlansRoomTypeBookingRule, HANDSHAKE_CAPABILITIES.ratePlansArrivalDow],
        },
        { action: HANDSHAKE_ACTIONS.inventory, supports: [INVENTORY_CAPABILITIES.useRooms] },
      ],
    },
  ],
};

/** Bumped when the Inventory message changes shape, so every channel is sent it again. */
const INVENTORY_RENDERING = 1;

interface OutgoingMessage {
  action: string;
  xml: string;
  handshakeAction: string;
  needs: string[];
}

const handshakes = new Map<string, { at: number; data: Promise<HandshakeData> }>();

/**
 * AlpineBits HotelData push: availability as FreeRooms (OTA_HotelInvCountNotifRQ), prices and
 * restrictions as RatePlans Overlay (OTA_HotelRatePlanNotifRQ), each an HTTP POST of the
 * multipart `action` + `request` form with the AlpineBits headers and Basic auth. Before the first
 * push (and every 10 minutes) the connector handshakes (OTA_Ping:Handshaking) and refuses to send
 * what the server did not declare it accepts, since a server that cannot take deltas or overlays
 * would otherwise replace the hotel's data with our partial message. `settings.handshake: false`
 * skips that for servers without OTA_Ping.
 *
 * An `ERROR:` answer, an RS with Errors or a 4xx is a refusal (dead-lettered); Warnings are returned.
 * What AlpineBits cannot carry (closed to departure, a price of 0) is not sent and is reported
 * as a warning; see mappers/alpinebits/rate-plans.ts.
 *
 * The room categories go as Inventory/Basic (OTA_HotelDescriptiveContentNotif:Inventory) through
 * `content`: the sync worker sends them before ARI on the channel's first sync and whenever the
 * mapped room types change. A server whose handshake lacks the action is skipped (its categories
 * are kept in its own extranet); `settings.inventory: false` skips it too.
 */
export const alpineBitsConnector: ChannelConnector = {
  type: 'alpinebits',
  batchIntervalMs: 1000,
  capabilities(channel: ChannelConfig): ChannelCapabilities {
    const s = channel.settings ?? {};
    return {
      maxCellsPerMessage: typeof s.maxCellsPerMessage === 'number' ? s.maxCellsPerMessage : DEFAULT_MAX_CELLS,
      requestsPerSecond: typeof s.requestsPerSecond === 'number' ? s.requestsPerSecond : 5,
      canReadAri: false,
    };
  },

  async pushAri(context: ChannelContext, changes: ChannelView): Promise<PushResult> {
    let rendered: ReturnType<typeof renderAlpineBitsMessages>;
    try {
      rendered = renderAlpineBitsMessages(context.property, context.channel, changes);
    } catch (error) {
      // A code or value AlpineBits cannot carry (a 9-character room code, a 17-character hotel
      // code) fails the same way on every retry: refuse it once instead of retrying forever.
      if (error instanceof RangeError) throw new ChannelRejectedError(`cannot be expressed in AlpineBits: ${error.message}`);
      throw error;
    }
    const { messages, warnings } = rendered;
    if (messages.length > 0 && context.channel.settings?.handshake !== false) {
      const agreed = await handshake(context);
      for (const message of messages) {
        const missing = missingCapabilities(agreed, ALPINEBITS_VERSION, message.handshakeAction, message.needs);
        if (missing.length > 0) {
          throw new ChannelRejectedError(`AlpineBits server does not accept ${message.action} as sent (missing in handshake: ${missing.join(', ')})`, undefined, missing);
        }
      }
    }
    for (const message of messages) warnings.push(...(await post(context, message.action, message.xml)));
    return { messages: messages.length, warnings };
  },

  content: {
    fingerprint(context: ChannelContext): string {
      // The endpoint counts: another server does not hold what the last one was sent. So does the
      // switch: a channel turned back on must be sent what was skipped while it was off.
      const { channel } = context;
      const identity = { rendering: INVENTORY_RENDERING, endpoint: channel.endpoint ?? '', enabled: channel.settings?.inventory !== false, inventory: inventoryOf(context.property, channel) };
      return createHash('sha256').update(JSON.stringify(identity)).digest('hex');
    },

    async push(context: ChannelContext): Promise<ContentPushResult> {
      const { channel } = context;
      if (channel.settings?.inventory === false) return { status: 'skipped', reason: 'settings.inventory is false: room categories are not sent' };
      const inventory = inventoryOf(context.property, channel);
      // An empty Inventory is AlpineBits' "delete every category": never send it for want of a mapping.
      if (inventory.categories.length === 0) return { status: 'skipped', reason: 'no room type is mapped: an empty Inventory would delete every category on the server' };
      const render = (input: InventoryInput) => {
        try {
          return renderInventory(input);
        } catch (error) {
          if (error instanceof RangeError) throw new ChannelRejectedError(`room categories cannot be expressed in AlpineBits: ${error.message}`);
          throw error;
        }
      };
      // Rendered before the handshake, so that what can never be sent costs no request.
      let xml = render(inventory);
      const warnings: string[] = [];
      if (channel.settings?.handshake !== false) {
        const agreed = await handshake(context);
        if (missingCapabilities(agreed, ALPINEBITS_VERSION, HANDSHAKE_ACTIONS.inventory, []).length > 0) {
          return { status: 'skipped', reason: `the AlpineBits server does not accept ${ALPINEBITS_ACTIONS.inventory} (not in its handshake): room categories are left to its own configuration` };
        }
        const withRooms = inventory.categories.some((c) => c.rooms > 0);
        if (withRooms && missingCapabilities(agreed, ALPINEBITS_VERSION, HANDSHAKE_ACTIONS.inventory, [INVENTORY_CAPABILITIES.useRooms]).length > 0) {
          // Such a server refuses physical rooms; the categories alone are still worth having.
          xml = render({ ...inventory, physicalRooms: false });
          warnings.push(`room counts not sent: the server does not accept physical rooms (${INVENTORY_CAPABILITIES.useRooms} not in its handshake)`);
        }
      }
      warnings.push(...(await post(context, ALPINEBITS_ACTIONS.inventory, xml)));
      return { status: 'accepted', messages: 1, warnings };
    },
  },
};

/**
 * The channel's room categories in its own codes: the mapped room types only (an unmapped one is
 * never sent), sorted by code so that the fingerprint does not depend on document order.
 *
 * Rooms are the property's physical count, not reduced by the channel's buffer: Inventory lists
 * physical rooms (each one a GuestRoom with a RoomID), while the buffer is availability withheld
 * from this channel and already goes out through FreeRooms. Sending fewer rooms would describe a
 * smaller hotel and tie a buffer change to a resend of the whole inventory.
 */
export function inventoryOf(property: Property, channel: ChannelConfig): InventoryInput {
  const language = typeof channel.settings?.language === 'string' ? channel.settings.language : undefined;
  const categories = Object.entries(channel.roomTypes)
    .flatMap(([tidewater, code]) => {
      const roomType = property.roomTypes.find((r) => r.code === tidewater);
      return roomType ? [{ code, name: roomType.name, rooms: roomType.rooms, maxOccupancy: roomType.maxOccupancy }] : [];
    })
    .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  return { hotelCode: channel.hotelCode ?? property.code, hotelName: property.name, ...(language !== undefined ? { language } : {}), categories };
}

/** The FreeRooms and RatePlans requests for a set of changed cells, plus what could not be sent. */
export function renderAlpineBitsMessages(property: Property, channel: ChannelConfig, changes: ChannelView): { messages: OutgoingMessage[]; warnings: string[] } {
  const hotelCode = channel.hotelCode ?? property.code;
  const runs = toChannelRuns(channel, changes);
  const warnings: string[] = [];
  const messages: OutgoingMessage[] = [];
  if (runs.availability.length > 0) {
    messages.push({
      action: ALPINEBITS_ACTIONS.freeRooms,
      xml: renderFreeRooms({
        hotelCode,
        availability: runs.availability.map((u) => ({ roomType: u.roomType, from: u.from, to: u.to, available: u.available as number })),
      }),
      handshakeAction: HANDSHAKE_ACTIONS.freeRooms,
      needs: [HANDSHAKE_CAPABILITIES.freeRoomsDeltas],
    });
  }

  const guestsOf = occupancies(property, channel);
  const plans = new Map<string, { bookingRules: BookingRuleInput[]; rates: RateInput[] }>();
  const planOf = (code: string) => {
    let plan = plans.get(code);
    if (!plan) plans.set(code, (plan = { bookingRules: [], rates: [] }));
    return plan;
  };
  const noDeparture = new Set<string>();
  for (const u of runs.restrictions) {
    if (u.closedToDeparture) noDeparture.add(`${u.roomType}/${u.ratePlan ?? ''} ${u.from}…${u.to}`);
    planOf(u.ratePlan as string).bookingRules.push({
      roomType: u.roomType,
      from: u.from,
      to: u.to,
      minStay: u.minStay ?? null,
      maxStay: u.maxStay ?? null,
      closedToArrival: u.closedToArrival === true,
      stopSell: u.stopSell === true,
    });
  }
  for (const u of runs.rates) {
    const zero = [u.rate as string, ...Object.values(u.rateByGuests ?? {})].find((amount) => toScaled(amount) <= 0n);
    if (zero !== undefined) {
      warnings.push(`price ${zero} of ${u.roomType}/${u.ratePlan ?? ''} ${u.from}…${u.to} not sent: AlpineBits amounts must be above 0`);
      continue;
    }
    planOf(u.ratePlan as string).rates.push({ roomType: u.roomType, from: u.from, to: u.to, amount: u.rate as string, guests: guestsOf(u.roomType), ...(u.rateByGuests ? { byGuests: u.rateByGuests } : {}) });
  }
  if (noDeparture.size > 0) {
    warnings.push(`closed to departure not sent (AlpineBits has no per-date departure closure): ${[...noDeparture].slice(0, 5).join('; ')}${noDeparture.size > 5 ? ' …' : ''}`);
  }
  if (plans.size > 0) {
    const ratePlans = [...plans.entries()]
      .filter(([, p]) => p.bookingRules.length > 0 || p.rates.length > 0)
      // The channel's currency: channelViewOf converted the amounts into it (core/fx.ts).
      .map(([ratePlan, p]) => ({ ratePlan, currency: channelCurrency(property, channel), bookingRules: p.bookingRules, rates: p.rates }));
    if (ratePlans.length > 0) {
      const needs: string[] = [HANDSHAKE_CAPABILITIES.ratePlansOverlay];
      if (ratePlans.some((p) => p.bookingRules.length > 0)) needs.push(HANDSHAKE_CAPABILITIES.ratePlansRoomTypeBookingRule);
      if (ratePlans.some((p) => p.bookingRules.some((r) => r.closedToArrival))) needs.push(HANDSHAKE_CAPABILITIES.ratePlansArrivalDow);
      messages.push({ action: ALPINEBITS_ACTIONS.ratePlans, xml: renderRatePlans({ hotelCode, hotelName: property.name, ratePlans }), handshakeAction: HANDSHAKE_ACTIONS.ratePlans, needs });
    }
  }
  return { messages, warnings };
}

/** NumberOfGuests 1…maxOccupancy for each channel room code: the room price applies to every occupancy. */
function occupancies(property: Property, channel: ChannelConfig): (roomCode: string) => number[] {
  const byCode = new Map<string, number>();
  for (const [tidewater, code] of Object.entries(channel.roomTypes)) {
    const max = property.roomTypes.find((r) => r.code === tidewater)?.maxOccupancy ?? 2;
    byCode.set(code, Math.max(1, Math.min(max, 99)));
  }
  return (code) => Array.from({ length: byCode.get(code) ?? 2 }, (_, i) => i + 1);
}

async function handshake(context: ChannelContext): Promise<HandshakeData> {
  const { channel } = context;
  const key = `${channel.endpoint ?? ''}|${channel.credentials?.username ?? ''}`;
  const cached = handshakes.get(key);
  if (cached && Date.now() - cached.at < HANDSHAKE_TTL_MS) return cached.data;
  const data = (async () => {
    const response = await request(context, ALPINEBITS_ACTIONS.handshake, renderPingRequest(CLIENT_HANDSHAKE), (r) => {
      const answer = answerOf(r);
      if (answer.kind === 'error') throw new ChannelRejectedError(`AlpineBits handshake refused: ERROR:${answer.text}`, r.status, [answer.text]);
    });
    const ping = readPingResponse(response.data);
    if (ping.status === 'errors' || !ping.handshake) {
      const texts = ping.errors.map((e) => [e.code && `code ${e.code}`, e.text].filter(Boolean).join(' '));
      throw new ChannelRejectedError(`AlpineBits handshake answered Errors: ${texts.join('; ')}`, response.status, texts);
    }
    return ping.handshake;
  })();
  handshakes.set(key, { at: Date.now(), data });
  // A failed handshake is asked again on the next push, not remembered for ten minutes.
  data.catch(() => handshakes.delete(key));
  return data;
}

/** Forgets every remembered handshake (tests, or after a partner upgrade). */
export function forgetAlpineBitsHandshakes(): void {
  handshakes.clear();
}

async function post(context: ChannelContext, action: string, xml: string): Promise<string[]> {
  const warnings: string[] = [];
  await request(context, action, xml, (response) => {
    const answer = answerOf(response);
    if (answer.kind === 'error') throw new ChannelRejectedError(`partner answered ERROR:${answer.text}`, response.status, [answer.text]);
    if (answer.kind === 'rs') {
      const describe = (n: { type: string; code?: string; text?: string; shortText?: string }) => [`type ${n.type}`, n.code && `code ${n.code}`, n.shortText, n.text].filter(Boolean).join(' ');
      if (answer.response.status === 'errors') {
        const texts = answer.response.errors.map(describe);
        throw new ChannelRejectedError(`partner answered Errors: ${texts.join('; ')}`, response.status, texts);
      }
      warnings.push(...answer.response.warnings.map(describe));
    }
  });
  return warnings;
}

function answerOf(response: AxiosResponse<string>) {
  try {
    return readAlpineBitsAnswer(response.data);
  } catch (error) {
    throw new ChannelRejectedError(`unreadable AlpineBits answer: ${(error as Error).message}`, response.status);
  }
}

function request(context: ChannelContext, action: string, xml: string, checkBody: (response: AxiosResponse<string>) => void): Promise<AxiosResponse<string>> {
  const { channel } = context;
  const form = encodeMultipart({ action, request: xml });
  const clientId = typeof channel.settings?.clientId === 'string' ? channel.settings.clientId : `tidewater/${context.property.code}`;
  return sendWithRetry(
    {
      method: 'POST',
      url: channel.endpoint ?? '',
      data: form.body,
      headers: {
        'content-type': form.contentType,
        ...alpineBitsHeaders({ clientId }),
        ...(context.correlationId ? { 'x-correlation-id': context.correlationId } : {}),
      },
      ...(channel.credentials?.username !== undefined ? { auth: { username: channel.credentials.username, password: channel.credentials.password ?? '' } } : {}),
    },
    { ...deliveryOptions(channel), checkBody },
  );
}
