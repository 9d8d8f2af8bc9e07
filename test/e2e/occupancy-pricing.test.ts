import { silentLogger } from '../../config/logger';
import { eachDate } from '../../core/dates';
import { formatScaled, toScaled } from '../../core/money';
import type { PropertyDocument } from '../../core/property-document';
import { SandboxPaymentProvider } from '../../fixtures/payments/sandbox-provider';
import { startDistribution, type Distribution } from '../../queues/distributor';
import { applyAriBatch } from '../../services/ari-service';
import { createDirectBooking } from '../../services/booking-service';
import { importProperty } from '../../services/property-service';
import { explainRateOf } from '../../services/rate-explain-service';
import { reconcileProperty } from '../../services/reconcile-service';
import { channelDrift, waitFor } from '../helpers/convergence';
import { distributionProperty, startSampleChannels, type SampleChannels } from '../helpers/channels';
import { seedProperty } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

const FROM = '2027-04-01';
const TO = '2027-04-07';
const PUSHED_NIGHT = '2027-04-05';
const OCCUPANCY = { base: 2, offsets: { '1': { amount: '-20.00' }, '3': { amount: '25.00' }, '4': { percent: '30' } }, extraAdult: '30.00', extraChild: '15.00' };

/**
 * Issue 7 (occupancy pricing): a plan's occupancy settings and per-guest prices a PMS pushed reach
 * the OTA as one BaseByGuestAmt per NumberOfGuests, through the same pricing rules and markup as
 * the base price, exactly as `rate explain` shows them; the GDS and the booking engine take them
 * too; a direct booking pays for its party; reconciliation sees a per-guest price
 * the channel lost.
 */
