/**
 * Pricing throughput (issue 7, acceptance 4): how many prices per second Tidewater computes for a
 * year of one property (20 room types × 10 rate plans, 6 of them derived, a pricing section with
 * every rule kind), next to the ledger read of the same cells (readLedgerSpans, what a channel sync
 * reads) on the same server in the same run.
 *
 *   npx tsx bench/rates.ts [--days 365] [--room-types 20] [--runs 3] [--explains 1000]
 *
 * Figures go to stdout, progress to stderr. See bench/README.md for how to read them.
 */
import { loadavg } from 'node:os';
import type { AriUpdate } from '../core/ari';
import { channelViewOf, nightPricer, type ChannelView, type LedgerSlice } from '../core/channel-view';
import { addDays, daysBetween, todayIn, type IsoDate, type Weekday } from '../core/dates';
import { SoldOutError } from '../core/errors';
import { currencyDecimals } from '../core/money';
import { nightOccupancy, planLineage, priceCell, type NightCounts, type PricingRules } from '../core/pricing';
import type { Property } from '../core/property';
import type { PropertyDocument } from '../core/property-document';
import type { Db } from '../db/connection';
import { reserveRooms } from '../db/ledger-repo';
import { readLedgerSpans } from '../db/ledger-view-repo';
import type { StoredProperty } from '../db/properties-repo';
import { applyAriBatch } from '../services/ari-service';
import { importProperty, requireProperty } from '../services/property-service';
import { explainRateOf } from '../services/rate-explain-service';
import {
  formatInt,
  formatMs,
  formatRatio,
  log,
  median,
  parseIntFlags,
  perSecond,
  plural,
  renderTable,
  runInterleaved,
  withScratchDatabase,
  type Scenario,
  type ScenarioTimes,
} from './lib';

const USAGE = `usage: npx tsx bench/rates.ts [--days 365] [--room-types 20] [--runs 3] [--explains 1000]

  --days N        nights priced, starting today (UTC)                          (default 365, max 1095)
  --room-types N  room types (maxOccupancy 4), every one sold on all 10 plans  (default 20)
  --runs N        timed runs per scenario; the median is reported              (default 3)
  --explains N    random cells explained one by one in the rate explain scenario (default 1000)
  --no-explain    skip the rate explain scenario

Connects to DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), creates and drops its
own scratch database. Table on stdout, progress on stderr.`;

const CODE = 'RATES';
const TIMEZONE = 'UTC';
const CURRENCY = 'EUR';
const CHANNEL = 'ota';
const MARKUP_PERCENT = '15';
/**
 * "4 occupancies" of the acceptance. priceNight / priceCell price a room night, not a number of
 * guests (no per-guest prices in the pricing path yet), so every cell is priced 4 times, once per
 * occupancy level: rooms taken = this share of the night's total. One level per band of the
 * pricing section below (quiet < 30 %, none, busy 70–90 %, full ≥ 90 %), so each call takes a
 * different path.
 */
const OCCUPANCY_LEVELS = [20, 50, 80, 95] as const;
const WEEKEND: Weekday[] = ['fri', 'sat'];

interface Shape {
  days: number;
  roomTypes: number;
}

const roomTypeCode = (i: number) => `RT${String(i + 1).padStart(2, '0')}`;
const roomsOf = (i: number) => 20 + (i % 5) * 5;

/** 4 plans the PMS prices, 6 derived from them (two of them two levels deep), most with a price ending. */
const BASE_PLANS = [
  { code: 'BAR', name: 'Best available', uplift: 0 },
  { code: 'FLEX', name: 'Flexible', uplift: 15 },
  { code: 'BB', name: 'Bed and breakfast', uplift: 25 },
  { code: 'PKG', name: 'City package', uplift: 45 },
] as const;
const DERIVED_PLANS = [
  { code: 'NRF', name: 'Non-refundable', derivedFrom: 'BAR', adjust: { percent: '-10' }, rounding: { ending: '.99' } },
  { code: 'ADV21', name: 'Advance 21 days', derivedFrom: 'NRF', adjust: { percent: '-5' }, rounding: { ending: '.00' } },
  { code: 'MOB', name: 'Mobile', derivedFrom: 'BAR', adjust: { percent: '-7' }, rounding: { ending: '.99' } },
  { code: 'FLEXHB', name: 'Flexible half board', derivedFrom: 'FLEX', adjust: { amount: '38.00' } },
  { code: 'BBNRF', name: 'B&B non-refundable', derivedFrom: 'BB', adjust: { percent: '-12' }, rounding: { ending: '.99' } },
  { code: 'PKGLM', name: 'Package last minute', derivedFrom: 'PKG', adjust: { amount: '-20.00' }, rounding: { ending: '9.00' } },
] as const;
const PLAN_CODES = [...BASE_PLANS.map((p) => p.code), ...DERIVED_PLANS.map((p) => p.code)];

