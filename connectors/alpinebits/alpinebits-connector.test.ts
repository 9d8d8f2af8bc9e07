import type { ChannelView } from '../../core/channel-view';
import type { ChannelConfig, Property } from '../../core/property';
import { createAlpineBitsChannel, SAMPLE_SERVER_HANDSHAKE, type AlpineBitsChannelOptions } from '../../fixtures/channels/alpinebits-channel';
import { listen, type SampleChannel } from '../../fixtures/channels/sample-channel';
import { ChannelRejectedError } from '../types';
import { alpineBitsConnector, forgetAlpineBitsHandshakes } from './alpinebits-connector';

const property: Property = {
  code: 'ALP01',
  name: 'Frangart Inn',
  timezone: 'Europe/Rome',
  currency: 'EUR',
  roomTypes: [
    { code: 'DBL', name: 'Double', rooms: 10, maxOccupancy: 2 },
    { code: 'FAM', name: 'Family', rooms: 4, maxOccupancy: 4 },
  ],
  ratePlans: [{ code: 'BAR', name: 'Best available', roomTypes: ['DBL', 'FAM'] }],
  channels: [],
};

const rate = (roomType: string, date: string, over: Partial<ChannelView['rates'][number]> = {}): ChannelView['rates'][number] => ({
  roomType,
  ratePlan: 'BAR',
  date,
  amount: '120.00',
  minStay: null,
  maxStay: null,
  closedToArrival: false,
  closedToDeparture: false,
  stopSell: false,
  ...over,
});

