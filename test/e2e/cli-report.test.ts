import { silentLogger } from '../../config/logger';
import { ingestChannelBooking } from '../../services/booking-service';
import { childEnv, runCli } from '../helpers/cli';
import { canalHouse } from '../helpers/fixtures';
import { seedProperty } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

describe('tidewater report and booking erase', () => {
  let t: TestDatabase;
  let env: NodeJS.ProcessEnv;
  let bookingId: string;
  beforeAll(async () => {
    t = await createTestDatabase({ poolMax: 2 });
    env = childEnv({ DATABASE_URL: t.url, REDIS_URL: undefined });
    await seedProperty(t.db, canalHouse());
    const result = await ingestChannelBooking({ db: t.db, logger: silentLogger }, 'AMS01', {
      channelCode: 'otax',
      channelBookingId: 'R-1',
      revision: '1',
      status: 'new',
      roomStays: [{ roomType: 'DBL', checkIn: '2027-05-01', checkOut: '2027-05-03', rooms: 1 }],
      guest: { firstName: 'Hedy', lastName: 'Lamarr', email: 'hedy@example.org', phone: '+43 1 234' },
    });
    bookingId = result.bookingId;
  });
  afterAll(() => t.drop());

  it('report --check passes on a sound ledger and fails (exit 1) when sold and bookings differ', async () => {
    const ok = await runCli(['report', '--check', '--format', 'json'], env);
    expect(ok.code).toBe(0);
    const [report] = JSON.parse(ok.stdout) as Array<{ property: string; invariant: { ok: boolean }; channels: Array<{ channel: string }> }>;
    expect(report).toMatchObject({ property: 'AMS01', invariant: { ok: true }, channels: [{ channel: 'otax' }] });

    const table = await runCli(['report'], env);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n').every((l) => l.length <= 120)).toBe(true);
    expect(table.stdout).toContain('otax');

    await t.db('inventory_cells').where({ stay_date: '2027-05-02' }).update({ sold: t.db.raw('sold + 1') });
    const bad = await runCli(['report', '--check'], env);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('DBL 2027-05-02: ledger 2, bookings 1');
    await t.db('inventory_cells').where({ stay_date: '2027-05-02' }).update({ sold: t.db.raw('sold - 1') });
  });

  it('booking erase removes the person and keeps the stay', async () => {
    const erased = await runCli(['booking', 'erase', bookingId], env);
    expect(erased).toMatchObject({ code: 0, stdout: `erased guest data of booking ${bookingId}\n` });
    const guest = await t.db('guests').where({ reservation_id: bookingId }).first();
    expect(guest).toMatchObject({ first_name: null, last_name: null, email: null, phone: null, erased_at: expect.any(Date) });
    expect(await t.db('reservation_nights').where({ reservation_id: bookingId })).toHaveLength(2);
    const unknown = await runCli(['booking', 'erase', '00000000-0000-0000-0000-000000000000'], env);
    expect(unknown.code).toBe(1);
  });
});
