import { Command, Option } from 'commander';
import { DEFAULT_PARITY_DAYS, DEFAULT_PARITY_TOLERANCE_PERCENT } from '../services/rate-parity-service';
import { buildReport, type PropertyReport } from '../services/report-service';
import { ExitCode } from './exit-code';
import { withRuntime } from './runtime';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description(
      'Per property and channel: sync lag (p50/p99, last hour), failures, pending work, dead letters, buffers in effect, ' +
        'open incidents (overbookings, failing channels, iCal conflicts) and bookings waiting for manual recovery. ' +
        'With --check, also verifies that every night\'s sold rooms equal its bookings, and exits 1 if not. ' +
        'Rate parity: the same room, plan and night priced differently across channels (after each channel\'s markup) ' +
        'by more than the tolerance, over the next nights.',
    )
    .option('--property <code>', 'only this property')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--check', 'verify the sold = bookings invariant of the ledger')
    .option('--parity-days <n>', `rate parity: nights compared, from today at the property (default ${DEFAULT_PARITY_DAYS})`)
    .option('--parity-tolerance <percent>', `rate parity: spread allowed, in percent of the lowest price (default ${DEFAULT_PARITY_TOLERANCE_PERCENT})`)
    .action(async (opts: ReportOpts) => {
      const failed = await withRuntime({ migrate: true }, async ({ db }) => {
        const reports = await buildReport(db, {
          ...(opts.property !== undefined ? { property: opts.property } : {}),
          check: opts.check === true,
          // Number('') is 0 and Number('7.5') is not whole: both are refused by the report with the option's name.
          ...(opts.parityDays !== undefined ? { parityDays: Number(opts.parityDays) } : {}),
          ...(opts.parityTolerance !== undefined ? { parityTolerancePercent: opts.parityTolerance.replace(/%$/, '') } : {}),
        });
        process.stdout.write(opts.format === 'json' ? `${JSON.stringify(reports, null, 2)}\n` : reports.map(renderTable).join('\n'));
        return reports.some((r) => r.invariant && !r.invariant.ok);
      });
      if (failed) throw new ExitCode(1, 'the ledger check found nights whose sold rooms differ from their bookings');
    });
}

type ReportOpts = { property?: string; format: 'table' | 'json'; check?: boolean; parityDays?: string; parityTolerance?: string };

const WIDTH = 120;
const PARITY_SHOWN = 5;
const fit = (line: string) => (line.length > WIDTH ? `${line.slice(0, WIDTH - 1)}…` : line);

/** A plain table that fits 120 columns. */
export function renderTable(report: PropertyReport): string {
  const lines: string[] = [];
  const buffer = report.safetyBuffer.percent > 0 ? `  SAFETY BUFFER ${report.safetyBuffer.percent}% (${report.safetyBuffer.becauseOf.join(', ')} failing)` : '';
  lines.push(`${report.property}${buffer}`);
  const header = ['channel', 'type', 'crit', 'lag p50', 'lag p99', 'fails', 'pending', 'bookings', 'dead 24h', 'last error'];
  const rows = report.channels.map((c) => [
    c.channel,
    c.type,
    c.critical ? 'yes' : '',
    c.lagP50Ms === null ? '-' : `${c.lagP50Ms} ms`,
    c.lagP99Ms === null ? '-' : `${c.lagP99Ms} ms`,
    String(c.consecutiveFailures),
    String(c.pendingRanges),
    String(c.pendingBookings),
    String(c.deadLetters24h),
    (c.lastError ?? c.lastDeadLetter ?? '').slice(0, 40),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]) => `  ${r.map((v, i) => v.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd();
  lines.push(fmt(header), ...rows.map(fmt));
  lines.push(`  open incidents: ${report.openIncidents.length === 0 ? 'none' : ''}`);
  for (const i of report.openIncidents) lines.push(`    #${i.id} ${i.kind}${i.channel ? ` (${i.channel})` : ''} since ${i.openedAt}`);
  lines.push(`  manual recovery: ${report.manualRecoveryBookings.length === 0 ? 'none' : ''}`);
  for (const b of report.manualRecoveryBookings) lines.push(`    ${b.id} from ${b.source} at ${b.createdAt}, ${b.total ?? '?'} ${b.currency ?? ''}`);
  if (report.invariant) {
    lines.push(`  sold = bookings: ${report.invariant.ok ? 'OK' : `${report.invariant.violations.length} nights differ`}`);
    for (const v of report.invariant.violations.slice(0, 20)) lines.push(`    ${v.roomType} ${v.date}: ledger ${v.ledgerRooms}, bookings ${v.bookedRooms}`);
  }
  lines.push(...renderParity(report.rateParity));
  return `${lines.map(fit).join('\n')}\n`;
}

function renderParity(parity: PropertyReport['rateParity']): string[] {
  const head = `  rate parity ${parity.window.from}…${parity.window.to}, tolerance ${parity.tolerancePercent}%: `;
  if (parity.channels.length < 2) return [`${head}fewer than two channels with rates`];
  const lines = [`${head}${parity.violations.length === 0 ? 'OK' : `${parity.violations.length} violation${parity.violations.length === 1 ? '' : 's'}`} (${parity.checked} cells, ${parity.channels.length} channels)`];
  for (const c of parity.channels) {
    if (c.error) lines.push(`    ${c.channel}: own view unreadable, compared what it acknowledged (${c.error})`);
  }
  for (const v of parity.violations.slice(0, PARITY_SHOWN)) {
    const prices = v.prices
      .map((p) => (p.shown === p.normalized && p.currency === undefined ? `${p.channel} ${p.shown}` : `${p.channel} ${p.currency !== undefined ? `${p.currency} ` : ''}${p.shown} (${p.normalized})`))
      .join(', ');
    lines.push(`    ${v.roomType}/${v.ratePlan} ${v.date} ${v.spreadPercent === null ? 'free somewhere' : `+${v.spreadPercent}%`}: ${prices}`);
  }
  if (parity.violations.length > PARITY_SHOWN) lines.push(`    … and ${parity.violations.length - PARITY_SHOWN} more (use --format json for all)`);
  return lines;
}
