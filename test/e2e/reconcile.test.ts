import { randomUUID } from 'node:crypto';
import { silentLogger } from '../../config/logger';
import { addDays } from '../../core/dates';
import { countDirtyRanges } from '../../db/sync-repo';
import { startDistribution } from '../../queues/distributor';
import { applyAriBatch } from '../../services/ari-service';
import { reconcileProperty } from '../../services/reconcile-service';
import type { SampleChannel } from '../../fixtures/channels/sample-channel';
import { childEnv, runCli } from '../helpers/cli';
import { waitFor } from '../helpers/convergence';
import { distributionProperty, ROOM_TYPES, startSampleChannels, type SampleChannels } from '../helpers/channels';
import { seedProperty } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const FROM = '2027-04-01';
const TO = addDays(FROM, 59);

/** Issue 6, acceptance 1: 1,000 random drifts in the channels' views; reconcile finds exactly them; --fix leaves none. */
describe('reconciliation', () => {
  let t: TestDatabase;
  let channels: SampleChannels & { urls?: string[] };

  beforeAll(async () => {
    t = await createTestDatabase({ poolMax: 10 });
    channels = await startSampleChannels();
    const urls = (channels as unknown as { urls: string[] }).urls;
    const doc = distributionProperty('RECO', urls);
    // The OTA and GDS samples can show their own view (like an extranet export); the booking engine answers GET /ari.
    doc.channels = doc.channels?.map((c) => (c.code === 'otax' ? { ...c, settings: { ...c.settings, viewEndpoint: `${urls[0]}/_view` } } : c.code === 'gds' ? { ...c, settings: { ...c.settings, viewEndpoint: `${urls[2]}/_view` } } : c));
    await seedProperty(t.db, doc);
    await applyAriBatch(t.db, 'RECO', {
      updates: ROOM_TYPES.flatMap((roomType, i) => [
        { roomType, from: FROM, to: TO, available: 3 + i },
        { roomType, ratePlan: 'BAR', from: FROM, to: TO, rate: `${120 + i * 10}.00`, minStay: 1 },
        ...(roomType === 'DBL' || roomType === 'SGL' ? [{ roomType, ratePlan: 'CORP', from: FROM, to: TO, rate: `${99 + i}.00` }] : []),
      ]),
    });
    const distribution = startDistribution({ db: t.db, logger: silentLogger, redisUrl: REDIS_URL, queuePrefix: `tw-reco-${randomUUID()}`, listenUrl: t.url, pollMs: 100, sweepMs: 300 });
    await waitFor(() => countDirtyRanges(t.db), (n) => n === 0, 90_000, 100);
    await distribution.stop();
  });
  afterAll(async () => {
    await channels.close();
    await t.drop();
  });

  const keysOf = (result: Awaited<ReturnType<typeof reconcileProperty>>) =>
    new Set(result.channels.flatMap((c) => c.findings.map((f) => `${c.channel}|${f.date}|${f.roomType}|${f.ratePlan ?? ''}|${f.field}`)));

  it('starts clean', async () => {
    const result = await reconcileProperty(t.db, 'RECO', { from: FROM, to: TO });
    expect(result.channels.map((c) => [c.channel, c.source, c.findings.length, c.error])).toEqual([
      ['otax', 'channel', 0, undefined],
      ['web', 'channel', 0, undefined],
      ['gds', 'channel', 0, undefined],
    ]);
  });

  it('finds every one of 1,000 injected drifts and nothing else; --fix leaves 0 drift', async () => {
    // mulberry32: the low bits of a power-of-two LCG cycle too fast for picking among a few choices.
    let seed = 99;
    const rnd = (n: number) => {
      seed = (seed + 0x6d2b79f5) >>> 0;
      let x = seed;
      x = Math.imul(x ^ (x >>> 15), x | 1);
      x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
      return Math.floor((((x ^ (x >>> 14)) >>> 0) / 4294967296) * n);
    };
    // Tidewater code → channel code, per channel, to find the cells in the samples' stores.
    const stored = await t.db('properties').where({ code: 'RECO' }).first<{ document: { channels: Array<{ code: string; roomTypes: Record<string, string>; ratePlans: Record<string, string> }> } }>('document');
    const mapping = new Map((stored?.document.channels ?? []).map((c) => [c.code, c]));
    const injected = new Set<string>();
    const targets: Array<[string, SampleChannel, 'all' | 'rates']> = channels.all;
    for (let guard = 0; injected.size < 1000; guard++) {
      if (guard > 100_000) throw new Error(`could only inject ${injected.size} distinct drifts`);
      const [code, sample, fields] = targets[rnd(targets.length)] as [string, SampleChannel, 'all' | 'rates'];
      const map = mapping.get(code);
      if (!map) continue;
      const date = addDays(FROM, rnd(60));
      const ours = Object.keys(map.roomTypes);
      const roomType = ours[rnd(ours.length)] as string;
      const theirRoom = map.roomTypes[roomType] as string;
      const kind = fields === 'rates' ? 3 : rnd(5);
      if (kind <= 1) {
        const key = `${code}|${date}|${roomType}||available`;
        if (injected.has(key)) continue;
        const cellKey = `${theirRoom}|${date}`;
        const cell = sample.store.inventory.get(cellKey);
        if (!cell) continue;
        // 0: a value changed on the extranet; 1: a night missing (or a room unmapped there).
        if (kind === 0) sample.store.inventory.set(cellKey, { ...cell, available: cell.available + 1 + rnd(3) });
        else sample.store.inventory.delete(cellKey);
        injected.add(key);
      } else {
        const plans = Object.keys(map.ratePlans);
        const ratePlan = plans[rnd(plans.length)] as string;
        const cellKey = `${theirRoom}|${map.ratePlans[ratePlan]}|${date}`;
        const cell = sample.store.rates.get(cellKey);
        if (!cell || cell.rate === null) continue;
        const field = kind === 4 ? 'stopSell' : 'rate';
        const key = `${code}|${date}|${roomType}|${ratePlan}|${field}`;
        if (injected.has(key)) continue;
        if (field === 'rate') sample.store.rates.set(cellKey, { ...cell, rate: (Number(cell.rate) + 1 + rnd(50)).toFixed(2) });
        else sample.store.rates.set(cellKey, { ...cell, stopSell: !cell.stopSell });
        injected.add(key);
      }
    }

    const result = await reconcileProperty(t.db, 'RECO', { from: FROM, to: TO });
    const found = keysOf(result);
    const missed = [...injected].filter((k) => !found.has(k));
    const extra = [...found].filter((k) => !injected.has(k));
    expect({ missed: missed.slice(0, 5), extra: extra.slice(0, 5), found: found.size }).toEqual({ missed: [], extra: [], found: 1000 });

    const env = childEnv({ DATABASE_URL: t.url, REDIS_URL: undefined });
    const drifted = await runCli(['reconcile', '--property', 'RECO', '--from', FROM, '--to', TO, '--format', 'csv'], env);
    expect(drifted.code).toBe(1);
    expect(drifted.stdout.trim().split('\n')).toHaveLength(1001);
    const fixed = await runCli(['reconcile', '--property', 'RECO', '--from', FROM, '--to', TO, '--fix'], env);
    expect({ code: fixed.code, stderr: fixed.code === 0 ? '' : fixed.stderr }).toEqual({ code: 0, stderr: '' });
    const after = await reconcileProperty(t.db, 'RECO', { from: FROM, to: TO });
    expect(after.findings).toBe(0);
    expect(await t.db('reconciliation_runs').count<{ c: number }[]>({ c: '*' })).toEqual([{ c: 6 }]);
  });
});
