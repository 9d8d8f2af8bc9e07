import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { addDays, todayIn } from '../../core/dates';
import { applyMarkup, convertAmount } from '../../core/money';
import { createDirectChannel } from '../../fixtures/channels/direct-channel';
import { createOtaXmlChannel } from '../../fixtures/channels/ota-xml-channel';
import { listen } from '../../fixtures/channels/sample-channel';
import { MISSING_EXCHANGE_RATE } from '../../db/fx-repo';
import { countDirtyRanges } from '../../db/sync-repo';
import { startDistribution, type Distribution } from '../../queues/distributor';
import { applyAriBatch } from '../../services/ari-service';
import { loadExchangeRates } from '../../services/fx-service';
import { requireProperty } from '../../services/property-service';
import { explainRateOf } from '../../services/rate-explain-service';
import { checkRateParity } from '../../services/rate-parity-service';
import { reconcileProperty } from '../../services/reconcile-service';
import { childEnv, runCli } from '../helpers/cli';
import { channelDrift, waitFor } from '../helpers/convergence';
import { distributionProperty, ROOM_TYPES } from '../helpers/channels';
import { seedProperty } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

/**
 * Issue 7: a property in EUR with an OTA selling in GBP (+10 % markup) at a loaded rate table, a
 * booking engine in EUR and a GDS in USD with no rate yet. Delivery, the drift check,
 * reconciliation, rate parity and rate explain all convert alike; the GDS is sent no price until
 * its rate is loaded through the real binary.
 */
