import type { Knex } from 'knex';

/**
 * AlpineBits GuestRequests pulled by a PMS (OTA_Read / OTA_NotifReport): per client (the API key it
 * authenticates with) and booking, what was served last and what the client acknowledged. A pull
 * serves what changed since the acknowledgement; an acknowledgement copies what was served, not
 * the booking as it is by then, so a change made between a pull and its acknowledgement is served
 * again. reservations.pms_acked_at stays the in-flight rule's "the hotel's PMS has it" and is set
 * alongside; it cannot say which version a client has, nor serve several clients.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE alpinebits_guest_requests (
      api_key_id         int  NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE,
      reservation_id     uuid NOT NULL REFERENCES reservations(id) ON DELETE CASCADE,
      served_status      text NOT NULL CHECK (served_status IN ('Reserved', 'Modify', 'Cancelled')),
      -- A digest of what the booking looked like when served (status, stays, nights, total).
      served_fingerprint text NOT NULL,
      served_at          timestamptz NOT NULL DEFAULT now(),
      acked_status       text CHECK (acked_status IN ('Reserved', 'Modify', 'Cancelled')),
      acked_fingerprint  text,
      acked_at           timestamptz,
      -- The client refused the request (its Warning Code and text): concluded, but not in its PMS.
      refused            text,
      PRIMARY KEY (api_key_id, reservation_id)
    );
    CREATE INDEX alpinebits_guest_requests_reservation ON alpinebits_guest_requests (reservation_id);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DROP TABLE IF EXISTS alpinebits_guest_requests;`);
}
