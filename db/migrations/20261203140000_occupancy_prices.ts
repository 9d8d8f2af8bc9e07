import type { Knex } from 'knex';

/**
 * Occupancy prices. rate_cells.amounts_by_guests: the per-guest prices a PMS pushed with a rate
 * (`rateByGuests`, {"1": "99.00", "3": "149.00"}); NULL when it pushed the rate alone, and the
 * plan's occupancy settings then derive every count at view time. channel_rate_state.occupancy_prices:
 * what a channel acknowledged per number of guests ({"byGuests": {...}, "extraAdult", "extraChild"}),
 * so that a change of per-guest prices alone is re-sent. Both nullable: adding them rewrites no
 * rows, and every existing cell keeps meaning "one price whoever stays".
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE rate_cells ADD COLUMN amounts_by_guests jsonb
      CHECK (amounts_by_guests IS NULL OR jsonb_typeof(amounts_by_guests) = 'object');
    ALTER TABLE channel_rate_state ADD COLUMN occupancy_prices jsonb
      CHECK (occupancy_prices IS NULL OR jsonb_typeof(occupancy_prices) = 'object');
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE channel_rate_state DROP COLUMN IF EXISTS occupancy_prices;
    ALTER TABLE rate_cells DROP COLUMN IF EXISTS amounts_by_guests;
  `);
}
