import { SoldOutError, UnknownPropertyError, ValidationError } from '../../core/errors';
import { readHotelAvailNotif } from './hotel-avail-notif';
import { readOtaResponse, renderOtaResponse, toOtaErrors, type OtaNotice } from './response';
import { FIXED_NOW, opentravelValidator, readFixture, xmlErrorOf } from './testing';

const ROOTS = ['OTA_HotelAvailNotifRS', 'OTA_HotelInvCountNotifRS', 'OTA_HotelRateAmountNotifRS'] as const;
const SLUGS: Record<(typeof ROOTS)[number], string> = {
  OTA_HotelAvailNotifRS: 'avail-notif',
  OTA_HotelInvCountNotifRS: 'inv-count-notif',
  OTA_HotelRateAmountNotifRS: 'rate-amount-notif',
};

describe('OpenTravel responses', () => {
  it.each(ROOTS)('reads the %s fixtures: success, warnings, errors with their text', (root) => {
    const slug = SLUGS[root];
    const success = readOtaResponse(readFixture(`ota-hotel-${slug}-rs-success.xml`));
    expect(success).toEqual({
      root,
      echoToken: `${slug}-20270301-0001`,
      timeStamp: '2027-02-20T08:30:01+00:00',
      version: '3.000',
      status: 'success',
      warnings: [],
      errors: [],
    });
    const warning = readOtaResponse(readFixture(`ota-hotel-${slug}-rs-warning.xml`));
    expect(warning.status).toBe('warnings');
    expect(warning.warnings.length).toBeGreaterThan(0);
    expect(warning.warnings[0]).toMatchObject({ type: '11', text: expect.any(String) });
    const error = readOtaResponse(readFixture(`ota-hotel-${slug}-rs-error.xml`));
    expect(error.status).toBe('errors');
    expect(error.errors[0]).toMatchObject({ type: '3', code: expect.any(String), shortText: expect.any(String), text: expect.any(String) });
  });

  it('reads the entity-escaped text and every attribute of an Error', () => {
    const read = readOtaResponse(readFixture('ota-hotel-avail-notif-rs-error.xml'));
    expect(read.errors).toEqual([
      {
        type: '3',
        code: '404',
        shortText: 'Invalid start date-end date combination',
        tag: 'StatusApplicationControl',
        text: 'line 17, element <StatusApplicationControl>: Start (2027-03-31) is after End (2027-03-01); End is the last night, inclusive',
      },
    ]);
  });

  it('refuses a response that says neither Success nor Errors', () => {
    const xml = '<OTA_HotelAvailNotifRS xmlns="http://www.opentravel.org/OTA/2003/05" Version="3.000"/>';
    expect(xmlErrorOf(() => readOtaResponse(xml))).toMatchObject({ problem: 'missing-field', element: 'OTA_HotelAvailNotifRS' });
    expect(xmlErrorOf(() => readOtaResponse('<OTA_HotelAvailNotifRQ Version="1"/>'))).toMatchObject({ problem: 'unsupported-message' });
  });

  it('renders Success, Warnings and Errors that validate against the OpenTravel 2015B schema and read back', async () => {
    const warnings: OtaNotice[] = [{ type: '11', shortText: 'Ignored element', tag: 'HurdleRate', text: 'HurdleRate is not used and was ignored' }];
    const errors: OtaNotice[] = [
      { type: '3', code: '404', shortText: 'Invalid start date-end date combination', text: 'Start after End & that is <bad>' },
      { type: '10', code: '321', shortText: 'x'.repeat(80), recordId: '7' },
    ];
    const documents = ROOTS.flatMap((root) => [
      { fileName: `${root}-success.xml`, xml: renderOtaResponse({ root, echoToken: 'e-1', version: '4.000' }, FIXED_NOW) },
      { fileName: `${root}-warnings.xml`, xml: renderOtaResponse({ root, echoToken: 'e-1', warnings }, FIXED_NOW) },
      { fileName: `${root}-errors.xml`, xml: renderOtaResponse({ root, echoToken: 'e-1', errors, warnings }, FIXED_NOW) },
    ]);
    const report = await opentravelValidator().validate(documents);
    expect(report.filter((r) => !r.valid)).toEqual([]);

    const [success, withWarnings, withErrors] = documents.map((d) => readOtaResponse(d.xml));
    expect(success).toMatchObject({ status: 'success', echoToken: 'e-1', version: '4.000', timeStamp: '2027-02-20T08:30:01+00:00' });
    expect(withWarnings).toMatchObject({ status: 'warnings', warnings });
    expect(withErrors?.status).toBe('errors');
    expect(withErrors?.warnings).toEqual([]);
    expect(withErrors?.errors[0]?.text).toBe('Start after End & that is <bad>');
    expect(withErrors?.errors[1]?.shortText).toHaveLength(64);
    expect(documents[0]?.xml).toContain('xmlns="http://www.opentravel.org/OTA/2003/05"');
  });

  it('answers a partner with its own EchoToken and Version', () => {
    const request = readHotelAvailNotif(readFixture('ota-hotel-avail-notif-rq.xml'));
    const xml = renderOtaResponse({ root: 'OTA_HotelAvailNotifRS', echoToken: request.echoToken, version: request.version }, FIXED_NOW);
    expect(readOtaResponse(xml)).toMatchObject({ echoToken: 'avail-20270301-0001', version: '4.000' });
  });

  it('keeps at most the 99 errors the schema allows', () => {
    const errors = Array.from({ length: 150 }, (_, i): OtaNotice => ({ type: '3', code: '320', text: `error ${i}` }));
    expect(readOtaResponse(renderOtaResponse({ root: 'OTA_HotelRateAmountNotifRS', errors })).errors).toHaveLength(99);
  });

  it('maps typed errors to OpenTravel Errors once', () => {
    const startAfterEnd = xmlErrorOf(() =>
      readHotelAvailNotif(
        '<OTA_HotelAvailNotifRQ Version="1"><AvailStatusMessages HotelCode="1"><AvailStatusMessage BookingLimit="1">\n<StatusApplicationControl Start="2027-03-02" End="2027-03-01" InvTypeCode="1001"/></AvailStatusMessage></AvailStatusMessages></OTA_HotelAvailNotifRQ>',
      ),
    );
    expect(toOtaErrors(startAfterEnd)).toEqual([
      {
        type: '3',
        code: '404',
        shortText: 'Invalid start date-end date combination',
        tag: 'StatusApplicationControl',
        text: 'line 2, element <StatusApplicationControl>: Start (2027-03-02) is after End (2027-03-01); End is the last night, inclusive',
      },
    ]);
    const validation = new ValidationError([
      { pointer: '/updates/0/roomType', detail: 'unknown room type 1009 for property AMS01' },
      { pointer: '/updates/1/rate', detail: 'EUR has 2 decimals; got 10.001' },
    ]);
    expect(toOtaErrors(validation).map((e) => [e.type, e.code, e.tag])).toEqual([
      ['3', '402', '/updates/0/roomType'],
      ['3', '320', '/updates/1/rate'],
    ]);
    expect(toOtaErrors(new UnknownPropertyError('AMS01'))[0]).toMatchObject({ type: '3', code: '392' });
    expect(toOtaErrors(new SoldOutError([]))[0]).toMatchObject({ type: '3', code: '322' });
    expect(toOtaErrors(new Error('connection to 10.0.0.3 refused'))).toEqual([
      { type: '12', code: '448', shortText: 'System error', text: 'internal error; the request was not processed' },
    ]);
  });

  it('refuses to render codes the schema would reject', () => {
    expect(() => renderOtaResponse({ root: 'OTA_HotelAvailNotifRS', errors: [{ type: 'biz' }] })).toThrow(/Type/);
    expect(() => renderOtaResponse({ root: 'OTA_HotelAvailNotifRQ' })).toThrow(/response root/);
    expect(() => renderOtaResponse({ root: 'OTA_HotelAvailNotifRS', timeStamp: '2027-03-01 10:00' })).toThrow(/TimeStamp/);
  });
});
