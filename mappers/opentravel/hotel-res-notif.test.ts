import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ChannelReservation } from '../../core/reservation-message';
import { alpineBitsSchemaErrors } from '../alpinebits/testing';
import {
  ackFor,
  readHotelResNotif,
  readHotelResNotifRS,
  rejectionNotice,
  renderHotelResNotif,
  renderHotelResNotifRS,
  type HotelResNotifMessage,
} from './hotel-res-notif';
import { inspectXml } from './index';
import { ALPINEBITS_EXAMPLES, FIXED_NOW, OPENTRAVEL_SAMPLES, opentravelValidator, readFixture, xmlErrorOf } from './testing';

const alpineBits = (name: string) => readFileSync(path.join(ALPINEBITS_EXAMPLES, name), 'utf8');
const sample = (name: string) => readFileSync(path.join(OPENTRAVEL_SAMPLES, name), 'utf8');

/** A message around one HotelReservation; the reservation starts on line 4. */
function message(reservation: string, rootAttributes = ''): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<OTA_HotelResNotifRQ xmlns="http://www.opentravel.org/OTA/2003/05" Version="6.000"${rootAttributes}>
  <HotelReservations>
${reservation}
  </HotelReservations>
</OTA_HotelResNotifRQ>`;
}

const GOOD_STAY = `<RoomStay><RoomTypes><RoomType RoomTypeCode="1001"/></RoomTypes><GuestCounts><GuestCount Count="2"/></GuestCounts><TimeSpan Start="2027-06-01" End="2027-06-03"/></RoomStay>`;
const GLOBAL = '<ResGlobalInfo><BasicPropertyInfo HotelCode="998877"/></ResGlobalInfo>';
const GUEST = `<ResGuests><ResGuest><Profiles><ProfileInfo><Profile><Customer><PersonName><GivenName>Ada</GivenName><Surname>Lovelace</Surname></PersonName>
  <Telephone PhoneNumber="+31205550101"/><Email>ada@example.org</Email></Customer></Profile></ProfileInfo></Profiles></ResGuest></ResGuests>`;

function reservation(opts: { attributes?: string; uniqueId?: string; stays?: string; global?: string; guest?: string } = {}): string {
  return `    <HotelReservation CreateDateTime="2027-02-15T10:11:58+01:00"${opts.attributes ?? ' ResStatus="Book"'}>${opts.uniqueId ?? '<UniqueID Type="14" ID="R1"/>'}
      <RoomStays>${opts.stays ?? GOOD_STAY}</RoomStays>${opts.guest ?? GUEST}${opts.global ?? GLOBAL}</HotelReservation>`;
}

const ADA = { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.org' };

describe('OTA_HotelResNotifRQ', () => {
  it('reads a new booking to the exact domain object', () => {
    expect(readHotelResNotif(readFixture('ota-hotel-res-notif-rq-new.xml'))).toEqual({
      header: { echoToken: 'res-20270215-0001', timeStamp: '2027-02-15T10:12:07+01:00', target: 'Production', version: '6.000' },
      standard: 'opentravel',
      reservations: [
        {
          channelReservationId: 'OTAX-4711-0001',
          status: 'new',
          revision: '2027-02-15T09:11:58.000Z',
          revisionSource: 'CreateDateTime',
          hotelCode: '998877',
          roomStays: [
            {
              roomType: '1001',
              ratePlan: '5001',
              checkIn: '2027-06-01',
              checkOut: '2027-06-03',
              rooms: 1,
              adults: 2,
              children: 1,
              childAges: [6],
              total: { amount: '258.00', currency: 'EUR', taxIncluded: true },
            },
          ],
          guest: { ...ADA, phone: '+31 20 555 0101' },
          total: { amount: '258.00', currency: 'EUR', taxIncluded: true },
          createdAt: '2027-02-15T09:11:58.000Z',
          comments: 'Late arrival, around 23:00.',
          references: [{ type: '14', value: 'OTAX-4711-0001', source: 'otax' }],
        },
      ],
      skipped: [],
      rejected: [],
      warnings: [],
    });
  });

  it('reads the modification (newer revision, new room type and dates) and the cancellation', () => {
    const [modified] = readHotelResNotif(readFixture('ota-hotel-res-notif-rq-modify.xml')).reservations;
    expect(modified).toEqual({
      channelReservationId: 'OTAX-4711-0001',
      status: 'modified',
      revision: '2027-03-01T15:45:02.000Z',
      revisionSource: 'LastModifyDateTime',
      hotelCode: '998877',
      roomStays: [
        { roomType: '1002', ratePlan: '5001', checkIn: '2027-06-01', checkOut: '2027-06-04', rooms: 1, adults: 2, children: 1, childAges: [6], total: { amount: '537.00', currency: 'EUR', taxIncluded: true } },
      ],
      guest: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.org' },
      total: { amount: '537.00', currency: 'EUR', taxIncluded: true },
      createdAt: '2027-02-15T09:11:58.000Z',
    });
    const [cancelled] = readHotelResNotif(readFixture('ota-hotel-res-notif-rq-cancel.xml')).reservations;
    expect(cancelled).toEqual({
      channelReservationId: 'OTAX-4711-0001',
      status: 'cancelled',
      revision: '2027-04-10T08:02:40.000Z',
      revisionSource: 'LastModifyDateTime',
      hotelCode: '998877',
      roomStays: [{ roomType: '1002', ratePlan: '5001', checkIn: '2027-06-01', checkOut: '2027-06-04', rooms: 1, adults: 2, children: 1, childAges: [6] }],
      createdAt: '2027-02-15T09:11:58.000Z',
    });
    // The three versions order by revision, whatever zone each was written in.
    expect([cancelled?.revision, modified?.revision].sort()).toEqual([modified?.revision, cancelled?.revision]);
  });

  it('reads a multi-room, multi-room-type booking: NumberOfUnits, per-room guest counts, Duration, implied decimals', () => {
    const [booking] = readHotelResNotif(readFixture('ota-hotel-res-notif-rq-multi-room.xml')).reservations;
    expect(booking?.roomStays).toEqual([
      { roomType: '1001', ratePlan: '5001', checkIn: '2027-07-10', checkOut: '2027-07-14', rooms: 2, adults: 4, children: 0, total: { amount: '1152.00', currency: 'EUR', taxIncluded: true } },
      {
        roomType: '1002',
        ratePlan: '5002',
        checkIn: '2027-07-10',
        checkOut: '2027-07-14',
        rooms: 1,
        adults: 2,
        children: 2,
        childAges: [9, 4],
        total: { amount: '796.00', currency: 'EUR', taxIncluded: true },
      },
    ]);
    expect(booking?.total).toEqual({ amount: '1948.00', currency: 'EUR', taxIncluded: true });
    // Voice before fax.
    expect(booking?.guest).toEqual({ firstName: 'Grace', lastName: 'Hopper', email: 'grace@example.org', phone: '+1 202 555 0142' });
  });

  it('reads the AlpineBits GuestRequests push: ages without codes are children, Reserved is a booking', () => {
    const read = readHotelResNotif(alpineBits('GuestRequests-Push-OTA_HotelResNotifRQ.xml'));
    expect(read.reservations).toEqual([
      {
        channelReservationId: '6b34fe24ac2ff810',
        status: 'new',
        revision: '2022-03-21T14:00:00.000Z',
        revisionSource: 'CreateDateTime',
        hotelCode: '123',
        roomStays: [
          {
            roomType: 'bigsuite',
            ratePlan: '123456-xyz',
            checkIn: '2023-01-01',
            checkOut: '2023-01-12',
            rooms: 1,
            adults: 2,
            children: 2,
            childAges: [9, 3],
            total: { amount: '299.00', currency: 'EUR', taxIncluded: true },
          },
        ],
        guest: { firstName: 'Otto', lastName: 'Mustermann', email: 'otto.mustermann@example.com', phone: '+4934567891' },
        createdAt: '2022-03-21T14:00:00.000Z',
        comments: 'Parkplatz, Schwimmbad, Skipass\nSind Hunde erlaubt?\n\nMfg.\nOtto Mustermann.',
        references: [{ type: '13', value: 'Slogan', source: 'www.example.com', context: 'top banner' }],
      },
    ]);
    expect(read.skipped).toEqual([]);
  });

  it('reads the AlpineBits status update: a bare cancellation, and a bare Reserved listed as skipped with its id', () => {
    const read = readHotelResNotif(alpineBits('GuestRequests-Push-OTA_HotelResNotifRQ-StatusUpdate.xml'));
    expect(read.reservations).toEqual([
      {
        channelReservationId: '6b34fe24ac244444',
        status: 'cancelled',
        revision: '2023-06-12T11:00:00.000Z',
        revisionSource: 'LastModifyDateTime',
        roomStays: [],
        createdAt: '2023-05-12T18:00:00.000Z',
      },
    ]);
    expect(read.skipped).toEqual([{ line: 16, channelReservationId: '6b34fe24ac999999', resStatus: 'Reserved', reason: 'a status update without RoomStays: there is no stay to book' }]);
  });

  it.each([
    ['Book', 'new'],
    ['Commit', 'new'],
    ['Reserved', 'new'],
    ['Modify', 'modified'],
    ['Cancel', 'cancelled'],
    ['Cancelled', 'cancelled'],
    ['cancelled', 'cancelled'],
  ])('maps ResStatus %s to %s', (resStatus, status) => {
    expect(readHotelResNotif(message(reservation({ attributes: ` ResStatus="${resStatus}"` }))).reservations[0]?.status).toBe(status);
  });

  it('takes the root ResStatus when a reservation has none, UniqueID Type 15 when neither has one, and "new" otherwise', () => {
    expect(readHotelResNotif(message(reservation({ attributes: '' }), ' ResStatus="Modify"')).reservations[0]?.status).toBe('modified');
    expect(readHotelResNotif(message(reservation({ attributes: '', uniqueId: '<UniqueID Type="15" ID="R1"/>' }))).reservations[0]?.status).toBe('cancelled');
    expect(readHotelResNotif(message(reservation({ attributes: '' }))).reservations[0]?.status).toBe('new');
  });

  it('reads an AlpineBits Reserved with a later LastModifyDateTime as a modification', () => {
    const read = readHotelResNotif(message(reservation({ attributes: ' ResStatus="Reserved" LastModifyDateTime="2027-02-16T08:00:00+01:00"' })));
    expect(read.reservations[0]).toMatchObject({ status: 'modified', revision: '2027-02-16T07:00:00.000Z', revisionSource: 'LastModifyDateTime' });
  });

  it.each(['Requested', 'Quote', 'Hold', 'Waitlisted', 'No-show'])('lists ResStatus %s as skipped, with the id to acknowledge it by', (resStatus) => {
    const read = readHotelResNotif(message(reservation({ attributes: ` ResStatus="${resStatus}"` })));
    expect(read.reservations).toEqual([]);
    expect(read.skipped).toEqual([{ line: 4, channelReservationId: 'R1', resStatus, reason: expect.stringContaining(`ResStatus ${resStatus}:`) }]);
  });

  it('falls back to the message TimeStamp for the revision, reading a time without zone as UTC (with a warning)', () => {
    const xml = message(reservation().replace(' CreateDateTime="2027-02-15T10:11:58+01:00"', ''), ' TimeStamp="2027-02-15T10:12:07"');
    const read = readHotelResNotif(xml);
    expect(read.reservations[0]).toMatchObject({ revision: '2027-02-15T10:12:07.000Z', revisionSource: 'TimeStamp' });
    expect(read.reservations[0]).not.toHaveProperty('createdAt');
    expect(read.warnings).toEqual([{ line: 2, element: 'OTA_HotelResNotifRQ', reason: 'TimeStamp has no time zone; read as UTC' }]);
  });

  it('takes RoomTypeCode, RatePlanCode and NumberOfUnits from RoomRates when RoomTypes and RatePlans are absent', () => {
    const stays = `<RoomStay><RoomRates><RoomRate RoomTypeCode="1002" RatePlanCode="5002" NumberOfUnits="3"/></RoomRates>
      <GuestCounts IsPerRoom="1"><GuestCount Count="1"/><GuestCount Age="17" Count="1"/><GuestCount Age="18" Count="1"/></GuestCounts><TimeSpan Start="2027-06-01" End="2027-06-02"/></RoomStay>`;
    expect(readHotelResNotif(message(reservation({ stays }))).reservations[0]?.roomStays).toEqual([
      { roomType: '1002', ratePlan: '5002', checkIn: '2027-06-01', checkOut: '2027-06-02', rooms: 3, adults: 6, children: 3, childAges: [17, 17, 17] },
    ]);
  });

  describe('refuses what it cannot book, saying exactly why', () => {
    const stay = (inner: string) => `<RoomStay>${inner}</RoomStay>`;
    const types = '<RoomTypes><RoomType RoomTypeCode="1001"/></RoomTypes>';
    const guests = '<GuestCounts><GuestCount Count="2"/></GuestCounts>';
    const span = '<TimeSpan Start="2027-06-01" End="2027-06-03"/>';
    it.each([
      ['a missing UniqueID', reservation({ uniqueId: '' }), 'missing-field', 'HotelReservation', "<UniqueID> is required: it carries the channel's reservation id"],
      ['a UniqueID without ID', reservation({ uniqueId: '<UniqueID Type="14"/>' }), 'missing-field', 'UniqueID', 'ID is required'],
      ['End before Start', reservation({ stays: stay(`${types}${guests}<TimeSpan Start="2027-06-03" End="2027-06-01"/>`) }), 'invalid-date-range', 'TimeSpan', 'End (2027-06-01) must be after Start (2027-06-03); End is the departure date, exclusive'],
      ['End equal to Start (no night)', reservation({ stays: stay(`${types}${guests}<TimeSpan Start="2027-06-03" End="2027-06-03"/>`) }), 'invalid-date-range', 'TimeSpan', 'End (2027-06-03) must be after Start (2027-06-03); End is the departure date, exclusive'],
      ['an impossible date', reservation({ stays: stay(`${types}${guests}<TimeSpan Start="2027-02-30" End="2027-03-03"/>`) }), 'invalid-date', 'TimeSpan', 'Start must be a date such as 2027-03-01; got "2027-02-30"'],
      ['a negative NumberOfUnits', reservation({ stays: stay(`${types}<RoomRates><RoomRate NumberOfUnits="-1"/></RoomRates>${guests}${span}`) }), 'invalid-value', 'RoomRate', 'NumberOfUnits must be at least 1; got -1'],
      ['RoomRates disagreeing on NumberOfUnits', reservation({ stays: stay(`${types}<RoomRates><RoomRate NumberOfUnits="1"/><RoomRate NumberOfUnits="2"/></RoomRates>${guests}${span}`) }), 'invalid-value', 'RoomRate', 'RoomRates of one RoomStay disagree on NumberOfUnits (1 and 2)'],
      ['an invalid currency', reservation({ stays: stay(`${types}${guests}${span}<Total AmountAfterTax="258.00" CurrencyCode="EUX"/>`) }), 'invalid-currency', 'Total', 'CurrencyCode "EUX" is not an ISO 4217 currency'],
      ['an amount without currency', reservation({ stays: stay(`${types}${guests}${span}<Total AmountAfterTax="258.00"/>`) }), 'missing-field', 'Total', 'CurrencyCode is required with AmountAfterTax'],
      ['a negative amount', reservation({ stays: stay(`${types}${guests}${span}<Total AmountAfterTax="-1.00" CurrencyCode="EUR"/>`) }), 'invalid-value', 'Total', 'AmountAfterTax must not be negative; got -1.00'],
      ['a stay without room type', reservation({ stays: stay(`${guests}${span}`) }), 'missing-field', 'RoomStay', 'RoomTypeCode is required (RoomTypes/RoomType or RoomRates/RoomRate): it names the room type booked'],
      ['two room types in one stay', reservation({ stays: stay(`<RoomTypes><RoomType RoomTypeCode="1001"/><RoomType RoomTypeCode="1002"/></RoomTypes>${guests}${span}`) }), 'unsupported-value', 'RoomType', 'a RoomStay names two room types (1001 and 1002); send one RoomStay per room type'],
      ['a stay without guests', reservation({ stays: stay(`${types}${span}`) }), 'missing-field', 'RoomStay', '<GuestCounts> with at least one GuestCount is required'],
      ['a date window instead of dates', reservation({ stays: stay(`${types}${guests}<TimeSpan><StartDateWindow EarliestDate="2027-06-01" LatestDate="2027-06-05"/></TimeSpan>`) }), 'unsupported-value', 'TimeSpan', 'a StartDateWindow is a request for dates, not a booking; Start is required'],
      ['a Duration in days', reservation({ stays: stay(`${types}${guests}<TimeSpan Start="2027-06-01" Duration="P2D"/>`) }), 'unsupported-value', 'TimeSpan', 'Duration "P2D" is not supported; send End (the departure date) or a number of nights such as P3N'],
      ['no hotel code', reservation({ global: '' }), 'missing-field', 'HotelReservation', 'HotelCode is required (ResGlobalInfo/BasicPropertyInfo or RoomStay/BasicPropertyInfo)'],
      ['an unknown ResStatus', reservation({ attributes: ' ResStatus="Pending"' }), 'unsupported-value', 'HotelReservation', 'ResStatus "Pending" is not a reservation status Tidewater knows'],
      ['a cancellation id on a booking', reservation({ uniqueId: '<UniqueID Type="15" ID="R1"/>' }), 'invalid-value', 'UniqueID', 'UniqueID Type 15 marks a cancellation, but ResStatus is Book'],
      ['a CreateDateTime that is not a date and time', reservation().replace('2027-02-15T10:11:58+01:00', 'yesterday'), 'invalid-date', 'HotelReservation', 'CreateDateTime must be a date and time such as 2027-03-01T09:30:00+01:00; got "yesterday"'],
    ])('%s', (_name, body, problem, element, reason) => {
      const error = xmlErrorOf(() => readHotelResNotif(message(body)));
      expect({ problem: error.problem, element: error.element, reason: error.reason }).toEqual({ problem, element, reason });
      expect(error.line).toBeGreaterThanOrEqual(4);
      // Personal data never reaches an error message.
      for (const personal of ['Ada', 'Lovelace', 'ada@example.org', '+31205550101']) expect(error.message).not.toContain(personal);
    });

    it('refuses a message without HotelReservations', () => {
      const xml = '<OTA_HotelResNotifRQ xmlns="http://www.opentravel.org/OTA/2003/05" Version="6.000"/>';
      expect(xmlErrorOf(() => readHotelResNotif(xml))).toMatchObject({ problem: 'missing-field', element: 'OTA_HotelResNotifRQ', line: 1 });
    });
  });

  it('in collect mode reads the good reservations and lists the bad ones with their id, for a record-level answer', () => {
    const bad = reservation({ uniqueId: '<UniqueID Type="14" ID="R2"/>', stays: GOOD_STAY.replace('End="2027-06-03"', 'End="2027-05-30"') });
    const read = readHotelResNotif(message(`${reservation()}\n${bad}`), { invalidReservations: 'collect' });
    expect(read.reservations.map((r) => r.channelReservationId)).toEqual(['R1']);
    expect(read.rejected).toEqual([
      {
        channelReservationId: 'R2',
        problem: 'invalid-date-range',
        reason: 'End (2027-05-30) must be after Start (2027-06-01); End is the departure date, exclusive',
        line: 8,
        element: 'TimeSpan',
        otaType: '3',
        otaCode: '404',
      },
    ]);
    expect(JSON.stringify(read.rejected)).not.toMatch(/Ada|Lovelace|example\.org/);
    expect(rejectionNotice(read.rejected[0]!)).toEqual({
      type: '3',
      code: '404',
      text: 'line 8: End (2027-05-30) must be after Start (2027-06-01); End is the departure date, exclusive',
      tag: 'TimeSpan',
      recordId: 'R2',
    });
  });

  it('reads the official OpenTravel samples tolerantly; without a UniqueID their reservations are rejected, not guessed', () => {
    for (const name of ['OTA_HotelResNotifRQ.xml', 'OTA_HotelResNotifRQ3.xml']) {
      const read = readHotelResNotif(sample(name), { invalidReservations: 'collect' });
      expect(read.reservations).toEqual([]);
      expect(read.rejected).toEqual([expect.objectContaining({ problem: 'missing-field', element: 'HotelReservation' })]);
      expect(xmlErrorOf(() => readHotelResNotif(sample(name)))).toMatchObject({ problem: 'missing-field', element: 'HotelReservation' });
    }
  });

  const roundTripSources = () => [
    readFixture('ota-hotel-res-notif-rq-new.xml'),
    readFixture('ota-hotel-res-notif-rq-modify.xml'),
    readFixture('ota-hotel-res-notif-rq-cancel.xml'),
    readFixture('ota-hotel-res-notif-rq-multi-room.xml'),
    alpineBits('GuestRequests-Push-OTA_HotelResNotifRQ.xml'),
    alpineBits('GuestRequests-Push-OTA_HotelResNotifRQ-StatusUpdate.xml'),
  ];

  it('round-trips: parse → render → parse gives the same reservations', () => {
    for (const xml of roundTripSources()) {
      const first = readHotelResNotif(xml);
      const again = readHotelResNotif(renderHotelResNotif({ header: { echoToken: 'e1' }, reservations: first.reservations }, FIXED_NOW));
      expect(again.reservations).toEqual(first.reservations);
      expect(again.warnings).toEqual([]);
    }
  });

  it('renders messages that validate against the OpenTravel 2015B schema', async () => {
    const documents = roundTripSources().map((xml, i) => ({
      fileName: `rendered-${i}.xml`,
      xml: renderHotelResNotif({ header: { echoToken: `e${i}`, target: 'Production' }, reservations: readHotelResNotif(xml).reservations }, FIXED_NOW),
    }));
    const report = await opentravelValidator().validate(documents);
    expect(report.filter((r) => !r.valid)).toEqual([]);
  });

  it('writes the new/modified/cancelled status as Book/Modify/Cancel and the revision as LastModifyDateTime', () => {
    const base: ChannelReservation = {
      channelReservationId: 'R9',
      status: 'modified',
      revision: '2027-03-01T10:00:00.000Z',
      revisionSource: 'LastModifyDateTime',
      hotelCode: '998877',
      roomStays: [{ roomType: '1001', checkIn: '2027-06-01', checkOut: '2027-06-02', rooms: 1, adults: 1, children: 2 }],
    };
    const xml = renderHotelResNotif({ reservations: [base] }, FIXED_NOW);
    expect(xml).toContain('<HotelReservation LastModifyDateTime="2027-03-01T10:00:00.000Z" ResStatus="Modify">');
    expect(xml).toContain('<GuestCount AgeQualifyingCode="8" Count="2"/>');
    expect(renderHotelResNotif({ reservations: [{ ...base, status: 'cancelled' }] }, FIXED_NOW)).toContain('<UniqueID Type="15" ID="R9"/>');
  });

  it('refuses to render what it cannot carry', () => {
    const base: ChannelReservation = {
      channelReservationId: 'R9',
      status: 'new',
      revision: '2027-03-01T10:00:00.000Z',
      revisionSource: 'CreateDateTime',
      hotelCode: '998877',
      roomStays: [{ roomType: '1001', checkIn: '2027-06-01', checkOut: '2027-06-02', rooms: 1, adults: 2, children: 0 }],
    };
    const stay = base.roomStays[0]!;
    const render = (r: Partial<ChannelReservation>) => () => renderHotelResNotif({ reservations: [{ ...base, ...r }] });
    expect(() => renderHotelResNotif({ reservations: [] })).toThrow(/at least one reservation/);
    expect(render({ guest: { firstName: 'Ada' } })).toThrow(/lastName is required/);
    expect(render({ roomStays: [{ ...stay, rooms: 0 }] })).toThrow(/rooms must be/);
    expect(render({ roomStays: [{ ...stay, checkOut: stay.checkIn }] })).toThrow(/checkOut .* must be after checkIn/);
    expect(render({ roomStays: [{ ...stay, adults: 0 }] })).toThrow(/at least one guest/);
    expect(render({ roomStays: [{ ...stay, children: 1, childAges: [3, 4] }] })).toThrow(/lists 2 ages for 1 children/);
    expect(render({ roomStays: [] })).toThrow(/needs at least one room stay/);
    expect(render({ total: { amount: '10.001', currency: 'EUR', taxIncluded: true } })).toThrow(/EUR has 2 decimals/);
    expect(render({ total: { amount: '10.00', currency: 'XYZ', taxIncluded: true } })).toThrow(/ISO 4217/);
    expect(render({ revision: '2027-03-01 10:00' })).toThrow(/revision must be an ISO 8601/);
    expect(render({ channelReservationId: 'x'.repeat(33) })).toThrow(/1 to 32 characters/);
  });
});

describe('OTA_HotelResNotifRS', () => {
  it('reads the fixture and the official examples (acks by UniqueID or by HotelReservationIDs only)', () => {
    expect(readHotelResNotifRS(readFixture('ota-hotel-res-notif-rs-success.xml'))).toEqual({
      header: { echoToken: 'res-20270215-0001', timeStamp: '2027-02-15T09:12:08+00:00', version: '6.000' },
      status: 'success',
      warnings: [],
      errors: [],
      reservations: [{ channelReservationId: 'OTAX-4711-0001', hotelCode: '998877', hotelReservationIds: [{ type: '10', value: 'tw-8d1f6c2a', source: 'Tidewater' }] }],
    });
    expect(readHotelResNotifRS(readFixture('ota-hotel-res-notif-rs-error.xml'))).toMatchObject({ status: 'errors', errors: [{ type: '3', code: '404', tag: 'TimeSpan' }], reservations: [] });
    const alpine = readHotelResNotifRS(alpineBits('GuestRequests-Push-OTA_HotelResNotifRS.xml'));
    expect(alpine.status).toBe('warnings');
    expect(alpine.warnings).toEqual([{ type: '3', code: '450', recordId: 'f054bbd2f5ebab9', text: 'Unable to process reservation' }]);
    expect(alpine.reservations).toEqual([
      { channelReservationId: '6b34fe24ac2ff810' },
      { channelReservationId: 'c24e8b15ca469388', cancelled: true },
      { channelReservationId: '1000000000000001' },
    ]);
    const ota = readHotelResNotifRS(sample('OTA_HotelResNotifRS.xml'));
    expect(ota.reservations).toEqual([
      {
        hotelReservationIds: [
          { type: '13', value: '7865', source: 'Travel Today' },
          { type: '14', value: '82329987', source: 'Marriott' },
        ],
      },
    ]);
  });

  it('renders success with the ids Tidewater assigned, record-level warnings, and errors; all schema-valid; read back the same', async () => {
    const read: HotelResNotifMessage = readHotelResNotif(readFixture('ota-hotel-res-notif-rq-new.xml'));
    const booking = read.reservations[0]!;
    const tidewaterId = [{ type: '10', value: 'tw-8d1f6c2a', source: 'Tidewater' }];
    const success = renderHotelResNotifRS({ header: { echoToken: 'res-20270215-0001' }, reservations: [ackFor(booking, tidewaterId)] }, FIXED_NOW);
    const warning = renderHotelResNotifRS(
      {
        reservations: [ackFor(booking)],
        warnings: [rejectionNotice({ channelReservationId: 'R2', problem: 'invalid-date-range', reason: 'End before Start', otaType: '3', otaCode: '404' })],
      },
      FIXED_NOW,
    );
    const error = renderHotelResNotifRS({ errors: [{ type: '12', code: '450', text: 'unable to process' }], reservations: [ackFor(booking)] }, FIXED_NOW);
    const report = await opentravelValidator().validate([
      { fileName: 'success.xml', xml: success },
      { fileName: 'warning.xml', xml: warning },
      { fileName: 'error.xml', xml: error },
    ]);
    expect(report.filter((r) => !r.valid)).toEqual([]);
    expect(readHotelResNotifRS(success).reservations).toEqual([{ channelReservationId: 'OTAX-4711-0001', hotelCode: '998877', hotelReservationIds: tidewaterId }]);
    expect(readHotelResNotifRS(warning)).toMatchObject({ status: 'warnings', warnings: [{ recordId: 'R2', code: '404' }] });
    // Errors replace everything else, as the schema's choice demands.
    expect(readHotelResNotifRS(error)).toMatchObject({ status: 'errors', reservations: [] });
  });

  it('acknowledges the AlpineBits way (UniqueID only, Type 15 for cancellations) within the AlpineBits schema', async () => {
    const cancelled = readHotelResNotif(alpineBits('GuestRequests-Push-OTA_HotelResNotifRQ-StatusUpdate.xml')).reservations;
    const xml = renderHotelResNotifRS({ header: { version: '1.000' }, reservations: cancelled.map((r) => ackFor(r)) }, FIXED_NOW);
    // AlpineBits allows only Version and TimeStamp on the root; strip the OpenTravel-only ones to check the body.
    const body = xml.replace(/ EchoToken="[^"]*"/, '');
    expect(await alpineBitsSchemaErrors({ 'rs.xml': body })).toEqual({ 'rs.xml': [] });
  });
});

describe('inspectXml on the reservation messages', () => {
  it.each([
    ['ota-hotel-res-notif-rq-new.xml', 'hotel-res-notif'],
    ['ota-hotel-res-notif-rs-success.xml', 'hotel-res-notif-response'],
    ['ota-read-rq.xml', 'read-request'],
    ['ota-res-retrieve-rs.xml', 'res-retrieve'],
    ['ota-notif-report-rq.xml', 'notif-report'],
    ['ota-notif-report-rs.xml', 'notif-report-response'],
  ])('dispatches %s as %s', (fixture, kind) => {
    expect(inspectXml(readFixture(fixture)).kind).toBe(kind);
  });

  it('shows a partner’s unbookable reservation as rejected instead of failing the whole message', () => {
    const result = inspectXml(sample('OTA_HotelResNotifRQ.xml'));
    expect(result.normalized).toMatchObject({ reservations: [], rejected: [{ problem: 'missing-field', element: 'HotelReservation' }] });
  });
});