function propertyDocument(shape: Shape, from: IsoDate): PropertyDocument {
  const roomTypes = Array.from({ length: shape.roomTypes }, (_, i) => ({
    code: roomTypeCode(i),
    name: `Room type ${i + 1}`,
    rooms: roomsOf(i),
    maxOccupancy: 4,
  }));
  const allRooms = roomTypes.map((r) => r.code);
  const ratePlans = [
    ...BASE_PLANS.map((p) => ({ code: p.code, name: p.name, roomTypes: allRooms })),
    ...DERIVED_PLANS.map((p) => ({ ...p })),
  ];
  const eventFrom = addDays(from, 120);
  return {
    code: CODE,
    name: 'Rates bench',
    timezone: TIMEZONE,
    currency: CURRENCY,
    roomTypes,
    ratePlans,
    channels: [
      {
        code: CHANNEL,
        type: 'ota-xml',
        hotelCode: 'H1',
        roomTypes: Object.fromEntries(allRooms.map((r, i) => [r, String(1000 + i)])),
        ratePlans: Object.fromEntries(PLAN_CODES.map((p, j) => [p, String(5000 + j)])),
        buffer: { rooms: 1 },
        markup: { percent: MARKUP_PERCENT },
      },
    ],
    pricing: {
      floorPercent: '80',
      ceilingPercent: '180',
      rounding: { mode: 'ending', ending: '.99' },
      rules: [
        { name: 'Summer', kind: 'season', when: { from: '06-15', to: '08-31' }, factor: '1.20' },
        { name: 'Festive', kind: 'season', when: { from: '12-20', to: '01-03' }, factor: '1.15' },
        { name: 'Low season', kind: 'season', when: { from: '01-04', to: '03-15' }, factor: '0.85' },
        { name: 'Weekend', kind: 'weekday', when: { days: WEEKEND }, factor: '1.10' },
        { name: 'Quiet', kind: 'occupancy', when: { belowPercent: '30' }, factor: '0.90' },
        { name: 'Busy', kind: 'occupancy', when: { atLeastPercent: '70', belowPercent: '90' }, factor: '1.10' },
        { name: 'Full', kind: 'occupancy', when: { atLeastPercent: '90' }, factor: '1.25' },
        { name: 'Last minute', kind: 'booking-window', when: { maxDays: 3 }, factor: '0.85' },
        { name: 'Early bird', kind: 'booking-window', when: { minDays: 90 }, factor: '0.95', ratePlans: ['BAR'] },
        {
          name: 'Trade fair',
          kind: 'event',
          when: { from: eventFrom, to: addDays(eventFrom, 3) },
          factor: '1.40',
          roomTypes: allRooms.slice(0, Math.ceil(allRooms.length / 2)),
        },
      ],
    },
  };
}

/** A small deterministic PRNG (mulberry32), so every run and every machine picks the same cells. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A PMS that pushes `total` and its own `available`: per room type the year in 4-week blocks, each
 * with its own occupancy (5–100 %) and a busier weekend, so the PMS's count puts nights in every
 * occupancy band; one room out of order on every 4th room type for 60 nights; a rate per base plan ×
 * room type for the year and a weekend rate. The derived plans get theirs from their parents.
 */
