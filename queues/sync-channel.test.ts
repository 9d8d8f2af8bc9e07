import { chunkView, mergeSpans } from './sync-channel';

const inv = (n: number) => Array.from({ length: n }, (_, i) => ({ roomType: 'A', date: `2027-01-${String(i + 1).padStart(2, '0')}`, available: 1 }));
const rates = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ roomType: 'A', ratePlan: 'B', date: `2027-01-${String(i + 1).padStart(2, '0')}`, amount: '1.00', minStay: null, maxStay: null, closedToArrival: false, closedToDeparture: false, stopSell: false }));

describe('chunkView', () => {
  it('keeps every cell exactly once, at most `max` per chunk, and mixes kinds while they fit', () => {
    expect(chunkView({ inventory: inv(5), rates: rates(4) }, 3).map((c) => [c.inventory.length, c.rates.length])).toEqual([
      [3, 0],
      [2, 1],
      [0, 3],
    ]);
    expect(chunkView({ inventory: inv(2), rates: rates(2) }, 100)).toHaveLength(1);
    expect(chunkView({ inventory: [], rates: [] }, 10)).toEqual([]);
  });
});

describe('mergeSpans', () => {
  const d = (id: number, roomTypeId: number, from: string, to: string) => ({ id, roomTypeId, from, to, changedAt: new Date() });
  it('merges overlapping and touching ranges of a room type, keeps disjoint ones apart', () => {
    expect(
      mergeSpans([d(1, 1, '2027-01-10', '2027-01-12'), d(2, 1, '2027-01-01', '2027-01-03'), d(3, 1, '2027-01-04', '2027-01-05'), d(4, 2, '2027-01-01', '2027-01-01'), d(5, 1, '2027-01-11', '2027-01-20')]),
    ).toEqual([
      { roomTypeId: 1, from: '2027-01-01', to: '2027-01-05' },
      { roomTypeId: 1, from: '2027-01-10', to: '2027-01-20' },
      { roomTypeId: 2, from: '2027-01-01', to: '2027-01-01' },
    ]);
  });
});
