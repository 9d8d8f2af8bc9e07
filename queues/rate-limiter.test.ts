import { randomUUID } from 'node:crypto';
import IORedis from 'ioredis';
import { SharedChannelPacer } from './rate-limiter';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Slots are compared, never wall-clock durations: no timing assertions in tests. */
describe('SharedChannelPacer', () => {
  const connections: IORedis[] = [];
  const connect = (url = REDIS_URL) => {
    const c = new IORedis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: url !== REDIS_URL });
    c.on('error', () => undefined);
    connections.push(c);
    return c;
  };
  afterAll(() => connections.forEach((c) => c.disconnect()));

  it('spaces the slots of one channel across two worker processes by the channel rate', async () => {
    const prefix = `tw-pace-${randomUUID()}`;
    const [a, b] = [new SharedChannelPacer(connect(), prefix), new SharedChannelPacer(connect(), prefix)];
    await Promise.all(connections.map((c) => (c.status === 'ready' ? undefined : new Promise((r) => c.once('ready', r)))));
    const now = 1_900_000_000_000;
    const slots: number[] = [];
    // Worker A sends 5 requests, the channel moves to worker B, which sends 5 more in the same second.
    for (let i = 0; i < 5; i++) slots.push(await a.book('channel:7', 10, now));
    for (let i = 0; i < 5; i++) slots.push(await b.book('channel:7', 10, now + 50));
    expect(slots).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900].map((ms) => now + ms));
    // Another channel has its own budget.
    expect(await b.book('channel:8', 10, now)).toBe(now);
    // Once the booked slots are in the past, a request goes at once.
    expect(await a.book('channel:7', 10, now + 5_000)).toBe(now + 5_000);
  });

  it('falls back to pacing within the process when Redis does not answer', async () => {
    const pacer = new SharedChannelPacer(connect('redis://127.0.0.1:1'), `tw-pace-${randomUUID()}`);
    const now = 1_900_000_000_000;
    expect([await pacer.book('channel:1', 4, now), await pacer.book('channel:1', 4, now), await pacer.book('channel:1', 4, now)]).toEqual([now, now + 250, now + 500]);
  });
});