describe('alpinebits connector against the sample AlpineBits server', () => {
  let sample: SampleChannel;
  let url: string;
  let close: () => Promise<void>;
  const start = async (options: Partial<AlpineBitsChannelOptions> = {}) => {
    forgetAlpineBitsHandshakes();
    sample = createAlpineBitsChannel({ hotelCode: '123', username: 'hotel', password: 'secret', roomTypes: ['DOUBLE', 'FAMILY'], ratePlans: ['BAR-HB'], ...options });
    const served = await listen(sample.app);
    url = served.url;
    close = served.close;
  };
  const channel = (over: Partial<ChannelConfig> = {}): ChannelConfig => ({
    code: 'ab',
    type: 'alpinebits',
    endpoint: `${url}/alpinebits`,
    critical: false,
    hotelCode: '123',
    credentials: { username: 'hotel', password: 'secret' },
    roomTypes: { DBL: 'DOUBLE', FAM: 'FAMILY' },
    ratePlans: { BAR: 'BAR-HB' },
    buffer: { rooms: 0 },
    settings: { timeoutMs: 2000, attempts: 2 },
    ...over,
  });
  afterEach(async () => close());

  it('handshakes once, then sends FreeRooms and a RatePlans Overlay the server applies in its codes', async () => {
    await start();
    const context = { property, channel: channel() };
    const result = await alpineBitsConnector.pushAri(context, {
      inventory: [
        { roomType: 'DBL', date: '2027-03-01', available: 4 },
        { roomType: 'DBL', date: '2027-03-02', available: 4 },
        { roomType: 'FAM', date: '2027-03-01', available: 0 },
      ],
      rates: [
        rate('DBL', '2027-03-01', { minStay: 2 }),
        rate('DBL', '2027-03-02', { closedToArrival: true, amount: '130.00' }),
        rate('FAM', '2027-03-01', { stopSell: true, maxStay: 7, amount: '210.50' }),
      ],
    });
    expect(result).toEqual({ messages: 2, warnings: [] });
    expect(sample.store.view().inventory).toEqual([
      { roomType: 'DOUBLE', date: '2027-03-01', available: 4 },
      { roomType: 'DOUBLE', date: '2027-03-02', available: 4 },
      { roomType: 'FAMILY', date: '2027-03-01', available: 0 },
    ]);
    expect(sample.store.rates.get('DOUBLE|BAR-HB|2027-03-01')).toMatchObject({ rate: '120.00', minStay: 2, closedToArrival: false, stopSell: false });
    expect(sample.store.rates.get('DOUBLE|BAR-HB|2027-03-02')).toMatchObject({ rate: '130.00', minStay: null, closedToArrival: true });
    expect(sample.store.rates.get('FAMILY|BAR-HB|2027-03-01')).toMatchObject({ rate: '210.50', maxStay: 7, stopSell: true });
    // Handshake + FreeRooms + RatePlans; a second push reuses the handshake.
    await alpineBitsConnector.pushAri(context, { inventory: [{ roomType: 'DBL', date: '2027-03-03', available: 1 }], rates: [] });
    expect(sample.stats.requests).toBe(4);
  });

  it('a restriction lifted later is cleared on the server (the rule replaces the old one)', async () => {
    await start();
    const context = { property, channel: channel() };
    await alpineBitsConnector.pushAri(context, { inventory: [], rates: [rate('DBL', '2027-03-01', { minStay: 3, stopSell: true, closedToArrival: true })] });
    await alpineBitsConnector.pushAri(context, { inventory: [], rates: [rate('DBL', '2027-03-01')] });
    expect(sample.store.rates.get('DOUBLE|BAR-HB|2027-03-01')).toMatchObject({ minStay: null, stopSell: false, closedToArrival: false });
  });

  it('reports what AlpineBits cannot carry instead of sending an approximation', async () => {
    await start();
    const result = await alpineBitsConnector.pushAri({ property, channel: channel() }, { inventory: [], rates: [rate('DBL', '2027-03-01', { closedToDeparture: true }), rate('FAM', '2027-03-01', { amount: '0.00' })] });
    expect(result.warnings).toEqual([
      'price 0.00 of FAMILY/BAR-HB 2027-03-01…2027-03-01 not sent: AlpineBits amounts must be above 0',
      'closed to departure not sent (AlpineBits has no per-date departure closure): DOUBLE/BAR-HB 2027-03-01…2027-03-01',
    ]);
    expect(sample.store.rates.get('DOUBLE|BAR-HB|2027-03-01')?.closedToDeparture).toBe(false);
  });

  it.each([
    ['ERROR: text (HTTP 400)', 'text' as const, /refused \(400\): ERROR:unknown room category \(InvTypeCode\) SUITE/],
    ['an RS with Errors', 'rs' as const, /partner answered Errors: type 13 code 402 unknown room category \(InvTypeCode\) SUITE/],
  ])('a refusal as %s is a ChannelRejectedError with the partner text', async (_name, unknownCodes, message) => {
    await start({ unknownCodes });
    const push = alpineBitsConnector.pushAri({ property, channel: channel({ roomTypes: { DBL: 'SUITE' } }) }, { inventory: [{ roomType: 'DBL', date: '2027-03-01', available: 1 }], rates: [] });
    await expect(push).rejects.toThrow(ChannelRejectedError);
    await expect(push).rejects.toThrow(message);
    // Refused once: handshake + one FreeRooms request, no retries.
    expect(sample.stats.requests).toBe(2);
  });

  it('refuses to send what the server did not accept in the handshake, and wrong credentials', async () => {
    await start({ handshake: { versions: [{ version: '2024-10', actions: [{ action: 'action_OTA_Ping' }, { action: 'action_OTA_HotelInvCountNotif', supports: [] }] }] } });
    const push = alpineBitsConnector.pushAri({ property, channel: channel() }, { inventory: [{ roomType: 'DBL', date: '2027-03-01', available: 1 }], rates: [] });
    await expect(push).rejects.toThrow(/missing in handshake: OTA_HotelInvCountNotif_accept_deltas/);
    await close();
    await start({ handshake: SAMPLE_SERVER_HANDSHAKE });
    const bad = alpineBitsConnector.pushAri({ property, channel: channel({ credentials: { username: 'hotel', password: 'wrong' } }) }, { inventory: [{ roomType: 'DBL', date: '2027-03-01', available: 1 }], rates: [] });
    await expect(bad).rejects.toThrow(/refused \(401\): ERROR:unauthorized/);
  });

  it('retries a 5xx and delivers once the server answers', async () => {
    await start();
    sample.faults = { ...sample.faults, errorRate: 0.5 };
    const context = { property, channel: channel({ settings: { timeoutMs: 2000, attempts: 6 } }) };
    for (let i = 0; i < 5; i++) await alpineBitsConnector.pushAri(context, { inventory: [{ roomType: 'DBL', date: '2027-03-01', available: i }], rates: [] });
    expect(sample.store.inventory.get('DOUBLE|2027-03-01')?.available).toBe(4);
    expect(sample.stats.injected.error ?? 0).toBeGreaterThan(0);
  });

  it('refuses codes AlpineBits cannot carry without retrying', async () => {
    await start();
    const push = alpineBitsConnector.pushAri({ property, channel: channel({ roomTypes: { DBL: 'DOUBLE-DELUXE' } }) }, { inventory: [{ roomType: 'DBL', date: '2027-03-01', available: 1 }], rates: [] });
    await expect(push).rejects.toThrow(/cannot be expressed in AlpineBits: .*1 to 8 characters/);
    expect(sample.stats.requests).toBe(0);
  });
});
