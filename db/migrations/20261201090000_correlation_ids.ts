import type { Knex } from 'knex';

/**
 * Correlation ids from the inbound message to the channel delivery: an outbox row keeps the id of
 * the request that made its change (`x-request-id`), and each channel dirty range keeps the ids of
 * the changes it stands for, so the delivery's log line can name the requests it carried. Both
 * columns are added without a rewrite (nullable; a constant default), so this is safe on a live table.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE outbox ADD COLUMN correlation_id text;
    ALTER TABLE channel_dirty_ranges ADD COLUMN correlation_ids text[] NOT NULL DEFAULT '{}';
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE channel_dirty_ranges DROP COLUMN IF EXISTS correlation_ids;
    ALTER TABLE outbox DROP COLUMN IF EXISTS correlation_id;
  `);
}
