import { createRequire } from 'node:module';
import path from 'node:path';
import type { MigrateMongoApi } from 'migrate-mongo';
import type { Db } from 'mongodb';
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
/** A crashed run's lock is taken over after this long (s), so the next deploy can migrate again. */
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
    // Its own lock checks, then inserts (two runs can both pass) and leaves index builds unawaited (a late
    // failure after the client closed crashes the process): runMigrations locks instead (withLock).
    lockTtl: 0,
    migrationFileExtension: '.js',
    moduleSystem: 'commonjs',
  });
  const { db: handle, client } = await database.connect();
  try {
    return await withLock(handle, () => up(handle, client));
  } finally {
    await client.close();
  }
}

/**
 * One run at a time: a lock document with a fixed _id, taken by one insert (a second run gets a duplicate
 * key error, never a race). A run that crashed leaves its lock; after LOCK_TTL_S the next run takes it over.
 */
async function withLock<T>(db: Db, run: () => Promise<T>): Promise<T> {
  const locks = db.collection<{ _id: string; createdAt: Date }>(LOCK);
  await locks.deleteOne({ _id: 'migrate', createdAt: { $lt: new Date(Date.now() - LOCK_TTL_S * 1000) } });
  try {
    await locks.insertOne({ _id: 'migrate', createdAt: new Date() });
  } catch (err) {
    if ((err as { code?: number }).code !== 11000) throw err;
    throw new Error(
      `another migration run holds the lock (${LOCK}); a crashed run's lock is taken over after ${LOCK_TTL_S} s`,
    );
  }
  try {
    return await run();
  } finally {
    await locks.deleteOne({ _id: 'migrate' });
  }
}
