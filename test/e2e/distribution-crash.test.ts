import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { addDays } from '../../core/dates';
import { applyAriBatch } from '../../services/ari-service';
import { childEnv, startCli, stopChild } from '../helpers/cli';
import { channelDrift, waitFor } from '../helpers/convergence';
import { distributionProperty, ROOM_TYPES, startSampleChannels, type SampleChannels } from '../helpers/channels';
import { seedProperty } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const FROM = '2027-04-01';
const TO = addDays(FROM, 179);

/** `kill -9` of a real `tidewater worker` process in the middle of delivery loses nothing. */
describe('worker killed mid-delivery', () => {
  let t: TestDatabase;
  let channels: SampleChannels & { urls?: string[] };
  let env: NodeJS.ProcessEnv;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    t = await createTestDatabase({ poolMax: 5 });
    channels = await startSampleChannels();
    await seedProperty(t.db, distributionProperty('CRSH', (channels as unknown as { urls: string[] }).urls, { maxCellsPerMessage: 60 }));
    env = childEnv({
      DATABASE_URL: t.url,
      REDIS_URL,
      TIDEWATER_QUEUE_PREFIX: `tw-crash-${randomUUID()}`,
      TIDEWATER_CHANNEL_LEASE_MS: '2000',
      LOG_LEVEL: 'error',
    });
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => stopChild(w)));
    await channels.close();
    await t.drop();
  });

  const drift = async () => {
    const out: string[] = [];
    for (const [code, sample, fields] of channels.all) out.push(...(await channelDrift(t.db, 'CRSH', code, sample, FROM, TO, fields)));
    return out;
  };

  it('converges after a restart, with nothing lost', async () => {
    // Slow channels, so that the worker is surely in the middle of delivering when it dies.
    for (const [, sample] of channels.all) sample.faults = { ...sample.faults, latencyMs: 40 };
    const first = await startCli(['worker', '--concurrency', '4'], env, /worker running/);
    workers.push(first.child);
    // Values change every few nights, so the channels need many messages (60 cells each at most).
    const updates: unknown[] = [];
    ROOM_TYPES.forEach((roomType, i) => {
      for (let k = 0; k < 18; k++) {
        updates.push({ roomType, ratePlan: 'BAR', from: addDays(FROM, k * 10), to: addDays(FROM, k * 10 + 9), rate: `${100 + i * 7 + k}.00` });
      }
      for (let k = 0; k < 36; k++) updates.push({ roomType, from: addDays(FROM, k * 5), to: addDays(FROM, k * 5 + 4), available: (k + i) % 7 });
    });
    await applyAriBatch(t.db, 'CRSH', { updates });
    await waitFor(async () => channels.ota.stats.accepted, (n) => n >= 2, 30_000, 20);
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    const partial = await drift();
    expect(partial.length).toBeGreaterThan(0);

    // Changes keep arriving while no worker runs: they wait in the outbox.
    await applyAriBatch(t.db, 'CRSH', { updates: [{ roomType: 'DBL', from: FROM, to: addDays(FROM, 20), available: 3 }] });
    for (const [, sample] of channels.all) sample.faults = { ...sample.faults, latencyMs: 0 };

    const second = await startCli(['worker'], env, /worker running/);
    workers.push(second.child);
    const remaining = await waitFor(drift, (d) => d.length === 0, 90_000, 250);
    expect(remaining).toEqual([]);
  });
});
