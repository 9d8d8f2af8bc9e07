import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import IORedis from 'ioredis';
import { addDays } from '../../core/dates';
import { driftOf, expectedChannelCells, readDriftBasis } from '../../fixtures/channels/drift';
import type { SampleChannel } from '../../fixtures/channels/sample-channel';
import { childEnv, startCli, stopChild } from '../helpers/cli';
import { waitFor } from '../helpers/convergence';
import { distributionProperty, ROOM_TYPES, startSampleChannels, type SampleChannels } from '../helpers/channels';
import { keyFor, seedProperty } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PROPERTIES = ['SCA', 'SCB', 'SCC', 'SCD'] as const;
// Past the year a property import marks dirty: every write in this range comes
// from the ARI below.
const FROM = '2028-01-01';
const TO = addDays(FROM, 119);
const MAX_CELLS = 60;
const LEASE_MS = 3000;

/**
 * Issue 8, scale-out: three `tidewater worker` processes and one API process (`serve --no-workers`)
 * on one Postgres and one Redis; ARI arrives over HTTP for 4 properties × 3 sample channels.
 *
 * "Exactly once per channel" is checked on the channels' side, by two counts the sample channels keep:
 *  - no overlap: no channel ever has two requests in flight at once (the lease admits one sender);
 *  - no repeat: a channel is told a given cell with given values at most once. A write is keyed by
 *    channel, cell and the values the message carried (an OTA learns a rate cell in two writes:
 *    restrictions, then price). Each phase of the test gives every cell it touches values no earlier
 *    phase used, so a legitimate resend (the ledger changed) never looks like a repeat.
 *  The one allowed exception is the kill -9: the message the killed worker had on its way may have
 *  reached the channel without its acknowledgement being recorded, so the next worker sends those
 *  cells again. That is at most one message (≤ 60 cells, ≤ 120 writes for an OTA) on each channel
 *  the killed worker held a lease on when it died, and on no other channel; the channel stores the
 *  same values again, which is harmless.
 */
