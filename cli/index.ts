import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/env';
import { TidewaterError, ValidationError } from '../core/errors';
import { registerDemo } from './demo';
import { registerKeys } from './keys';
import { registerMigrate } from './migrate';
import { registerProperty } from './property';
import { registerServe } from './serve';
import { registerWorker } from './worker';
import { registerReport } from './report';
import { registerReconcile } from './reconcile';
import { registerBooking } from './booking';
import { registerRate } from './rate';
import { registerFx } from './fx';
import { ExitCode } from './exit-code';
import { registerXml } from './xml-inspect';

export function buildProgram(): Command {
  const program = new Command('tidewater')
    .description(
      'Tidewater: a hotel channel manager hub. Keeps one availability/rates/restrictions ledger in Postgres and ' +
        'distributes it to OTAs, GDS, the booking engine and the PMS.\n\n' +
        'Configuration: DATABASE_URL (unset: embedded database under ./.tidewater), REDIS_URL (unset: ' +
        'single-process delivery), PORT (default 8080), LOG_LEVEL. Data goes to stdout, logs to stderr.',
    )
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');
  registerMigrate(program);
  registerServe(program);
  registerWorker(program);
  registerProperty(program);
  registerKeys(program);
  registerDemo(program);
  registerXml(program);
  registerReport(program);
  registerReconcile(program);
  registerBooking(program);
  registerRate(program);
  registerFx(program);
  return program;
}

/** Runs the CLI; resolves to the process exit code instead of exiting, so tests can call it. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof ExitCode) {
      if (error.message) process.stderr.write(`${error.message}\n`);
      return error.code;
    }
    if (error instanceof ConfigError) {
      // 2, like a usage error: nothing ran, the fix is in the environment, not in the data.
      process.stderr.write(`tidewater: ${error.message}\n`);
      return 2;
    }
    if (error instanceof ValidationError) {
      process.stderr.write(`error: ${error.title}\n${error.errors.map((e) => `  ${e.pointer || '/'}: ${e.detail}`).join('\n')}\n`);
      return 1;
    }
    if (error instanceof TidewaterError) {
      process.stderr.write(`error: ${error.message}\n`);
      return 1;
    }
    process.stderr.write(`error: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}
