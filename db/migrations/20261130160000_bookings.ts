import type { Knex } from 'knex';

/**
 * Bookings on top of ledger reservations. A reservation row is the booking: its nights hold rooms
 * in the ledger. Guest personal data lives in one table of its own so it can be erased alone.
 * OTA bookings are accepted even when the ledger has no room left (the OTA already confirmed them):
 * the excess goes to `overbooked`, never into a negative count.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE inventory_cells ADD COLUMN overbooked int NOT NULL DEFAULT 0 CHECK (overbooked >= 0);
    ALTER TABLE inventory_cells DROP CONSTRAINT in_flight_within_sold;
    ALTER TABLE inventory_cells ADD CONSTRAINT in_flight_within_booked CHECK (in_flight <= sold + overbooked);
    ALTER TABLE inventory_cells DROP COLUMN available;
    ALTER TABLE inventory_cells ADD COLUMN available int GENERATED ALWAYS AS (
      GREATEST(0, LEAST(total - sold - blocked - overbooked, COALESCE(pms_available - in_flight, total - sold - blocked - overbooked)))
    ) STORED CHECK (available >= 0);

    -- Overbookings are many per property; the one-open-incident rule is for channel states.
    DROP INDEX incidents_one_open;
    CREATE UNIQUE INDEX incidents_one_open ON incidents (property_id, kind, COALESCE(channel_id, 0))
      WHERE status = 'open' AND kind <> 'overbooking';

    ALTER TABLE reservations DROP CONSTRAINT reservations_status_check;
    ALTER TABLE reservations ADD CONSTRAINT reservations_status_check
      CHECK (status IN ('held', 'confirmed', 'cancelled', 'manual-recovery'));
    ALTER TABLE reservations
      ADD COLUMN revision text,
      ADD COLUMN total_amount numeric(18,4),
      ADD COLUMN currency char(3),
      ADD COLUMN stays jsonb NOT NULL DEFAULT '[]',
      ADD COLUMN hold_expires_at timestamptz,
      ADD COLUMN payment_status text NOT NULL DEFAULT 'none'
        CHECK (payment_status IN ('none', 'authorized', 'captured', 'declined', 'voided', 'unknown')),
      ADD COLUMN payment_ref text,
      ADD COLUMN overbooked boolean NOT NULL DEFAULT false,
      ADD COLUMN pms_reference text;
    CREATE INDEX reservations_expiring ON reservations (hold_expires_at) WHERE status = 'held';

    -- Personal data, and nothing else.
    CREATE TABLE guests (
      reservation_id uuid PRIMARY KEY REFERENCES reservations(id) ON DELETE CASCADE,
      first_name text,
      last_name  text,
      email      text,
      phone      text,
      erased_at  timestamptz
    );

    -- What happened to a booking, in order: the audit trail and the answer to "why was this ignored".
    CREATE TABLE booking_events (
      id             bigserial PRIMARY KEY,
      reservation_id uuid NOT NULL REFERENCES reservations(id) ON DELETE CASCADE,
      kind           text NOT NULL,
      revision       text,
      detail         jsonb NOT NULL DEFAULT '{}',
      created_at     timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX booking_events_reservation ON booking_events (reservation_id, id);

    -- Booking deliveries to the PMS: the outbox of the booking side, one row per booking change and PMS channel.
    CREATE TABLE booking_deliveries (
      id             bigserial PRIMARY KEY,
      channel_id     int NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
      reservation_id uuid NOT NULL REFERENCES reservations(id) ON DELETE CASCADE,
      created_at     timestamptz NOT NULL DEFAULT now(),
      delivered_at   timestamptz,
      attempts       int NOT NULL DEFAULT 0,
      last_error     text
    );
    CREATE INDEX booking_deliveries_pending ON booking_deliveries (channel_id, id) WHERE delivered_at IS NULL;
    -- Wakes the relay like an outbox row does.
    CREATE FUNCTION notify_booking_delivery() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('tidewater_outbox', 'booking');
      RETURN NULL;
    END $$;
    CREATE TRIGGER booking_delivery_notify AFTER INSERT ON booking_deliveries FOR EACH STATEMENT EXECUTE FUNCTION notify_booking_delivery();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TABLE IF EXISTS booking_deliveries, booking_events, guests;
    DROP FUNCTION IF EXISTS notify_booking_delivery();
    DROP INDEX IF EXISTS incidents_one_open;
    CREATE UNIQUE INDEX incidents_one_open ON incidents (property_id, kind, COALESCE(channel_id, 0)) WHERE status = 'open';
    ALTER TABLE reservations DROP COLUMN IF EXISTS revision, DROP COLUMN IF EXISTS total_amount,
      DROP COLUMN IF EXISTS currency, DROP COLUMN IF EXISTS stays, DROP COLUMN IF EXISTS hold_expires_at,
      DROP COLUMN IF EXISTS payment_status, DROP COLUMN IF EXISTS payment_ref, DROP COLUMN IF EXISTS overbooked,
      DROP COLUMN IF EXISTS pms_reference;
    ALTER TABLE inventory_cells DROP COLUMN available;
    ALTER TABLE inventory_cells DROP CONSTRAINT in_flight_within_booked;
    ALTER TABLE inventory_cells DROP COLUMN overbooked;
    ALTER TABLE inventory_cells ADD CONSTRAINT in_flight_within_sold CHECK (in_flight <= sold);
    ALTER TABLE inventory_cells ADD COLUMN available int GENERATED ALWAYS AS (
      GREATEST(0, LEAST(total - sold - blocked, COALESCE(pms_available - in_flight, total - sold - blocked)))
    ) STORED;
  `);
}
