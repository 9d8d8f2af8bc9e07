import {
  ALPINEBITS_ACTIONS,
  HANDSHAKE_ACTIONS,
  HANDSHAKE_CAPABILITIES,
  alpineBitsHeaders,
  basicAuthorization,
  decodeFormBody,
  encodeMultipart,
  intersectHandshake,
  missingCapabilities,
  parseHandshakeJson,
  readAlpineBitsAnswer,
  readBasicAuthorization,
  readPingRequest,
  readPingResponse,
  renderPingRequest,
  renderPingResponse,
  type HandshakeData,
} from './handshake';
import { renderAlpineBitsResponse } from './response';
import { alpineBitsSchemaErrors, example, FIXED_NOW } from './testing';

const client: HandshakeData = {
  versions: [
    {
      version: '2024-10',
      actions: [
        { action: HANDSHAKE_ACTIONS.ping },
        { action: HANDSHAKE_ACTIONS.freeRooms, supports: [HANDSHAKE_CAPABILITIES.freeRoomsCategories, HANDSHAKE_CAPABILITIES.freeRoomsDeltas] },
        { action: HANDSHAKE_ACTIONS.ratePlans, supports: [HANDSHAKE_CAPABILITIES.ratePlansOverlay, HANDSHAKE_CAPABILITIES.ratePlansArrivalDow] },
      ],
    },
    { version: '2022-10', actions: [{ action: HANDSHAKE_ACTIONS.ping }] },
  ],
};

describe('AlpineBits transport', () => {
  it('encodes the action and request fields as multipart/form-data and decodes them back', () => {
    const xml = '<?xml version="1.0" encoding="UTF-8"?>\n<OTA_PingRQ Version="8.000"><EchoData>{"ä":"€"}</EchoData></OTA_PingRQ>';
    const form = encodeMultipart({ action: ALPINEBITS_ACTIONS.handshake, request: xml }, 'b0undary');
    expect(form.contentType).toBe('multipart/form-data; boundary=b0undary');
    const text = form.body.toString('utf8');
    expect(text).toContain('--b0undary\r\nContent-Disposition: form-data; name="action"\r\n\r\nOTA_Ping:Handshaking\r\n');
    expect(text).toContain('Content-Disposition: form-data; name="request"\r\nContent-Type: text/xml; charset=utf-8\r\n\r\n<?xml');
    expect(text.endsWith('--b0undary--\r\n')).toBe(true);
    expect(decodeFormBody(form.body, form.contentType)).toEqual({ action: 'OTA_Ping:Handshaking', request: xml });
    // A random boundary by default, and a quoted boundary or file part (as curl -F sends) is read too.
    expect(encodeMultipart({ a: '1' }).contentType).toMatch(/boundary=----tidewater-[0-9a-f]{24}$/);
    const curl = Buffer.from('--x\r\nContent-Disposition: form-data; name="request"; filename="r.xml"\r\nContent-Type: text/xml\r\n\r\n<a/>\r\n--x--\r\n');
    expect(decodeFormBody(curl, 'multipart/form-data; boundary="x"')).toEqual({ request: '<a/>' });
  });

  it('reads url-encoded forms and refuses bodies it cannot split', () => {
    expect(decodeFormBody(Buffer.from('action=getVersion&request=%3Ca%2F%3E'), 'application/x-www-form-urlencoded')).toEqual({ action: 'getVersion', request: '<a/>' });
    expect(() => decodeFormBody(Buffer.from('{}'), 'application/json')).toThrow(/multipart/);
    expect(() => decodeFormBody(Buffer.from('--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1'), 'multipart/form-data; boundary=x')).toThrow(/not terminated/);
    expect(() => decodeFormBody(Buffer.from('x'), 'multipart/form-data')).toThrow(/boundary/);
    expect(() => encodeMultipart({ request: 'a --b c' }, 'b')).toThrow(/boundary/);
  });

  it('sets the AlpineBits headers and Basic auth', () => {
    expect(alpineBitsHeaders({ clientId: 'tidewater/AMS01' })).toEqual({ 'X-AlpineBits-ClientProtocolVersion': '2024-10', 'X-AlpineBits-ClientID': 'tidewater/AMS01' });
    const header = basicAuthorization('hotel', 'p:ss');
    expect(header).toBe(`Basic ${Buffer.from('hotel:p:ss').toString('base64')}`);
    expect(readBasicAuthorization(header)).toEqual({ username: 'hotel', password: 'p:ss' });
    expect(readBasicAuthorization('Bearer x')).toBeUndefined();
    expect(readBasicAuthorization(undefined)).toBeUndefined();
  });

  it('reads OK:, ERROR: and RS answers, including the official RS examples', () => {
    expect(readAlpineBitsAnswer('OK:2024-10')).toEqual({ kind: 'ok', text: '2024-10' });
    expect(readAlpineBitsAnswer('ERROR: unknown InvTypeCode DBL\n')).toEqual({ kind: 'error', text: 'unknown InvTypeCode DBL' });
    expect(readAlpineBitsAnswer('ERROR:')).toEqual({ kind: 'error', text: '' });
    const error = readAlpineBitsAnswer(example('FreeRooms-OTA_HotelInvCountNotifRS-error.xml'));
    expect(error).toMatchObject({ kind: 'rs', response: { status: 'errors', errors: [{ type: '13', code: '404', text: 'Invalid start/end date combination' }] } });
    const advisory = readAlpineBitsAnswer(example('RatePlans-OTA_HotelRatePlanNotifRS-advisory.xml'));
    expect(advisory).toMatchObject({ kind: 'rs', response: { status: 'warnings', warnings: [{ type: '11', text: 'End date is less than 3 days from now' }] } });
    expect(readAlpineBitsAnswer(example('RatePlans-OTA_HotelRatePlanNotifRS-success.xml'))).toMatchObject({ kind: 'rs', response: { status: 'success' } });
    expect(() => readAlpineBitsAnswer('<html>502 Bad Gateway</html>')).toThrow();
    expect(() => readAlpineBitsAnswer('Service Unavailable')).toThrow(/neither OK/);
  });
});

