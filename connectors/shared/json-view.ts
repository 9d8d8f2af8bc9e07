import axios from 'axios';
import type { ChannelView } from '../../core/channel-view';
import type { ChannelConfig } from '../../core/property';
import { TransientChannelError } from '../types';

interface JsonViewPayload {
  inventory: Array<{ roomType: string; date: string; available: number }>;
  rates: Array<{ roomType: string; ratePlan: string; date: string; rate: string | null; minStay: number | null; maxStay: number | null; closedToArrival: boolean; closedToDeparture: boolean; stopSell: boolean; rateByGuests?: Record<string, string> | null; extraAdult?: string | null; extraChild?: string | null }>;
}

/** Prefix for a channel code no mapping knows: shown as drift (the channel sells something it should not). */
export const UNMAPPED = 'unmapped:';

/**
 * Reads a channel's own current view from a JSON endpoint (`settings.viewEndpoint`) in the
 * channel's codes — what extranets' "export availability" features and the sample channels'
 * GET /_view offer — and translates it back to Tidewater codes.
 */
export async function readJsonView(channel: ChannelConfig, range: { from: string; to: string }): Promise<ChannelView> {
  const url = channel.settings?.viewEndpoint;
  if (typeof url !== 'string') throw new Error(`channel ${channel.code} has no settings.viewEndpoint`);
  let payload: JsonViewPayload;
  try {
    const response = await axios.get<JsonViewPayload>(url, { timeout: 30_000, params: range });
    payload = response.data;
  } catch (error) {
    throw new TransientChannelError(`could not read the view of ${channel.code}: ${(error as Error).message}`);
  }
  const room = invert(channel.roomTypes);
  const plan = invert(channel.ratePlans);
  const inRange = (d: string) => d >= range.from && d <= range.to;
  return {
    inventory: payload.inventory.filter((c) => inRange(c.date)).map((c) => ({ roomType: room.get(c.roomType) ?? UNMAPPED + c.roomType, date: c.date, available: c.available })),
    rates: payload.rates
      .filter((c) => inRange(c.date))
      .map((c) => ({
        roomType: room.get(c.roomType) ?? UNMAPPED + c.roomType,
        ratePlan: plan.get(c.ratePlan) ?? UNMAPPED + c.ratePlan,
        date: c.date,
        amount: c.rate,
        minStay: c.minStay,
        maxStay: c.maxStay,
        closedToArrival: c.closedToArrival,
        closedToDeparture: c.closedToDeparture,
        stopSell: c.stopSell,
        // Per-guest prices where the channel shows them (the OTA sample's /_view does).
        ...(c.rateByGuests ? { byGuests: Object.fromEntries(Object.entries(c.rateByGuests).map(([g, a]) => [Number(g), a])) } : {}),
        ...(c.extraAdult != null ? { extraAdult: c.extraAdult } : {}),
        ...(c.extraChild != null ? { extraChild: c.extraChild } : {}),
      })),
  };
}

function invert(map: Record<string, string>): Map<string, string> {
  return new Map(Object.entries(map).map(([ours, theirs]) => [theirs, ours]));
}
