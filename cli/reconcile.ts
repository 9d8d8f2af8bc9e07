import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import { reconcileProperty, resyncPropertyNow, scheduleDriftFix, type ReconcileResult } from '../services/reconcile-service';
import { ExitCode } from './exit-code';
import { withRuntime } from './runtime';
import type { Db } from '../db/connection';

export function registerReconcile(program: Command): void {
  program
    .command('reconcile')
    .description(
      'Compare what each channel shows with what it should show (ledger after mappings, derived rates, buffers and ' +
        "restrictions) and print every difference. Channels that can be read are read; for push-only channels their last " +
        'acknowledged state is compared. Exit code 0: no drift; 1: drift found; 2: error. With --fix, the drifted cells ' +
        'are re-sent and the check runs again.',
    )
    .option('--property <code>', 'only this property (default: all)')
    .option('--channel <code>', 'only this channel')
    .option('--from <date>', 'first night (default: today at the property)')
    .option('--to <date>', 'last night, inclusive (default: a year from --from)')
    .option('--fix', 're-send exactly the drifted ranges, then check again')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'csv', 'json']).default('table'))
    .action(async (opts: ReconcileOpts) => {
      const drift = await withRuntime({ migrate: true }, async ({ db }) => {
        try {
          return await run(db, opts);
        } catch (error) {
          // The contract: 1 means drift, so any failure to check is 2.
          throw new ExitCode(2, `error: ${(error as Error).message}`);
        }
      });
      if (drift > 0) throw new ExitCode(1, `${drift} differences between the channels and the ledger`);
    });
}

type ReconcileOpts = { property?: string; channel?: string; from?: string; to?: string; fix?: boolean; format: 'table' | 'csv' | 'json' };

/** Checks every selected property, fixes if asked, prints; returns the differences left. */
async function run(db: Db, opts: ReconcileOpts): Promise<number> {
  const codes = opts.property !== undefined ? [opts.property] : await db('properties').orderBy('code').pluck<string[]>('code');
  let remaining = 0;
  const all: ReconcileResult[] = [];
  for (const code of codes) {
    let result = await check(db, code, opts);
    if (opts.fix && result.findings > 0) {
      const cells = await scheduleDriftFix(db, code, result);
      process.stderr.write(`${code}: re-sending ${cells} drifted nights\n`);
      await resyncPropertyNow(db, code);
      result = await check(db, code, opts);
    }
    remaining += result.findings;
    all.push(result);
  }
  process.stdout.write(render(all, opts.format));
  return remaining;
}

async function check(db: Db, code: string, opts: { channel?: string; from?: string; to?: string }): Promise<ReconcileResult> {
  const bar = process.stderr.isTTY ? new cliProgress.SingleBar({ format: `${code} {bar} {value}/{total} channels {channel}`, clearOnComplete: true }, cliProgress.Presets.shades_classic) : undefined;
  try {
    return await reconcileProperty(db, code, {
      ...(opts.channel !== undefined ? { channel: opts.channel } : {}),
      ...(opts.from !== undefined ? { from: opts.from } : {}),
      ...(opts.to !== undefined ? { to: opts.to } : {}),
      onProgress: (done, total, channel) => {
        if (bar) {
          if (done === 0) bar.start(total, 0, { channel });
          bar.update(done, { channel });
        } else if (channel) {
          process.stderr.write(`${code}: checking ${channel} (${done + 1}/${total})\n`);
        }
      },
    });
  } finally {
    bar?.stop();
  }
}

function render(results: ReconcileResult[], format: 'table' | 'csv' | 'json'): string {
  if (format === 'json') return `${JSON.stringify(results, null, 2)}\n`;
  const rows = results.flatMap((r) =>
    r.channels.flatMap((c) => c.findings.map((f) => [r.property, c.channel, f.date, f.roomType, f.ratePlan ?? '', f.field, f.ledger ?? '', f.channel ?? ''])),
  );
  const header = ['property', 'channel', 'date', 'room type', 'rate plan', 'field', 'ledger', 'channel value'];
  if (format === 'csv') return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
  const lines: string[] = [];
  for (const r of results) {
    for (const c of r.channels) {
      const status = c.error ? `error: ${c.error}` : c.findings.length === 0 ? 'no drift' : `${c.findings.length} differences`;
      lines.push(`${r.property} ${c.channel} (${c.type}, ${c.source === 'channel' ? "channel's own view" : 'last acknowledged'}, ${c.cellsChecked} cells, ${r.from}…${r.to}): ${status}`);
    }
  }
  if (rows.length > 0) {
    const shown = rows.slice(0, 200);
    const widths = header.map((h, i) => Math.min(20, Math.max(h.length, ...shown.map((row) => (row[i] ?? '').length))));
    const fmt = (row: string[]) => row.map((v, i) => v.slice(0, widths[i]).padEnd(widths[i] ?? 0)).join('  ').trimEnd();
    lines.push('', fmt(header), ...shown.map(fmt));
    if (rows.length > shown.length) lines.push(`… and ${rows.length - shown.length} more (use --format csv or json for all)`);
  }
  return `${lines.join('\n')}\n`;
}

function csvCell(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
