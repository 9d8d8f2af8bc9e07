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

  it('--xml prints the message back as XML that inspects to the same JSON, without prefixes, comments or xsi:*', async () => {
    const file = path.join(dir, 'rate-plan.xml');
    writeFileSync(
      file,
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<!-- exported by the PMS -->',
        '<ota:OTA_HotelRatePlanRQ xmlns:ota="http://www.opentravel.org/OTA/2003/05" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"',
        '    xsi:schemaLocation="http://www.opentravel.org/OTA/2003/05 OTA_HotelRatePlanRQ.xsd" Version="1.0">',
        '  <ota:RatePlans><ota:RatePlan><ota:HotelRef HotelCode="H&amp;1"/></ota:RatePlan>',
        '  <ota:Note><![CDATA[a < b]]></ota:Note></ota:RatePlans>',
        '</ota:OTA_HotelRatePlanRQ>',
      ].join('\n'),
    );
    await run(file);
    const json = stdout;
    stdout = '';
    await run('--xml', file);
    expect(stdout).toBe(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<OTA_HotelRatePlanRQ xmlns="http://www.opentravel.org/OTA/2003/05" Version="1.0">',
        '  <RatePlans>',
        '    <RatePlan>',
        '      <HotelRef HotelCode="H&amp;1"/>',
        '    </RatePlan>',
        '    <Note>a &lt; b</Note>',
        '  </RatePlans>',
        '</OTA_HotelRatePlanRQ>',
        '',
      ].join('\n'),
    );
    const again = path.join(dir, 'again.xml');
    writeFileSync(again, stdout);
    stdout = '';
    await run(again);
    expect(stdout).toBe(json);
  });

  it('--xml works for a domain message too: what it prints inspects to the same domain reading', async () => {
    const fixture = path.join(FIXTURES, 'ota-hotel-inv-count-notif-rq.xml');
    await run(fixture);
    const json = JSON.parse(stdout) as unknown;
    stdout = '';
    await run('--xml', fixture);
    expect(stdout).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<OTA_HotelInvCountNotifRQ xmlns="http:\/\/www\.opentravel\.org\/OTA\/2003\/05"/);
    const again = path.join(dir, 'again.xml');
    writeFileSync(again, stdout);
    stdout = '';
    await run(again);
    expect(JSON.parse(stdout)).toEqual(json);
  });

  it('--xml fails like the JSON does when the message cannot be read', async () => {
    const file = path.join(dir, 'broken.xml');
    writeFileSync(file, '<OTA_PingRQ Version="1">\n  <EchoData>\n</OTA_PingRQ>\n');
    await expect(run('--xml', file)).rejects.toMatchObject({ problem: 'malformed', line: 3 });
    expect(stdout).toBe('');
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
