import request from 'supertest';
import type { Express } from 'express';
import { readOtaResponse, type OtaResponse } from '../../mappers/opentravel/response';
import { opentravelValidator, readFixture } from '../../mappers/opentravel/testing';
import { canalHouse } from '../helpers/fixtures';
import { keyFor, ledgerFingerprint, seedProperty, testApp } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

const NS = 'http://www.opentravel.org/OTA/2003/05';

/** An OTA_HotelAvailNotifRQ with the given AvailStatusMessage bodies. */
function avail(messages: string, { hotel = '998877', echo = 'e-1', ns = true } = {}): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<OTA_HotelAvailNotifRQ ${ns ? `xmlns="${NS}" ` : ''}EchoToken="${echo}" Version="4.000">
  <AvailStatusMessages HotelCode="${hotel}">${messages}</AvailStatusMessages>
</OTA_HotelAvailNotifRQ>`;
}
const limit = (n: number | string, sac = 'Start="2027-06-01" End="2027-06-03" InvTypeCode="1001"') =>
  `<AvailStatusMessage BookingLimit="${n}" BookingLimitMessageType="SetLimit"><StatusApplicationControl ${sac}/></AvailStatusMessage>`;

function rateAmount(rate: string, { hotel = '998877', sac = 'Start="2027-06-01" End="2027-06-03" InvTypeCode="1001" RatePlanCode="5001"' } = {}): string {
  return `<OTA_HotelRateAmountNotifRQ xmlns="${NS}" EchoToken="r-1" Version="5.000">
  <RateAmountMessages HotelCode="${hotel}"><RateAmountMessage><StatusApplicationControl ${sac}/>
    <Rates><Rate><BaseByGuestAmts>${rate}</BaseByGuestAmts></Rate></Rates></RateAmountMessage></RateAmountMessages>
