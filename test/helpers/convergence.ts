import type { Db } from '../../db/connection';
import { channelDrift as driftOfSample, type DriftFields } from '../../fixtures/channels/drift';
import type { SampleChannel } from '../../fixtures/channels/sample-channel';

/** The cells where a sample channel's store differs from what it should show (empty when converged). */
export async function channelDrift(
  db: Db,
  propertyCode: string,
  channelCode: string,
  sample: SampleChannel,
  from: string,
  to: string,
  fields: DriftFields = 'all',
): Promise<string[]> {
  return (await driftOfSample(db, propertyCode, channelCode, sample.store, from, to, fields)).drift;
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
