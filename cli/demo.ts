import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Command } from 'commander';
import IORedis from 'ioredis';
import { createApp } from '../api/app';
import { silentLogger } from '../config/logger';
import { safetyBufferRooms } from '../core/channel-view';
import { addDays, todayIn } from '../core/dates';
import type { PropertyDocument } from '../core/property-document';
import { createApiKey } from '../db/api-keys-repo';
import { checkSoldInvariant } from '../db/invariants-repo';
import { cachedDriftBasis, driftOf, expectedChannelCells, type DriftBasis } from '../fixtures/channels/drift';
import { noFaults } from '../fixtures/channels/sample-channel';
import { startDemoChannels, type DemoChannels } from '../fixtures/demo/demo-channels';
import { bookingFigures, deliveryFigures, incidentFigures, openIncidents, pmsDeliveries } from '../fixtures/demo/figures';
import { bookDirect, pushOtaReservation, type Stay } from '../fixtures/demo/guests';
import { fmt, ProgressView, type ChannelProgress } from '../fixtures/demo/progress';
import { buildSamplePmsBatch, pushAriOverHttp } from '../fixtures/pms/sample-pms';
import { startDistribution } from '../queues/distributor';
import { importProperty, requireProperty } from '../services/property-service';
import { reconcileProperty } from '../services/reconcile-service';
import { withRuntime, type Runtime } from './runtime';
import { ExitCode } from './exit-code';
import { waitForSignal } from './worker';

const DEMO_PROPERTY = path.resolve(__dirname, '..', 'fixtures', 'demo', 'harbour-view-demo.json');
/** A year of ARI from tomorrow, as a PMS sends when it connects. */
const DAYS = 365;
/** The suites are nearly full this many nights out (the sample PMS says 2 left): the last-room race happens there. */
const LAST_ROOM_OFFSET = 10;
/**
 * Consecutive failures of the critical OTA before the safety buffer engages. Production uses 3 with
 * longer waits; 2 keeps the demo's outage to a few seconds while still showing that one failure
 * alone does not trigger it.
 */
const FAILURE_THRESHOLD = 2;
const SAFETY_BUFFER_PERCENT = 10;

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'The zero-config tour: starts sample channels (OTA, booking engine, GDS, AlpineBits, PMS) on local ports and the hub, ' +
        'pushes a year of ARI as a PMS would and shows it reaching every channel, takes direct and OTA bookings racing for ' +
        'the last suite, makes the critical OTA fail so the safety buffer engages and lifts, and prints a summary ' +
        '(JSON on stdout, a readable version on stderr). Uses the embedded database unless DATABASE_URL is set, ' +
        'and in-process delivery unless REDIS_URL is set. Exits 0 when every channel shows what the ledger says.',
    )
    .option('--keep', 'leave the hub and the sample channels running after the summary (their URLs are printed); Ctrl-C stops them')
    .action(async (opts: { keep?: boolean }) => {
      await withRuntime({ migrate: true }, (rt) => runDemo(rt, { keep: opts.keep === true }));
    });
}

interface ChannelsState {
  /** Cells each ARI channel still shows differently from the ledger. */
  drift: Record<string, number>;
  /** The first few differing cells, for the error message if the demo gives up waiting. */
  sample: string[];
  basis: DriftBasis;
  pms: { queued: number; delivered: number };
}

