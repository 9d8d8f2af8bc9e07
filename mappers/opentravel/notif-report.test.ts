import { readFileSync } from 'node:fs';
import path from 'node:path';
import { alpineBitsSchemaErrors } from '../alpinebits/testing';
import { ackFor } from './hotel-res-notif';
import { readNotifReportRQ, readNotifReportRS, renderNotifReportRQ, renderNotifReportRS } from './notif-report';
import { readResRetrieveRS } from './res-retrieve-rs';
import { ALPINEBITS_EXAMPLES, FIXED_NOW, OPENTRAVEL_SAMPLES, opentravelValidator, readFixture } from './testing';

const alpineBits = (name: string) => readFileSync(path.join(ALPINEBITS_EXAMPLES, name), 'utf8');

describe('OTA_NotifReportRQ/RS', () => {
  it('reads the fixture: both reservations of the page confirmed, one with the PMS id', () => {
    expect(readNotifReportRQ(readFixture('ota-notif-report-rq.xml'))).toEqual({
      header: { echoToken: 'notif-20270301-0001', timeStamp: '2027-03-01T07:00:04+00:00', target: 'Production', version: '4.000' },
      standard: 'opentravel',
      status: 'success',
      notices: [],
      errors: [],
      confirmed: [
        { channelReservationId: 'OTAX-4711-0050', hotelCode: '998877', hotelReservationIds: [{ type: '10', value: 'PMS-77120', source: 'PMS' }] },
        { channelReservationId: 'OTAX-4711-0051', cancelled: true },
      ],
      warnings: [],
    });
  });

  it('reads the AlpineBits acknowledgements, with a refused reservation as a Warning naming its id', () => {
    expect(readNotifReportRQ(alpineBits('GuestRequests-Acknowledgments-OTA_NotifReportRQ.xml')).confirmed).toEqual([
      { channelReservationId: '6b34fe24ac2ff810' },
      { channelReservationId: 'c24e8b15ca469388', cancelled: true },
      { channelReservationId: '1000000000000001' },
    ]);
    const warning = readNotifReportRQ(alpineBits('GuestRequests-Acknowledgments-OTA_NotifReportRQ-warning.xml'));
    expect(warning).toMatchObject({ status: 'warnings', notices: [{ type: '3', code: '450', recordId: 'f054bbd2f5ebab9', text: 'Unable to process reservation' }] });
  });

  it('confirms a retrieved page: render from the reservations read, round-trip, schema-valid in both standards', async () => {
    const page = readResRetrieveRS(readFixture('ota-res-retrieve-rs.xml'));
    const confirmed = page.reservations.map((r, i) => ackFor(r, i === 0 ? [{ type: '10', value: 'PMS-77120', source: 'PMS' }] : undefined));
    const ota = renderNotifReportRQ({ header: { echoToken: 'notif-1' }, confirmed, refused: [{ type: '3', code: '450', recordId: 'OTAX-4711-0052', text: 'unknown room type' }] }, FIXED_NOW);
    const read = readNotifReportRQ(ota);
    expect(read.confirmed).toEqual(readNotifReportRQ(readFixture('ota-notif-report-rq.xml')).confirmed);
    expect(read.notices).toEqual([{ type: '3', code: '450', recordId: 'OTAX-4711-0052', text: 'unknown room type' }]);

    const alpineConfirmed = page.reservations.map((r) => ({ channelReservationId: r.channelReservationId, ...(r.status === 'cancelled' ? { cancelled: true } : {}) }));
    const alpine = renderNotifReportRQ({ confirmed: alpineConfirmed, refused: [{ type: '3', code: '450', recordId: 'X1', text: 'Unable to process reservation' }], standard: 'alpinebits' }, FIXED_NOW);
    expect(readNotifReportRQ(alpine).confirmed).toEqual(alpineConfirmed);
    const failed = renderNotifReportRQ({ confirmed, errors: [{ type: '12', code: '450', text: 'PMS unreachable' }] }, FIXED_NOW);
    expect(readNotifReportRQ(failed)).toMatchObject({ status: 'errors', confirmed: [] });
    const rs = renderNotifReportRS({ header: { echoToken: 'notif-1' } }, FIXED_NOW);
    expect(readNotifReportRS(rs)).toMatchObject({ root: 'OTA_NotifReportRS', status: 'success', echoToken: 'notif-1', version: '3.000' });

    const report = await opentravelValidator().validate([
      { fileName: 'ota.xml', xml: ota },
      { fileName: 'alpine.xml', xml: alpine },
      { fileName: 'failed.xml', xml: failed },
      { fileName: 'rs.xml', xml: rs },
    ]);
    expect(report.filter((r) => !r.valid)).toEqual([]);
    expect(await alpineBitsSchemaErrors({ 'alpine.xml': alpine })).toEqual({ 'alpine.xml': [] });
    expect(() => renderNotifReportRQ({ confirmed, standard: 'alpinebits' })).toThrow(/UniqueID only/);
  });

  it('reads the official NotifReportRS sample and the fixture', () => {
    expect(readNotifReportRS(readFileSync(path.join(OPENTRAVEL_SAMPLES, 'OTA_NotifReportRS.xml')))).toMatchObject({ status: 'success', version: '1.001' });
    expect(readNotifReportRS(readFixture('ota-notif-report-rs.xml'))).toMatchObject({ status: 'success', echoToken: 'notif-20270301-0001' });
  });
});