function ariBatch(shape: Shape, from: IsoDate): { updates: AriUpdate[] } {
  const to = addDays(from, shape.days - 1);
  const random = prng(7);
  const updates: AriUpdate[] = [];
  for (let i = 0; i < shape.roomTypes; i++) {
    const roomType = roomTypeCode(i);
    const rooms = roomsOf(i);
    updates.push({ roomType, from, to, total: rooms });
    for (let start = 0; start < shape.days; start += 28) {
      const blockFrom = addDays(from, start);
      const blockTo = addDays(from, Math.min(shape.days, start + 28) - 1);
      const occupancy = 5 + Math.floor(random() * 90);
      const weekend = Math.min(100, occupancy + 20);
      updates.push({ roomType, from: blockFrom, to: blockTo, available: rooms - Math.round((rooms * occupancy) / 100) });
      updates.push({ roomType, from: blockFrom, to: blockTo, days: WEEKEND, available: rooms - Math.round((rooms * weekend) / 100) });
    }
    if (i % 4 === 0) updates.push({ roomType, from, to: addDays(from, Math.min(shape.days, 60) - 1), outOfOrder: 1 });
    for (const plan of BASE_PLANS) {
      const rate = 70 + 4 * i + plan.uplift;
      updates.push({ roomType, ratePlan: plan.code, from, to, rate: `${rate}.00`, minStay: 1 });
      updates.push({ roomType, ratePlan: plan.code, from, to, days: WEEKEND, rate: `${rate + 20}.50` });
    }
  }
  return { updates };
}

/** A few hub bookings (in flight: the PMS has not counted them), so `sold` and `inFlight` vary too. */
async function addBookings(db: Db, stored: StoredProperty, shape: Shape, from: IsoDate): Promise<{ made: number; soldOut: number }> {
  const random = prng(11);
  let made = 0;
  let soldOut = 0;
  for (let b = 0; b < 60; b++) {
    const roomType = roomTypeCode(Math.floor(random() * shape.roomTypes));
    const start = Math.floor(random() * Math.max(1, shape.days - 5));
    const nights = 1 + Math.floor(random() * 4);
    const rooms = 1 + Math.floor(random() * 2);
    try {
      await db.transaction((trx) =>
        reserveRooms(trx, stored, {
          source: 'bench',
          externalRef: `rates-${b}`,
          status: 'confirmed',
          nights: Array.from({ length: nights }, (_, n) => ({ roomType, date: addDays(from, start + n), rooms })),
        }),
      );
      made++;
    } catch (error) {
      if (!(error instanceof SoldOutError)) throw error;
      soldOut++;
    }
  }
  return { made, soldOut };
}

/** The night's counts at each occupancy level: rooms taken = level % of its total (PMS count not used). */
function occupancyLevels(slice: LedgerSlice): Map<string, NightCounts[]> {
  return new Map(
    slice.inventory.map((night) => {
      const total = night.total ?? 0;
      return [`${night.roomType}|${night.date}`, OCCUPANCY_LEVELS.map((p) => ({ sold: Math.floor((total * p) / 100), total }))];
    }),
  );
}

interface PriceStats {
  count: number;
  min: number;
  max: number;
  /** Sum of every price in minor units: a regression that prices nothing, or differently, changes it. */
  checksum: number;
}

/** EUR prices as formatMinor writes them ("129.99") → minor units. */
const minorOf = (amount: string) => Number(amount.replace('.', ''));

function statsOf(prices: Iterable<string | null>): PriceStats {
  const out = { count: 0, min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY, checksum: 0 };
  for (const price of prices) {
    if (price === null) continue;
    const minor = minorOf(price);
    out.count++;
    out.checksum += minor;
    if (minor < out.min) out.min = minor;
    if (minor > out.max) out.max = minor;
  }
  return out;
}

const money = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const eur = (minor: number) => money.format(minor / 100);
const describe = (s: PriceStats) => `min ${eur(s.min)}, max ${eur(s.max)}, checksum ${eur(s.checksum)} (sum of all prices)`;

/**
 * The same 4 × cells priced untimed with priceCell itself, context built as nightPricer builds it, to
 * see what the timed run cannot report cheaply: how many prices the floor, the ceiling or a price
 * ending's bound decided. Every final must equal the timed run's price.
 */
