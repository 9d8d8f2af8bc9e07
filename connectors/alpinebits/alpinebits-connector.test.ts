import type { ChannelView } from '../../core/channel-view';
import type { ChannelConfig, Property } from '../../core/property';
import { createAlpineBitsChannel, SAMPLE_SERVER_HANDSHAKE, type AlpineBitsChannelOptions, type AlpineBitsSampleChannel } from '../../fixtures/channels/alpinebits-channel';
import { listen } from '../../fixtures/channels/sample-channel';
import { ALPINEBITS_ACTIONS } from '../../mappers/alpinebits/handshake';
import { ChannelRejectedError, type ChannelContentSync, type ChannelContext, type PushResult } from '../types';
import { alpineBitsConnector, forgetAlpineBitsHandshakes, inventoryOf } from './alpinebits-connector';

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
  let sample: AlpineBitsSampleChannel;
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

  describe('room categories (Inventory/Basic) through `content`', () => {
    const content = alpineBitsConnector.content as ChannelContentSync;
    /**
     * What the sync worker does with `content` (queues/channel-content.ts), minus the database:
     * push when the fingerprint differs from the one last settled, then the ARI.
     */
    const sync = async (context: ChannelContext, settled: { fingerprint: string | null }, changes: ChannelView): Promise<PushResult> => {
      const fingerprint = content.fingerprint(context);
      const warnings: string[] = [];
      if (fingerprint !== settled.fingerprint) {
        const result = await content.push(context);
        if (result.status === 'accepted') warnings.push(...result.warnings);
        settled.fingerprint = fingerprint;
      }
      const ari = await alpineBitsConnector.pushAri(context, changes);
      return { messages: ari.messages, warnings: [...warnings, ...ari.warnings] };
    };
    const changes: ChannelView = { inventory: [{ roomType: 'DBL', date: '2027-03-01', available: 4 }], rates: [rate('DBL', '2027-03-01')] };

    it('the first sync sends Inventory before FreeRooms and RatePlans; the next does not; a room type change does again', async () => {
      await start();
      const settled = { fingerprint: null as string | null };
      await sync({ property, channel: channel() }, settled, changes);
      expect(sample.actions).toEqual([ALPINEBITS_ACTIONS.handshake, ALPINEBITS_ACTIONS.inventory, ALPINEBITS_ACTIONS.freeRooms, ALPINEBITS_ACTIONS.ratePlans]);
      // In the server's codes, the property's physical rooms and occupancy, the names as sent.
      expect(sample.inventory).toEqual({
        hotelCode: '123',
        messages: 1,
        categories: [
          { code: 'DOUBLE', name: 'Double', minOccupancy: 1, maxOccupancy: 2, standardOccupancy: 2, rooms: 10 },
          { code: 'FAMILY', name: 'Family', minOccupancy: 1, maxOccupancy: 4, standardOccupancy: 4, rooms: 4 },
        ],
      });

      await sync({ property, channel: channel() }, settled, { inventory: [{ roomType: 'DBL', date: '2027-03-02', available: 3 }], rates: [] });
      expect(sample.inventory.messages).toBe(1);
      expect(sample.actions.slice(4)).toEqual([ALPINEBITS_ACTIONS.freeRooms]);

      const renovated: Property = { ...property, roomTypes: property.roomTypes.map((r) => (r.code === 'FAM' ? { ...r, name: 'Family suite', rooms: 5 } : r)) };
      await sync({ property: renovated, channel: channel() }, settled, { inventory: [{ roomType: 'FAM', date: '2027-03-02', available: 5 }], rates: [] });
      expect(sample.actions.slice(5)).toEqual([ALPINEBITS_ACTIONS.inventory, ALPINEBITS_ACTIONS.freeRooms]);
      expect(sample.inventory.messages).toBe(2);
      expect(sample.inventory.categories.find((c) => c.code === 'FAMILY')).toMatchObject({ name: 'Family suite', rooms: 5 });
    });

    it('fingerprints what the channel would hold: mapping, room types, endpoint, on/off; not the buffer or unmapped room types', async () => {
      await start();
      const base = content.fingerprint({ property, channel: channel() });
      const withSuite: Property = { ...property, roomTypes: [...property.roomTypes, { code: 'STE', name: 'Suite', rooms: 2, maxOccupancy: 3 }] };
      // Unchanged: an unmapped room type, the buffer, the rate plans, the document order.
      expect(content.fingerprint({ property: withSuite, channel: channel() })).toBe(base);
      expect(content.fingerprint({ property, channel: channel({ buffer: { rooms: 3 } }) })).toBe(base);
      expect(content.fingerprint({ property: { ...property, roomTypes: [...property.roomTypes].reverse() }, channel: channel() })).toBe(base);
      expect(content.fingerprint({ property, channel: channel({ roomTypes: { FAM: 'FAMILY', DBL: 'DOUBLE' } }) })).toBe(base);
      // Changed: the mapping, a room count, an occupancy, a name, the server.
      for (const other of [
        content.fingerprint({ property: withSuite, channel: channel({ roomTypes: { DBL: 'DOUBLE', FAM: 'FAMILY', STE: 'SUITE' } }) }),
        content.fingerprint({ property, channel: channel({ roomTypes: { DBL: 'DZ', FAM: 'FAMILY' } }) }),
        content.fingerprint({ property: { ...property, roomTypes: property.roomTypes.map((r) => ({ ...r, rooms: r.rooms + 1 })) }, channel: channel() }),
        content.fingerprint({ property: { ...property, roomTypes: property.roomTypes.map((r) => ({ ...r, maxOccupancy: r.maxOccupancy + 1 })) }, channel: channel() }),
        content.fingerprint({ property: { ...property, roomTypes: property.roomTypes.map((r) => ({ ...r, name: `${r.name}!` })) }, channel: channel() }),
        content.fingerprint({ property, channel: channel({ endpoint: 'http://127.0.0.1:1/alpinebits' }) }),
        content.fingerprint({ property, channel: channel({ settings: { inventory: false } }) }),
      ]) {
        expect(other).not.toBe(base);
      }
      // Unmapped room types are never sent.
      expect(inventoryOf(withSuite, channel()).categories.map((c) => c.code)).toEqual(['DOUBLE', 'FAMILY']);
    });

    it('skips a server that does not take Inventory, sends no rooms to one without use_rooms', async () => {
      const without = (supports?: string[]) => ({
        versions: [{ version: '2024-10', actions: SAMPLE_SERVER_HANDSHAKE.versions[0]!.actions.filter((a) => a.action !== 'action_OTA_HotelDescriptiveContentNotif_Inventory').concat(supports ? [{ action: 'action_OTA_HotelDescriptiveContentNotif_Inventory', supports }] : []) }],
      });
      await start({ handshake: without() });
      const skipped = await content.push({ property, channel: channel() });
      expect(skipped).toEqual({ status: 'skipped', reason: expect.stringMatching(/does not accept OTA_HotelDescriptiveContentNotif:Inventory/) });
      expect(sample.actions).toEqual([ALPINEBITS_ACTIONS.handshake]);
      await close();

      await start({ handshake: without([]) });
      const categoriesOnly = await content.push({ property, channel: channel() });
      expect(categoriesOnly).toEqual({ status: 'accepted', messages: 1, warnings: [expect.stringMatching(/room counts not sent.*use_rooms/)] });
      expect(sample.inventory.categories.map((c) => [c.code, c.rooms])).toEqual([
        ['DOUBLE', 0],
        ['FAMILY', 0],
      ]);
    });

    it('never sends an empty Inventory (it deletes every category), and refuses what AlpineBits cannot carry without a request', async () => {
      await start();
      expect(await content.push({ property, channel: channel({ roomTypes: {} }) })).toEqual({ status: 'skipped', reason: expect.stringMatching(/no room type is mapped/) });
      expect(await content.push({ property, channel: channel({ settings: { inventory: false } }) })).toMatchObject({ status: 'skipped' });
      await expect(content.push({ property, channel: channel({ roomTypes: { DBL: 'DOUBLE', FAM: 'DOUBLE' } }) })).rejects.toThrow(/category DOUBLE is listed twice/);
      await expect(content.push({ property, channel: channel({ roomTypes: { DBL: 'DOUBLE-DELUXE' } }) })).rejects.toThrow(ChannelRejectedError);
      expect(sample.stats.requests).toBe(0);
      // The server's Warnings come back (a category it does not sell is stored, not an error).
      expect(await content.push({ property, channel: channel({ roomTypes: { DBL: 'DOUBLE', FAM: 'LOFT' } }) })).toEqual({
        status: 'accepted',
        messages: 1,
        warnings: ['type 11 room category LOFT stored, but not sold here'],
      });
    });
  });
});
