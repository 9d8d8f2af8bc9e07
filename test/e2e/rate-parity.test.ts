import { silentLogger } from '../../config/logger';
import { addDays, todayIn } from '../../core/dates';
import { applyMarkup } from '../../core/money';
import { countDirtyRanges } from '../../db/sync-repo';
import { startDistribution, type Distribution } from '../../queues/distributor';
import { applyAriBatch } from '../../services/ari-service';
import { importProperty } from '../../services/property-service';
import { buildReport } from '../../services/report-service';
import { reportDocumentSchema } from '../../services/report-schema';
import { childEnv, runCli } from '../helpers/cli';
import { channelDrift, waitFor } from '../helpers/convergence';
import { distributionProperty, ROOM_TYPES, startSampleChannels, type SampleChannels } from '../helpers/channels';
import { seedProperty } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

/** Issue 6: channel markups reach the channels, and the report's rate parity compares prices after them. */
describe('channel markup and rate parity', () => {
  let t: TestDatabase;
  let channels: SampleChannels & { urls?: string[] };
  let distribution: Distribution;
  const today = todayIn('Europe/Berlin');
  const last = addDays(today, 29);

  const document = (otaMarkup: string) => {
    const urls = (channels as unknown as { urls: string[] }).urls;
    const doc = distributionProperty('PAR1', urls);
    // Every channel reads back its own view, so parity compares what the channels show, not what they acknowledged.
    doc.channels = doc.channels?.map((c) =>
      c.code === 'otax'
        ? { ...c, markup: { percent: otaMarkup }, settings: { ...c.settings, viewEndpoint: `${urls[0]}/_view` } }
        : c.code === 'web'
          ? { ...c, markup: { percent: '-5' } }
          : { ...c, settings: { ...c.settings, viewEndpoint: `${urls[2]}/_view` } },
    );
    return doc;
  };
  const converged = async () => {
    await waitFor(() => countDirtyRanges(t.db), (n) => n === 0, 90_000, 100);
    const drift: string[] = [];
    for (const [code, sample, fields] of channels.all) drift.push(...(await channelDrift(t.db, 'PAR1', code, sample, today, last, fields)));
    return drift;
  };

  beforeAll(async () => {
    t = await createTestDatabase({ poolMax: 10 });
    channels = await startSampleChannels();
    await seedProperty(t.db, document('12.5'));
    await applyAriBatch(t.db, 'PAR1', {
      updates: ROOM_TYPES.flatMap((roomType, i) => [
        { roomType, from: today, to: last, available: 4 },
        { roomType, ratePlan: 'BAR', from: today, to: last, rate: `${119 + i * 10}.99` },
        ...(roomType === 'DBL' ? [{ roomType, ratePlan: 'CORP', from: today, to: last, rate: '101.01' }] : []),
      ]),
    });
    distribution = startDistribution({ db: t.db, logger: silentLogger, pollMs: 100, sweepMs: 300, coalesceMs: 0 });
  });
  afterAll(async () => {
    await distribution.stop();
    await channels.close();
    await t.drop();
  });

  it('each channel is sent, and shows, its own marked-up price', async () => {
    expect(await converged()).toEqual([]);
    // DBL/BAR 119.99: +12.5 % = 134.98875 → 134.99 on the OTA; −5 % = 113.9905 → 113.99 on the booking engine; the GDS as is.
    expect(channels.ota.store.rates.get(`1001|5001|${today}`)?.rate).toBe('134.99');
    expect(channels.direct.store.rates.get(`dbl|flex|${today}`)?.rate).toBe('113.99');
    expect(channels.gds.store.rates.get(`A1D|RAC|${today}`)?.rate).toBe('119.99');
  });

  it('consistent prices under different markups: no violation', async () => {
    const [report] = await buildReport(t.db, { property: 'PAR1' });
    expect(reportDocumentSchema.safeParse([report]).success).toBe(true);
    // BAR on 5 rooms (3 of them on the GDS too) and NRF on 5 rooms are sold on two or three channels; CORP only on the OTA and GDS.
    expect(report?.rateParity).toMatchObject({ tolerancePercent: 0.5, window: { from: today, to: last }, checked: 30 * 11, violations: [] });
    expect(report?.rateParity.channels).toEqual([
      { channel: 'otax', source: 'channel', markupPercent: '12.5' },
      { channel: 'web', source: 'channel', markupPercent: '-5' },
      { channel: 'gds', source: 'channel', markupPercent: null },
    ]);
  });

  it('a price 2 % off on one channel is exactly one violation, in JSON and in the table', async () => {
    const night = addDays(today, 3);
    const cell = channels.ota.store.rates.get(`1002|5001|${night}`);
    // TWN/BAR 129.99 at +12.5 % is 146.24; the OTA's extranet shows it 2 % higher.
    expect(cell?.rate).toBe('146.24');
    channels.ota.store.rates.set(`1002|5001|${night}`, { ...(cell as NonNullable<typeof cell>), rate: applyMarkup('146.24', '2', 2) });
    const [report] = await buildReport(t.db, { property: 'PAR1' });
    expect(report?.rateParity.violations).toEqual([
      {
        roomType: 'TWN',
        ratePlan: 'BAR',
        date: night,
        prices: [
          { channel: 'gds', shown: '129.99', normalized: '129.99' },
          { channel: 'otax', shown: '149.16', normalized: '132.59' },
          { channel: 'web', shown: '123.49', normalized: '129.99' },
        ],
        spreadPercent: 2,
      },
    ]);
    // Within a tighter window the night is not compared; with a 3 % tolerance it is allowed.
    const [narrow] = await buildReport(t.db, { property: 'PAR1', parityDays: 3 });
    expect(narrow?.rateParity).toMatchObject({ window: { from: today, to: addDays(today, 2) }, checked: 3 * 11, violations: [] });
    const [tolerant] = await buildReport(t.db, { property: 'PAR1', parityTolerancePercent: '3' });
    expect(tolerant?.rateParity.violations).toEqual([]);

    const env = childEnv({ DATABASE_URL: t.url, REDIS_URL: undefined });
    const table = await runCli(['report', '--property', 'PAR1', '--parity-days', '7'], env);
    expect({ code: table.code, stderr: table.code === 0 ? '' : table.stderr }).toEqual({ code: 0, stderr: '' });
    expect(table.stdout.split('\n').filter((l) => l.length > 120)).toEqual([]);
    expect(table.stdout).toContain(`rate parity ${today}…${addDays(today, 6)}, tolerance 0.5%: 1 violation (77 cells, 3 channels)`);
    expect(table.stdout).toContain(`TWN/BAR ${night} +2%: gds 129.99, otax 149.16 (132.59), web 123.49 (129.99)`);
    const bad = await runCli(['report', '--parity-tolerance', 'lots'], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('/parityTolerance');
    channels.ota.store.rates.set(`1002|5001|${night}`, cell as NonNullable<typeof cell>);
  });

  it('a markup change alone re-sends the prices', async () => {
    const changes = await importProperty(t.db, document('10'));
    expect(changes.changes).toEqual(['changed channel otax: settings, credentials or markup changed']);
    expect(await converged()).toEqual([]);
    expect(channels.ota.store.rates.get(`1001|5001|${today}`)?.rate).toBe('131.99'); // 119.99 × 1.1 = 131.989
    const [report] = await buildReport(t.db, { property: 'PAR1' });
    expect(report?.rateParity.violations).toEqual([]);
  });

  it('a mapping change alone re-sends the channel under its new codes', async () => {
    const doc = document('10');
    doc.channels = doc.channels?.map((c) => (c.code === 'otax' ? { ...c, ratePlans: { ...c.ratePlans, BAR: '5009' } } : c));
    const changes = await importProperty(t.db, doc);
    expect(changes.changes).toEqual([expect.stringMatching(/^changed channel otax: rate plan BAR 5001 → 5009$/)]);
    expect(await converged()).toEqual([]);
    expect(channels.ota.store.rates.get(`1001|5009|${today}`)?.rate).toBe('131.99');
  });
});
