import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readResRetrieveRS, renderResRetrieveRS } from './res-retrieve-rs';
import { ALPINEBITS_EXAMPLES, FIXED_NOW, OPENTRAVEL_SAMPLES, opentravelValidator, readFixture, xmlErrorOf } from './testing';

const alpineBits = (name: string) => readFileSync(path.join(ALPINEBITS_EXAMPLES, name), 'utf8');
const sample = (name: string) => readFileSync(path.join(OPENTRAVEL_SAMPLES, name), 'utf8');

describe('OTA_ResRetrieveRS', () => {
  it('reads a page of two reservations (a booking before tax, a bare cancellation) and the paging marker', () => {
    expect(readResRetrieveRS(readFixture('ota-res-retrieve-rs.xml'))).toEqual({
      header: { echoToken: 'read-20270301-0001', timeStamp: '2027-03-01T07:00:02+00:00', target: 'Production', version: '7.000' },
      standard: 'opentravel',
      status: 'success',
      errors: [],
      notices: [],
      reservations: [
        {
          channelReservationId: 'OTAX-4711-0050',
          status: 'new',
          revision: '2027-02-28T20:14:05.000Z',
          revisionSource: 'CreateDateTime',
          hotelCode: '998877',
          roomStays: [
            { roomType: '1002', ratePlan: '5002', checkIn: '2027-09-14', checkOut: '2027-09-15', rooms: 1, adults: 1, children: 0, total: { amount: '180.00', currency: 'EUR', taxIncluded: false } },
          ],
          guest: { lastName: 'Noether' },
          createdAt: '2027-02-28T20:14:05.000Z',
        },
        {
          channelReservationId: 'OTAX-4711-0051',
          status: 'cancelled',
          revision: '2027-02-28T21:30:00.000Z',
          revisionSource: 'LastModifyDateTime',
          roomStays: [],
          createdAt: '2027-01-05T08:00:00.000Z',
        },
      ],
      skipped: [],
      rejected: [],
      more: true,
      moreDataEchoToken: 'page-2-after-OTAX-4711-0051',
      warnings: [],
    });
  });

  it('reads the AlpineBits GuestRequests answers: reservation, cancellation, empty, error; requests are skipped with their id', () => {
    const reservation = readResRetrieveRS(alpineBits('GuestRequests-OTA_ResRetrieveRS-reservation.xml'));
    expect(reservation.reservations).toEqual([
      expect.objectContaining({ channelReservationId: '6b34fe24ac2ff810', status: 'new', hotelCode: '123', roomStays: [expect.objectContaining({ roomType: 'bigsuite', checkIn: '2022-01-01', checkOut: '2022-01-12', adults: 2, children: 2 })] }),
    ]);
    expect(readResRetrieveRS(alpineBits('GuestRequests-OTA_ResRetrieveRS-cancellation.xml')).reservations).toEqual([
      { channelReservationId: 'c24e8b15ca469388', status: 'cancelled', revision: '2022-03-21T14:00:00.000Z', revisionSource: 'CreateDateTime', roomStays: [], createdAt: '2022-03-21T14:00:00.000Z' },
    ]);
    expect(readResRetrieveRS(alpineBits('GuestRequests-OTA_ResRetrieveRS-empty.xml'))).toMatchObject({ status: 'success', reservations: [], skipped: [], more: false });
    expect(readResRetrieveRS(alpineBits('GuestRequests-OTA_ResRetrieveRS-error.xml'))).toMatchObject({ status: 'errors', errors: [{ type: '13', code: '392', text: 'Invalid hotel code' }] });
    for (const name of ['GuestRequests-OTA_ResRetrieveRS-quote-request.xml', 'GuestRequests-OTA_ResRetrieveRS-newsletter.xml']) {
      const read = readResRetrieveRS(alpineBits(name));
      expect(read.reservations).toEqual([]);
      expect(read.skipped).toEqual([expect.objectContaining({ channelReservationId: '6b34fe24ac2ff811', resStatus: 'Requested' })]);
    }
  });

  it('reads the official OpenTravel samples: other verticals are skipped, hotel reservations without UniqueID rejected in collect mode', () => {
    expect(readResRetrieveRS(sample('OTA_ResRetrieveRS4.xml')).skipped).toHaveLength(7);
    expect(readResRetrieveRS(sample('OTA_ResRetrieveRS6.xml')).skipped[0]).toEqual({ line: 13, channelReservationId: '301877540', reason: 'PackageReservation is not a hotel reservation' });
    const hotel = readResRetrieveRS(sample('OTA_ResRetrieveRS2.xml'), { invalidReservations: 'collect' });
    expect(hotel.rejected).toHaveLength(2);
    expect(xmlErrorOf(() => readResRetrieveRS(sample('OTA_ResRetrieveRS2.xml')))).toMatchObject({ problem: 'missing-field', element: 'HotelReservation' });
  });

  it('round-trips with paging and renders schema-valid pages, empty pages and errors', async () => {
    const first = readResRetrieveRS(readFixture('ota-res-retrieve-rs.xml'));
    const rendered = renderResRetrieveRS({ header: { echoToken: 'read-1' }, reservations: first.reservations, more: first.more, moreDataEchoToken: first.moreDataEchoToken! }, FIXED_NOW);
    const again = readResRetrieveRS(rendered);
    expect(again.reservations).toEqual(first.reservations);
    expect(again).toMatchObject({ more: true, moreDataEchoToken: 'page-2-after-OTAX-4711-0051' });
    const alpine = readResRetrieveRS(alpineBits('GuestRequests-OTA_ResRetrieveRS-reservation.xml'));
    const alpineAgain = renderResRetrieveRS({ reservations: alpine.reservations }, FIXED_NOW);
    expect(readResRetrieveRS(alpineAgain).reservations).toEqual(alpine.reservations);
    const empty = renderResRetrieveRS({}, FIXED_NOW);
    expect(readResRetrieveRS(empty)).toMatchObject({ status: 'success', reservations: [], more: false });
    const error = renderResRetrieveRS({ errors: [{ type: '3', code: '392', text: 'unknown hotel' }], reservations: first.reservations, more: true }, FIXED_NOW);
    expect(error).not.toContain('MoreIndicator');
    const report = await opentravelValidator().validate([
      { fileName: 'page.xml', xml: rendered },
      { fileName: 'alpine.xml', xml: alpineAgain },
      { fileName: 'empty.xml', xml: empty },
      { fileName: 'error.xml', xml: error },
    ]);
    expect(report.filter((r) => !r.valid)).toEqual([]);
    expect(() => renderResRetrieveRS({ moreDataEchoToken: 'x' })).toThrow(/only sent with more/);
  });
});
