import type { Knex } from 'knex';

/**
 * Reconciliation findings of three kinds: ARI cells (as before), bookings (a channel's against
 * Tidewater's) and PMS sold counts per night. A booking finding keeps its first night and room
 * type in stay_date and room_type, so every finding sorts and filters the same way.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE reconciliation_findings
      ADD COLUMN kind        text NOT NULL DEFAULT 'ari' CHECK (kind IN ('ari', 'booking', 'pms')),
      -- The channel's booking id; and Tidewater's, when Tidewater has the booking (no foreign key:
      -- findings are history and outlive what they describe).
      ADD COLUMN booking_ref text,
      ADD COLUMN booking_id  uuid,
      -- missing-in-tidewater, missing-on-channel or differs (bookings only).
      ADD COLUMN issue       text;
    CREATE INDEX reconciliation_findings_booking ON reconciliation_findings (booking_ref) WHERE booking_ref IS NOT NULL;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP INDEX IF EXISTS reconciliation_findings_booking;
    ALTER TABLE reconciliation_findings DROP COLUMN IF EXISTS issue, DROP COLUMN IF EXISTS booking_id,
      DROP COLUMN IF EXISTS booking_ref, DROP COLUMN IF EXISTS kind;
  `);
}
