import type { PropertyDocument } from '../../core/property-document';
import { createDirectChannel } from '../../fixtures/channels/direct-channel';
import { createOtaXmlChannel } from '../../fixtures/channels/ota-xml-channel';
import { listen, type SampleChannel } from '../../fixtures/channels/sample-channel';

export interface SampleChannels {
  ota: SampleChannel;
  direct: SampleChannel;
  gds: SampleChannel;
  all: Array<[code: string, channel: SampleChannel, fields: 'all' | 'rates']>;
  close(): Promise<void>;
}

export const ROOM_TYPES = ['DBL', 'TWN', 'SGL', 'FAM', 'STE'] as const;

/** Three sample channels on local ports, and a property of 5 room types × 3 plans distributing to them. */
export async function startSampleChannels(): Promise<SampleChannels> {
  const ota = createOtaXmlChannel({ hotelCode: '998877', username: 'u', password: 'p', seed: 1 });
  const direct = createDirectChannel({ secret: 'hook-secret', seed: 2 });
  const gds = createOtaXmlChannel({ hotelCode: 'GDS998877', username: 'g', password: 'q', seed: 3 });
  const servers = await Promise.all([listen(ota.app), listen(direct.app), listen(gds.app)]);
  return {
    ota,
    direct,
    gds,
    all: [
      ['otax', ota, 'all'],
      ['web', direct, 'all'],
      ['gds', gds, 'rates'],
    ],
    urls: servers.map((s) => s.url),
    async close() {
      await Promise.all(servers.map((s) => s.close()));
    },
  } as SampleChannels & { urls: string[] };
}

export function distributionProperty(code: string, urls: string[], settings: Record<string, unknown> = {}): PropertyDocument {
  const [otaUrl, directUrl, gdsUrl] = urls as [string, string, string];
  const rooms = Object.fromEntries(ROOM_TYPES.map((r, i) => [r, String(1001 + i)]));
  return {
    code,
    name: 'Channel Test Hotel',
    timezone: 'Europe/Berlin',
    currency: 'EUR',
    roomTypes: ROOM_TYPES.map((r, i) => ({ code: r, rooms: 10 + i * 5, maxOccupancy: r === 'FAM' ? 4 : 2 })),
    ratePlans: [
      { code: 'BAR', roomTypes: [...ROOM_TYPES] },
      { code: 'NRF', derivedFrom: 'BAR', adjust: { percent: -15 } },
      { code: 'CORP', roomTypes: ['DBL', 'SGL'] },
    ],
    channels: [
      {
        code: 'otax',
        type: 'ota-xml',
        endpoint: `${otaUrl}/ota`,
        critical: true,
        hotelCode: '998877',
        credentials: { username: 'u', password: 'p' },
        roomTypes: rooms,
        ratePlans: { BAR: '5001', NRF: '5002', CORP: '5003' },
        buffer: { rooms: 1 },
        settings: { timeoutMs: 500, attempts: 2, maxCellsPerMessage: 400, ...settings },
      },
      {
        code: 'web',
        type: 'direct',
        endpoint: directUrl,
        critical: false,
        credentials: { secret: 'hook-secret' },
        roomTypes: Object.fromEntries(ROOM_TYPES.map((r) => [r, r.toLowerCase()])),
        ratePlans: { BAR: 'flex', NRF: 'saver' },
        settings: { timeoutMs: 500, attempts: 2, ...settings },
      },
      {
        code: 'gds',
        type: 'gds',
        endpoint: `${gdsUrl}/ota`,
        critical: false,
        hotelCode: 'GDS998877',
        credentials: { username: 'g', password: 'q' },
        // A GDS sells the corporate and flexible rates; the non-refundable is not GDS-loadable.
        roomTypes: { DBL: 'A1D', TWN: 'A2T', SGL: 'A1K' },
        ratePlans: { BAR: 'RAC', CORP: 'COR' },
        settings: { timeoutMs: 500, attempts: 2, ...settings },
      },
    ],
  };
}
