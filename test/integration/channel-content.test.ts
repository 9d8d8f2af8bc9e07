/**
 * The sync worker's side of a connector's descriptive content (queues/channel-content.ts) on a real
 * database: sent before the ARI when its fingerprint differs from the one stored on the channel,
 * and stored once settled (accepted, refused for good, skipped), not after a transient failure.
 */
import pino from 'pino';
import type { ChannelView } from '../../core/channel-view';
import { addDays } from '../../core/dates';
import type { PropertyDocument } from '../../core/property-document';
import { ChannelRejectedError, TransientChannelError, type ChannelConnector, type ContentPushResult } from '../../connectors/types';
import { markChannelsDirty, readContentFingerprint } from '../../db/sync-repo';
import { createDistributionMetrics } from '../../queues/metrics';
import { ChannelPacer } from '../../queues/rate-limiter';
import { syncChannel, type SyncDeps } from '../../queues/sync-channel';
import { applyAriBatch } from '../../services/ari-service';
import { seedProperty } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

const FROM = '2027-06-01';

const doc: PropertyDocument = {
  code: 'CNT',
  name: 'Content Inn',
  timezone: 'Europe/Rome',
  currency: 'EUR',
  roomTypes: [{ code: 'DBL', rooms: 4, maxOccupancy: 2 }],
  ratePlans: [{ code: 'BAR', roomTypes: ['DBL'] }],
  channels: [{ code: 'ab', type: 'alpinebits', endpoint: 'http://127.0.0.1:1/', critical: false, roomTypes: { DBL: 'DOUBLE' }, ratePlans: { BAR: 'BAR' }, buffer: { rooms: 0 } }],
};

describe('channel content in syncChannel', () => {
  let t: TestDatabase;
  let channelId: number;
  /** What the fake connector does; each test sets it. */
  let fingerprint = 'v1';
  let push: () => Promise<ContentPushResult>;
  const calls: string[] = [];
  const logs: Array<{ msg: string; reason?: string }> = [];

  const connector: ChannelConnector = {
    type: 'alpinebits',
    batchIntervalMs: 0,
    capabilities: () => ({ maxCellsPerMessage: 1000, requestsPerSecond: 0, canReadAri: false }),
    pushAri: async (_context, _changes: ChannelView) => {
      calls.push('ari');
      return { messages: 1, warnings: [] };
    },
    content: {
      fingerprint: () => fingerprint,
      push: async () => {
        calls.push('content');
        return push();
      },
    },
  };
  const deps = (): SyncDeps => ({
    db: t.db,
    logger: pino({ level: 'info' }, { write: (line: string) => logs.push(JSON.parse(line) as { msg: string; reason?: string }) }),
    metrics: createDistributionMetrics(),
    connectors: new Map([['alpinebits', connector]]),
    pacer: new ChannelPacer(),
    coalesceMs: 0,
  });
  let available = 0;
  /** One run after a ledger change, so that there is ARI to send each time. */
  const run = async () => {
    calls.length = 0;
    available = (available + 1) % 4;
    await applyAriBatch(t.db, 'CNT', { updates: [{ roomType: 'DBL', from: FROM, to: addDays(FROM, 2), available }] });
    await markChannelsDirty(t.db, [channelId], { from: FROM, to: addDays(FROM, 2) });
    return syncChannel(deps(), channelId);
  };
  const deadLetters = () => t.db('dead_letters').where({ channel_id: channelId }).pluck<string[]>('reason');

  beforeAll(async () => {
    t = await createTestDatabase({ poolMax: 4 });
    const stored = await seedProperty(t.db, doc);
    channelId = stored.channelIds.get('ab') as number;
  });
  afterAll(async () => t.drop());
  beforeEach(async () => {
    await t.db('channels').where({ id: channelId }).update({ content_fingerprint: null, next_attempt_at: null, consecutive_failures: 0 });
    await t.db('channel_dirty_ranges').where({ channel_id: channelId }).delete();
    await t.db('dead_letters').where({ channel_id: channelId }).delete();
    logs.length = 0;
    fingerprint = 'v1';
  });

  it('sends the content before the ARI on the first sync, not on the next, and again when it changed', async () => {
    push = async () => ({ status: 'accepted', messages: 1, warnings: [] });
    expect(await run()).toMatchObject({ status: 'synced' });
    expect(calls).toEqual(['content', 'ari']);
    expect(await readContentFingerprint(t.db, channelId)).toBe('v1');
    await run();
    expect(calls).toEqual(['ari']);
    fingerprint = 'v2';
    await run();
    expect(calls).toEqual(['content', 'ari']);
    expect(await readContentFingerprint(t.db, channelId)).toBe('v2');
  });

  it('a refusal is dead-lettered once and the ARI still goes out; a skip is logged once', async () => {
    push = async () => {
      throw new ChannelRejectedError('partner answered ERROR:no inventory here');
    };
    await run();
    expect(calls).toEqual(['content', 'ari']);
    await run();
    expect(calls).toEqual(['ari']);
    expect(await deadLetters()).toEqual(['content: partner answered ERROR:no inventory here']);

    fingerprint = 'v2';
    push = async () => ({ status: 'skipped', reason: 'the server does not take it' });
    await run();
    await run();
    expect(logs.filter((l) => l.msg === 'channel content not sent').map((l) => l.reason)).toEqual(['the server does not take it']);
  });

  it('a transient failure backs the channel off, stores nothing and sends no ARI; the next attempt sends the content', async () => {
    push = async () => {
      throw new TransientChannelError('timeout');
    };
    expect(await run()).toMatchObject({ status: 'backoff', error: 'timeout' });
    expect(calls).toEqual(['content']);
    expect(await readContentFingerprint(t.db, channelId)).toBeNull();
    await t.db('channels').where({ id: channelId }).update({ next_attempt_at: null });
    push = async () => ({ status: 'accepted', messages: 1, warnings: [] });
    await run();
    expect(calls).toEqual(['content', 'ari']);
  });
});
