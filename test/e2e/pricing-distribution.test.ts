import { silentLogger } from '../../config/logger';
import type { PropertyDocument } from '../../core/property-document';
import { startDistribution, type Distribution } from '../../queues/distributor';
import { applyAriBatch } from '../../services/ari-service';
import { ingestChannelBooking } from '../../services/booking-service';
import { importProperty } from '../../services/property-service';
import { channelDrift, waitFor } from '../helpers/convergence';
import { distributionProperty, startSampleChannels, type SampleChannels } from '../helpers/channels';
import { seedProperty } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

const FROM = '2027-04-01';
const TO = '2027-04-07';
const NIGHT = '2027-04-03';

/**
 * Issue 7, acceptance 2: a booking that pushes a night's occupancy over a pricing threshold changes
 * that night's price on every sample channel (OTA, booking engine, GDS), and only that night's;
 * afterwards every channel holds exactly what the ledger and the rules say (no drift).
 */
describe('occupancy pricing reaches every channel', () => {
  let t: TestDatabase;
  let channels: SampleChannels & { urls?: string[] };
  let distribution: Distribution;
  let doc: PropertyDocument;

  const allDrift = async () => {
    const out: string[] = [];
    for (const [code, sample, fields] of channels.all) out.push(...(await channelDrift(t.db, 'PRC', code, sample, FROM, TO, fields)).map((d) => `${code}: ${d}`));
    return out;
  };
  const converge = () => waitFor(allDrift, (d) => d.length === 0, 60_000, 200);
  /** BAR and NRF of DBL on one night as each channel holds them, in its own codes. */
  const prices = (date: string) => ({
    otaBar: channels.ota.store.rates.get(`1001|5001|${date}`)?.rate,
    otaNrf: channels.ota.store.rates.get(`1001|5002|${date}`)?.rate,
    webBar: channels.direct.store.rates.get(`dbl|flex|${date}`)?.rate,
    webNrf: channels.direct.store.rates.get(`dbl|saver|${date}`)?.rate,
    gdsBar: channels.gds.store.rates.get(`A1D|RAC|${date}`)?.rate,
  });

  beforeAll(async () => {
    t = await createTestDatabase({ poolMax: 10 });
    channels = await startSampleChannels();
    doc = {
      ...distributionProperty('PRC', (channels as unknown as { urls: string[] }).urls, { requestsPerSecond: 50 }),
      // DBL has 10 rooms: 5 sold is 50 %.
      pricing: { rules: [{ name: 'Half full', kind: 'occupancy', when: { atLeastPercent: 50 }, factor: '1.25' }] },
    };
    await seedProperty(t.db, doc);
    distribution = startDistribution({ db: t.db, logger: silentLogger, listenUrl: t.url, pollMs: 200, sweepMs: 500, health: { failureThreshold: 3, safetyBufferPercent: 10, horizonDays: 30 } });
    await applyAriBatch(t.db, 'PRC', { updates: [{ roomType: 'DBL', ratePlan: 'BAR', from: FROM, to: TO, rate: '100.00' }] });
    expect(await converge()).toEqual([]);
  });
  afterAll(async () => {
    await distribution.stop();
    await channels.close();
    await t.drop();
  });

  const book = (id: string, rooms: number) =>
    ingestChannelBooking({ db: t.db, logger: silentLogger }, 'PRC', {
      channelCode: 'otax',
      channelBookingId: id,
      revision: '1',
      status: 'new',
      roomStays: [{ roomType: 'DBL', checkIn: NIGHT, checkOut: '2027-04-04', rooms }],
      guest: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.org' },
    });

  it('below the threshold the pushed rates go out as they are', async () => {
    await book('G-1', 4); // 40 %
    expect(await converge()).toEqual([]);
    expect(prices(NIGHT)).toEqual({ otaBar: '100.00', otaNrf: '85.00', webBar: '100.00', webNrf: '85.00', gdsBar: '100.00' });
  });

  it('the booking that crosses 50 % raises that night on every channel, and only that night', async () => {
    await book('G-2', 1); // 5 of 10
    const raised = await waitFor(async () => prices(NIGHT), (p) => p.gdsBar === '125.00' && p.webNrf === '106.25' && p.otaNrf === '106.25', 60_000, 200);
    expect(raised).toEqual({ otaBar: '125.00', otaNrf: '106.25', webBar: '125.00', webNrf: '106.25', gdsBar: '125.00' });
    expect(prices('2027-04-02')).toEqual({ otaBar: '100.00', otaNrf: '85.00', webBar: '100.00', webNrf: '85.00', gdsBar: '100.00' });
    expect(await converge()).toEqual([]);
  });

  it('a cancellation lowers it again, and a rule change alone re-prices the channels', async () => {
    await ingestChannelBooking({ db: t.db, logger: silentLogger }, 'PRC', {
      channelCode: 'otax',
      channelBookingId: 'G-2',
      revision: '2',
      status: 'cancelled',
      roomStays: [],
      guest: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.org' },
    });
    expect(await waitFor(async () => prices(NIGHT).gdsBar, (p) => p === '100.00', 60_000, 200)).toBe('100.00');

    const changed = await importProperty(t.db, { ...doc, pricing: { rules: [{ name: 'Quiet', kind: 'occupancy', when: { belowPercent: 50 }, factor: '0.90' }] } });
    expect(changed.changes).toEqual(['changed pricing rules']);
    const lowered = await waitFor(async () => prices('2027-04-05'), (p) => p.gdsBar === '90.00' && p.webNrf === '76.50' && p.otaBar === '90.00', 60_000, 200);
    expect(lowered).toEqual({ otaBar: '90.00', otaNrf: '76.50', webBar: '90.00', webNrf: '76.50', gdsBar: '90.00' });
    expect(await converge()).toEqual([]);
  });
});