describe('channels selling in another currency', () => {
  const today = todayIn('Europe/Berlin');
  const last = addDays(today, 29);
  // A season row: nights from it on convert at 0.80, nights before at the older row's 0.8563.
  const season = addDays(today, 10);
  const logs: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(line) });
  const ota = createOtaXmlChannel({ hotelCode: '998877', username: 'u', password: 'p', seed: 1 });
  const direct = createDirectChannel({ secret: 'hook-secret', seed: 2 });
  const gds = createOtaXmlChannel({ hotelCode: 'GDS998877', username: 'g', password: 'q', seed: 3 });
  const dir = mkdtempSync(path.join(tmpdir(), 'tw-fx-'));
  let t: TestDatabase;
  let servers: Array<{ url: string; close(): Promise<void> }>;
  let distribution: Distribution;
  let env: NodeJS.ProcessEnv;

  // Nothing left to relay from the outbox and nothing dirty: every channel has been sent what it should show.
  const pending = async () => Number((await t.db('outbox').whereNull('published_at').count<{ n: string }[]>({ n: '*' }))[0]?.n ?? 0) + (await countDirtyRanges(t.db));
  const settled = () => waitFor(pending, (n) => n === 0, 90_000, 100);
  const openIncidents = () => t.db('incidents').where({ kind: MISSING_EXCHANGE_RATE, status: 'open' }).select<Array<{ details: Record<string, unknown> }>>('details');

  beforeAll(async () => {
    t = await createTestDatabase({ poolMax: 10 });
    env = childEnv({ DATABASE_URL: t.url, REDIS_URL: undefined });
    servers = await Promise.all([listen(ota.app), listen(direct.app), listen(gds.app)]);
    const urls = servers.map((s) => s.url);
    const doc = distributionProperty('CUR1', urls);
    doc.channels = doc.channels?.map((c) =>
      c.code === 'otax'
        ? { ...c, currency: 'GBP', markup: { percent: '10' }, settings: { ...c.settings, viewEndpoint: `${urls[0]}/_view` } }
        : c.code === 'gds'
          ? { ...c, currency: 'USD', settings: { ...c.settings, viewEndpoint: `${urls[2]}/_view` } }
          : c,
    );
    await seedProperty(t.db, doc);
    await loadExchangeRates(t.db, `date,from,to,rate\n${addDays(today, -30)},EUR,GBP,0.8563\n${season},EUR,GBP,0.80\n`, 'rates.csv');
    await applyAriBatch(t.db, 'CUR1', {
      updates: ROOM_TYPES.flatMap((roomType, i) => [
        { roomType, from: today, to: last, available: 4 },
        { roomType, ratePlan: 'BAR', from: today, to: last, rate: `${119 + i * 10}.99`, minStay: 1 },
        ...(roomType === 'DBL' ? [{ roomType, ratePlan: 'CORP', from: today, to: last, rate: '101.01' }] : []),
      ]),
    });
    distribution = startDistribution({ db: t.db, logger, pollMs: 100, sweepMs: 300, coalesceMs: 0 });
    await settled();
  });
  afterAll(async () => {
    await distribution.stop();
    await Promise.all(servers.map((s) => s.close()));
    await t.drop();
  });

  it('the OTA is sent GBP amounts with CurrencyCode GBP, each night at its own rate; the booking engine keeps EUR', async () => {
    expect([...ota.currencies]).toEqual(['GBP']);
    // DBL/BAR 119.99 +10 % = 131.99 EUR; × 0.8563 = 113.02 GBP; from the season row on × 0.80 = 105.59 GBP.
    expect(ota.store.rates.get(`1001|5001|${today}`)?.rate).toBe('113.02');
    expect(ota.store.rates.get(`1001|5001|${addDays(season, -1)}`)?.rate).toBe('113.02');
    expect(ota.store.rates.get(`1001|5001|${season}`)?.rate).toBe('105.59');
    expect(ota.store.rates.get(`1002|5001|${today}`)?.rate).toBe(convertAmount(applyMarkup('129.99', '10', 2), 'EUR', 'GBP', '0.8563', 2));
    expect(direct.store.rates.get(`dbl|flex|${today}`)?.rate).toBe('119.99');
    expect(await channelDrift(t.db, 'CUR1', 'otax', ota, today, last)).toEqual([]);
    expect(await channelDrift(t.db, 'CUR1', 'web', direct, today, last)).toEqual([]);
  });

  it('the GDS in USD without a rate is sent no price at all, with one incident and one log line however many syncs', async () => {
    expect(gds.store.rates.size).toBe(0);
    expect(gds.currencies.size).toBe(0);
    // Another push re-syncs every channel: still one incident, still one log line.
    await applyAriBatch(t.db, 'CUR1', { updates: [{ roomType: 'DBL', ratePlan: 'BAR', from: today, to: today, rate: '119.99', minStay: 2 }] });
    await settled();
    expect(gds.store.rates.size).toBe(0);
    const incidents = await openIncidents();
    expect(incidents.map((i) => i.details)).toEqual([
      expect.objectContaining({ from: 'EUR', to: 'USD', firstNight: today, action: `load a EUR→USD rate dated on or before ${today}: tidewater fx load FILE` }),
    ]);
    const lines = logs.filter((l) => l.includes('no EUR→USD exchange rate'));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ level: 50, channel: 'gds', from: 'EUR', to: 'USD', firstNight: today });
  });

  it('reconcile: the converted channel shows 0 drift, the one without a rate is flagged (API result and CLI, exit 1)', async () => {
    const result = await reconcileProperty(t.db, 'CUR1', { from: today, to: last });
    expect(result.channels.map((c) => [c.channel, c.source, c.findings.length, c.error, c.missingExchangeRate])).toEqual([
      ['otax', 'channel', 0, undefined, undefined],
      ['web', 'channel', 0, undefined, undefined],
      // 3 room types on the GDS, BAR and CORP (DBL only) on 30 nights: no price sent on any of them.
      ['gds', 'channel', 0, undefined, { from: 'EUR', to: 'USD', nights: 30, firstNight: today, lastNight: last }],
    ]);
    const cli = await runCli(['reconcile', '--property', 'CUR1', '--from', today, '--to', last], env);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toMatch(new RegExp(`CUR1 gds \\(gds, .*\\): no prices sent on 30 nights: no EUR→USD exchange rate\n`));
    expect(cli.stdout).toContain(`CUR1 gds ${today}…${last}: no EUR→USD exchange rate, prices not sent (tidewater fx load FILE)`);
    expect(cli.stderr).toContain('no exchange rate, prices not sent: CUR1 gds (tidewater fx load FILE)');
  });

  it('rate parity takes the GBP prices back to EUR before the markup comes off', async () => {
    const stored = await requireProperty(t.db, 'CUR1');
    const report = await checkRateParity(t.db, stored, { days: 30 });
    // BAR and NRF on 5 room types are on the OTA and the booking engine; the GDS shows no price.
    expect(report).toMatchObject({ checked: 300, violations: [] });
    expect(report.channels).toEqual([
      { channel: 'otax', source: 'channel', markupPercent: '10', currency: 'GBP' },
      { channel: 'web', source: 'channel', markupPercent: null },
      { channel: 'gds', source: 'channel', markupPercent: null, currency: 'USD' },
    ]);
    // The OTA's extranet shows TWN/BAR 2 % dearer: one violation, in GBP, normalized in EUR.
    const night = addDays(today, 3);
    const key = `1002|5001|${night}`;
    const cell = ota.store.rates.get(key);
    expect(cell?.rate).toBe('122.44');
    ota.store.rates.set(key, { ...(cell as NonNullable<typeof cell>), rate: applyMarkup('122.44', '2', 2) });
    try {
      const dear = await checkRateParity(t.db, stored, { days: 30 });
      expect(dear.violations).toEqual([
        {
          roomType: 'TWN',
          ratePlan: 'BAR',
          date: night,
          // 124.89 GBP ÷ 0.8563 = 145.85 EUR, ÷ 1.1 = 132.59 EUR against 129.99 EUR: +2 %.
          prices: [
            { channel: 'otax', shown: '124.89', currency: 'GBP', normalized: '132.59' },
            { channel: 'web', shown: '129.99', normalized: '129.99' },
          ],
          spreadPercent: 2,
        },
      ]);
    } finally {
      ota.store.rates.set(key, cell as NonNullable<typeof cell>);
    }
  });

  it('rate explain --channel ends with the conversion step: the rate and the date of its row', async () => {
    const explained = await explainRateOf(t.db, 'CUR1', { roomType: 'DBL', ratePlan: 'BAR', date: season, channel: 'otax' });
    expect(explained.channel).toEqual({ code: 'otax', roomType: '1001', ratePlan: '5001', currency: 'GBP' });
    expect(explained.steps.slice(-2)).toEqual([
      { kind: 'markup', label: 'otax markup +10%', amount: '131.99', channel: 'otax', detail: { percent: '10' } },
      { kind: 'conversion', label: `EUR→GBP at 0.8 (rate from ${season})`, amount: '105.59', channel: 'otax', from: 'EUR', to: 'GBP', rate: '0.8', validFrom: season },
    ]);
    expect(explained.final).toBe(ota.store.rates.get(`1001|5001|${season}`)?.rate);
    const cli = await runCli(['rate', 'explain', '--property', 'CUR1', '--room', 'DBL', '--plan', 'BAR', '--date', season, '--channel', 'otax'], env);
    expect({ code: cli.code, stderr: cli.code === 0 ? '' : cli.stderr }).toEqual({ code: 0, stderr: '' });
    expect(cli.stdout).toContain('sent to otax as 1001/5001 in GBP');
    expect(cli.stdout).toMatch(new RegExp(`EUR→GBP at 0\\.8 \\(rate from ${season}\\) +105\\.59`));
    expect(cli.stdout).toMatch(/price sent to otax +105\.59 GBP/);
  });

  it('fx load through the binary: a bad file is refused whole with its lines; a good one converts the GDS and resolves the incident', async () => {
    const bad = path.join(dir, 'bad.csv');
    writeFileSync(bad, `date,from,to,rate\n${today},EUR,USD,1.0825\n${today},EUR,USD,1,08\n2027-13-01,EUR,USD,1.1\n`);
    const refused = await runCli(['fx', 'load', bad], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${bad}:3: expected 4 columns (date,from,to,rate); got 5`);
    expect(refused.stderr).toContain(`${bad}:4: date must be a date in YYYY-MM-DD form; got "2027-13-01"`);
    const listed = await runCli(['fx', 'list', '--from', 'EUR'], env);
    expect(listed.stdout).toBe(`date,from,to,rate\n${addDays(today, -30)},EUR,GBP,0.8563\n${season},EUR,GBP,0.8\n`);

    const good = path.join(dir, 'usd.json');
    writeFileSync(good, JSON.stringify([{ date: today, from: 'EUR', to: 'USD', rate: '1.0825' }], null, 2));
    const loaded = await runCli(['fx', 'load', good], env);
    expect({ code: loaded.code, stdout: loaded.stdout, stderr: loaded.code === 0 ? '' : loaded.stderr }).toEqual({
      code: 0,
      stdout: 'loaded 1 rate: 1 new, 0 changed, 0 unchanged; 1 channel to re-send\n',
      stderr: '',
    });
    await settled();
    expect([...gds.currencies]).toEqual(['USD']);
    expect(gds.store.rates.get(`A1D|RAC|${today}`)?.rate).toBe('129.89'); // 119.99 × 1.0825 = 129.889
    expect(await channelDrift(t.db, 'CUR1', 'gds', gds, today, last, 'rates')).toEqual([]);
    expect(await openIncidents()).toEqual([]);
    const result = await reconcileProperty(t.db, 'CUR1', { from: today, to: last });
    expect(result.channels.map((c) => [c.channel, c.findings.length, c.missingExchangeRate])).toEqual([
      ['otax', 0, undefined],
      ['web', 0, undefined],
      ['gds', 0, undefined],
    ]);
    // The same file again changes nothing and re-sends nothing.
    const again = await runCli(['fx', 'load', good], env);
    expect(again.stdout).toBe('loaded 1 rate: 0 new, 0 changed, 1 unchanged; 0 channels to re-send\n');
    const pairs = await runCli(['fx', 'list', '--to', 'usd', '--format', 'json'], env);
    expect(JSON.parse(pairs.stdout)).toEqual([{ date: today, from: 'EUR', to: 'USD', rate: '1.0825' }]);
  });
});