function crossCheck(property: Property, pricing: PricingRules, slice: LedgerSlice, levels: Map<string, NightCounts[]>, today: IsoDate, timed: readonly string[]) {
  const decimals = currencyDecimals(property.currency);
  const lineage = new Map(property.ratePlans.map((p) => [p.code, planLineage(property, p.code)]));
  const out = { floor: 0, ceiling: 0, endingAtBound: 0, endingSkipped: 0, mismatches: 0, rulesApplied: 0 };
  let k = 0;
  for (const cell of slice.rates) {
    if (cell.amount === null) continue;
    for (const counts of levels.get(`${cell.roomType}|${cell.date}`) ?? []) {
      const priced = priceCell(
        cell.amount,
        {
          date: cell.date,
          occupancy: nightOccupancy(counts),
          daysBeforeArrival: daysBetween(today, cell.date),
          roomType: cell.roomType,
          ratePlans: lineage.get(cell.ratePlan) ?? [cell.ratePlan],
        },
        pricing,
        decimals,
      );
      if (priced.final !== timed[k++]) out.mismatches++;
      for (const step of priced.steps) {
        if (step.kind === 'floor') out.floor++;
        else if (step.kind === 'ceiling') out.ceiling++;
        else if (step.kind === 'rule') out.rulesApplied++;
        else if (step.kind === 'rounding' && step.note !== undefined) {
          if (step.label.includes('skipped')) out.endingSkipped++;
          else out.endingAtBound++;
        }
      }
    }
  }
  return out;
}

/** How many nights of the read fall in each band of the pricing section, by nightOccupancy as channels are priced. */
function occupancyBands(slice: LedgerSlice): string {
  const bands = { '< 30 %': 0, '30–70 %': 0, '70–90 %': 0, '≥ 90 %': 0 };
  let fromPms = 0;
  for (const night of slice.inventory) {
    const o = nightOccupancy(night);
    if (o.pms) fromPms++;
    const percent = o.total > 0 ? (100 * o.sold) / o.total : 0;
    if (percent < 30) bands['< 30 %']++;
    else if (percent < 70) bands['30–70 %']++;
    else if (percent < 90) bands['70–90 %']++;
    else bands['≥ 90 %']++;
  }
  const parts = Object.entries(bands).map(([band, n]) => `${band} ${formatInt(n)}`);
  return `${parts.join(', ')} nights (${formatInt(fromPms)} decided by the PMS's count)`;
}

