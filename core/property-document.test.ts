import { ValidationError } from './errors';
import { parsePropertyDocument } from './property-document';

const base = {
  code: 'AMS01',
  name: 'Canal House',
  timezone: 'Europe/Amsterdam',
  currency: 'EUR',
  roomTypes: [{ code: 'DBL', name: 'Double', rooms: 20, maxOccupancy: 2 }],
  ratePlans: [
    { code: 'BAR', roomTypes: ['DBL'] },
    { code: 'NRF', derivedFrom: 'BAR', adjust: { percent: -10 } },
  ],
};

function pointers(doc: unknown): string[] {
  try {
    parsePropertyDocument(doc);
  } catch (e) {
    if (e instanceof ValidationError) return e.errors.map((x) => x.pointer);
    throw e;
  }
  return [];
}

describe('parsePropertyDocument', () => {
  it('accepts the contract example and lets derived plans inherit room types', () => {
    const property = parsePropertyDocument(base);
    expect(property.ratePlans.find((p) => p.code === 'NRF')).toEqual({
      code: 'NRF',
      name: 'NRF',
      roomTypes: ['DBL'],
      derivedFrom: 'BAR',
      adjust: { percent: '-10' },
    });
  });

  it('refuses derivation cycles with the chain in the message', () => {
    const doc = {
      ...base,
      ratePlans: [
        { code: 'A', derivedFrom: 'C', adjust: { percent: 1 } },
        { code: 'B', derivedFrom: 'A', adjust: { percent: 1 } },
        { code: 'C', derivedFrom: 'B', adjust: { percent: 1 } },
      ],
    };
    expect(() => parsePropertyDocument(doc)).toThrow(/derivation cycle: A → C → B → A/);
  });

  it.each([
    [{ timezone: 'Mars/Olympus' }, '/timezone'],
    [{ currency: 'EURO' }, '/currency'],
    [{ currency: 'CLF' }, '/currency'],
    [{ channels: [{ code: 'x', type: 'ota-xml', currency: 'UYW' }] }, '/channels/0/currency'],
    [{ roomTypes: [{ code: 'DBL', rooms: -1 }] }, '/roomTypes/0/rooms'],
    [{ roomTypes: [] }, '/roomTypes'],
    [{ ratePlans: [{ code: 'BAR', roomTypes: ['QUAD'] }] }, '/ratePlans/0/roomTypes/0'],
    [{ ratePlans: [{ code: 'NRF', derivedFrom: 'BAR', adjust: { percent: -10 } }] }, '/ratePlans/0/derivedFrom'],
    [{ ratePlans: [{ code: 'BAR' }, { code: 'BAR' }] }, '/ratePlans/1/code'],
    [{ channels: [{ code: 'x', type: 'ota-xml', roomTypes: { QUAD: '1' } }] }, '/channels/0/roomTypes/QUAD'],
    [{ channels: [{ code: 'x', type: 'telex' }] }, '/channels/0/type'],
  ])('refuses %j at %s', (patch, pointer) => {
    expect(pointers({ ...base, ...patch })).toContain(pointer);
  });
});
