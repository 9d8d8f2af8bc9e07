import path from 'node:path';
import { readFileSync } from 'node:fs';
import { childEnv, runCli, startCli, stopChild } from '../helpers/cli';
import { FIXTURES_DIR } from '../helpers/fixtures';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

/** The README's walkthrough, with the real binary: migrate, key, serve, PUT property, POST ARI, GET the ledger. */
describe('tidewater CLI against a real Postgres', () => {
  let t: TestDatabase;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    t = await createTestDatabase({ poolMax: 2 });
    env = childEnv({ DATABASE_URL: t.url, REDIS_URL: undefined });
  });
  afterAll(() => t.drop());

  it('migrate is idempotent', async () => {
    const first = await runCli(['migrate'], env);
    expect(first).toMatchObject({ code: 0, stdout: 'already up to date\n' });
  });

  it('serves the contract walkthrough', async () => {
    const key = await runCli(['keys', 'create', '--property', 'AMS01', '--role', 'pms'], env);
    expect(key.code).toBe(0);
    const apiKey = key.stdout.trim();
    expect(apiKey).toMatch(/^tw_pms_/);
    const stored = await t.db('api_keys').select('key_hash');
    expect(JSON.stringify(stored)).not.toContain(apiKey);

    const { child, match } = await startCli(['serve', '--port', '0', '--host', '127.0.0.1'], env, /listening on (http:\/\/\S+)/);
    try {
      const base = match[1] as string;
      const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
      const put = await fetch(`${base}/v1/properties/AMS01`, {
        method: 'PUT',
        headers,
        body: readFileSync(path.join(FIXTURES_DIR, 'properties/canal-house.json')),
      });
      expect(put.status).toBe(201);
      const post = await fetch(`${base}/v1/properties/AMS01/ari`, {
        method: 'POST',
        headers,
        body: readFileSync(path.join(FIXTURES_DIR, 'ari/canal-house-march.json')),
      });
      expect(post.status).toBe(200);
      expect(await post.json()).toEqual({ version: 1, cells: 70 });
      const view = await fetch(`${base}/v1/properties/AMS01/ari?from=2027-03-06&to=2027-03-06`, { headers });
      const body = (await view.json()) as { days: Array<{ roomTypes: Array<{ available: number; ratePlans: Array<{ rate: string }> }> }> };
      expect(body.days[0]?.roomTypes[0]).toMatchObject({ available: 7, ratePlans: [{ rate: '129.00' }, { rate: '116.10' }] });
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    } finally {
      await stopChild(child);
    }
  });

  it('property import prints what changed; bad documents exit 1 with the field', async () => {
    const file = path.join(FIXTURES_DIR, 'properties/harbour-view.json');
    const created = await runCli(['property', 'import', file], env);
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('DEMO1: created');
    const again = await runCli(['property', 'import', file], env);
    expect(again.stdout).toBe('DEMO1: updated\n  no changes\n');

    const bad = await runCli(['property', 'import', '-'], env, JSON.stringify({ code: 'X1', name: 'x', timezone: 'Nowhere/Land', currency: 'EUR', roomTypes: [] }));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('/timezone');
    expect(bad.stderr).toContain('/roomTypes');
  });

  it('explains itself with --help and refuses unknown commands', async () => {
    const help = await runCli(['--help'], env);
    expect(help.code).toBe(0);
    for (const command of ['migrate', 'serve', 'property', 'keys', 'demo']) expect(help.stdout).toContain(command);
    const unknown = await runCli(['frobnicate'], env);
    expect(unknown.code).not.toBe(0);
  });
});
