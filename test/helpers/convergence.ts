import { channelViewOf } from '../../core/channel-view';
import type { Db } from '../../db/connection';
import { readLedgerView } from '../../db/ledger-view-repo';
import { parseSafetyBuffer } from '../../queues/channel-health';
import { requireProperty } from '../../services/property-service';
import type { SampleChannel } from '../../fixtures/channels/sample-channel';

/** What the channel should show for a range, in the channel's own codes, after buffers. */
export async function expectedChannelCells(db: Db, propertyCode: string, channelCode: string, from: string, to: string) {
  const stored = await requireProperty(db, propertyCode);
  const channel = stored.property.channels.find((c) => c.code === channelCode);
  if (!channel) throw new Error(`no channel ${channelCode}`);
  const days = await readLedgerView(db, stored, { from, to });
  const slice = {
    inventory: days.flatMap((d) => d.roomTypes.map((r) => ({ roomType: r.roomType, date: d.date, available: r.available }))),
    rates: days.flatMap((d) =>
      d.roomTypes.flatMap((r) =>
        r.ratePlans.map((p) => ({
          roomType: r.roomType,
          ratePlan: p.ratePlan,
          date: d.date,
          amount: p.rate,
          minStay: p.minStay,
          maxStay: p.maxStay,
          closedToArrival: p.closedToArrival,
          closedToDeparture: p.closedToDeparture,
          stopSell: p.stopSell,
        })),
      ),
    ),
  };
  const row = await db('properties').where({ code: propertyCode }).first<{ safety_buffer_rooms: unknown }>('safety_buffer_rooms');
  const safety = parseSafetyBuffer(row?.safety_buffer_rooms);
  const view = channelViewOf(stored.property, channel, slice, safety.channels.includes(channelCode) ? 0 : safety.percent);
  return {
    inventory: view.inventory.map((c) => ({ roomType: channel.roomTypes[c.roomType] as string, date: c.date, available: c.available })),
    rates: view.rates.map((c) => ({
      roomType: channel.roomTypes[c.roomType] as string,
      ratePlan: channel.ratePlans[c.ratePlan] as string,
      date: c.date,
      rate: c.amount,
      minStay: c.minStay,
      maxStay: c.maxStay,
      closedToArrival: c.closedToArrival,
      closedToDeparture: c.closedToDeparture,
      stopSell: c.stopSell,
    })),
  };
}

/** The cells where a sample channel's store differs from what it should show (empty when converged). */
export async function channelDrift(
  db: Db,
  propertyCode: string,
  channelCode: string,
  sample: SampleChannel,
  from: string,
  to: string,
  fields: 'all' | 'rates' = 'all',
): Promise<string[]> {
  const expected = await expectedChannelCells(db, propertyCode, channelCode, from, to);
  const drift: string[] = [];
  if (fields === 'rates') {
    for (const cell of expected.rates) {
      if (cell.rate === null) continue;
      const got = sample.store.rates.get(`${cell.roomType}|${cell.ratePlan}|${cell.date}`);
      if (got?.rate !== cell.rate) drift.push(`${cell.roomType}/${cell.ratePlan} ${cell.date} rate: ledger ${cell.rate}, channel ${got?.rate}`);
    }
    return drift;
  }
  for (const cell of expected.inventory) {
    const got = sample.store.inventory.get(`${cell.roomType}|${cell.date}`);
    // A night the ledger never changed from its default need not have been sent yet.
    if (got?.available !== cell.available) drift.push(`${cell.roomType} ${cell.date} available: ledger ${cell.available}, channel ${got?.available}`);
  }
  for (const cell of expected.rates) {
    if (cell.rate === null && !cell.stopSell && !cell.closedToArrival && !cell.closedToDeparture && cell.minStay === null && cell.maxStay === null) continue;
    const got = sample.store.rates.get(`${cell.roomType}|${cell.ratePlan}|${cell.date}`);
    const { roomType: _r, ratePlan: _p, date: _d, ...want } = cell;
    const have = got ? { rate: got.rate, minStay: got.minStay, maxStay: got.maxStay, closedToArrival: got.closedToArrival, closedToDeparture: got.closedToDeparture, stopSell: got.stopSell } : undefined;
    if (JSON.stringify(have) !== JSON.stringify(want)) drift.push(`${cell.roomType}/${cell.ratePlan} ${cell.date}: ledger ${JSON.stringify(want)}, channel ${JSON.stringify(have)}`);
  }
  return drift;
}

export async function waitFor<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (!done(last)) {
    if (Date.now() > deadline) return last;
    await new Promise((r) => setTimeout(r, intervalMs));
    last = await probe();
  }
  return last;
}
