import type { Knex } from 'knex';

/**
 * What descriptive content (AlpineBits: the room categories) each channel last settled, as the
 * connector's fingerprint of it. The sync worker sends the content again only when the current
 * fingerprint differs: on a channel's first sync (null) and after the room types, the mapping or
 * the endpoint changed. A fingerprint, not the content, since only equality matters.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE channels ADD COLUMN content_fingerprint text;`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE channels DROP COLUMN IF EXISTS content_fingerprint;`);
}
