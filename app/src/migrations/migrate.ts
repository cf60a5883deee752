import { createRequire } from 'node:module';
import path from 'node:path';
import type { MigrateMongoApi } from 'migrate-mongo';
import type { Config } from '../config';

/**
 * migrate-mongo is an ES module; its CommonJS entry, the one this CommonJS app loads, hands out each export
 * as a promise of it.
 */
async function migrateMongo(): Promise<Pick<MigrateMongoApi, 'config' | 'database' | 'up'>> {
  const lib = createRequire(__filename)('migrate-mongo') as {
    [K in keyof MigrateMongoApi]: Promise<MigrateMongoApi[K]>;
  };
  const [config, database, up] = await Promise.all([lib.config, lib.database, lib.up]);
  return { config, database, up };
}

/** Where migrate-mongo records what ran, and the lock that keeps two runs from overlapping. */
export const CHANGELOG = 'migrations_changelog';
const LOCK = 'migrations_lock';
/** A crashed run's lock expires after this long (s), so the next deploy can migrate again. */
const LOCK_TTL_S = 300;

/**
 * Applies every migration in ./scripts that the database has not recorded yet, in file-name order, and
 * returns their names ([] when there was nothing to do: safe to run on every start). Always the compiled .js
 * files (npm run migrate builds first): the changelog records file names, so one name per migration.
 */
export async function runMigrations(db: Config['db']): Promise<string[]> {
  const { config, database, up } = await migrateMongo();
  config.set({
    mongodb: {
      url: db.uri,
      databaseName: db.dbName,
      options: {
        serverSelectionTimeoutMS: db.serverSelectionTimeoutMs,
        authSource: db.authSource,
        ...(db.user ? { auth: { username: db.user, password: db.password } } : {}),
      },
    },
    migrationsDir: path.join(__dirname, 'scripts'),
    changelogCollectionName: CHANGELOG,
    lockCollectionName: LOCK,
    lockTtl: LOCK_TTL_S,
    migrationFileExtension: '.js',
    moduleSystem: 'commonjs',
  });
  const { db: handle, client } = await database.connect();
  try {
    // migrate-mongo creates the lock's TTL index without waiting for it, racing its first insert: made here
    // first, its own calls find it in place.
    await handle.collection(LOCK).createIndex({ createdAt: 1 }, { expireAfterSeconds: LOCK_TTL_S });
    return await up(handle, client);
  } finally {
    await client.close();
  }
}
