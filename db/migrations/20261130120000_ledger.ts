import type { Knex } from 'knex';

/**
 * The ARI ledger. Oversell protection lives in the schema, not only in code: CHECK constraints keep
 * every count non-negative and `sold + blocked <= total`, and `available` is a generated column so
 * no writer can store a value that disagrees with the counts it is made of.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE properties (
      id              serial PRIMARY KEY,
      code            text NOT NULL UNIQUE,
      name            text NOT NULL,
      timezone        text NOT NULL,
      currency        char(3) NOT NULL,
      currency_decimals smallint NOT NULL CHECK (currency_decimals BETWEEN 0 AND 4),
      document        jsonb NOT NULL,
      ledger_version  bigint NOT NULL DEFAULT 0,
      created_at      timestamptz NOT NULL DEFAULT now(),
      updated_at      timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE room_types (
      id            serial PRIMARY KEY,
      property_id   int NOT NULL REFERENCES properties(id) ON DELETE CASCADE,
      code          text NOT NULL,
      name          text NOT NULL,
      rooms         int NOT NULL CHECK (rooms >= 0),
      max_occupancy int NOT NULL CHECK (max_occupancy >= 1),
      active        boolean NOT NULL DEFAULT true,
      UNIQUE (property_id, code)
    );

    CREATE TABLE rate_plans (
      id             serial PRIMARY KEY,
      property_id    int NOT NULL REFERENCES properties(id) ON DELETE CASCADE,
      code           text NOT NULL,
      name           text NOT NULL,
      parent_id      int REFERENCES rate_plans(id),
      adjust_percent numeric(9,4),
      adjust_amount  numeric(18,4),
      active         boolean NOT NULL DEFAULT true,
      UNIQUE (property_id, code),
      CHECK (adjust_percent IS NULL OR adjust_amount IS NULL)
    );

    CREATE TABLE rate_plan_room_types (
      rate_plan_id int NOT NULL REFERENCES rate_plans(id) ON DELETE CASCADE,
      room_type_id int NOT NULL REFERENCES room_types(id) ON DELETE CASCADE,
      PRIMARY KEY (rate_plan_id, room_type_id)
    );

    CREATE TABLE channels (
      id           serial PRIMARY KEY,
      property_id  int NOT NULL REFERENCES properties(id) ON DELETE CASCADE,
      code         text NOT NULL,
      type         text NOT NULL,
      endpoint     text,
      critical     boolean NOT NULL DEFAULT false,
      buffer_rooms int NOT NULL DEFAULT 0 CHECK (buffer_rooms >= 0),
      config       jsonb NOT NULL DEFAULT '{}',
      active       boolean NOT NULL DEFAULT true,
      UNIQUE (property_id, code)
    );

    CREATE TABLE channel_room_types (
      channel_id   int NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
      room_type_id int NOT NULL REFERENCES room_types(id) ON DELETE CASCADE,
      channel_code text NOT NULL,
      PRIMARY KEY (channel_id, room_type_id)
    );

    CREATE TABLE channel_rate_plans (
      channel_id   int NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
      rate_plan_id int NOT NULL REFERENCES rate_plans(id) ON DELETE CASCADE,
      channel_code text NOT NULL,
      PRIMARY KEY (channel_id, rate_plan_id)
    );

    -- One row per room type and night.
    --   total          rooms allotted to distribution (room type's rooms until the PMS pushes one)
    --   pms_available  the PMS's own sellable count from its last "available" push, if it pushes that
    --   in_flight      rooms of hub reservations that pms_available does not include yet (see README)
    --   sold           rooms held or sold through the hub
    --   blocked        out of order
    CREATE TABLE inventory_cells (
      property_id      int NOT NULL REFERENCES properties(id) ON DELETE CASCADE,
      room_type_id     int NOT NULL REFERENCES room_types(id) ON DELETE CASCADE,
      stay_date        date NOT NULL,
      total            int NOT NULL CHECK (total >= 0),
      pms_available    int CHECK (pms_available >= 0),
      pms_available_at timestamptz,
      in_flight        int NOT NULL DEFAULT 0 CHECK (in_flight >= 0),
      sold             int NOT NULL DEFAULT 0 CHECK (sold >= 0),
      blocked          int NOT NULL DEFAULT 0 CHECK (blocked >= 0),
      available        int GENERATED ALWAYS AS (
                         GREATEST(0, LEAST(total - sold - blocked, COALESCE(pms_available - in_flight, total - sold - blocked)))
                       ) STORED CHECK (available >= 0),
      version          bigint NOT NULL DEFAULT 1,
      updated_at       timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (property_id, room_type_id, stay_date),
      CONSTRAINT inventory_not_oversold CHECK (sold + blocked <= total),
      CONSTRAINT in_flight_within_sold CHECK (in_flight <= sold)
    );

    CREATE TABLE rate_cells (
      property_id         int NOT NULL REFERENCES properties(id) ON DELETE CASCADE,
      rate_plan_id        int NOT NULL REFERENCES rate_plans(id) ON DELETE CASCADE,
      room_type_id        int NOT NULL REFERENCES room_types(id) ON DELETE CASCADE,
      stay_date           date NOT NULL,
      amount              numeric(18,4) CHECK (amount >= 0),
      min_stay            int CHECK (min_stay >= 1),
      max_stay            int CHECK (max_stay >= 1),
      closed_to_arrival   boolean NOT NULL DEFAULT false,
      closed_to_departure boolean NOT NULL DEFAULT false,
      stop_sell           boolean NOT NULL DEFAULT false,
      version             bigint NOT NULL DEFAULT 1,
      updated_at          timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (property_id, rate_plan_id, room_type_id, stay_date),
      CHECK (min_stay IS NULL OR max_stay IS NULL OR min_stay <= max_stay)
    );

    CREATE TABLE reservations (
      id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      property_id  int NOT NULL REFERENCES properties(id) ON DELETE CASCADE,
      source       text NOT NULL,
      external_ref text,
      status       text NOT NULL CHECK (status IN ('held', 'confirmed', 'cancelled')),
      pms_acked_at timestamptz,
      created_at   timestamptz NOT NULL DEFAULT now(),
      updated_at   timestamptz NOT NULL DEFAULT now(),
      UNIQUE (property_id, source, external_ref)
    );

    CREATE TABLE reservation_nights (
      reservation_id uuid NOT NULL REFERENCES reservations(id) ON DELETE CASCADE,
      room_type_id   int NOT NULL REFERENCES room_types(id) ON DELETE CASCADE,
      stay_date      date NOT NULL,
      rooms          int NOT NULL CHECK (rooms > 0),
      PRIMARY KEY (reservation_id, room_type_id, stay_date)
    );
    CREATE INDEX reservation_nights_cell ON reservation_nights (room_type_id, stay_date);
    CREATE INDEX reservations_unacked ON reservations (property_id) WHERE pms_acked_at IS NULL AND status <> 'cancelled';

    -- Every message that changed (or tried to change) the ledger, keyed for idempotent replays.
    CREATE TABLE inbound_messages (
      id              bigserial PRIMARY KEY,
      property_id     int REFERENCES properties(id) ON DELETE CASCADE,
      source          text NOT NULL,
      idempotency_key text NOT NULL,
      payload_hash    text NOT NULL,
      outcome         text NOT NULL,
      status_code     int,
      response        jsonb,
      created_at      timestamptz NOT NULL DEFAULT now(),
      UNIQUE (source, idempotency_key)
    );

    -- Transactional outbox: written in the same transaction as the ledger change it announces.
    CREATE TABLE outbox (
      id           bigserial PRIMARY KEY,
      property_id  int NOT NULL REFERENCES properties(id) ON DELETE CASCADE,
      topic        text NOT NULL,
      payload      jsonb NOT NULL,
      created_at   timestamptz NOT NULL DEFAULT now(),
      published_at timestamptz
    );
    CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;

    CREATE TABLE api_keys (
      id            serial PRIMARY KEY,
      property_code text NOT NULL,
      role          text NOT NULL CHECK (role IN ('pms', 'channel', 'admin')),
      key_prefix    text NOT NULL,
      key_hash      text NOT NULL UNIQUE,
      created_at    timestamptz NOT NULL DEFAULT now(),
      revoked_at    timestamptz
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TABLE IF EXISTS api_keys, outbox, inbound_messages, reservation_nights, reservations, rate_cells,
      inventory_cells, channel_rate_plans, channel_room_types, channels, rate_plan_room_types, rate_plans,
      room_types, properties CASCADE;
  `);
}
