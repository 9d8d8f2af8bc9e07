import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import type { Logger } from '../config/logger';
import {
  isUnmappedCell,
  reconcileProperty,
  resyncPropertyNow,
  scheduleBookingFix,
  scheduleDriftFix,
  type ChannelDrift,
  type ReconcileResult,
} from '../services/reconcile-service';
import { ExitCode } from './exit-code';
import { withRuntime } from './runtime';
import type { Db } from '../db/connection';

export function registerReconcile(program: Command): void {
  program
    .command('reconcile')
    .description(
      'Compare what each channel shows with what it should show (ledger after mappings, derived rates, buffers and ' +
        "restrictions) and print every difference. Channels that can be read are read; for push-only channels their last " +
        'acknowledged state is compared. Bookings are compared too where the channel can list them (in the channel but ' +
        'not in Tidewater, in Tidewater but not in the channel, dates, rooms, status, amount), and so are the PMS\'s sold ' +
        'counts per night where the PMS can answer. Exit code 0: no drift; 1: drift found; 2: error (including a channel ' +
        'that could not be read). With --fix, the drifted cells are re-sent, bookings missing in Tidewater are pulled ' +
        'again, bookings on nights the PMS counts differently are sent to it again, and the check runs again; bookings ' +
        'Tidewater has that the channel lacks or shows differently are never changed: they are listed for a person.',
    )
    .option('--property <code>', 'only this property (default: all)')
    .option('--channel <code>', 'only this channel')
    .option('--from <date>', 'first night (default: today at the property)')
    .option('--to <date>', 'last night, inclusive (default: a year from --from)')
    .option('--fix', 're-send exactly the drifted ranges, re-pull missing bookings, then check again')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'csv', 'json']).default('table'))
    .action(async (opts: ReconcileOpts) => {
      const outcome = await withRuntime({ migrate: true }, async ({ db, logger }) => {
        try {
          return await run(db, logger, opts);
        } catch (error) {
          // The contract: 1 means drift, so any failure to check is 2.
          throw new ExitCode(2, `error: ${(error as Error).message}`);
        }
      });
      if (outcome.unreadable.length > 0) throw new ExitCode(2, `error: could not check ${outcome.unreadable.join(', ')}`);
      if (outcome.drift > 0) {
        const human = outcome.needsHuman > 0 ? ` (${outcome.needsHuman} need a person: see "needs a human")` : '';
        throw new ExitCode(1, `${outcome.drift} differences between the channels and the ledger${human}`);
      }
      // Prices a channel is not sent for want of an exchange rate are not drift, but not fine either.
      if (outcome.missingRates.length > 0) throw new ExitCode(1, `no exchange rate, prices not sent: ${outcome.missingRates.join(', ')} (tidewater fx load FILE)`);
    });
}

type ReconcileOpts = { property?: string; channel?: string; from?: string; to?: string; fix?: boolean; format: 'table' | 'csv' | 'json' };

/** Checks every selected property, fixes if asked, prints; returns the differences left and what could not be read. */
async function run(db: Db, logger: Logger, opts: ReconcileOpts): Promise<{ drift: number; needsHuman: number; unreadable: string[]; missingRates: string[] }> {
  const codes = opts.property !== undefined ? [opts.property] : await db('properties').orderBy('code').pluck<string[]>('code');
  let drift = 0;
  let needsHuman = 0;
  const all: ReconcileResult[] = [];
  for (const code of codes) {
    let result = await check(db, code, opts);
    // Only a person can settle the rest; a fix and a second run would change nothing.
    if (opts.fix && result.findings > result.needsHuman) {
      const cells = await scheduleDriftFix(db, code, result);
      const bookings = await scheduleBookingFix({ db, logger }, code, result);
      process.stderr.write(
        `${code}: re-sending ${cells} drifted nights, re-pulled ${bookings.repulled} bookings missing in Tidewater, ` +
          `re-sending ${bookings.redeliveries} bookings to the PMS\n`,
      );
      for (const r of bookings.refused) process.stderr.write(`${code}: ${r.channel} booking ${r.channelBookingId} could not be pulled again: ${r.reason}\n`);
      await resyncPropertyNow(db, code);
      result = await check(db, code, opts);
    }
    drift += result.findings;
    needsHuman += result.needsHuman;
    all.push(result);
  }
  process.stdout.write(render(all, opts.format, opts.fix === true));
  const unreadable = all.flatMap((r) => r.channels.filter((c) => unreadableParts(c).length > 0).map((c) => `${r.property} ${c.channel} (${unreadableParts(c).join(', ')})`));
  const missingRates = all.flatMap((r) => r.channels.filter((c) => c.missingExchangeRate !== undefined).map((c) => `${r.property} ${c.channel}`));
  return { drift, needsHuman, unreadable, missingRates };
}

