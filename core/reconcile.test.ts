import type { ChannelRateCell, ChannelView } from './channel-view';
import { findDrift } from './reconcile';

const cell = (extra: Partial<ChannelRateCell> = {}): ChannelRateCell => ({
  roomType: 'FAM',
  ratePlan: 'BAR',
  date: '2027-05-07',
  amount: '129.00',
  minStay: null,
  maxStay: null,
  closedToArrival: false,
  closedToDeparture: false,
  stopSell: false,
  ...extra,
});
const view = (...rates: ChannelRateCell[]): ChannelView => ({ inventory: [], rates });
const RATES = { availability: false, rates: true, restrictions: true };
const PER_GUEST = { byGuests: { 1: '109.00', 2: '129.00', 3: '154.00' }, extraChild: '15.00' };

describe('findDrift: occupancy prices', () => {
  it('finds nothing when per-guest prices and supplements match', () => {
    expect(findDrift(view(cell(PER_GUEST)), view(cell(PER_GUEST)), RATES)).toEqual([]);
  });

  it('names per-guest prices and supplements that differ, in the findings shape reconciliation already has', () => {
    const actual = cell({ byGuests: { 1: '109.00', 2: '129.00', 3: '150.00' }, extraChild: '12.00' });
    expect(findDrift(view(cell(PER_GUEST)), view(actual), RATES)).toEqual([
      { date: '2027-05-07', roomType: 'FAM', ratePlan: 'BAR', field: 'extraChild', ledger: '15.00', channel: '12.00' },
      { date: '2027-05-07', roomType: 'FAM', ratePlan: 'BAR', field: 'rateByGuests', ledger: '1:109.00 2:129.00 3:154.00', channel: '1:109.00 2:129.00 3:150.00' },
    ]);
  });

  it('a channel holding one price where it should hold per-guest prices is drift', () => {
    expect(findDrift(view(cell(PER_GUEST)), view(cell()), RATES).map((f) => [f.field, f.channel])).toEqual([
      ['extraChild', null],
      ['rateByGuests', null],
    ]);
  });

  it('with per-guest prices on both sides, the rate a channel reads from them is not compared on its own', () => {
    // An OTA reader takes the two-guest amount as "the rate"; for a plan whose base is one guest that differs.
    expect(findDrift(view(cell({ amount: '109.00', ...PER_GUEST })), view(cell(PER_GUEST)), RATES)).toEqual([]);
  });

  it('channels without occupancy prices compare as before', () => {
    expect(findDrift(view(cell()), view(cell({ amount: '130.00' })), RATES)).toEqual([
      { date: '2027-05-07', roomType: 'FAM', ratePlan: 'BAR', field: 'rate', ledger: '129.00', channel: '130.00' },
    ]);
  });
});
