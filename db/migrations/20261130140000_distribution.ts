import type { Knex } from 'knex';

/**
 * Distribution state. The outbox relay turns each ledger change into dirty ranges per channel; a
 * channel worker holds the channel's lease, reads the current ledger for its dirty ranges, compares
 * it with what the channel last acknowledged (the *_sync_state tables) and sends only the difference.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE channel_dirty_ranges (
      id           bigserial PRIMARY KEY,
      channel_id   int NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
      room_type_id int NOT NULL REFERENCES room_types(id) ON DELETE CASCADE,
      from_date    date NOT NULL,
      to_date      date NOT NULL,
      -- When the ledger change was committed (the outbox row's time): sync lag is measured from here.
      changed_at   timestamptz NOT NULL,
      CHECK (from_date <= to_date)
    );
    CREATE INDEX channel_dirty_ranges_channel ON channel_dirty_ranges (channel_id, id);

    -- What each channel has acknowledged, in Tidewater codes, after buffers: one row per room type and night ...
    CREATE TABLE channel_inventory_state (
      channel_id   int NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
      room_type_id int NOT NULL REFERENCES room_types(id) ON DELETE CASCADE,
      stay_date    date NOT NULL,
      available    int NOT NULL,
      acked_at     timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (channel_id, room_type_id, stay_date)
    );

    -- ... and one per rate plan, room type and night.
    CREATE TABLE channel_rate_state (
      channel_id          int NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
      rate_plan_id        int NOT NULL REFERENCES rate_plans(id) ON DELETE CASCADE,
      room_type_id        int NOT NULL REFERENCES room_types(id) ON DELETE CASCADE,
      stay_date           date NOT NULL,
      amount              numeric(18,4),
      min_stay            int,
      max_stay            int,
      closed_to_arrival   boolean NOT NULL,
      closed_to_departure boolean NOT NULL,
      stop_sell           boolean NOT NULL,
      acked_at            timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (channel_id, rate_plan_id, room_type_id, stay_date)
    );

    -- One worker at a time per channel, across every worker process: a lease that a crashed worker
    -- simply lets expire. Health drives the safety buffer.
    ALTER TABLE channels
      ADD COLUMN sync_lease_owner text,
      ADD COLUMN sync_lease_until timestamptz,
      ADD COLUMN consecutive_failures int NOT NULL DEFAULT 0,
      ADD COLUMN next_attempt_at timestamptz,
      ADD COLUMN last_success_at timestamptz,
      ADD COLUMN last_failure_at timestamptz,
      ADD COLUMN last_error text;

    -- Messages a channel refused for good (OTA Errors, 4xx): kept for \`tidewater report\`, never retried.
    CREATE TABLE dead_letters (
      id          bigserial PRIMARY KEY,
      channel_id  int NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
      property_id int NOT NULL REFERENCES properties(id) ON DELETE CASCADE,
      reason      text NOT NULL,
      message     text,
      created_at  timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX dead_letters_channel ON dead_letters (channel_id, created_at);

    CREATE TABLE incidents (
      id          bigserial PRIMARY KEY,
      property_id int NOT NULL REFERENCES properties(id) ON DELETE CASCADE,
      channel_id  int REFERENCES channels(id) ON DELETE CASCADE,
      kind        text NOT NULL,
      status      text NOT NULL CHECK (status IN ('open', 'resolved')),
      details     jsonb NOT NULL DEFAULT '{}',
      opened_at   timestamptz NOT NULL DEFAULT now(),
      resolved_at timestamptz
    );
    -- At most one open incident of a kind per channel.
    CREATE UNIQUE INDEX incidents_one_open ON incidents (property_id, kind, COALESCE(channel_id, 0)) WHERE status = 'open';

    -- Rooms held back from every channel of a property while one of its critical channels is down.
    ALTER TABLE properties ADD COLUMN safety_buffer_rooms jsonb NOT NULL DEFAULT '{}';

    CREATE TABLE delivery_log (
      id           bigserial PRIMARY KEY,
      channel_id   int NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
      messages     int NOT NULL,
      cells        int NOT NULL,
      lag_ms       int,
      outcome      text NOT NULL,
      created_at   timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX delivery_log_channel ON delivery_log (channel_id, created_at);

    CREATE FUNCTION notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('tidewater_outbox', NEW.property_id::text);
      RETURN NULL;
    END $$;
    CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION notify_outbox();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TRIGGER IF EXISTS outbox_notify ON outbox;
    DROP FUNCTION IF EXISTS notify_outbox();
    DROP TABLE IF EXISTS delivery_log, incidents, dead_letters, channel_rate_state, channel_inventory_state, channel_dirty_ranges;
    ALTER TABLE properties DROP COLUMN IF EXISTS safety_buffer_rooms;
    ALTER TABLE channels DROP COLUMN IF EXISTS sync_lease_owner, DROP COLUMN IF EXISTS sync_lease_until,
      DROP COLUMN IF EXISTS consecutive_failures, DROP COLUMN IF EXISTS next_attempt_at, DROP COLUMN IF EXISTS last_success_at,
      DROP COLUMN IF EXISTS last_failure_at, DROP COLUMN IF EXISTS last_error;
  `);
}