describe('scale-out: 3 workers and an API process', () => {
  let t: TestDatabase;
  const channels = new Map<string, SampleChannels>();
  const keys = new Map<string, string>();
  const prefix = `tw-scale-${randomUUID()}`;
  let env: NodeJS.ProcessEnv;
  let api: ChildProcess | undefined;
  let apiUrl = '';
  const workers: Worker[] = [];

  beforeAll(async () => {
    t = await createTestDatabase({ poolMax: 5 });
    for (const code of PROPERTIES) {
      const sample = await startSampleChannels();
      channels.set(code, sample);
      const urls = (sample as unknown as { urls: string[] }).urls;
      await seedProperty(t.db, distributionProperty(code, urls, { maxCellsPerMessage: MAX_CELLS, requestsPerSecond: 200, timeoutMs: 10_000 }));
      keys.set(code, await keyFor(t.db, code, 'pms'));
    }
    // The import marks a year dirty on every channel (to push what the ledger holds): a thousand
    // messages unrelated to this test, to channels that hold nothing in the test's range anyway.
    await t.db('channel_dirty_ranges').delete();
    env = childEnv({
      DATABASE_URL: t.url,
      REDIS_URL,
      TIDEWATER_QUEUE_PREFIX: prefix,
      TIDEWATER_CHANNEL_LEASE_MS: String(LEASE_MS),
      TIDEWATER_DRAIN_DELAY_MS: '0',
      LOG_LEVEL: 'warn',
    });
  });
  afterAll(async () => {
    await Promise.all([...workers.map((w) => stopChild(w.child)), ...(api ? [stopChild(api)] : [])]);
    await Promise.all([...channels.values()].map((c) => c.close()));
    await t.drop();
    await deleteQueueKeys(prefix);
  });

  const allChannels = () => [...channels].flatMap(([property, sample]) => sample.all.map(([code, channel, fields]) => ({ property, code, channel, fields })));

  /** Every cell, on every channel, where the channel differs from the ledger. */
  const drift = async (): Promise<string[]> => {
    const out: string[] = [];
    for (const [property, sample] of channels) {
      const basis = await readDriftBasis(t.db, property, FROM, TO);
      for (const [code, channel, fields] of sample.all) {
        const config = basis.property.channels.find((c) => c.code === code);
        if (!config) throw new Error(`no channel ${code}`);
        out.push(...driftOf(expectedChannelCells(basis, config), channel.store, fields).drift.map((d) => `${property}/${code}: ${d}`));
      }
    }
    return out;
  };
  const converge = async (timeoutMs: number) => {
    const left = await waitFor(drift, (d) => d.length === 0, timeoutMs, 500);
    expect(left.slice(0, 10)).toEqual([]);
  };

  /** One phase of ARI over HTTP: each property in two requests; every cell gets values of this phase only. */
  const pushPhase = async (phase: number, to: string) => {
    const requests = PROPERTIES.flatMap((property) =>
      [ROOM_TYPES.slice(0, 3), ROOM_TYPES.slice(3)].map((roomTypes) => ({
        property,
        updates: roomTypes.flatMap((roomType) => {
          const i = ROOM_TYPES.indexOf(roomType);
          return [
            { roomType, from: FROM, to, available: 2 * phase },
            { roomType, ratePlan: 'BAR', from: FROM, to, rate: `${100 * phase + 10 * i}.00`, minStay: phase },
            ...(roomType === 'DBL' || roomType === 'SGL' ? [{ roomType, ratePlan: 'CORP', from: FROM, to, rate: `${100 * phase + 5 + i}.00`, minStay: phase }] : []),
          ];
        }),
      })),
    );
    await Promise.all(
      requests.map(async ({ property, updates }) => {
        const response = await fetch(`${apiUrl}/v1/properties/${property}/ari`, {
          method: 'POST',
          headers: { authorization: `Bearer ${keys.get(property) ?? ''}`, 'content-type': 'application/json' },
          body: JSON.stringify({ updates }),
        });
        expect({ property, status: response.status }).toEqual({ property, status: 200 });
      }),
    );
  };

  it('delivers every change exactly once per channel, spread over the workers, and survives a kill -9', async () => {
    const [serve, ...started] = await Promise.all([
      startCli(['serve', '--no-workers', '--port', '0', '--host', '127.0.0.1'], env, /listening on (http:\/\/[\d.:]+)/),
      ...[1, 2, 3].map(() => startWorker({ ...env, LOG_LEVEL: 'info' })),
    ]);
    api = serve.child;
    apiUrl = serve.match[1] as string;
    workers.push(...started);
    for (const c of allChannels()) c.channel.faults = { ...c.channel.faults, latencyMs: 20 };

    // Phase 1: all three workers.
    await pushPhase(1, TO);
    await converge(45_000);
    expect(overlapping()).toEqual([]);
    expect(repeatedWrites()).toEqual([]);
    // Spread: counted from each worker's own log of what it delivered.
    const deliveredBy = workers.map((w) => deliveries(w).length);
    process.stderr.write(`scale-out: deliveries per worker after phase 1: ${deliveredBy.join(', ')}\n`);
    expect(deliveredBy.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);

    // Phase 2: kill -9 a worker while it holds a channel, i.e. in the middle of a sync.
    const writesBefore = totalWrites();
    await pushPhase(2, TO);
    const holder = await waitFor(
      async () => {
        if (totalWrites() < writesBefore + 200) return undefined;
        const owners = await t.db('channels').whereNotNull('sync_lease_owner').pluck<string[]>('sync_lease_owner');
        const found = workers.find((w) => owners.some((o) => o.startsWith(`worker-${w.child.pid}-`)));
        // At once, in the same turn: the lease just read must still be held when the process dies.
        found?.child.kill('SIGKILL');
        return found;
      },
      (w) => w !== undefined,
      30_000,
      5,
    );
    expect(holder).toBeDefined();
    const victim = holder as Worker;
    await new Promise((resolve) => (victim.child.exitCode !== null || victim.child.signalCode !== null ? resolve(undefined) : victim.child.once('exit', resolve)));
    const killedAt = Date.now();
    // What it held when it died: its leases are still in place (they run out after LEASE_MS).
    const held = await t
      .db('channels as c')
      .join('properties as p', 'p.id', 'c.property_id')
      .where('c.sync_lease_owner', 'like', `worker-${victim.child.pid}-%`)
      .select<Array<{ property: string; code: string }>>('p.code as property', 'c.code as code');
    expect(held.length).toBeGreaterThan(0);
    const survivors = workers.filter((w) => w !== victim);
    const survivorsBefore = survivors.map((w) => deliveries(w).length);

    // Phase 3 arrives with one worker dead, over the first half of the range.
    await pushPhase(3, addDays(FROM, 59));
    await converge(60_000);
    const repeats = repeatedWrites();
    process.stderr.write(
      `scale-out: killed worker held ${held.map((h) => `${h.property}/${h.code}`).join(', ')}; converged ${Date.now() - killedAt} ms after the kill; ` +
        `repeated writes: ${repeats.map((r) => `${r.channel} ${r.writes}`).join(', ') || 'none'}\n`,
    );

    expect(overlapping()).toEqual([]);
    const heldKeys = new Set(held.map((h) => `${h.property}/${h.code}`));
    // Only on a channel the killed worker was syncing, and no more than the one message it had on its way.
    expect(repeats.filter((r) => !heldKeys.has(r.channel))).toEqual([]);
    for (const r of repeats) expect(r.writes).toBeLessThanOrEqual(2 * MAX_CELLS);
    // The two survivors did the rest.
    expect(survivors.map((w, i) => deliveries(w).length - (survivorsBefore[i] ?? 0)).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    for (const w of survivors) {
      await stopChild(w.child);
      expect(w.child.exitCode).toBe(0);
    }
  });

  /** Channels that ever had two requests in flight at once. */
  function overlapping(): string[] {
    return allChannels()
      .filter((c) => c.channel.stats.maxInFlight > 1)
      .map((c) => `${c.property}/${c.code}: ${c.channel.stats.maxInFlight} at once`);
  }

  /** Per channel, the writes of the test range made more than once (cell and values alike). */
  function repeatedWrites(): Array<{ channel: string; writes: number; sample: string[] }> {
    return allChannels()
      .map((c) => {
        const repeated = [...writesInRange(c.channel)].filter(([, n]) => n > 1).map(([key]) => key);
        return { channel: `${c.property}/${c.code}`, writes: repeated.length, sample: repeated.slice(0, 3) };
      })
      .filter((r) => r.writes > 0);
  }

  function totalWrites(): number {
    return allChannels().reduce((n, c) => n + writesInRange(c.channel).size, 0);
  }
});

interface Worker {
  child: ChildProcess;
  stderr(): string;
}

async function startWorker(env: NodeJS.ProcessEnv): Promise<Worker> {
  const { child, match } = await startCli(['worker', '--concurrency', '3'], env, /worker running/);
  let output = match.input ?? '';
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  return { child, stderr: () => output };
}

/** What a worker's log says it delivered (one line per channel sync that sent something). */
function deliveries(worker: Worker): Array<Record<string, unknown>> {
  return worker
    .stderr()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.msg === 'delivered to channel');
}

function writesInRange(sample: SampleChannel): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, n] of sample.store.writes) {
    const date = /"date":"(\d{4}-\d{2}-\d{2})"/.exec(key)?.[1];
    if (date !== undefined && date >= FROM && date <= TO) out.set(key, n);
  }
  return out;
}

/** The queue's keys in Redis, so test runs leave nothing behind. */
async function deleteQueueKeys(prefix: string): Promise<void> {
  const redis = new IORedis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}