async function runDemo(rt: Runtime, options: { keep: boolean }): Promise<void> {
  const { db, env } = rt;
  const started = Date.now();
  const view = new ProgressView();
  const say = (line: string) => view.say(line);
  // The tour narrates itself; the hub's own JSON logs would bury it. LOG_LEVEL=info shows them too.
  const hubLogger = process.env.LOG_LEVEL ? rt.logger : silentLogger;
  const cleanup: Array<() => Promise<void>> = [];
  // Ctrl-C while the tour runs: stop at the next wait and clean up (servers, workers, queue keys)
  // instead of dying with them half open. A second Ctrl-C kills the process as usual.
  const interrupt = new AbortController();
  const onSignal = () => {
    say('interrupted: stopping the hub and the sample channels');
    interrupt.abort(new ExitCode(130, 'demo interrupted'));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  cleanup.push(() => {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    return Promise.resolve();
  });
  try {
    // 1. The sample channels first: their ports go into the property document.
    const template = JSON.parse(await readFile(DEMO_PROPERTY, 'utf8')) as PropertyDocument;
    const channels = await startDemoChannels(template);
    cleanup.push(() => channels.close());
    say(`sample channels listening on local ports:`);
    for (const c of channels.channels) process.stderr.write(`    ${c.code.padEnd(7)} ${`${c.label} (${c.type}${c.critical ? ', critical' : ''})`.padEnd(32)} ${c.url}\n`);

    // 2. The demo owns its sample property: start from a clean slate so every run tells the same story.
    await db('properties').where({ code: template.code }).delete();
    const imported = await importProperty(db, channels.document);
    const stored = await requireProperty(db, imported.code);
    const code = stored.property.code;
    say(
      `property ${code} "${stored.property.name}" created from fixtures/demo/${path.basename(DEMO_PROPERTY)}: ` +
        `${stored.property.roomTypes.map((r) => `${r.rooms} ${r.code}`).join(', ')} rooms; plans ${stored.property.ratePlans.map((p) => p.code).join(', ')}; ` +
        `${stored.property.channels.length} channels`,
    );

    // 3. The hub's HTTP API. Its distribution starts once the PMS has pushed (step 4), as when a hotel
    // is connected: channels get the PMS's year, not the empty defaults of a property just created.
    const app = createApp({ db, logger: hubLogger, maxBody: env.TIDEWATER_MAX_BODY });
    const server: Server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    cleanup.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const hubUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    say(`hub API on ${hubUrl}; ledger in ${env.DATABASE_URL ? 'Postgres (DATABASE_URL)' : `the embedded Postgres (PGlite) under ${env.TIDEWATER_DATA_DIR}`}`);

    const pmsKey = (await createApiKey(db, code, 'pms')).key;
    const channelKey = (await createApiKey(db, code, 'channel')).key;
    const today = todayIn(stored.property.timezone);
    const from = addDays(today, 1);
    const to = addDays(today, DAYS);

    const ledgerBasis = cachedDriftBasis(db, code, from, to);
    const readChannels = async (): Promise<{ rows: ChannelProgress[]; value: ChannelsState }> => {
      const basis = await ledgerBasis();
      const pms = await pmsDeliveries(db, stored.id);
      const rows: ChannelProgress[] = [];
      const drift: Record<string, number> = {};
      const sample: string[] = [];
      for (const c of channels.channels) {
        const failing = c.sample.faults.failAll ? 'failing (503 injected)' : undefined;
        if (c.fields === 'none') {
          const status = failing ?? (pms.delivered === pms.queued ? (pms.queued === 0 ? 'no bookings yet' : 'bookings received') : `${pms.queued - pms.delivered} bookings on the way`);
          rows.push({ code: c.code, label: c.label, done: pms.delivered, total: pms.queued, status });
          continue;
        }
        const config = basis.property.channels.find((ch) => ch.code === c.code);
        if (!config) continue;
        const result = driftOf(expectedChannelCells(basis, config), c.sample.store, c.fields);
        drift[c.code] = result.drift.length;
        sample.push(...result.drift.slice(0, 3).map((d) => `${c.code}: ${d}`));
        const buffered = basis.safety.percent > 0 && !basis.safety.channels.includes(c.code) && c.fields === 'all';
        const status = failing ?? (result.drift.length === 0 ? `in sync${buffered ? `, buffer −${basis.safety.percent}%` : ''}` : `${fmt(result.drift.length)} behind`);
        rows.push({ code: c.code, label: c.label, done: result.checked - result.drift.length, total: result.checked, status });
      }
      return { rows, value: { drift, sample, basis, pms } };
    };
    const allInSync = (s: ChannelsState) => Object.values(s.drift).every((n) => n === 0) && s.pms.delivered === s.pms.queued;
    const orGiveUp = <T>(result: { value: T; timedOut: boolean; ms: number }, what: string, describe: (v: T) => string) => {
      if (result.timedOut) throw new ExitCode(1, `demo: gave up after ${(result.ms / 1000).toFixed(0)} s waiting for ${what}; ${describe(result.value)}`);
      return result.value;
    };
    const driftText = (s: ChannelsState) => `drift ${JSON.stringify(s.drift)}, PMS ${s.pms.delivered}/${s.pms.queued}; e.g. ${s.sample.slice(0, 3).join(' | ') || 'none'}`;

    // 4. A year of ARI, as the sample PMS sends it on connecting: over HTTP with its pms key.
    const batch = buildSamplePmsBatch(stored.property, from, DAYS);
    const pushStarted = Date.now();
    const pushed = await pushAriOverHttp(hubUrl, code, pmsKey, batch);
    const pushedAt = Date.now();
    say(`sample PMS pushed a year (${from} … ${to}): ${batch.updates.length} updates → ${fmt(pushed.cells)} ledger cells in ${Date.now() - pushStarted} ms (ledger version ${pushed.version})`);

    // A prefix of its own: the demo's jobs never mix with a running `tidewater worker`'s, and can be deleted after.
    const queuePrefix = `${env.TIDEWATER_QUEUE_PREFIX}-demo-${randomUUID().slice(0, 8)}`;
    const distribution = startDistribution({
      db,
      logger: hubLogger,
      queuePrefix,
      leaseMs: env.TIDEWATER_CHANNEL_LEASE_MS,
      // Without LISTEN/NOTIFY (the embedded database) the relay polls: often, so the tour does not wait on it.
      pollMs: 100,
      sweepMs: 1000,
      health: {
        failureThreshold: FAILURE_THRESHOLD,
        safetyBufferPercent: SAFETY_BUFFER_PERCENT,
        ...(env.TIDEWATER_ALERT_WEBHOOK ? { alertWebhook: env.TIDEWATER_ALERT_WEBHOOK } : {}),
      },
      ...(env.REDIS_URL ? { redisUrl: env.REDIS_URL } : {}),
      ...(env.DATABASE_URL ? { listenUrl: env.DATABASE_URL } : {}),
    });
    cleanup.push(async () => {
      await distribution.stop();
      if (env.REDIS_URL) await deleteQueueKeys(env.REDIS_URL, queuePrefix);
    });
    say(
      `hub distribution started: outbox relay + channel workers, ${env.REDIS_URL ? `through BullMQ on REDIS_URL (queue prefix ${queuePrefix})` : 'delivering from this process (no REDIS_URL)'}`,
    );

    // 5. Delivery progress until every channel holds the ledger's view.
    const synced = await view.watch({ title: 'delivering the year to every channel (cells that match the ledger / cells the channel should hold):', poll: readChannels, done: allInSync, timeoutMs: 90_000, signal: interrupt.signal });
    orGiveUp(synced, 'the first delivery', driftText);
    say(`every channel shows the ledger's year ${((Date.now() - pushedAt) / 1000).toFixed(1)} s after the push`);

    // 6. Bookings from two channels; the last suite is raced for.
    const night = addDays(today, LAST_ROOM_OFFSET);
    const stay: Stay = { roomType: 'STE', ratePlan: 'BAR', checkIn: night, checkOut: addDays(night, 2) };
    const ota = stored.property.channels.find((c) => c.type === 'ota-xml' && c.critical);
    if (!ota?.hotelCode) throw new Error('demo property: the critical OTA needs a hotelCode');
    const first = await bookDirect(hubUrl, code, pmsKey, stay, { firstName: 'Ada', lastName: 'Lovelace' });
    if (first.outcome !== 'confirmed') throw new Error(`demo: the first suite on ${night} should have been free`);
    say(`direct booking (booking API, sandbox payment approved): ${stay.roomType} ${stay.checkIn} → ${stay.checkOut} confirmed, ${first.total} ${first.currency}; one suite left`);
    const [direct, otaBookingId] = await Promise.all([
      bookDirect(hubUrl, code, pmsKey, stay, { firstName: 'Grace', lastName: 'Hopper' }),
      pushOtaReservation(hubUrl, channelKey, {
        id: `OTAX-DEMO-${randomUUID().slice(0, 8).toUpperCase()}`,
        hotelCode: ota.hotelCode,
        roomType: ota.roomTypes[stay.roomType] as string,
        ratePlan: ota.ratePlans[stay.ratePlan] as string,
        checkIn: stay.checkIn,
        checkOut: stay.checkOut,
        total: { amount: first.total, currency: first.currency },
        guest: { firstName: 'Alan', lastName: 'Turing' },
      }),
    ]);
    const overbookings = (await incidentFigures(db, stored.id)).byKind.overbooking?.opened ?? 0;
    const soldOut = direct.outcome === 'sold-out' ? 1 : 0;
    const raceOutcome = soldOut === 1 ? 'sold-out' : overbookings > 0 ? 'overbooked' : 'both-fit';
    say(
      `race for the last suite: a direct guest (booking API) and an OTA reservation (OTA_HotelResNotifRQ to /ota/v1, booking ${otaBookingId.slice(0, 8)}) at once → ` +
        (raceOutcome === 'sold-out'
          ? 'the OTA got there first; the direct guest was told 409 sold out (no overbooking)'
          : raceOutcome === 'overbooked'
            ? 'the direct guest got there first; the OTA had already sold the room, so the hub took it anyway: OVERBOOKING incident opened, suites closed on every channel'
            : 'both fitted (unexpected)'),
    );
    const delivered = await view.watch({ title: 'bookings to the PMS, new availability to every channel:', poll: readChannels, done: allInSync, timeoutMs: 60_000, signal: interrupt.signal });
    orGiveUp(delivered, 'the bookings to reach the PMS and the channels', driftText);

    // 7. The critical OTA fails: the other channels hold rooms back until it recovers.
    const otaSample = channels.ota;
    const otaCode = ota.code;
    otaSample.faults = { ...noFaults, failAll: true };
    say(`fault injected: ${otaCode} now answers every message 503`);
    const changeFrom = addDays(today, 1);
    const changeTo = addDays(today, 14);
    const change = await pushAriOverHttp(hubUrl, code, pmsKey, {
      updates: [{ roomType: 'DBL', ratePlan: 'BAR', from: changeFrom, to: changeTo, rate: '139.00' }],
    });
    say(`sample PMS raises the Double's BAR to 139.00 for ${changeFrom} … ${changeTo} (ledger version ${change.version}); ${otaCode} cannot take it`);
    const failStarted = Date.now();
    const others = channels.channels.filter((c) => c.code !== otaCode && c.fields !== 'none').map((c) => c.code);
    // The GDS takes rates only: it has no availability to hold back.
    const buffered = channels.channels.filter((c) => c.code !== otaCode && c.fields === 'all').map((c) => c.code);
    const engaged = await view.watch({
      title: `waiting for the safety buffer (after ${FAILURE_THRESHOLD} consecutive failures of ${otaCode}):`,
      poll: async () => {
        const state = await readChannels();
        return { ...state, value: { ...state.value, open: await openIncidents(db, stored.id, 'critical-channel-failing') } };
      },
      done: (s) => s.open > 0 && s.basis.safety.percent > 0 && others.every((c) => s.drift[c] === 0),
      timeoutMs: 60_000,
      signal: interrupt.signal,
    });
    orGiveUp(engaged, 'the safety buffer to engage', (s) => `open incidents ${s.open}, buffer ${s.basis.safety.percent}%; ${driftText(s)}`);
    const failures = (await db('channels').where({ property_id: stored.id, code: otaCode }).first<{ consecutive_failures: number }>('consecutive_failures'))?.consecutive_failures ?? 0;
    const withheld = stored.property.roomTypes.map((r) => `${r.code} ${safetyBufferRooms(r.rooms, SAFETY_BUFFER_PERCENT)}`).join(', ');
    const engagedMs = Date.now() - failStarted;
    say(`safety buffer engaged after ${(engagedMs / 1000).toFixed(1)} s (${failures} failures so far): incident opened; ${buffered.join(', ')} hold back ${SAFETY_BUFFER_PERCENT}% (${withheld} rooms)`);

    otaSample.faults = { ...noFaults };
    say(`fault cleared: ${otaCode} accepts messages again`);
    const recoverStarted = Date.now();
    const lifted = await view.watch({
      title: `waiting for ${otaCode} to catch up and the buffer to lift:`,
      poll: async () => {
        const state = await readChannels();
        return { ...state, value: { ...state.value, open: await openIncidents(db, stored.id, 'critical-channel-failing') } };
      },
      done: (s) => s.open === 0 && s.basis.safety.percent === 0 && allInSync(s),
      timeoutMs: 90_000,
      signal: interrupt.signal,
    });
    const final = orGiveUp(lifted, 'the safety buffer to lift', (s) => `open incidents ${s.open}, buffer ${s.basis.safety.percent}%; ${driftText(s)}`);
    const liftedMs = Date.now() - recoverStarted;
    say(`${otaCode} recovered and caught up ${(liftedMs / 1000).toFixed(1)} s after the fault cleared: incident resolved, buffer lifted, every channel in sync`);

    // 8. The hub's own reconciliation (what `tidewater reconcile` runs): each channel's view, read
    // back from the channel, against the ledger. An independent check of the demo's drift figures.
    const reconciled = await reconcileProperty(db, code, { from, to });
    const reconcileErrors = reconciled.channels.filter((c) => c.error !== undefined);
    say(
      `tidewater reconcile (run ${reconciled.runId}): ${fmt(reconciled.findings)} differences in ${fmt(reconciled.channels.reduce((n, c) => n + c.cellsChecked, 0))} cells ` +
        `(${reconciled.channels.map((c) => `${c.channel} ${c.findings.length}${c.error ? ' (unreadable)' : ''}`).join(', ')})`,
    );

    // 9. The summary, from the hub's own tables.
    const deliveries = await deliveryFigures(db, stored.id);
    const incidents = await incidentFigures(db, stored.id);
    const bookings = await bookingFigures(db, stored.id);
    const violations = await checkSoldInvariant(db, code);
    const summary = {
      property: code,
      database: env.DATABASE_URL ? 'postgres' : 'embedded',
      delivery: env.REDIS_URL ? 'bullmq' : 'in-process',
      ...(env.REDIS_URL ? { queuePrefix } : {}),
      durationMs: Date.now() - started,
      cellsPushed: pushed.cells,
      cellsDelivered: deliveries.cells,
      messagesDelivered: deliveries.messages,
      syncLagMs: { p50: deliveries.lagP50Ms, p99: deliveries.lagP99Ms },
      bookings: {
        confirmed: bookings.confirmed,
        soldOut,
        overbooked: overbookings,
        deliveredToPms: channels.pms.reservations.size,
        lastRoom: { roomType: stay.roomType, checkIn: stay.checkIn, checkOut: stay.checkOut, outcome: raceOutcome },
      },
      safetyBuffer: {
        channel: otaCode,
        percent: SAFETY_BUFFER_PERCENT,
        engaged: (incidents.byKind['critical-channel-failing']?.opened ?? 0) > 0,
        lifted: (incidents.byKind['critical-channel-failing']?.resolved ?? 0) > 0 && final.basis.safety.percent === 0,
        engagedAfterMs: engagedMs,
        liftedAfterMs: liftedMs,
      },
      incidents,
      drift: final.drift,
      reconcile: {
        runId: reconciled.runId,
        findings: reconciled.findings,
        channels: Object.fromEntries(
          reconciled.channels.map((c) => [c.channel, { source: c.source, cellsChecked: c.cellsChecked, findings: c.findings.length, ...(c.error ? { error: c.error } : {}) }]),
        ),
      },
      soldInvariant: violations.length === 0 ? 'ok' : violations,
      channels: channels.channels.map((c) => ({
        code: c.code,
        type: c.type,
        critical: c.critical,
        ...(deliveries.byChannel[c.code] ?? { cells: 0, messages: 0, lagP50Ms: null, lagP99Ms: null }),
        ...(c.fields === 'none' ? { bookingsReceived: channels.pms.reservations.size } : { drift: final.drift[c.code] ?? null }),
      })),
    };
    process.stderr.write(humanSummary(summary, channels));
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    if (violations.length > 0 || reconciled.findings > 0 || reconcileErrors.length > 0 || Object.values(final.drift).some((n) => n !== 0)) {
      throw new ExitCode(1, 'demo: the ledger and the channels disagree (see drift, reconcile and soldInvariant in the summary)');
    }

    if (options.keep) {
      // From here a signal is the way out, not an interruption.
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      process.stderr.write(
        `\nstill running (--keep); Ctrl-C stops everything:\n` +
          `    hub API   ${hubUrl}   (pms key ${pmsKey}, channel key ${channelKey})\n` +
          `              curl -H 'Authorization: Bearer ${pmsKey}' '${hubUrl}/v1/properties/${code}/ari?from=${night}&to=${addDays(night, 1)}'\n` +
          channels.channels.map((c) => `    ${c.code.padEnd(9)} ${c.url}/_view   ${c.url}/_stats   POST ${c.url}/_faults\n`).join(''),
      );
      await waitForSignal();
      say('stopping');
    }
  } finally {
    // Last started, first stopped: the workers stop before the channels they send to and the database they read.
    for (const close of cleanup.reverse()) {
      await close().catch((error: unknown) => rt.logger.warn({ err: error }, 'demo cleanup step failed'));
    }
  }
}

function humanSummary(
  s: {
    durationMs: number;
    cellsPushed: number;
    cellsDelivered: number;
    messagesDelivered: number;
    syncLagMs: { p50: number | null; p99: number | null };
    bookings: { confirmed: number; soldOut: number; overbooked: number; deliveredToPms: number; lastRoom: { outcome: string } };
    safetyBuffer: { engaged: boolean; lifted: boolean; engagedAfterMs: number; liftedAfterMs: number };
    incidents: { opened: number; resolved: number; byKind: Record<string, { opened: number; resolved: number }> };
    drift: Record<string, number>;
    reconcile: { runId: number; findings: number };
    soldInvariant: unknown;
  },
  channels: DemoChannels,
): string {
  const ms = (v: number | null) => (v === null ? 'n/a' : `${fmt(v)} ms`);
  const kinds = Object.entries(s.incidents.byKind)
    .map(([k, v]) => `${k} ${v.opened} opened / ${v.resolved} resolved`)
    .join('; ');
  return (
    `\nsummary (${(s.durationMs / 1000).toFixed(1)} s)\n` +
    `  ARI           ${fmt(s.cellsPushed)} ledger cells pushed; ${fmt(s.cellsDelivered)} channel cells delivered in ${fmt(s.messagesDelivered)} messages\n` +
    `  sync lag      p50 ${ms(s.syncLagMs.p50)}, p99 ${ms(s.syncLagMs.p99)} (commit → channel OK, from delivery_log)\n` +
    `  bookings      ${s.bookings.confirmed} confirmed, ${s.bookings.soldOut} sold out, ${s.bookings.overbooked} overbooked (last suite: ${s.bookings.lastRoom.outcome}); the PMS holds ${s.bookings.deliveredToPms}\n` +
    `  safety buffer ${s.safetyBuffer.engaged ? `engaged after ${(s.safetyBuffer.engagedAfterMs / 1000).toFixed(1)} s` : 'never engaged'}, ` +
    `${s.safetyBuffer.lifted ? `lifted ${(s.safetyBuffer.liftedAfterMs / 1000).toFixed(1)} s after recovery` : 'not lifted'}\n` +
    `  incidents     ${s.incidents.opened} opened, ${s.incidents.resolved} resolved (${kinds || 'none'})\n` +
    `  drift         ${channels.channels
      .filter((c) => c.fields !== 'none')
      .map((c) => `${c.code} ${s.drift[c.code] ?? '?'}`)
      .join(', ')} (cells differing from the ledger)\n` +
    `  reconcile     ${fmt(s.reconcile.findings)} differences (run ${s.reconcile.runId}; tidewater reconcile reading each channel back)\n` +
    `  sold = bookings ${s.soldInvariant === 'ok' ? 'ok' : 'VIOLATED'}\n\n`
  );
}

/** BullMQ leaves its keys in Redis; the demo's prefix is its own, so all of them can go. */
async function deleteQueueKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new IORedis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
