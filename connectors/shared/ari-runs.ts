import type { AriUpdate } from '../../core/ari';
import { compressRuns, type ChannelView } from '../../core/channel-view';
import { addDays } from '../../core/dates';
import type { ChannelConfig } from '../../core/property';

/**
 * A channel view as range updates in the channel's own codes: consecutive nights with equal values
 * become one update (one StatusApplicationControl), which is what keeps a year of one price small.
 */
export interface ChannelRuns {
  availability: AriUpdate[];
  restrictions: AriUpdate[];
  rates: AriUpdate[];
}

export function toChannelRuns(channel: ChannelConfig, changes: ChannelView): ChannelRuns {
  const nextDay = (d: string) => addDays(d, 1);
  const roomCode = (c: { roomType: string }) => channel.roomTypes[c.roomType] as string;
  const planCode = (c: { ratePlan: string }) => channel.ratePlans[c.ratePlan] as string;
  const availability = compressRuns(changes.inventory, (c) => c.roomType, (c) => c.available, nextDay).map(
    (run): AriUpdate => ({ roomType: roomCode(run.sample), from: run.from, to: run.to, available: run.value }),
  );
  const restrictions = compressRuns(
    changes.rates,
    (c) => `${c.roomType}|${c.ratePlan}`,
    (c) => ({ minStay: c.minStay, maxStay: c.maxStay, closedToArrival: c.closedToArrival, closedToDeparture: c.closedToDeparture, stopSell: c.stopSell }),
    nextDay,
  ).map((run): AriUpdate => ({ roomType: roomCode(run.sample), ratePlan: planCode(run.sample), from: run.from, to: run.to, ...run.value }));
  const rates = compressRuns(
    changes.rates.filter((c) => c.amount !== null),
    (c) => `${c.roomType}|${c.ratePlan}`,
    (c) => c.amount as string,
    nextDay,
  ).map((run): AriUpdate => ({ roomType: roomCode(run.sample), ratePlan: planCode(run.sample), from: run.from, to: run.to, rate: run.value }));
  return { availability, restrictions, rates };
}
