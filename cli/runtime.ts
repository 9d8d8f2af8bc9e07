import { parseEnv, type Env } from '../config/env';
import { createLogger, type Logger } from '../config/logger';
import { createDb, migrateLatest, type Db } from '../db/connection';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../db/embedded';

/** What a command needs to run: validated config, a logger on stderr and an open database. */
export interface Runtime {
  env: Env;
  logger: Logger;
  db: Db;
  embedded?: EmbeddedPostgres;
  close(): Promise<void>;
}

export async function openRuntime(options: { migrate?: boolean } = {}): Promise<Runtime> {
  const env = parseEnv();
  const logger = createLogger(env.LOG_LEVEL);
  let embedded: EmbeddedPostgres | undefined;
  let db: Db;
  if (env.DATABASE_URL) {
    db = createDb(env.DATABASE_URL);
  } else {
    logger.info({ dataDir: env.TIDEWATER_DATA_DIR }, 'DATABASE_URL not set: using the embedded database (PGlite)');
    embedded = await startEmbeddedPostgres(env.TIDEWATER_DATA_DIR);
    db = createDb(embedded.url, { poolMax: 1 });
  }
  // The embedded database has no separate `migrate` step to forget.
  if (options.migrate || embedded) {
    const applied = await migrateLatest(db);
    if (applied.length > 0) logger.info({ applied }, 'migrations applied');
  }
  return {
    env,
    logger,
    db,
    ...(embedded ? { embedded } : {}),
    async close() {
      await db.destroy();
      await embedded?.stop();
      logger.flush();
    },
  };
}

export async function withRuntime<T>(options: { migrate?: boolean }, work: (rt: Runtime) => Promise<T>): Promise<T> {
  const rt = await openRuntime(options);
  try {
    return await work(rt);
  } finally {
    await rt.close();
  }
}
