import type { Command } from 'commander';
import { migrateLatest } from '../db/connection';
import { withRuntime } from './runtime';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('Apply every pending database migration to DATABASE_URL (safe to run again: it applies only what is missing).')
    .action(async () => {
      await withRuntime({}, async ({ db }) => {
        const applied = await migrateLatest(db);
        process.stdout.write(applied.length > 0 ? `applied: ${applied.join(', ')}\n` : 'already up to date\n');
      });
    });
}
