/**
 * npm run migrate (builds, then node app/dist/migrations/migrate.cli.js; in the image: dist/migrations/…,
 * the stack's `migrate` one-shot).
 * Applies the pending migrations with the app's DB_* settings; exit 0 when the database is up to date.
 */
import { ConfigError, loadConfig, redactUri } from '../config';
import { runMigrations } from './migrate';

async function main(): Promise<void> {
  const config = loadConfig();
  const applied = await runMigrations(config.db);
  const where = `${redactUri(config.db.uri)} (${config.db.dbName ?? 'the URI database'})`;
  console.log(applied.length ? `migrated ${where}: ${applied.join(', ')}` : `${where} is up to date`);
}

main().catch((err: unknown) => {
  console.error('migrate failed:', err instanceof ConfigError ? err.message : (err as Error).message);
  process.exit(1);
});
