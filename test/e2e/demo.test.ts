import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import IORedis from 'ioredis';
import { childEnv, runCli, startCli, stopChild } from '../helpers/cli';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

interface DemoSummary {
  property: string;
  database: string;
  delivery: string;
  queuePrefix?: string;
  cellsPushed: number;
  cellsDelivered: number;
  syncLagMs: { p50: number | null; p99: number | null };
  bookings: { confirmed: number; soldOut: number; overbooked: number; deliveredToPms: number; lastRoom: { outcome: string } };
  safetyBuffer: { channel: string; engaged: boolean; lifted: boolean };
  incidents: { opened: number; resolved: number; byKind: Record<string, { opened: number; resolved: number }> };
  drift: Record<string, number>;
  reconcile: { findings: number; channels: Record<string, { source: string; findings: number; error?: string }> };
  soldInvariant: unknown;
}

/**
 * The story every run must tell, whoever wins the race for the last suite: the OTA first (the
 * direct guest is told sold out) or the direct guest first (the OTA's booking is overbooked).
 */
function expectTheStory(summary: DemoSummary): void {
  expect(summary.property).toBe('DEMO1');
  // A year of 3 room types (inventory) × 3 plans (rates), all delivered: every channel shows the ledger.
  expect(summary.cellsPushed).toBe(4380);
  expect(summary.cellsDelivered).toBeGreaterThan(10_000);
  expect(summary.drift).toEqual({ otax: 0, web: 0, gds: 0, alpine: 0 });
  expect(summary.soldInvariant).toBe('ok');
  // The hub's own reconciliation agrees, reading each ARI channel back rather than trusting its acknowledgements.
  expect(summary.reconcile.findings).toBe(0);
  for (const code of ['otax', 'web', 'gds', 'alpine']) expect(summary.reconcile.channels[code]).toEqual({ source: 'channel', cellsChecked: expect.any(Number), findings: 0 });
  expect(summary.syncLagMs.p50).toEqual(expect.any(Number));
  expect(summary.syncLagMs.p99).toBeGreaterThanOrEqual(summary.syncLagMs.p50 as number);

  const { bookings } = summary;
  expect(bookings.soldOut + bookings.overbooked).toBe(1);
  expect(bookings.lastRoom.outcome).toBe(bookings.soldOut === 1 ? 'sold-out' : 'overbooked');
  // The first direct guest always gets a suite; the OTA's booking is always taken (it is sold already).
  expect(bookings.confirmed).toBe(bookings.soldOut === 1 ? 2 : 3);
  expect(bookings.deliveredToPms).toBe(bookings.confirmed);

  expect(summary.safetyBuffer).toMatchObject({ channel: 'otax', engaged: true, lifted: true });
  expect(summary.incidents.byKind['critical-channel-failing']).toEqual({ opened: 1, resolved: 1 });
  expect(summary.incidents.byKind.overbooking?.opened ?? 0).toBe(bookings.overbooked);
}

/**
 * The README's first command, on the embedded default, on a real Postgres and with Redis. It exits
 * on its own only when it left nothing running (servers, workers, timers, database): a leak shows
 * up as a timeout here, not as a passing test.
 */
describe('tidewater demo', () => {
  let dataDir: string;
  let t: TestDatabase;
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'tidewater-demo-'));
    t = await createTestDatabase({ poolMax: 1 });
  });
  afterAll(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    await t.drop();
  });

  it.each([
    ['the embedded database (no DATABASE_URL, no REDIS_URL)', () => childEnv({ DATABASE_URL: undefined, REDIS_URL: undefined, TIDEWATER_DATA_DIR: dataDir })],
    ['a real Postgres (DATABASE_URL, no REDIS_URL)', () => childEnv({ DATABASE_URL: t.url, REDIS_URL: undefined })],
  ])(
    'runs to the end twice on %s, telling the same story each time',
    async (_name, env) => {
      for (let run = 0; run < 2; run++) {
        const result = await runCli(['demo'], env(), undefined, 150_000);
        expect({ run, code: result.code, stderr: result.code === 0 ? '' : result.stderr }).toEqual({ run, code: 0, stderr: '' });
        const summary = JSON.parse(result.stdout) as DemoSummary;
        expect(summary.delivery).toBe('in-process');
        expectTheStory(summary);
        // Progress and narration go to stderr, in plain lines when it is not a terminal.
        expect(result.stderr).toMatch(/delivering the year to every channel/);
        expect(result.stderr).toMatch(/^ +\d+\.\ds +otax [\d,]+\/[\d,]+ /m);
        expect(result.stderr).toMatch(/safety buffer engaged after/);
      }
    },
    300_000,
  );

  it(
    'with --keep on Postgres and Redis: stays up with the hub and channels reachable, stops cleanly on a signal and leaves no queue keys',
    async () => {
      const { child, match } = await startCli(['demo', '--keep'], childEnv({ DATABASE_URL: t.url, REDIS_URL }), /hub API +(http:\/\/127\.0\.0\.1:\d+)[^\n]*\n(?:[^\n]*\n)*? +otax +(http:\/\/127\.0\.0\.1:\d+)\/_view/, 150_000);
      let stdout = '';
      child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
      const [, hubUrl, otaUrl] = match as unknown as [string, string, string];
      expect((await fetch(`${hubUrl}/healthz`)).status).toBe(200);
      const view = (await (await fetch(`${otaUrl}/_view`)).json()) as { inventory: unknown[] };
      expect(view.inventory.length).toBeGreaterThan(1000);

      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      await stopChild(child);
      expect(await exited).toBe(0);
      const summary = JSON.parse(stdout) as DemoSummary;
      expect(summary.delivery).toBe('bullmq');
      expectTheStory(summary);
      const redis = new IORedis(REDIS_URL, { maxRetriesPerRequest: 1 });
      try {
        expect(await redis.keys(`${summary.queuePrefix as string}:*`)).toEqual([]);
      } finally {
        redis.disconnect();
      }
    },
    200_000,
  );
});
