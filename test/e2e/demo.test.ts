import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { childEnv, runCli } from '../helpers/cli';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

/** The README's first command, on the embedded default and on real Postgres. */
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
    ['the embedded database (no DATABASE_URL)', () => childEnv({ DATABASE_URL: undefined, REDIS_URL: undefined, TIDEWATER_DATA_DIR: dataDir })],
    ['a real Postgres (DATABASE_URL)', () => childEnv({ DATABASE_URL: t.url, REDIS_URL: undefined })],
  ])('runs to the end on %s and prints the summary', async (_name, env) => {
    for (let run = 0; run < 2; run++) {
      const result = await runCli(['demo'], env());
      expect({ code: result.code, stderr: result.code === 0 ? '' : result.stderr }).toEqual({ code: 0, stderr: '' });
      const summary = JSON.parse(result.stdout) as { bookingsConfirmed: number; bookingsSoldOut: number; cellsPushed: number };
      // Same story every run: the demo resets its own sample property.
      expect(summary).toMatchObject({ bookingsConfirmed: 2, bookingsSoldOut: 2 });
      expect(summary.cellsPushed).toBeGreaterThan(1000);
    }
  });
});