describe('occupancy prices reach the channels and direct bookings', () => {
  let t: TestDatabase;
  let channels: SampleChannels & { urls?: string[] };
  let distribution: Distribution;
  let doc: PropertyDocument;
  let n = 0;

  const allDrift = async () => {
    const out: string[] = [];
    for (const [code, sample, fields] of channels.all) out.push(...(await channelDrift(t.db, 'OCP', code, sample, FROM, TO, fields)).map((d) => `${code}: ${d}`));
    return out;
  };
  const converge = () => waitFor(allDrift, (d) => d.length === 0, 60_000, 200);
  const explained = (ratePlan: string, date: string, channel?: string) => explainRateOf(t.db, 'OCP', { roomType: 'FAM', ratePlan, date, ...(channel ? { channel } : {}) });
  /** What the OTA holds for FAM (1004) under a plan, as the explain API says it should be sent. */
  const fromExplain = async (ratePlan: string, date: string) => {
    const e = await explained(ratePlan, date, 'otax');
    return {
      rate: e.final,
      rateByGuests: Object.fromEntries((e.byGuests ?? []).map((g) => [String(g.guests), g.final])),
      extraAdult: e.supplements?.extraAdult ?? null,
      extraChild: e.supplements?.extraChild ?? null,
    };
  };
  const held = (plan: string, date: string) => {
    const cell = channels.ota.store.rates.get(`1004|${plan}|${date}`);
    return { rate: cell?.rate, rateByGuests: cell?.rateByGuests, extraAdult: cell?.extraAdult, extraChild: cell?.extraChild };
  };

  beforeAll(async () => {
    t = await createTestDatabase({ poolMax: 10 });
    channels = await startSampleChannels();
    const [otaUrl] = (channels as unknown as { urls: string[] }).urls;
    const base = distributionProperty('OCP', (channels as unknown as { urls: string[] }).urls, { requestsPerSecond: 50 });
    doc = {
      ...base,
      ratePlans: base.ratePlans?.map((p) => (p.code === 'BAR' ? { ...p, occupancy: OCCUPANCY } : p)),
      // The OTA's own view answers reconciliation, and it takes a 10 % markup.
      channels: base.channels?.map((c) => (c.code === 'otax' ? { ...c, markup: { percent: '10' }, settings: { ...c.settings, viewEndpoint: `${otaUrl}/_view` } } : c)),
      pricing: { rounding: { mode: 'ending', ending: '.99' }, rules: [{ name: 'Weekend', kind: 'weekday', when: { days: ['fri', 'sat'] }, factor: '1.1' }] },
    };
    await seedProperty(t.db, doc);
    distribution = startDistribution({ db: t.db, logger: silentLogger, listenUrl: t.url, pollMs: 200, sweepMs: 500, health: { failureThreshold: 3, safetyBufferPercent: 10, horizonDays: 30 } });
    await applyAriBatch(t.db, 'OCP', {
      updates: [
        { roomType: 'FAM', ratePlan: 'BAR', from: FROM, to: TO, rate: '129.00' },
        { roomType: 'DBL', ratePlan: 'BAR', from: FROM, to: TO, rate: '99.00' },
        // One night the PMS prices three and four guests itself.
        { roomType: 'FAM', ratePlan: 'BAR', from: PUSHED_NIGHT, to: PUSHED_NIGHT, rate: '129.00', rateByGuests: { '3': '149.00', '4': '169.00' } },
      ],
    });
    expect(await converge()).toEqual([]);
  });
  afterAll(async () => {
    await distribution.stop();
    await channels.close();
    await t.drop();
  });

  it('the OTA holds a price per number of guests, 1 to 4, and the supplements, each what rate explain shows', async () => {
    for (const date of eachDate(FROM, TO)) {
      for (const [plan, code] of [['BAR', '5001'], ['NRF', '5002']] as const) {
        const want = await fromExplain(plan, date);
        expect(Object.keys(want.rateByGuests)).toEqual(['1', '2', '3', '4']);
        expect({ date, plan, ...held(code, date) }).toEqual({ date, plan, ...want });
      }
    }
    // Spot checks by hand. Thursday: each count's price to the nearest .99, then + 10 %: 1 guest 109.00 → 108.99 → 119.89; 4 guests 167.70 → 167.99 → 184.79.
    expect(held('5001', '2027-04-01').rateByGuests).toEqual({ '1': '119.89', '2': '141.89', '3': '169.39', '4': '184.79' });
    // Friday: the weekend rule and the .99 ending on each count, then the markup: 129.00 × 1.1 = 141.90 → 141.99 → 156.19.
    expect(held('5001', '2027-04-02').rateByGuests?.['2']).toBe('156.19');
    // The pushed night (a Monday): 3 and 4 guests at the PMS's own prices, 149.00 → 148.99 → 163.89 and 169.00 → 168.99 → 185.89.
    expect(held('5001', PUSHED_NIGHT).rateByGuests).toEqual({ '1': '119.89', '2': '141.89', '3': '163.89', '4': '185.89' });
    expect([held('5001', FROM).extraAdult, held('5001', FROM).extraChild]).toEqual(['33.00', '16.50']);
    // The derived plan applies its parent's occupancy settings to its own rate (129.00 − 15 % = 109.65).
    expect((await explained('NRF', FROM)).byGuests?.map((g) => g.ledger)).toEqual(['89.65', '109.65', '134.65', '142.55']);
    // The GDS loads them for DBL (two guests at most); the booking engine gets them too, to show the
    // searching party the price a direct booking is charged (no markup on it here).
    expect(channels.gds.store.rates.get(`A1D|RAC|${FROM}`)?.rateByGuests).toEqual({ '1': '78.99', '2': '98.99' });
    expect(channels.direct.store.rates.get(`fam|flex|${FROM}`)).toMatchObject({ rate: '128.99' });
    const engine = await explained('BAR', FROM, 'web');
    expect(channels.direct.store.rates.get(`fam|flex|${FROM}`)?.rateByGuests).toEqual(Object.fromEntries((engine.byGuests ?? []).map((g) => [String(g.guests), g.final])));
    expect(channels.direct.store.rates.get(`fam|flex|${FROM}`)?.rateByGuests?.['2']).toBe('128.99');
  });

  it('a direct booking is charged the price for its party: 3 adults the 3-guest price, 2 adults + 1 child the double and one child amount', async () => {
    const book = async (adults: number, children: number) => {
      const answer = await createDirectBooking({ db: t.db, logger: silentLogger }, 'OCP', {
        roomStays: [{ roomType: 'FAM', ratePlan: 'BAR', checkIn: '2027-04-01', checkOut: '2027-04-03', rooms: 1, adults, children }],
        guest: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.org' },
        payment: { provider: 'sandbox', token: 'approve' },
      }, { idempotencyKey: `occ-${++n}`, payments: new Map([['sandbox', new SandboxPaymentProvider()]]) });
      expect(answer.statusCode).toBe(201);
      return (answer.body as { total: string }).total;
    };
    // The property's one direct channel has no markup: the hub's prices, Thursday and Friday.
    const nights = await Promise.all(['2027-04-01', '2027-04-02'].map((date) => explained('BAR', date, 'web')));
    const guestsPrice = (guests: number) => formatScaled(nights.reduce((sum, e) => sum + toScaled(e.byGuests?.find((g) => g.guests === guests)?.final as string), 0n), 2);
    expect(guestsPrice(3)).toBe('322.98'); // Thursday 154.00 → 153.99; Friday 154.00 × 1.1 = 169.40 → 168.99
    expect(await book(3, 0)).toBe(guestsPrice(3));
    expect(await book(2, 1)).toBe(formatScaled(toScaled(guestsPrice(2)) + 2n * toScaled('15.00'), 2));
  });

  it('reconciliation finds a per-guest price the OTA lost, in the usual findings shape', async () => {
    expect(await converge()).toEqual([]);
    const clean = await reconcileProperty(t.db, 'OCP', { channel: 'otax', from: FROM, to: TO });
    expect(clean.channels[0]?.findings).toEqual([]);
    const key = `1004|5001|${TO}`;
    const cell = channels.ota.store.rates.get(key);
    channels.ota.store.rates.set(key, { ...(cell as NonNullable<typeof cell>), rateByGuests: { ...cell?.rateByGuests, '3': '1.00' } });
    const found = await reconcileProperty(t.db, 'OCP', { channel: 'otax', from: FROM, to: TO });
    expect(found.channels[0]?.findings).toEqual([
      { date: TO, roomType: 'FAM', ratePlan: 'BAR', field: 'rateByGuests', ledger: '1:119.89 2:141.89 3:169.39 4:184.79', channel: '1:119.89 2:141.89 3:1.00 4:184.79' },
    ]);
    channels.ota.store.rates.set(key, cell as NonNullable<typeof cell>);
  });

  it('changing a plan\'s occupancy settings alone re-sends the per-guest prices', async () => {
    const changed = await importProperty(t.db, { ...doc, ratePlans: doc.ratePlans?.map((p) => (p.code === 'BAR' ? { ...p, occupancy: { ...OCCUPANCY, offsets: { ...OCCUPANCY.offsets, '1': { amount: '-30.00' } } } } : p)) });
    expect(changed.changes).toEqual(['changed occupancy prices of rate plan BAR']);
    const single = await waitFor(async () => held('5001', FROM).rateByGuests?.['1'], (v) => v === '108.89', 60_000, 200); // 99.00 → 98.99, + 10 %
    expect(single).toBe('108.89');
    expect(await converge()).toEqual([]);
  });
});