async function main(): Promise<void> {
  const { values, flags } = parseIntFlags(USAGE, { days: 365, 'room-types': 20, runs: 3, explains: 1000 }, ['no-explain']);
  if (values.days > 1095) {
    log(`--days must be at most 1095 (one ARI update covers at most 3 years)\n${USAGE}`);
    process.exit(2);
  }
  const shape: Shape = { days: values.days, roomTypes: values['room-types'] };
  const runs = values.runs;
  const explains = flags.has('no-explain') ? 0 : values.explains;
  const now = new Date();
  const from = todayIn(TIMEZONE, now);
  const to = addDays(from, shape.days - 1);
  const inventoryCells = shape.days * shape.roomTypes;
  const rateCells = inventoryCells * PLAN_CODES.length;
  const prices = rateCells * OCCUPANCY_LEVELS.length;
  const header =
    `rates: 1 property × ${shape.days} days × ${shape.roomTypes} room types × ${PLAN_CODES.length} rate plans (${BASE_PLANS.length} base, ${DERIVED_PLANS.length} derived) ` +
    `× ${OCCUPANCY_LEVELS.length} occupancies = ${formatInt(prices)} prices`;
  log(header);
  const loadAtStart = loadavg()[0] ?? 0;

  const out = await withScratchDatabase(
    async ({ db }) => {
      const { rows: server } = await db.raw<{ rows: { server_version: string }[] }>('SHOW server_version');
      log(`Postgres ${server[0]?.server_version ?? '?'}`);
      await importProperty(db, propertyDocument(shape, from));
      const ari = await applyAriBatch(db, CODE, ariBatch(shape, from));
      let stored = await requireProperty(db, CODE);
      const bookings = await addBookings(db, stored, shape, from);
      // A running hub has planner statistics; a scratch database seconds old has none (see sync-lag).
      await db.raw('ANALYZE');
      stored = await requireProperty(db, CODE);
      log(`ARI loaded with one applyAriBatch (${formatInt(ari.cells)} ledger cells); ${bookings.made} hub bookings (${bookings.soldOut} refused as sold out); ANALYZE done`);

      const { property } = stored;
      const pricing = property.pricing;
      if (!pricing) throw new Error('the bench property has no pricing section');
      const channel = property.channels.find((c) => c.code === CHANNEL);
      if (!channel) throw new Error(`no channel ${CHANNEL}`);
      const { pricing: _withoutRules, ...unpriced } = property;
      const spans = [...stored.roomTypeIds.values()].map((roomTypeId) => ({ roomTypeId, from, to }));

      // The slice every in-memory scenario prices: one read, untimed.
      const slice: LedgerSlice = await readLedgerSpans(db, stored, spans);
      if (slice.inventory.length !== inventoryCells || slice.rates.length !== rateCells) {
        throw new Error(`readLedgerSpans gave ${slice.inventory.length} + ${slice.rates.length} cells; expected ${inventoryCells} + ${rateCells}`);
      }
      const unrated = slice.rates.filter((c) => c.amount === null).length;
      if (unrated > 0) throw new Error(`${unrated} rate cells have no rate; every cell should`);
      const levels = occupancyLevels(slice);

      const read: Scenario = {
        name: 'ledger read: readLedgerSpans (baseline)',
        items: inventoryCells + rateCells,
        run: async () => {
          const got = await readLedgerSpans(db, stored, spans);
          if (got.inventory.length + got.rates.length !== inventoryCells + rateCells) throw new Error(`readLedgerSpans read ${got.inventory.length + got.rates.length} cells`);
        },
      };
      const priced: string[] = new Array<string>(prices).fill('');
      const pricingOnly: Scenario = {
        name: `pricing only: nightPricer × ${OCCUPANCY_LEVELS.length} occupancy levels`,
        items: prices,
        run: async () => {
          const price = nightPricer(property, undefined);
          let k = 0;
          for (const cell of slice.rates) {
            if (cell.amount === null) continue;
            const nightLevels = levels.get(`${cell.roomType}|${cell.date}`) as NightCounts[];
            const rated = { roomType: cell.roomType, ratePlan: cell.ratePlan, date: cell.date, amount: cell.amount };
            for (const occupancy of nightLevels) priced[k++] = price(rated, { occupancy, today: from });
          }
          if (k !== prices) throw new Error(`priced ${k} cells × levels; expected ${prices}`);
        },
      };
      let view: ChannelView = { inventory: [], rates: [] };
      const channelView: Scenario = {
        name: `channel view: channelViewOf, ${MARKUP_PERCENT} % markup`,
        items: rateCells,
        run: async () => {
          view = channelViewOf(property, channel, slice, 0, from);
        },
      };
      let plainView: ChannelView = { inventory: [], rates: [] };
      const markupOnly: Scenario = {
        name: 'channel view, no pricing section (markup only)',
        items: rateCells,
        run: async () => {
          plainView = channelViewOf(unpriced, channel, slice, 0, from);
        },
      };
      const picks = pickCells(slice, explains);
      let explained: Array<string | null> = [];
      const explain: Scenario = {
        name: `rate explain: explainRateOf, ${formatInt(picks.length)} random cells one by one`,
        items: picks.length,
        run: async () => {
          const finals: Array<string | null> = [];
          for (const cell of picks) {
            const result = await explainRateOf(db, CODE, { roomType: cell.roomType, ratePlan: cell.ratePlan, date: cell.date, channel: CHANNEL }, now);
            finals.push(result.final);
          }
          explained = finals;
        },
      };
      const scenarios = [read, pricingOnly, channelView, markupOnly, ...(explains > 0 ? [explain] : [])];

      // One untimed warm-up of each (JIT, plans, buffer cache), then round-robin.
      for (const s of scenarios) await s.run(-1);
      const results = await runInterleaved(scenarios, runs);

      // Sanity, untimed: what the runs computed, cross-checked against priceCell and rate explain.
      const pricedStats = statsOf(priced);
      const check = crossCheck(property, pricing, slice, levels, from, priced);
      if (check.mismatches > 0) throw new Error(`${check.mismatches} prices differ between nightPricer and priceCell`);
      const viewStats = statsOf(view.rates.map((c) => c.amount));
      const plainStats = statsOf(plainView.rates.map((c) => c.amount));
      if (viewStats.count !== rateCells) throw new Error(`the channel view priced ${viewStats.count} cells; expected ${rateCells}`);
      const viewPrice = new Map(view.rates.map((c) => [`${c.roomType}|${c.ratePlan}|${c.date}`, c.amount]));
      const explainMismatches = picks.filter((c, i) => viewPrice.get(`${c.roomType}|${c.ratePlan}|${c.date}`) !== explained[i]).length;
      if (explainMismatches > 0) throw new Error(`${explainMismatches} of ${picks.length} rate explain finals differ from the channel view`);
      const loadAtEnd = loadavg()[0] ?? 0;
      const medianOf = (s: Scenario) => median(results.find((r) => r.scenario === s)?.runsMs ?? [0]);
      const [readMs, viewMs, markupMs] = [medianOf(read), medianOf(channelView), medianOf(markupOnly)];

      const lines = [
        table(results, read),
        '',
        `occupancies: priceNight / priceCell price a room night, not a number of guests, so every rate cell is priced ${OCCUPANCY_LEVELS.length} times, ` +
          `with rooms taken = ${OCCUPANCY_LEVELS.join(' / ')} % of the night's total (one per occupancy band); the channel views price each cell once, at the ledger's occupancy`,
        `ledger read: ${formatInt(inventoryCells)} inventory + ${formatInt(rateCells)} rate cells; occupancy of its nights: ${occupancyBands(slice)}`,
        `pricing only: ${formatInt(pricedStats.count)} prices, ${describe(pricedStats)}; ${formatInt(check.rulesApplied)} rule steps, ` +
          `${formatInt(check.floor)} at the floor, ${formatInt(check.ceiling)} at the ceiling, ${formatInt(check.endingAtBound)} endings moved inside a bound, ` +
          `${formatInt(check.endingSkipped)} skipped; every price equal to priceCell's (untimed)`,
        `channel view: ${formatInt(viewStats.count)} prices, ${describe(viewStats)}; markup only: ${describe(plainStats)}`,
        `one channel sync's worth (the read, then channelViewOf): ${formatMs(readMs + viewMs)} ms, of which the pricing rules ` +
          `${formatMs(viewMs - markupMs)} ms (${formatInt((100 * (viewMs - markupMs)) / (readMs + viewMs))} %: channel view minus the markup-only view)`,
        ...(explains > 0 ? [`rate explain: all ${formatInt(picks.length)} finals equal to the channel view's price for the cell`] : []),
        `load average ${loadAtStart.toFixed(1)} → ${loadAtEnd.toFixed(1)}`,
      ];
      return lines.join('\n');
    },
    { label: 'rates' },
  );

  process.stdout.write(`${header}, median of ${plural(runs, 'run')}\n\n${out}\n`);
}

