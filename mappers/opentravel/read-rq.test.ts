import { readFileSync } from 'node:fs';
import path from 'node:path';
import { alpineBitsSchemaErrors } from '../alpinebits/testing';
import { readReadRQ, renderReadRQ } from './read-rq';
import { ALPINEBITS_EXAMPLES, FIXED_NOW, OPENTRAVEL_SAMPLES, opentravelValidator, readFixture, xmlErrorOf, xmlFilesIn } from './testing';

const alpineBits = (name: string) => readFileSync(path.join(ALPINEBITS_EXAMPLES, name), 'utf8');

describe('OTA_ReadRQ', () => {
  it('reads the fixture: hotel, selection criteria and page size', () => {
    expect(readReadRQ(readFixture('ota-read-rq.xml'))).toEqual({
      header: { echoToken: 'read-20270301-0001', timeStamp: '2027-03-01T07:00:00+00:00', target: 'Production', version: '5.002' },
      standard: 'opentravel',
      hotelReadRequests: [
        { hotelCode: '998877', hotelName: 'Canal House', selection: [{ start: '2027-03-01', end: '2027-12-31', dateType: 'ArrivalDate', selectionType: 'Undelivered' }] },
      ],
      reservationIds: [],
      maxResponses: 50,
      warnings: [],
    });
  });

  it('reads the AlpineBits GuestRequests requests (an instant as Start)', () => {
    expect(readReadRQ(alpineBits('GuestRequests-OTA_ReadRQ.xml')).hotelReadRequests).toEqual([{ hotelCode: '123', hotelName: 'Frangart Inn', selection: [] }]);
    expect(readReadRQ(alpineBits('GuestRequests-OTA_ReadRQ-selection-criteria.xml')).hotelReadRequests).toEqual([
      { hotelCode: '123', hotelName: 'Frangart Inn', selection: [{ start: '2022-03-21T15:00:00+01:00' }] },
    ]);
  });

  it('reads every official ReadRQ sample; other verticals and reads by id are reported, not refused', () => {
    const samples = xmlFilesIn(OPENTRAVEL_SAMPLES).filter((f) => path.basename(f).startsWith('OTA_ReadRQ'));
    expect(samples.length).toBeGreaterThanOrEqual(8);
    for (const file of samples) expect(() => readReadRQ(readFileSync(file))).not.toThrow();
    expect(readReadRQ(readFileSync(path.join(OPENTRAVEL_SAMPLES, 'OTA_ReadRQ9.xml'))).reservationIds).toEqual(['7674589']);
    expect(readReadRQ(readFileSync(path.join(OPENTRAVEL_SAMPLES, 'OTA_ReadRQ10.xml'))).reservationIds).toEqual(['T176309763']);
    const air = readReadRQ(readFileSync(path.join(OPENTRAVEL_SAMPLES, 'OTA_ReadRQ5.xml')));
    expect(air.warnings).toContainEqual(expect.objectContaining({ element: 'AirReadRequest', reason: 'AirReadRequest is not a hotel reservation request; ignored' }));
    // Selecting by guest name: the hotel comes from the credentials; the name is not echoed in the warning.
    const byName = readReadRQ(readFileSync(path.join(OPENTRAVEL_SAMPLES, 'OTA_ReadRQ3.xml')));
    expect(byName.hotelReadRequests).toEqual([{ selection: [] }]);
    expect(JSON.stringify(byName.warnings)).not.toMatch(/Wilson|Brandon/);
  });

  it('round-trips and renders schema-valid messages, OpenTravel and AlpineBits', async () => {
    const ota = renderReadRQ(
      { header: { echoToken: 'read-1' }, hotelCode: '998877', selection: { start: '2027-03-01', end: '2027-03-31', dateType: 'LastUpdateDate', selectionType: 'Undelivered' }, maxResponses: 20, moreDataEchoToken: 'page-2' },
      FIXED_NOW,
    );
    expect(readReadRQ(ota)).toMatchObject({
      hotelReadRequests: [{ hotelCode: '998877', selection: [{ start: '2027-03-01', end: '2027-03-31', dateType: 'LastUpdateDate', selectionType: 'Undelivered' }] }],
      maxResponses: 20,
      moreDataEchoToken: 'page-2',
    });
    const fixture = readReadRQ(readFixture('ota-read-rq.xml'));
    const request = fixture.hotelReadRequests[0]!;
    const again = renderReadRQ({ hotelCode: request.hotelCode!, hotelName: request.hotelName!, selection: request.selection[0]!, maxResponses: fixture.maxResponses! }, FIXED_NOW);
    expect(readReadRQ(again).hotelReadRequests).toEqual(fixture.hotelReadRequests);
    const report = await opentravelValidator().validate([
      { fileName: 'ota.xml', xml: ota },
      { fileName: 'again.xml', xml: again },
    ]);
    expect(report.filter((r) => !r.valid)).toEqual([]);

    const alpine = renderReadRQ({ hotelCode: '123', hotelName: 'Frangart Inn', selection: { start: '2027-03-01T07:00:00+00:00' }, standard: 'alpinebits' }, FIXED_NOW);
    expect(await alpineBitsSchemaErrors({ 'alpine.xml': alpine })).toEqual({ 'alpine.xml': [] });
    expect(() => renderReadRQ({ hotelCode: '123', selection: { start: '2027-03-01', selectionType: 'Undelivered' }, standard: 'alpinebits' })).toThrow(/AlpineBits/);
  });

  it.each([
    ['End before Start', '<SelectionCriteria Start="2027-03-05" End="2027-03-01"/>', 'invalid-date-range', 'End (2027-03-01) is before Start (2027-03-05)'],
    ['a date that is not one', '<SelectionCriteria Start="last week"/>', 'invalid-date', 'Start must be a date or date and time such as 2027-03-01 or 2027-03-01T09:30:00+01:00; got "last week"'],
    ['an unknown SelectionType', '<SelectionCriteria SelectionType="New"/>', 'invalid-value', 'SelectionType must be one of All, PreviouslyDelivered, Undelivered; got "New"'],
  ])('refuses %s', (_name, criteria, problem, reason) => {
    const xml = `<OTA_ReadRQ xmlns="http://www.opentravel.org/OTA/2003/05" Version="5.002">
  <ReadRequests><HotelReadRequest HotelCode="998877">
    ${criteria}
  </HotelReadRequest></ReadRequests>
</OTA_ReadRQ>`;
    expect(xmlErrorOf(() => readReadRQ(xml))).toMatchObject({ problem, reason, element: 'SelectionCriteria', line: 3 });
  });
});
