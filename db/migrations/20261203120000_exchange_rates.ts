import type { Knex } from 'knex';

/**
 * The hotel's exchange rate table (`tidewater fx load`), shared by every property: a rate from one
 * currency to another applies from `valid_from` until a later row of the same pair (core/fx.ts has
 * the rule). Rates keep the 8 decimals a file may give; `loaded_at` says when a row last changed,
 * which is how a drift check notices a reload.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE exchange_rates (
      from_currency text          NOT NULL CHECK (from_currency ~ '^[A-Z]{3}$'),
      to_currency   text          NOT NULL CHECK (to_currency ~ '^[A-Z]{3}$'),
      valid_from    date          NOT NULL,
      rate          numeric(20,8) NOT NULL CHECK (rate > 0),
      loaded_at     timestamptz   NOT NULL DEFAULT now(),
      PRIMARY KEY (from_currency, to_currency, valid_from),
      CHECK (from_currency <> to_currency)
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DROP TABLE IF EXISTS exchange_rates;`);
}