/** `count` distinct rate cells, the same ones every run (seeded). */
function pickCells(slice: LedgerSlice, count: number): Array<{ roomType: string; ratePlan: string; date: IsoDate }> {
  const random = prng(42);
  const chosen = new Set<number>();
  const n = Math.min(count, slice.rates.length);
  while (chosen.size < n) chosen.add(Math.floor(random() * slice.rates.length));
  return [...chosen].map((i) => slice.rates[i] as (typeof slice.rates)[number]);
}

/** scenario | count | unit | median ms | per second | per second ÷ the read's cells per second. */
function table(results: readonly ScenarioTimes[], baseline: Scenario): string {
  const unitOf = (s: Scenario) => (s === baseline ? 'cells' : s.name.startsWith('rate explain') ? 'explains' : 'prices');
  const base = results.find((r) => r.scenario === baseline) as ScenarioTimes;
  const baseRate = perSecond(baseline.items, median(base.runsMs));
  const rows = results.map((r) => {
    const ms = median(r.runsMs);
    const rate = perSecond(r.scenario.items, ms);
    const unit = unitOf(r.scenario);
    return [
      r.scenario.name,
      formatInt(r.scenario.items),
      unit,
      formatMs(ms),
      `${formatInt(rate)} ${unit}/s`,
      r === base ? '1.00x (baseline)' : unit === 'explains' ? `(${formatMs(ms / r.scenario.items)} ms per request)` : `${formatRatio(rate / baseRate)} the read`,
    ];
  });
  return renderTable(['scenario', 'count', 'of', 'median ms', 'per second', 'vs read cells/s'], rows, ['left', 'right', 'left', 'right', 'right', 'left']);
}

main().catch((error: unknown) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
