import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { ValidationError, type FieldError } from '../core/errors';
import { isKnownCurrency } from '../core/money';
import { readExchangeRates } from '../db/fx-repo';
import { loadExchangeRates } from '../services/fx-service';
import { withRuntime } from './runtime';

export function registerFx(program: Command): void {
  const fx = program
    .command('fx')
    .description(
      "Exchange rates for channels that sell in another currency than the property's (channels[].currency). " +
        "A night's price converts at the latest rate of the pair dated on or before that night: load today's rate " +
        'dated today to convert every future night at it, or date a row at the start of a season to pin that season. ' +
        'A channel with no rate for a night is sent no price for it. Rates are never fetched: you load them.',
    );
  fx.command('load')
    .description(
      'Load rates from a file, CSV (date,from,to,rate, e.g. 2027-03-01,EUR,GBP,0.8563; header optional) or JSON ' +
        '([{"date":"2027-03-01","from":"EUR","to":"GBP","rate":"0.8563"}]). Rates are decimal strings of up to 8 decimals, ' +
        'from the property currency to the channel currency. A row of the same pair and date replaces the one loaded ' +
        'before. All or nothing: any bad line refuses the whole file (exit 1, each line and why). Channels whose ' +
        'prices change are re-sent.',
    )
    .argument('<file>', 'the rate file, or - for stdin (read as CSV unless it starts with [)')
    .action(async (file: string) => {
      const text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
      await withRuntime({ migrate: true }, async ({ db }) => {
        const r = await loadExchangeRates(db, text, file === '-' ? 'stdin' : file);
        process.stdout.write(
          `loaded ${r.rows} rate${r.rows === 1 ? '' : 's'}: ${r.added} new, ${r.changed} changed, ${r.unchanged} unchanged; ` +
            `${r.channelsMarked} channel${r.channelsMarked === 1 ? '' : 's'} to re-send\n`,
        );
      });
    });
  fx.command('list')
    .description('Print the loaded rates, oldest first per pair; the CSV form is what `fx load` reads.')
    .option('--from <currency>', 'only rates from this currency (the property currency), e.g. EUR')
    .option('--to <currency>', 'only rates to this currency (the channel currency), e.g. GBP')
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
    .action(async (opts: { from?: string; to?: string; format: 'csv' | 'json' }) => {
      const errors: FieldError[] = [];
      const from = opts.from?.toUpperCase();
      const to = opts.to?.toUpperCase();
      if (from !== undefined && !isKnownCurrency(from)) errors.push({ pointer: '--from', detail: `not an ISO 4217 currency code: ${opts.from ?? ''}` });
      if (to !== undefined && !isKnownCurrency(to)) errors.push({ pointer: '--to', detail: `not an ISO 4217 currency code: ${opts.to ?? ''}` });
      if (errors.length > 0) throw new ValidationError(errors);
      const rates = await withRuntime({ migrate: true }, ({ db }) => readExchangeRates(db, { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) }));
      if (opts.format === 'json') {
        process.stdout.write(`${JSON.stringify(rates.map((r) => ({ date: r.validFrom, from: r.from, to: r.to, rate: r.rate })), null, 2)}\n`);
        return;
      }
      process.stdout.write(['date,from,to,rate', ...rates.map((r) => `${r.validFrom},${r.from},${r.to},${r.rate}`)].join('\n') + '\n');
      if (rates.length === 0) process.stderr.write('no exchange rates loaded (tidewater fx load FILE)\n');
    });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
