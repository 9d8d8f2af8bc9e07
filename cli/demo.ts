import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Command } from 'commander';
import { createApp } from '../api/app';
import { silentLogger } from '../config/logger';
import { addDays, todayIn } from '../core/dates';
import { SoldOutError } from '../core/errors';
import { createApiKey } from '../db/api-keys-repo';
import { countOutbox } from '../db/outbox-repo';
import { readLedgerView } from '../db/ledger-view-repo';
import { importProperty, requireProperty } from '../services/property-service';
import { reserveStay } from '../services/reservation-service';
import { buildSamplePmsBatch } from '../fixtures/pms/sample-pms';
import { withRuntime } from './runtime';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures');

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'The zero-config tour: starts the hub, imports a sample property, pushes a year of ARI from a sample PMS over HTTP, ' +
        'takes bookings (one of them for the last room) and prints a summary. Uses the embedded database unless DATABASE_URL is set.',
    )
    .action(async () => {
      await withRuntime({ migrate: true }, async ({ db, logger }) => {
        const say = (line: string) => process.stderr.write(`› ${line}\n`);
        const document = JSON.parse(await readFile(path.join(FIXTURES, 'properties', 'harbour-view.json'), 'utf8')) as { code: string };
        // The demo owns its sample property: start from a clean slate so every run tells the same story.
        await db('properties').where({ code: document.code }).delete();
        const imported = await importProperty(db, document);
        say(`property ${imported.code} ${imported.created ? 'created' : 'up to date'} (${imported.changes.length} changes)`);

        const app = createApp({ db, logger: silentLogger });
        const server = app.listen(0, '127.0.0.1');
        await new Promise((resolve) => server.once('listening', resolve));
        const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        say(`hub listening on ${base}`);
        try {
          const { key } = await createApiKey(db, imported.code, 'pms');
          const stored = await requireProperty(db, imported.code);
          const today = todayIn(stored.property.timezone);
          const batch = buildSamplePmsBatch(stored.property, addDays(today, 1), 365);
          const started = Date.now();
          const response = await fetch(`${base}/v1/properties/${imported.code}/ari`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            body: JSON.stringify(batch),
          });
          const body = (await response.json()) as { version?: number; cells?: number; detail?: string };
          if (!response.ok) throw new Error(`ARI push refused: ${response.status} ${body.detail ?? ''}`);
          say(`sample PMS pushed ${batch.updates.length} updates → ${body.cells} ledger cells in ${Date.now() - started} ms (ledger version ${body.version})`);

          // Two guests race for the last two rooms of a night the PMS reported nearly full.
          const lastNight = addDays(today, 10);
          let confirmed = 0;
          let soldOut = 0;
          const results = await Promise.allSettled(
            ['direct', 'otax', 'direct', 'otax'].map((source) =>
              reserveStay(db, imported.code, { source, stays: [{ roomType: 'STE', checkIn: lastNight, checkOut: addDays(lastNight, 2), rooms: 1 }] }),
            ),
          );
          for (const r of results) {
            if (r.status === 'fulfilled') confirmed++;
            else if (r.reason instanceof SoldOutError) soldOut++;
            else throw r.reason;
          }
          say(`4 guests raced for the last suites on ${lastNight}: ${confirmed} confirmed, ${soldOut} sold out`);

          const view = await readLedgerView(db, stored, { from: lastNight, to: addDays(lastNight, 1), roomType: 'STE' });
          const summary = {
            property: imported.code,
            cellsPushed: body.cells,
            bookingsConfirmed: confirmed,
            bookingsSoldOut: soldOut,
            suitesLeft: view.map((d) => ({ date: d.date, available: d.roomTypes[0]?.available, sold: d.roomTypes[0]?.sold })),
            outboxPending: await countOutbox(db, stored.id),
          };
          process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
          logger.info(summary, 'demo finished');
        } finally {
          await new Promise((resolve) => server.close(resolve));
        }
      });
    });
}
