import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { registerXml } from '../../cli/xml-inspect';
import { TidewaterError } from '../../core/errors';
import { XmlMessageError } from '../xml/errors';
import { FIXTURES } from './testing';

/** `xml inspect` lives in cli/, but it is the mappers' command: its test sits with theirs. */
describe('tidewater xml inspect', () => {
  let dir: string;
  let stdout: string;
  let write: jest.SpyInstance;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'xml-inspect-'));
    stdout = '';
    write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout += chunk.toString();
      return true;
    });
  });
  afterEach(() => {
    write.mockRestore();
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(...args: string[]): Promise<void> {
    const program = new Command('tidewater').exitOverride();
    registerXml(program);
    await program.parseAsync(['node', 'tidewater', 'xml', 'inspect', ...args]);
  }

  it('prints the normalized JSON of a message on stdout', async () => {
    await run(path.join(FIXTURES, 'ota-hotel-inv-count-notif-rq.xml'));
    const printed = JSON.parse(stdout) as { root: string; kind: string; normalized: { updates: unknown[] } };
    expect(printed).toMatchObject({ root: 'OTA_HotelInvCountNotifRQ', kind: 'hotel-inv-count-notif', standard: 'opentravel' });
    expect(printed.normalized.updates).toHaveLength(3);
  });

  it('fails with the file, line, element and reason, as an error the CLI turns into exit code 1', async () => {
    const file = path.join(dir, 'bad.xml');
    writeFileSync(
      file,
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<OTA_HotelRateAmountNotifRQ xmlns="http://www.opentravel.org/OTA/2003/05" Version="5.000">',
        '  <RateAmountMessages HotelCode="998877">',
        '    <RateAmountMessage>',
        '      <StatusApplicationControl Start="2027-03-01" End="2027-03-31" InvTypeCode="1001" RatePlanCode="5001"/>',
        '      <Rates><Rate><BaseByGuestAmts>',
        '        <BaseByGuestAmt AmountAfterTax="129.00" CurrencyCode="ZZZ"/>',
        '      </BaseByGuestAmts></Rate></Rates>',
        '    </RateAmountMessage>',
        '  </RateAmountMessages>',
        '</OTA_HotelRateAmountNotifRQ>',
      ].join('\n'),
    );
    const error = await run(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(XmlMessageError);
    expect(error).toBeInstanceOf(TidewaterError);
    expect((error as Error).message).toBe(`${file}, line 7, element <BaseByGuestAmt>: CurrencyCode "ZZZ" is not an ISO 4217 currency`);
    expect(stdout).toBe('');
  });

  it('reports malformed XML with its line', async () => {
    const file = path.join(dir, 'broken.xml');
    writeFileSync(file, '<OTA_PingRQ Version="1">\n  <EchoData>\n</OTA_PingRQ>\n');
    await expect(run(file)).rejects.toMatchObject({ problem: 'malformed', line: 3, element: 'OTA_PingRQ' });
  });

  it('says when the file cannot be read', async () => {
    await expect(run(path.join(dir, 'missing.xml'))).rejects.toThrow(/cannot read .*missing\.xml/);
  });

  it('honours --standard', async () => {
    const file = path.join(dir, 'free-rooms.xml');
    writeFileSync(
      file,
      '<OTA_HotelInvCountNotifRQ xmlns="http://www.opentravel.org/OTA/2003/05" Version="4"><Inventories HotelCode="123"><Inventory><StatusApplicationControl Start="2027-03-01" InvTypeCode="DOUBLE"/><InvCounts><InvCount CountType="2" Count="2"/></InvCounts></Inventory></Inventories></OTA_HotelInvCountNotifRQ>',
    );
    await run('--standard', 'alpinebits', file);
    expect(JSON.parse(stdout)).toMatchObject({ standard: 'alpinebits', normalized: { standard: 'alpinebits' } });
  });
});
