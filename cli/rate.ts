import { Command, Option } from 'commander';
import { ValidationError } from '../core/errors';
import type { ExplainResult } from '../core/rate-explain';
import { explainRateOf } from '../services/rate-explain-service';
import { withRuntime } from './runtime';

/** The request fields as the options that set them, so an error names what the user typed. */
const OPTION_OF: Record<string, string> = { '/roomType': '--room', '/ratePlan': '--plan', '/date': '--date', '/channel': '--channel', '/asOf': '--as-of' };

export function registerRate(program: Command): void {
  const rate = program.command('rate').description('Rates and prices: how the price a channel is sent comes about.');
  rate
    .command('explain')
    .description(
      'Explains the price of one room type, rate plan and night, step by step: the rate the PMS pushed, each derived ' +
        'plan on the way (e.g. RACK → BAR −10% → NRF −10%), every pricing rule that applies with its factor and the ' +
        'running amount (season, weekday, occupancy from the ledger, booking window, events), the floor and ceiling, ' +
        "the price ending, and with --channel the channel's markup and, for a channel selling in another currency, the conversion (rate and its date). Rules that do not apply are listed with the reason. " +
        "The rules are the property document's `pricing` section; rates and sold/total come from the ledger as it is now. " +
        'The same JSON is served at GET /v1/properties/{code}/rates/explain. ' +
        'Exits 1 if the property, room type, plan or channel is unknown.',
    )
    .requiredOption('--property <code>', 'property code, e.g. AMS01')
    .requiredOption('--room <code>', 'room type code, e.g. DBL')
    .requiredOption('--plan <code>', 'rate plan code, e.g. BAR')
    .requiredOption('--date <YYYY-MM-DD>', 'the night (a date in the property time zone)')
    .option('--channel <code>', 'explain the price as this channel is sent it (with its markup and codes)')
    .option('--as-of <YYYY-MM-DD>', 'judge the booking window from this day instead of today in the property time zone')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (opts: { property: string; room: string; plan: string; date: string; channel?: string; asOf?: string; format: 'table' | 'json' }) => {
      const result = await withRuntime({ migrate: true }, async ({ db }) => {
        try {
          return await explainRateOf(db, opts.property, {
            roomType: opts.room,
            ratePlan: opts.plan,
            date: opts.date,
            ...(opts.channel !== undefined ? { channel: opts.channel } : {}),
            ...(opts.asOf !== undefined ? { asOf: opts.asOf } : {}),
          });
        } catch (error) {
          if (error instanceof ValidationError) {
            throw new ValidationError(error.errors.map((e) => ({ ...e, pointer: OPTION_OF[e.pointer] ?? e.pointer })));
          }
          throw error;
        }
      });
      process.stdout.write(opts.format === 'json' ? `${JSON.stringify(result, null, 2)}\n` : renderExplainTable(result));
    });
}

/** The explanation as a plain table, one line per step, within 100 columns for rule names up to 50 characters. */
export function renderExplainTable(r: ExplainResult): string {
  const sentTo = r.channel ? `, sent to ${r.channel.code} as ${r.channel.roomType}/${r.channel.ratePlan}${r.channel.currency !== undefined ? ` in ${r.channel.currency}` : ''}` : '';
  const lines = [
    `${r.property} ${r.roomType}/${r.ratePlan} on ${r.date} (${r.weekday}), ${r.currency}${sentTo}`,
    `as of ${r.asOf}: ${r.daysBeforeArrival} ${Math.abs(r.daysBeforeArrival) === 1 ? 'day' : 'days'} before arrival; ` +
      `occupancy ${r.occupancy.sold}/${r.occupancy.total} = ${r.occupancy.percent}%`,
    '',
  ];
  const rows = r.steps.map((s) => [s.label, factorOf(s), s.amount]);
  rows.push([r.channel ? `price sent to ${r.channel.code}` : 'price', '', r.final === null ? '-' : `${r.final}`]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => (row[i] ?? '').length), i === 0 ? 'step'.length : i === 1 ? 'factor'.length : 'amount'.length));
  const fmt = (row: string[]) => `  ${(row[0] ?? '').padEnd(widths[0] ?? 0)}  ${(row[1] ?? '').padEnd(widths[1] ?? 0)}  ${(row[2] ?? '').padStart(widths[2] ?? 0)}`.trimEnd();
  lines.push(fmt(['step', 'factor', 'amount']));
  r.steps.forEach((s, i) => {
    lines.push(fmt(rows[i] as string[]));
    if ('note' in s && s.note !== undefined) lines.push(`      ${s.note}`);
  });
  lines.push(fmt(rows[rows.length - 1] as string[]) + (r.final === null ? '' : ` ${r.channel?.currency ?? r.currency}`));
  if (r.note !== undefined) lines.push(`  ${r.note}`);
  if (r.floor !== null && r.ceiling !== null) lines.push(`  bounds: floor ${r.floor}, ceiling ${r.ceiling}`);
  if (r.byGuests !== undefined) {
    // The same chain as above on each count's own price; the base occupancy's line is the price above.
    lines.push('', `  per number of guests (the price above is for ${r.baseGuests ?? '?'}):`);
    const labelWidth = Math.max(...r.byGuests.map((g) => g.label.length));
    const ledgerWidth = Math.max(...r.byGuests.map((g) => g.ledger.length));
    for (const g of r.byGuests) lines.push(`    ${String(g.guests).padStart(2)}  ${g.label.padEnd(labelWidth)}  ${g.ledger.padStart(ledgerWidth)}  →  ${g.final ?? 'not sold'}`);
    if (r.supplements?.extraAdult !== undefined) lines.push(`    extra adult ${r.supplements.extraAdult}`);
    if (r.supplements?.extraChild !== undefined) lines.push(`    extra child ${r.supplements.extraChild}`);
  }
  if (r.notApplied.length > 0) {
    lines.push('', '  not applied:');
    for (const n of r.notApplied) lines.push(`    ${n.rule}: ${n.reason}`);
  }
  return `${lines.join('\n')}\n`;
}

function factorOf(step: ExplainResult['steps'][number]): string {
  // Derivations and the markup carry their percentage in the label already.
  return step.kind === 'rule' ? `× ${step.factor}` : '';
}
