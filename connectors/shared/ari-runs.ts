import type { AriUpdate } from '../../core/ari';
import { byGuestsText, compressRuns, type ChannelView } from '../../core/channel-view';
import { addDays } from '../../core/dates';
import type { ChannelConfig } from '../../core/property';

/**
 * A channel view as range updates in the channel's own codes: consecutive nights with equal values
 * become one update (one StatusApplicationControl), which is what keeps a year of one price small.
 */
export interface ChannelRuns {
  availability: AriUpdate[];
  restrictions: AriUpdate[];
  /** With `rateByGuests` where the channel gets prices per number of guests (keys "1", "2", …). */
  rates: AriUpdate[];
  /** Per `rates` entry (same index): the extra adult and child amounts, where the plan sets them. */
  supplements: Array<{ extraAdult?: string; extraChild?: string } | undefined>;
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
  // Nights run together only when every price per guest count and every supplement is equal too.
  const rateRuns = compressRuns(
    changes.rates.filter((c) => c.amount !== null),
    (c) => `${c.roomType}|${c.ratePlan}`,
    (c) => ({ amount: c.amount as string, byGuests: byGuestsText(c.byGuests), extraAdult: c.extraAdult ?? null, extraChild: c.extraChild ?? null }),
    nextDay,
  );
  const rates = rateRuns.map(
    (run): AriUpdate => ({
      roomType: roomCode(run.sample),
      ratePlan: planCode(run.sample),
      from: run.from,
      to: run.to,
      rate: run.value.amount,
      ...(run.sample.byGuests ? { rateByGuests: Object.fromEntries(Object.entries(run.sample.byGuests).map(([g, a]) => [String(g), a])) } : {}),
    }),
  );
  const supplements = rateRuns.map(({ sample }) =>
    sample.extraAdult !== undefined || sample.extraChild !== undefined
      ? { ...(sample.extraAdult !== undefined ? { extraAdult: sample.extraAdult } : {}), ...(sample.extraChild !== undefined ? { extraChild: sample.extraChild } : {}) }
      : undefined,
  );
  return { availability, restrictions, rates, supplements };
}
