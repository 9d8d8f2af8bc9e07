import type { Command } from 'commander';
import { UnknownReservationError } from '../core/errors';
import { eraseGuest } from '../db/bookings-repo';
import { withRuntime } from './runtime';

export function registerBooking(program: Command): void {
  const booking = program.command('booking').description('Work with bookings.');
  booking
    .command('erase')
    .description("Erase a booking's guest personal data (name, email, phone). The stay, dates and amounts are kept for the ledger and accounting.")
    .argument('<id>', 'booking id')
    .action(async (id: string) => {
      await withRuntime({ migrate: true }, async ({ db }) => {
        const exists = /^[0-9a-f-]{36}$/i.test(id) ? await db('reservations').where({ id }).first('id') : undefined;
        if (!exists) throw new UnknownReservationError(id);
        const erased = await eraseGuest(db, id);
        process.stdout.write(erased ? `erased guest data of booking ${id}\n` : `booking ${id} has no guest data\n`);
      });
    });
}