function unreadableParts(c: ChannelDrift): string[] {
  return [c.error !== undefined && 'ARI', c.bookingError !== undefined && 'bookings', c.pmsError !== undefined && 'sold counts'].filter((p): p is string => p !== false);
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

/** One CSV row per finding of any kind; the first eight columns are the ARI columns they always were. */
const CSV_HEADER = ['property', 'channel', 'date', 'room type', 'rate plan', 'field', 'ledger', 'channel value', 'kind', 'booking', 'tidewater booking', 'issue', 'action'];

function csvRows(results: ReconcileResult[]): string[][] {
  return results.flatMap((r) =>
    r.channels.flatMap((c) => [
      ...c.findings.map((f) => [r.property, c.channel, f.date, f.roomType, f.ratePlan ?? '', f.field, f.ledger ?? '', f.channel ?? '', 'ari', '', '', 'differs', isUnmappedCell(f) ? 'human' : 'resend']),
      ...c.bookingFindings.map((f) => [r.property, c.channel, f.checkIn, f.roomType, '', f.field, f.tidewater ?? '', f.channel ?? '', 'booking', f.channelBookingId, f.bookingId ?? '', f.issue, f.action]),
      ...c.pmsFindings.map((f) => [r.property, c.channel, f.date, f.roomType, '', 'sold', String(f.tidewater), String(f.pms), 'pms', '', '', 'differs', f.action]),
    ]),
  );
}

const ISSUE_TEXT: Record<string, string> = {
  'missing-in-tidewater': 'in the channel but not in Tidewater',
  'missing-on-channel': 'in Tidewater but not in the channel',
  differs: 'differs',
};

function render(results: ReconcileResult[], format: 'table' | 'csv' | 'json', fixed: boolean): string {
  if (format === 'json') return `${JSON.stringify(results, null, 2)}\n`;
  if (format === 'csv') return [CSV_HEADER, ...csvRows(results)].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
  const lines: string[] = [];
  for (const r of results) {
    for (const c of r.channels) lines.push(`${r.property} ${c.channel} (${describeChecked(c)}, ${r.from}…${r.to}): ${describeStatus(c)}`);
  }
  const ari = results.flatMap((r) => r.channels.flatMap((c) => c.findings.map((f) => [r.property, c.channel, f.date, f.roomType, f.ratePlan ?? '', f.field, f.ledger ?? '', f.channel ?? ''])));
  lines.push(...table('', ['property', 'channel', 'date', 'room type', 'rate plan', 'field', 'ledger', 'channel value'], ari, 20));
  const bookings = results.flatMap((r) =>
    r.channels.flatMap((c) => c.bookingFindings.map((f) => [r.property, c.channel, f.channelBookingId, f.bookingId ?? '', f.field, f.tidewater ?? '', f.channel ?? '', ISSUE_TEXT[f.issue] ?? f.issue])),
  );
  lines.push(...table('bookings', ['property', 'channel', 'booking', 'tidewater booking', 'field', 'tidewater', 'channel value', 'issue'], bookings, 60));
  const sold = results.flatMap((r) => r.channels.flatMap((c) => c.pmsFindings.map((f) => [r.property, c.channel, f.date, f.roomType, String(f.tidewater), String(f.pms)])));
  lines.push(...table('PMS sold counts', ['property', 'channel', 'date', 'room type', 'tidewater sold', 'pms sold'], sold, 20));
  lines.push(...needsHumanSection(results, fixed));
  return `${lines.join('\n')}\n`;
}

function describeChecked(c: ChannelDrift): string {
  const parts = [c.type, c.source === 'channel' ? "channel's own view" : 'last acknowledged', `${c.cellsChecked} cells`];
  if (c.bookingsChecked !== undefined) parts.push(`${c.bookingsChecked} bookings`);
  if (c.nightsChecked !== undefined) parts.push(`${c.nightsChecked} sold counts`);
  return parts.join(', ');
}

function describeStatus(c: ChannelDrift): string {
  const parts = [
    c.error !== undefined ? `error: ${c.error}` : c.findings.length > 0 ? `${c.findings.length} differences` : undefined,
    c.bookingError !== undefined ? `bookings unreadable: ${c.bookingError}` : c.bookingFindings.length > 0 ? `${c.bookingFindings.length} booking differences` : undefined,
    c.pmsError !== undefined ? `sold counts unreadable: ${c.pmsError}` : c.pmsFindings.length > 0 ? `${c.pmsFindings.length} sold-count differences` : undefined,
    c.missingExchangeRate !== undefined ? `no prices sent on ${c.missingExchangeRate.nights} nights: no ${c.missingExchangeRate.from}→${c.missingExchangeRate.to} exchange rate` : undefined,
  ].filter((p): p is string => p !== undefined);
  return parts.length > 0 ? parts.join('; ') : 'no drift';
}

/** What --fix does not change, or (after --fix) what is left: a revenue-team or mapping decision. */
function needsHumanSection(results: ReconcileResult[], fixed: boolean): string[] {
  const items = results.flatMap((r) =>
    r.channels.flatMap((c) => [
      ...c.bookingFindings
        .filter((f) => fixed || f.action === 'human')
        .map((f) => `${r.property} ${c.channel} booking ${f.channelBookingId}: ${f.field === 'booking' ? ISSUE_TEXT[f.issue] : `${f.field} is ${f.tidewater ?? 'nothing'} in Tidewater, ${f.channel ?? 'nothing'} in the channel`}`),
      ...c.findings.filter((f) => fixed || isUnmappedCell(f)).map((f) => `${r.property} ${c.channel} ${f.date} ${f.roomType}${f.ratePlan ? `/${f.ratePlan}` : ''} ${f.field}: ${isUnmappedCell(f) ? 'a code nobody mapped' : `ledger ${f.ledger ?? 'nothing'}, channel ${f.channel ?? 'nothing'}`}`),
      ...c.pmsFindings.filter((f) => fixed || f.action === 'human').map((f) => `${r.property} ${c.channel} ${f.date} ${f.roomType}: Tidewater sold ${f.tidewater}, the PMS ${f.pms}`),
      ...(c.missingExchangeRate
        ? [`${r.property} ${c.channel} ${c.missingExchangeRate.firstNight}…${c.missingExchangeRate.lastNight}: no ${c.missingExchangeRate.from}→${c.missingExchangeRate.to} exchange rate, prices not sent (tidewater fx load FILE)`]
        : []),
    ]),
  );
  if (items.length === 0) return [];
  const why = fixed
    ? 'still different after --fix; a person has to decide (bookings are a revenue-team decision, Tidewater never changes them on its own):'
    : '--fix leaves these alone; a person has to decide (bookings are a revenue-team decision, unmapped codes a mapping one):';
  const shown = items.slice(0, 200);
  return ['', `needs a human (${items.length}) — ${why}`, ...shown.map((i) => `  ${i}`), ...(items.length > shown.length ? [`  … and ${items.length - shown.length} more (use --format csv or json for all)`] : [])];
}

function table(title: string, header: string[], rows: string[][], maxWidth: number): string[] {
  if (rows.length === 0) return [];
  const shown = rows.slice(0, 200);
  const widths = header.map((h, i) => Math.min(maxWidth, Math.max(h.length, ...shown.map((row) => (row[i] ?? '').length))));
  const fmt = (row: string[]) => row.map((v, i) => v.slice(0, widths[i]).padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return ['', ...(title ? [title] : []), fmt(header), ...shown.map(fmt), ...(rows.length > shown.length ? [`… and ${rows.length - shown.length} more (use --format csv or json for all)`] : [])];
}

function csvCell(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
