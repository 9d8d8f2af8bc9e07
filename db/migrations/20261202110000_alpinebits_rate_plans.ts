import type { Knex } from 'knex';

/**
 * What an AlpineBits PMS declared about each rate plan in its last Full (or New) RatePlans message
 * that Tidewater needs for its later Overlays: whether BaseByGuestAmt amounts are per person
 * (static Rate Type 7) or per room (Type 25). An Overlay carries no static Rate, and reading a
 * per-person amount as the room price would sell the room at half price. Keyed by the plan's code,
 * which outlives re-imports of the property document.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE alpinebits_rate_plans (
      property_id int  NOT NULL REFERENCES properties(id) ON DELETE CASCADE,
      rate_plan   text NOT NULL,
      amounts     text NOT NULL CHECK (amounts IN ('per-person', 'per-room')),
      updated_at  timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (property_id, rate_plan)
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DROP TABLE IF EXISTS alpinebits_rate_plans;`);
}