describe('AlpineBits handshake (OTA_Ping:Handshaking)', () => {
  it('intersects versions, actions and capabilities', () => {
    const server: HandshakeData = {
      versions: [
        {
          version: '2024-10',
          actions: [
            { action: HANDSHAKE_ACTIONS.ping },
            { action: HANDSHAKE_ACTIONS.freeRooms, supports: [HANDSHAKE_CAPABILITIES.freeRoomsDeltas, HANDSHAKE_CAPABILITIES.freeRoomsClosingSeasons] },
            { action: 'action_OTA_Read' },
          ],
        },
      ],
    };
    const both = intersectHandshake(client, server);
    expect(both).toEqual({
      versions: [{ version: '2024-10', actions: [{ action: HANDSHAKE_ACTIONS.ping }, { action: HANDSHAKE_ACTIONS.freeRooms, supports: [HANDSHAKE_CAPABILITIES.freeRoomsDeltas] }] }],
    });
    expect(missingCapabilities(both, '2024-10', HANDSHAKE_ACTIONS.freeRooms, [HANDSHAKE_CAPABILITIES.freeRoomsDeltas])).toEqual([]);
    expect(missingCapabilities(both, '2024-10', HANDSHAKE_ACTIONS.ratePlans, [HANDSHAKE_CAPABILITIES.ratePlansOverlay])).toEqual([HANDSHAKE_ACTIONS.ratePlans, HANDSHAKE_CAPABILITIES.ratePlansOverlay]);
  });

  it('renders a ping request and response that validate, and reads them back', async () => {
    const request = renderPingRequest(client, FIXED_NOW);
    const read = readPingRequest(request);
    expect(read.handshake).toEqual(client);
    const response = renderPingResponse({ intersection: client, echoData: read.echoData }, FIXED_NOW);
    expect(readPingResponse(response)).toEqual({ status: 'warnings', handshake: client, warnings: [], errors: [] });
    const rs = renderAlpineBitsResponse({ root: 'OTA_HotelInvCountNotifRS', warnings: [{ type: '11', text: 'last full data set received more than 48 hours ago' }] }, FIXED_NOW);
    const err = renderAlpineBitsResponse({ root: 'OTA_HotelRatePlanNotifRS', errors: [{ type: '13', code: 402, text: 'unknown InvTypeCode XYZ' }] }, FIXED_NOW);
    const ok = renderAlpineBitsResponse({ root: 'OTA_HotelRatePlanNotifRS' }, FIXED_NOW);
    expect(await alpineBitsSchemaErrors({ 'ping-rq.xml': request, 'ping-rs.xml': response, 'warn-rs.xml': rs, 'err-rs.xml': err, 'ok-rs.xml': ok })).toEqual({
      'ping-rq.xml': [],
      'ping-rs.xml': [],
      'warn-rs.xml': [],
      'err-rs.xml': [],
      'ok-rs.xml': [],
    });
  });

  it('reads the official handshake examples', () => {
    const request = readPingRequest(example('Handshake-OTA_PingRQ.xml'));
    expect(request.handshake.versions[0]?.version).toBe('2018-10');
    expect(request.handshake.versions[0]?.actions.map((a) => a.action)).toEqual(['action_OTA_Ping', 'action_OTA_HotelRatePlan_BaseRates', 'action_OTA_HotelRatePlanNotif_RatePlans']);
    const response = readPingResponse(example('Handshake-OTA_PingRS.xml'));
    expect(response.status).toBe('warnings');
    expect(response.handshake?.versions[0]?.actions).toEqual([{ action: 'action_OTA_Ping' }, { action: 'action_OTA_HotelRatePlan_BaseRates', supports: ['OTA_HotelRatePlan_BaseRates_deltas'] }]);
  });

  it('refuses handshake data that is not the documented shape', () => {
    expect(() => parseHandshakeJson('nope')).toThrow(/not JSON/);
    expect(() => parseHandshakeJson('{"versions":{}}')).toThrow(/\/versions: must be a list/);
    expect(() => parseHandshakeJson('{"versions":[{"version":"2024-10","actions":[{"action":1}]}]}')).toThrow(/actions\/0\/action/);
    expect(() => parseHandshakeJson('{"versions":[{"version":"2024-10","actions":[{"action":"a","supports":"x"}]}]}')).toThrow(/supports/);
    expect(() => readPingRequest('<OTA_PingRQ xmlns="http://www.opentravel.org/OTA/2003/05" Version="1"><EchoData>[1]</EchoData></OTA_PingRQ>')).toThrow(/handshake data/);
    expect(() => readPingResponse('<OTA_PingRS xmlns="http://www.opentravel.org/OTA/2003/05" Version="1"><Success/><EchoData>x</EchoData></OTA_PingRS>')).toThrow(/ALPINEBITS_HANDSHAKE/);
    expect(() => renderAlpineBitsResponse({ root: 'OTA_HotelRatePlanNotifRS', errors: [{ type: '13', code: 0, text: 'x' }] })).toThrow(/positive/);
  });
});
