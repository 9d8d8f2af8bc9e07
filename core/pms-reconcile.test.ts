import { findSoldDrift } from './pms-reconcile';

const RANGE = { from: '2027-04-01', to: '2027-04-03' };

describe('findSoldDrift', () => {
  it('names exactly the nights and room types where the counts differ, with both values', () => {
    const tidewater = [
      { roomType: 'DBL', date: '2027-04-01', sold: 2 },
      { roomType: 'DBL', date: '2027-04-02', sold: 1 },
      { roomType: 'TWN', date: '2027-04-02', sold: 1 },
    ];
    const pms = [
      { roomType: 'DBL', date: '2027-04-01', sold: 2 },
      { roomType: 'DBL', date: '2027-04-02', sold: 3 },
      { roomType: 'unmapped:ZZ', date: '2027-04-03', sold: 1 },
    ];
    expect(findSoldDrift(tidewater, pms, RANGE)).toEqual([
      { date: '2027-04-02', roomType: 'DBL', tidewater: 1, pms: 3 },
      { date: '2027-04-02', roomType: 'TWN', tidewater: 1, pms: 0 },
      { date: '2027-04-03', roomType: 'unmapped:ZZ', tidewater: 0, pms: 1 },
    ]);
  });

  it('sums repeated rows, treats 0 and absent alike and ignores nights outside the range', () => {
    const tidewater = [{ roomType: 'DBL', date: '2027-04-01', sold: 2 }];
    const pms = [
      { roomType: 'DBL', date: '2027-04-01', sold: 1 },
      { roomType: 'DBL', date: '2027-04-01', sold: 1 },
      { roomType: 'TWN', date: '2027-04-02', sold: 0 },
      { roomType: 'DBL', date: '2027-04-04', sold: 9 },
    ];
    expect(findSoldDrift(tidewater, pms, RANGE)).toEqual([]);
  });
});
