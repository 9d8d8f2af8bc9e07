/**
 * XML read throughput: parse + map of a 1-year OTA_HotelAvailNotifRQ (what `POST /ota/v1` does
 * before it reaches the ledger), next to fast-xml-parser's raw `XMLParser.parse` of the same bytes
 * in the same run. No database.
 *
 *   npx tsx bench/xml.ts [--days 365] [--room-types 20] [--rate-plans 3] [--runs 7]
 *
 * Figures go to stdout, progress to stderr. See bench/README.md for how to read them.
 */
import { XMLParser } from 'fast-xml-parser';
import { addDays, WEEKDAYS } from '../core/dates';
import { readHotelAvailNotif } from '../mappers/opentravel/hotel-avail-notif';
import { parseXml } from '../mappers/xml/parse';
import { formatInt, formatMs, formatRatio, log, median, parseIntFlags, renderTable, runInterleaved, type Scenario } from './lib';

const USAGE = `usage: npx tsx bench/xml.ts [--days 365] [--room-types 20] [--rate-plans 3] [--runs 7]

  --days N        nights covered by the message, from 2027-01-01   (default 365)
  --room-types N  room types (InvTypeCode)                          (default 20)
  --rate-plans N  rate plans per room type (RatePlanCode)           (default 3)
  --runs N        timed runs per scenario; the median is reported   (default 7)

No database. Table on stdout, progress on stderr.`;

const START = '2027-01-01';
/** The endpoint's limit; the reader refuses anything larger, so the bench does too. */
const MAX_BYTES = 5 * 1024 * 1024;

/**
 * What a PMS sends for a full-year refresh: per room type and night a BookingLimit (counts vary by
 * day), and per room type × rate plan and week a length of stay plus one restriction (values vary
 * by week), each restriction in its own AvailStatusMessage as the schema requires.
 */
export function buildYearAvailNotif(days: number, roomTypes: number, ratePlans: number): { xml: string; messages: number } {
  const parts: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>\n',
    '<OTA_HotelAvailNotifRQ xmlns="http://www.opentravel.org/OTA/2003/05" EchoToken="bench-year" TimeStamp="2026-12-01T00:00:00+00:00" Version="4.000">\n',
    '  <AvailStatusMessages HotelCode="998877">\n',
  ];
  let messages = 0;
  for (let r = 0; r < roomTypes; r++) {
    const room = String(1001 + r);
    for (let d = 0; d < days; d++) {
      const date = addDays(START, d);
      parts.push(
        `    <AvailStatusMessage BookingLimit="${(r * 7 + d * 13) % 23}" BookingLimitMessageType="SetLimit">` +
          `<StatusApplicationControl Start="${date}" End="${date}" InvTypeCode="${room}"/></AvailStatusMessage>\n`,
      );
      messages++;
    }
    for (let p = 0; p < ratePlans; p++) {
      const plan = String(5001 + p);
      for (let w = 0; w * 7 < days; w++) {
        const from = addDays(START, w * 7);
        const to = addDays(START, Math.min(days - 1, w * 7 + 6));
        const weekend = WEEKDAYS.map((day) => `${day === 'wed' ? 'Weds' : day === 'thu' ? 'Thur' : day[0]?.toUpperCase() + day.slice(1)}="${day === 'fri' || day === 'sat'}"`).join(' ');
        parts.push(
          `    <AvailStatusMessage><StatusApplicationControl Start="${from}" End="${to}" InvTypeCode="${room}" RatePlanCode="${plan}"/>` +
            `<LengthsOfStay><LengthOfStay Time="${1 + ((w + p) % 3)}" TimeUnit="Day" MinMaxMessageType="SetMinLOS"/>` +
            `<LengthOfStay Time="${14 + (w % 7)}" TimeUnit="Day" MinMaxMessageType="SetMaxLOS"/></LengthsOfStay>` +
            `<RestrictionStatus Restriction="Master" Status="${(w + r + p) % 11 === 0 ? 'Close' : 'Open'}"/></AvailStatusMessage>\n`,
          `    <AvailStatusMessage><StatusApplicationControl Start="${from}" End="${to}" InvTypeCode="${room}" RatePlanCode="${plan}" ${weekend}/>` +
            `<RestrictionStatus Restriction="Arrival" Status="${(w + p) % 4 === 0 ? 'Close' : 'Open'}"/></AvailStatusMessage>\n`,
        );
        messages += 2;
      }
    }
  }
  parts.push('  </AvailStatusMessages>\n</OTA_HotelAvailNotifRQ>\n');
  return { xml: parts.join(''), messages };
}

async function main(): Promise<void> {
  const { values } = parseIntFlags(USAGE, { days: 365, 'room-types': 20, 'rate-plans': 3, runs: 7 });
  const built = buildYearAvailNotif(values.days, values['room-types'], values['rate-plans']);
  const bytes = Buffer.from(built.xml, 'utf8');
  if (bytes.length > MAX_BYTES) {
    log(`the message is ${formatInt(bytes.length)} bytes, over the endpoint's 5 MB limit; use fewer --days, --room-types or --rate-plans`);
    process.exit(2);
  }
  const mb = bytes.length / (1024 * 1024);
  log(`message: ${formatInt(built.messages)} AvailStatusMessage elements, ${mb.toFixed(2)} MB`);

  // Checked once, untimed: the mapped result is what the endpoint would apply.
  const read = readHotelAvailNotif(bytes);
  log(`read: ${formatInt(read.updates.length)} ARI updates, ${read.warnings.length} warnings`);

  const raw = new XMLParser({ ignoreAttributes: false });
  let sink = 0;
  const tidewater: Scenario = {
    name: 'tidewater parse + map (readHotelAvailNotif)',
    items: 1,
    run: async () => {
      sink += readHotelAvailNotif(bytes).updates.length;
    },
  };
  const parseOnly: Scenario = {
    name: 'tidewater parse only (parseXml)',
    items: 1,
    run: async () => {
      sink += parseXml(bytes).children.length;
    },
  };
  const baseline: Scenario = {
    name: 'fast-xml-parser XMLParser.parse (raw)',
    items: 1,
    run: async () => {
      sink += Object.keys(raw.parse(bytes) as object).length;
    },
  };
  // One untimed warm-up of each, so the JIT has seen every path before the clock starts.
  for (const s of [tidewater, parseOnly, baseline]) await s.run(0);
  const results = await runInterleaved([tidewater, parseOnly, baseline], values.runs);
  const baseMs = median(results.find((r) => r.scenario === baseline)?.runsMs ?? [1]);

  const rows = results.map((r) => {
    const ms = median(r.runsMs);
    const ratio = r.scenario === baseline ? '1.00x (baseline)' : `${formatRatio(baseMs / ms)} of raw parse`;
    return [r.scenario.name, formatMs(ms), ((1000 / ms) * 1).toFixed(2), formatInt((built.messages * 1000) / ms), ((mb * 1000) / ms).toFixed(1), ratio];
  });
  process.stdout.write(
    `xml: 1 OTA_HotelAvailNotifRQ of ${values.days} days × ${values['room-types']} room types × ${values['rate-plans']} rate plans ` +
      `(${formatInt(built.messages)} AvailStatusMessage, ${mb.toFixed(2)} MB), median of ${values.runs} runs\n\n` +
      renderTable(['scenario', 'median ms', 'messages/s', 'AvailStatusMessage/s', 'MB/s', 'speed vs raw parse'], rows, ['left', 'right', 'right', 'right', 'right', 'left']) +
      '\n',
  );
  if (sink < 0) log('unreachable'); // keeps the results alive
}

main().catch((error: unknown) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