</OTA_HotelRateAmountNotifRQ>`;
}

describe('POST /ota/v1 (OpenTravel XML)', () => {
  let t: TestDatabase;
  let app: Express;
  let pmsKey: string;
  let otherKey: string;
  let channelKey: string;
  /** Every RS the endpoint emitted, validated against the 2015B XSDs at the end. */
  const emitted: Array<{ fileName: string; xml: string }> = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    app = testApp(t.db);
    await seedProperty(t.db, canalHouse());
    // A second property with its own channel hotel code, to prove a key reaches only its own.
    await seedProperty(t.db, canalHouse({ code: 'RTM01', name: 'Harbour Rotterdam', channels: [] }));
    pmsKey = await keyFor(t.db, 'AMS01', 'pms');
    otherKey = await keyFor(t.db, 'RTM01', 'pms');
    channelKey = await keyFor(t.db, 'AMS01', 'channel');
  });
  afterAll(() => t.drop());

  const basic = (key: string) => `Basic ${Buffer.from(`tidewater:${key}`).toString('base64')}`;

  async function post(
    body: string | Buffer,
    { authorization = basic(pmsKey) as string | null, contentType = 'text/xml' as string | undefined } = {},
  ): Promise<{ http: request.Response; rs: OtaResponse }> {
    let req = request(app).post('/ota/v1');
    if (authorization !== null) req = req.set('Authorization', authorization);
    if (contentType !== undefined) req = req.set('Content-Type', contentType);
    const http = await req.send(body);
    expect(http.status).toBe(200);
    expect(http.headers['content-type']).toMatch(/^(text|application)\/xml; charset=utf-8/);
    emitted.push({ fileName: `rs-${emitted.length}.xml`, xml: http.text });
    return { http, rs: readOtaResponse(http.text) };
  }

  async function ledger(from: string, to: string) {
    const res = await request(app).get(`/v1/properties/AMS01/ari?from=${from}&to=${to}`).set('Authorization', `Bearer ${pmsKey}`);
    expect(res.status).toBe(200);
    return res.body.days as Array<{ date: string; roomTypes: Array<Record<string, unknown> & { ratePlans: Array<Record<string, unknown>> }> }>;
  }

  it('applies the avail-notif fixture in channel codes and answers Success with the EchoToken', async () => {
    const { rs, http } = await post(readFixture('ota-hotel-avail-notif-rq.xml'));
    expect(rs).toMatchObject({ root: 'OTA_HotelAvailNotifRS', status: 'success', echoToken: 'avail-20270301-0001', target: 'Production' });
    expect(http.text).toContain(`xmlns="${NS}"`);
    const [fri, sat] = await ledger('2027-03-05', '2027-03-06');
    expect(fri?.roomTypes[0]).toMatchObject({ roomType: 'DBL', available: 7 });
    expect(fri?.roomTypes[0]?.ratePlans[0]).toMatchObject({ ratePlan: 'BAR', minStay: 2, maxStay: 14, closedToArrival: false, stopSell: false });
    expect(sat?.roomTypes[0]?.ratePlans[0]).toMatchObject({ ratePlan: 'BAR', closedToArrival: true });
    const [mar14] = await ledger('2027-03-14', '2027-03-14');
    expect(mar14?.roomTypes[0]?.ratePlans.find((p) => p.ratePlan === 'NRF')).toMatchObject({ stopSell: true });
  });

  it('changes nothing when the same message (same EchoToken, same bytes) comes again', async () => {
    const before = await ledgerFingerprint(t.db);
    const { rs } = await post(readFixture('ota-hotel-avail-notif-rq.xml'));
    expect(rs.status).toBe('success');
    expect(await ledgerFingerprint(t.db)).toEqual(before);
  });

  it('applies a different message that reuses an EchoToken (many PMSs send a constant one)', async () => {
    await post(avail(limit(5), { echo: 'constant' }));
    const { rs } = await post(avail(limit(4), { echo: 'constant' }));
    expect(rs.status).toBe('success');
    const [day] = await ledger('2027-06-01', '2027-06-01');
    expect(day?.roomTypes[0]).toMatchObject({ available: 4 });
  });

  it('applies the rate-amount fixture and says in Warnings what the ledger does not keep', async () => {
    const { rs } = await post(readFixture('ota-hotel-rate-amount-notif-rq.xml'));
    expect(rs).toMatchObject({ root: 'OTA_HotelRateAmountNotifRS', status: 'warnings', echoToken: 'rate-amount-20270301-0001' });
    const texts = rs.warnings.map((w) => w.text).join('\n');
    expect(texts).toMatch(/AmountBeforeTax/);
    expect(texts).toMatch(/base occupancy/);
    expect(texts).toMatch(/AdditionalGuestAmounts/);
    const [mon] = await ledger('2027-03-01', '2027-03-01');
    expect(mon?.roomTypes[0]?.ratePlans).toEqual([
      expect.objectContaining({ ratePlan: 'BAR', rate: '129.00' }),
      expect.objectContaining({ ratePlan: 'NRF', rate: '116.10' }),
    ]);
    const [fri] = await ledger('2027-03-05', '2027-03-05');
    expect(fri?.roomTypes[0]?.ratePlans[0]).toMatchObject({ rate: '149.00' });
    const [apr] = await ledger('2027-04-15', '2027-04-16');
    expect(apr?.roomTypes[0]?.ratePlans[0]).toMatchObject({ rate: '109.50' });
  });

  it('applies the inv-count fixture', async () => {
    const { rs } = await post(readFixture('ota-hotel-inv-count-notif-rq.xml'));
    expect(rs).toMatchObject({ root: 'OTA_HotelInvCountNotifRS', status: 'success', echoToken: 'inv-count-20270301-0001' });
    const [mon] = await ledger('2027-03-01', '2027-03-01');
    expect(mon?.roomTypes[0]).toMatchObject({ total: 20, outOfOrder: 1, available: 19 });
    const [mar14] = await ledger('2027-03-14', '2027-03-14');
    expect(mar14?.roomTypes[0]).toMatchObject({ available: 0 });
  });

  it('accepts the property code as HotelCode with Tidewater codes, and Bearer auth', async () => {
    const xml = avail(limit(9, 'Start="2027-07-01" End="2027-07-02" InvTypeCode="DBL"'), { hotel: 'AMS01' });
    const { rs } = await post(xml, { authorization: `Bearer ${pmsKey}` });
    expect(rs.status).toBe('success');
    const [day] = await ledger('2027-07-01', '2027-07-01');
    expect(day?.roomTypes[0]).toMatchObject({ available: 9 });
  });

  it('accepts Tidewater codes through a channel hotel code too', async () => {
    const ok = await post(
      avail('<AvailStatusMessage><StatusApplicationControl Start="2027-07-03" End="2027-07-03" InvTypeCode="DBL" RatePlanCode="BAR"/><RestrictionStatus Restriction="Master" Status="Close"/></AvailStatusMessage>'),
    );
    expect(ok.rs.status).toBe('success');
    const [day] = await ledger('2027-07-03', '2027-07-03');
    expect(day?.roomTypes[0]?.ratePlans[0]).toMatchObject({ ratePlan: 'BAR', stopSell: true });
  });

  it('answers a message that sets nothing Tidewater keeps with Success and Warnings, writing nothing', async () => {
    const before = await ledgerFingerprint(t.db);
    const { rs } = await post(avail('<AvailStatusMessage><StatusApplicationControl Start="2027-07-04" End="2027-07-04" InvTypeCode="1001"/></AvailStatusMessage>'));
    expect(rs.status).toBe('warnings');
    expect(rs.warnings.map((w) => w.text).join('\n')).toMatch(/ledger is unchanged/);
    expect(await ledgerFingerprint(t.db)).toEqual(before);
  });

  it('reads a message without the OpenTravel namespace, with a Warning', async () => {
    const { rs } = await post(avail(limit(6, 'Start="2027-07-05" End="2027-07-05" InvTypeCode="1001"'), { ns: false }));
    expect(rs.status).toBe('warnings');
    expect(rs.warnings[0]).toMatchObject({ type: '11', text: expect.stringMatching(/has no namespace/) });
    const [day] = await ledger('2027-07-05', '2027-07-05');
    expect(day?.roomTypes[0]).toMatchObject({ available: 6 });
  });

  it('answers every accepted content type', async () => {
    for (const contentType of ['application/xml', 'application/soap+xml; charset=utf-8', '*/*', undefined]) {
      const { rs } = await post(avail(limit(5, 'Start="2027-07-06" End="2027-07-06" InvTypeCode="1001"')), { contentType });
      expect(rs.status).toBe('success');
    }
  });

  it('answers an empty OTA_HotelResNotifRQ with Errors naming the missing element, and writes nothing', async () => {
    const before = await ledgerFingerprint(t.db);
    const answer = await post(`<OTA_HotelResNotifRQ xmlns="${NS}" EchoToken="res-1" Version="1.000"/>`);
    expect(answer.rs).toMatchObject({ root: 'OTA_HotelResNotifRS', status: 'errors', echoToken: 'res-1' });
    expect(answer.rs.errors[0]).toMatchObject({ type: '10', code: '321', text: expect.stringContaining('<HotelReservations> is required') });
    expect(await ledgerFingerprint(t.db)).toEqual(before);
  });

  // The pull loop itself is test/integration/ota-reservation-pull.test.ts.
  it.each([
    ['OTA_ReadRQ', 'OTA_ResRetrieveRS', 'HotelReadRequest'],
    ['OTA_NotifReportRQ', 'OTA_NotifReportRS', 'Success'],
  ])('answers an empty %s with %s Errors naming what is missing (10/321)', async (rq, rs, missing) => {
    const before = await ledgerFingerprint(t.db);
    const answer = await post(`<${rq} xmlns="${NS}" EchoToken="res-1" Version="1.000"/>`);
    expect(answer.rs).toMatchObject({ root: rs, status: 'errors', echoToken: 'res-1' });
    expect(answer.rs.errors[0]).toMatchObject({ type: '10', code: '321', text: expect.stringContaining(missing) });
    expect(await ledgerFingerprint(t.db)).toEqual(before);
  });

  describe('authentication and authorization: an RS with Errors at HTTP 200', () => {
    const xml = () => avail(limit(1));
    it.each([
      ['no credentials', () => null, '4'],
      ['an unknown key', () => basic('tw_pms_nope'), '4'],
      ['a key of another property', () => basic(otherKey), '6'],
      ['a channel key', () => basic(channelKey), '6'],
    ])('%s', async (_name, authorization, type) => {
      const before = await ledgerFingerprint(t.db);
      const { rs } = await post(xml(), { authorization: authorization() });
      expect(rs).toMatchObject({ root: 'OTA_HotelAvailNotifRS', status: 'errors', echoToken: 'e-1' });
      expect(rs.errors[0]).toMatchObject({ type, code: '497' });
      expect(await ledgerFingerprint(t.db)).toEqual(before);
    });
  });

  describe('bad input: an RS with Errors, ledger and outbox unchanged', () => {
    const nested = (bytes: number) => {
      const open = '<AvailStatusMessage>';
      const depth = Math.floor(bytes / (open.length * 2 + 1));
      return `<OTA_HotelAvailNotifRQ xmlns="${NS}" EchoToken="deep">${open.repeat(depth)}${'</AvailStatusMessage>'.repeat(depth)}</OTA_HotelAvailNotifRQ>`;
    };
    const bomb =
      '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
      '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>\n' +
      avail(limit(1)).replace(/^<\?xml[^>]*\?>\n/, '').replace('EchoToken="e-1"', 'EchoToken="bomb" Target="&lol3;"');
    const cases: Array<[name: string, body: () => string | Buffer, root: string, code: string, text?: RegExp]> = [
      ['not XML', () => 'this is not XML', 'OTA_HotelAvailNotifRS', '450', /not an XML document/],
      ['empty body', () => '', 'OTA_HotelAvailNotifRS', '450', /empty/],
      ['truncated XML', () => avail(limit(1)).slice(0, 200), 'OTA_HotelAvailNotifRS', '450', /not well-formed/],
      ['garbage bytes', () => Buffer.from([0x3c, 0xff, 0xfe, 0x00, 0x41, 0x3e]), 'OTA_HotelAvailNotifRS', '450', /not valid utf-8|not well-formed/],
      ['wrong root (another OTA message)', () => `<OTA_HotelRatePlanNotifRQ xmlns="${NS}" EchoToken="rp" Version="1.0"/>`, 'OTA_HotelRatePlanNotifRS', '450', /not accepted at \/ota\/v1/],
      ['wrong root (not OpenTravel)', () => '<invoice><total>1</total></invoice>', 'OTA_HotelAvailNotifRS', '450', /not accepted/],
      ['DOCTYPE with entity declarations (XML bomb)', () => bomb, 'OTA_HotelAvailNotifRS', '450', /DOCTYPE declarations are not accepted/],
      ['just under 5 MB of nested elements', () => nested(5 * 1024 * 1024 - 200), 'OTA_HotelAvailNotifRS', '450', /nested more than/],
      ['more than 5 MB', () => avail(limit(1)).replace('<AvailStatusMessages', `<!-- ${'x'.repeat(5 * 1024 * 1024)} --><AvailStatusMessages`), 'OTA_HotelAvailNotifRS', '450', /larger than 5mb/],
      ['unknown HotelCode', () => avail(limit(1), { hotel: '123456' }), 'OTA_HotelAvailNotifRS', '392', /HotelCode 123456/],
      ['unknown InvTypeCode', () => avail(limit(1, 'Start="2027-06-01" End="2027-06-01" InvTypeCode="9999"')), 'OTA_HotelAvailNotifRS', '402', /InvTypeCode 9999/],
      ['unknown RatePlanCode', () => rateAmount('<BaseByGuestAmt AmountAfterTax="99.00"/>', { sac: 'Start="2027-06-01" End="2027-06-01" InvTypeCode="1001" RatePlanCode="7777"' }), 'OTA_HotelRateAmountNotifRS', '249', /RatePlanCode 7777/],
      ['an unknown code next to good updates', () => avail(limit(2) + limit(3, 'Start="2027-06-01" End="2027-06-01" InvTypeCode="4242"')), 'OTA_HotelAvailNotifRS', '402', /4242/],
      ['Start after End', () => avail(limit(1, 'Start="2027-06-09" End="2027-06-01" InvTypeCode="1001"')), 'OTA_HotelAvailNotifRS', '404', /after End/],
      ['negative BookingLimit', () => avail(limit(-3)), 'OTA_HotelAvailNotifRS', '320', /must not be negative/],
      ['a RateAmount in an invalid currency', () => rateAmount('<BaseByGuestAmt AmountAfterTax="99.00" CurrencyCode="XYZ"/>'), 'OTA_HotelRateAmountNotifRS', '61', /XYZ/],
      ['a RateAmount in another currency than the property', () => rateAmount('<BaseByGuestAmt AmountAfterTax="99.00" CurrencyCode="USD"/>'), 'OTA_HotelRateAmountNotifRS', '61', /USD is not the currency of AMS01/],
      ['a date more than a day in the past', () => avail(limit(1, 'Start="2020-01-01" End="2027-06-01" InvTypeCode="1001"')), 'OTA_HotelAvailNotifRS', '15', /in the past/],
      ['a rate on a derived plan', () => rateAmount('<BaseByGuestAmt AmountAfterTax="99.00"/>', { sac: 'Start="2027-06-01" End="2027-06-01" InvTypeCode="1001" RatePlanCode="5002"' }), 'OTA_HotelRateAmountNotifRS', '320', /derived from BAR/],
      ['an empty AvailStatusMessages', () => avail(''), 'OTA_HotelAvailNotifRS', '321', /contains no update/],
    ];

    it.each(cases)('%s', async (_name, body, root, code, text) => {
      const before = await ledgerFingerprint(t.db);
      const { rs } = await post(body());
      expect(rs).toMatchObject({ root, status: 'errors' });
      expect(rs.errors.map((e) => e.code)).toContain(code);
      if (text) expect(rs.errors.map((e) => e.text).join('\n')).toMatch(text);
      expect(await ledgerFingerprint(t.db)).toEqual(before);
    });

    it('echoes the EchoToken of a message it could not parse, when it can see it', async () => {
      const { rs } = await post(nested(300_000));
      expect(rs.echoToken).toBe('deep');
    });
  });

  it('emits only RS documents that validate against the OpenTravel 2015B schemas', async () => {
    expect(emitted.length).toBeGreaterThan(30);
    const report = await opentravelValidator().validate(emitted);
    expect(report.filter((r) => !r.valid)).toEqual([]);
  });
});
