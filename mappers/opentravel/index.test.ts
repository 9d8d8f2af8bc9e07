import { readFileSync } from 'node:fs';
import path from 'node:path';
import { inspectXml, XmlMessageError, type GenericXmlNode } from './index';
import { ALPINEBITS_EXAMPLES, FIXTURES, OPENTRAVEL_SAMPLES, opentravelValidator, readFixture, xmlErrorOf, xmlFilesIn } from './testing';

const officialExamples = [...xmlFilesIn(OPENTRAVEL_SAMPLES), ...xmlFilesIn(ALPINEBITS_EXAMPLES)];

describe('inspectXml', () => {
  it('finds the official examples', () => {
    expect(xmlFilesIn(OPENTRAVEL_SAMPLES).length).toBeGreaterThanOrEqual(40);
    expect(xmlFilesIn(ALPINEBITS_EXAMPLES).length).toBeGreaterThanOrEqual(40);
  });

  it.each(officialExamples.map((file) => [path.relative(path.dirname(path.dirname(file)), file), file]))('reads %s', (_name, file) => {
    const bytes = readFileSync(file);
    const result = inspectXml(bytes);
    expect(result.root).toBe(/<(?:\w+:)?(OTA_\w+)/.exec(bytes.toString('utf8'))?.[1]);
    expect(result.normalized).toBeDefined();
    expect(() => JSON.stringify(result)).not.toThrow();
  });

  it('dispatches on the root element', () => {
    expect(inspectXml(readFixture('ota-hotel-avail-notif-rq.xml'))).toMatchObject({
      root: 'OTA_HotelAvailNotifRQ',
      namespace: 'http://www.opentravel.org/OTA/2003/05',
      standard: 'opentravel',
      kind: 'hotel-avail-notif',
      normalized: { hotelCode: '998877' },
    });
    expect(inspectXml(readFixture('ota-hotel-inv-count-notif-rq.xml')).kind).toBe('hotel-inv-count-notif');
    expect(inspectXml(readFixture('ota-hotel-rate-amount-notif-rq.xml')).kind).toBe('hotel-rate-amount-notif');
    expect(inspectXml(readFixture('ota-hotel-rate-amount-notif-rs-error.xml'))).toMatchObject({ kind: 'response', normalized: { status: 'errors' } });
    const free = inspectXml(readFileSync(path.join(ALPINEBITS_EXAMPLES, 'FreeRooms-OTA_HotelInvCountNotifRQ.xml')));
    expect(free).toMatchObject({ standard: 'alpinebits', kind: 'hotel-inv-count-notif' });
  });

  it('turns any other OpenTravel message into a generic tree that keeps every attribute and text', () => {
    const ping = inspectXml(readFileSync(path.join(ALPINEBITS_EXAMPLES, 'Handshake-OTA_PingRQ.xml')));
    expect(ping).toMatchObject({ root: 'OTA_PingRQ', kind: 'generic', standard: 'alpinebits' });
    const tree = ping.normalized as GenericXmlNode;
    expect(tree.attributes).toEqual({ Version: '8.000' });
    expect(tree.children?.[0]?.name).toBe('EchoData');
    expect(JSON.parse(tree.children?.[0]?.text ?? '')).toMatchObject({ versions: [{ version: '2018-10' }] });
  });

  it('every fixture but the deliberately sloppy one validates against the OpenTravel 2015B schema', async () => {
    const fixtures = xmlFilesIn(FIXTURES)
      .filter((f) => !f.endsWith('-tolerant.xml'))
      .map((f) => ({ fileName: path.basename(f), xml: readFileSync(f, 'utf8') }));
    expect(fixtures.length).toBeGreaterThanOrEqual(12);
    const sloppy = { fileName: 'sloppy.xml', xml: readFixture('ota-hotel-avail-notif-rq-tolerant.xml') };
    const report = await opentravelValidator().validate([...fixtures, sloppy]);
    expect(report.filter((r) => !r.valid && r.fileName !== 'sloppy.xml')).toEqual([]);
    // The validator is not vacuous: the sloppy fixture is rightly rejected.
    expect(report.find((r) => r.fileName === 'sloppy.xml')?.valid).toBe(false);
  });

  it.each([
    ['not XML', 'hello, this is a PMS', 'not-xml'],
    ['JSON', '{"updates":[]}', 'not-xml'],
    ['a DOCTYPE with entities', '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><OTA_PingRQ Version="1">&a;</OTA_PingRQ>', 'doctype-forbidden'],
    ['5 MB of nested elements', '<OTA_PingRQ>'.repeat(440_000), 'too-large'],
    ['deep nesting', `<OTA_PingRQ Version="1">${'<x>'.repeat(100)}${'</x>'.repeat(100)}</OTA_PingRQ>`, 'too-deep'],
    ['a truncated message', '<OTA_PingRQ Version="1"><EchoData>hi</EchoData>', 'malformed'],
    ['a root that is not OpenTravel', '<Envelope/>', 'unsupported-message'],
  ])('refuses %s', (_name, xml, problem) => {
    const error = xmlErrorOf(() => inspectXml(xml));
    expect(error).toBeInstanceOf(XmlMessageError);
    expect(error.problem).toBe(problem);
  });
});
