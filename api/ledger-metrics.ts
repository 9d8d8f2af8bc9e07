import { Gauge, type Registry } from 'prom-client';
import type { Db } from '../db/connection';

/**
 * Figures read from the database at scrape time, so every API process reports the same numbers
 * whichever process did the work: overbookings (`overbooking_incidents_total`, ever recorded, for
 * the "overbooking > 0" alert), open incidents by kind, and bookings waiting for manual recovery.
 */
export function registerLedgerGauges(registry: Registry, db: Db): void {
  new Gauge({
    name: 'overbooking_incidents_total',
    help: 'Overbooking incidents ever recorded (monotonic; read from the incidents table)',
    registers: [registry],
    async collect() {
      const [row] = await db('incidents').where({ kind: 'overbooking' }).count<{ c: number }[]>({ c: '*' });
      this.set(Number(row?.c ?? 0));
    },
  });
  new Gauge({
    name: 'tidewater_incidents_open',
    help: 'Open incidents by kind',
    labelNames: ['kind'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db('incidents').where({ status: 'open' }).groupBy('kind').select<{ kind: string; c: number }[]>('kind', db.raw('count(*)::int AS c'));
      for (const r of rows) this.set({ kind: r.kind }, r.c);
    },
  });
  new Gauge({
    name: 'tidewater_bookings_manual_recovery',
    help: 'Bookings whose state could not be determined (payment outcome unknown)',
    registers: [registry],
    async collect() {
      const [row] = await db('reservations').where({ status: 'manual-recovery' }).count<{ c: number }[]>({ c: '*' });
      this.set(Number(row?.c ?? 0));
    },
  });
}
