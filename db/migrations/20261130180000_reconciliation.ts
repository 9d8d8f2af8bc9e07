import type { Knex } from 'knex';

/** Reconciliation runs and what each found, so drift can be followed over time and alerted on. */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE reconciliation_runs (
      id          bigserial PRIMARY KEY,
      property_id int NOT NULL REFERENCES properties(id) ON DELETE CASCADE,
      from_date   date NOT NULL,
      to_date     date NOT NULL,
      channels    text[] NOT NULL,
      findings    int NOT NULL DEFAULT 0,
      fixed       boolean NOT NULL DEFAULT false,
      started_at  timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz
    );
    CREATE INDEX reconciliation_runs_property ON reconciliation_runs (property_id, id);

    CREATE TABLE reconciliation_findings (
      id            bigserial PRIMARY KEY,
      run_id        bigint NOT NULL REFERENCES reconciliation_runs(id) ON DELETE CASCADE,
      channel_code  text NOT NULL,
      stay_date     date NOT NULL,
      room_type     text NOT NULL,
      rate_plan     text,
      field         text NOT NULL,
      ledger_value  text,
      channel_value text,
      source        text NOT NULL
    );
    CREATE INDEX reconciliation_findings_run ON reconciliation_findings (run_id);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS reconciliation_findings, reconciliation_runs');
}
