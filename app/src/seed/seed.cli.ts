/**
 * npm run seed -- --count N [--reset] [--seed S] [--batch-size B]   (--help explains each)
 * (compiled: node dist/seed/seed.cli.js ... — works inside the production image)
 * Connects with the same DB_* settings as the server.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config';
import { Database } from '../db/database';
import { createLogger } from '../logger';
import { resource } from '../resource';
import { seedDocuments } from './seed';

export interface CliArgs {
  count: number;
  reset: boolean;
  seed?: number;
  batchSize: number;
}

const USAGE = 'usage: seed [--count N] [--reset] [--seed S] [--batch-size B] [--help]';

export const HELP = `${USAGE}

Adds fake posts to the database the app uses (the same DB_* settings as the server, from the
environment or .env). Without --reset it only adds: existing posts stay.

options:
  -n, --count N       how many posts to add (default: SEED_COUNT, 100 unless set)
      --reset         empty the posts collection first: drops it and recreates its indexes.
                      Deletes every post, including ones people wrote; there is no undo.
      --seed S        seed for the fake-data generator: the same S gives the same titles,
                      bodies and authors on every run (default: random)
      --batch-size B  posts per insertMany call (default: 2000); two batches are in flight at once
  -h, --help          show this help and exit

exit status: 0 done (or --help), 1 the database failed or was not reachable within 30 s,
2 bad options or configuration.`;

/** Bad command-line options: main() prints the message and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(`${message}\n${USAGE}\n(seed --help explains every option)`);
    this.name = 'UsageError';
  }
}

/** 'help' for --help/-h; otherwise the options, or a UsageError. */
export function parseCliArgs(argv: string[], defaultCount: number): CliArgs | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        count: { type: 'string', short: 'n' },
        reset: { type: 'boolean', default: false },
        seed: { type: 'string' },
        'batch-size': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    // node:util's message names the bad option ("Unknown option '--x'").
    throw new UsageError((err as Error).message);
  }
  const { values } = parsed;
  if (values.help) return 'help';
  const int = (
    name: string,
    raw: string | undefined,
    def: number | undefined,
    min: number,
  ): number | undefined => {
    if (raw === undefined) return def;
    if (!/^\d+$/.test(raw) || Number(raw) < min)
      throw new UsageError(`--${name} must be a whole number >= ${min} (got "${raw}")`);
    return Number(raw);
  };
  return {
    count: int('count', values.count, defaultCount, 0)!,
    reset: values.reset ?? false,
    seed: int('seed', values.seed, undefined, 0),
    batchSize: int('batch-size', values['batch-size'], 2_000, 1)!,
  };
}

/**
 * What the command line asks for, before any connection: help (exit 0), a usage or configuration error
 * (exit 2), or a seed run. --help works even when the configuration is invalid.
 */
export function interpretCommandLine(
  argv: string[],
  env: NodeJS.ProcessEnv,
): { exit: 0 | 2; output: string } | { exit?: undefined; config: Config; args: CliArgs } {
  try {
    if (parseCliArgs(argv, 0) === 'help') return { exit: 0, output: HELP };
    const config = loadConfig(env);
    const args = parseCliArgs(argv, config.seed.count) as CliArgs;
    return { config, args };
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) return { exit: 2, output: err.message };
    throw err;
  }
}

async function main(): Promise<void> {
  const command = interpretCommandLine(process.argv.slice(2), process.env);
  if (command.exit !== undefined) {
    if (command.exit === 0) console.log(command.output);
    else console.error(command.output);
    process.exitCode = command.exit;
    return;
  }
  const { config, args } = command;
  const logger = createLogger({ ...config, logLevel: config.logLevel === 'info' ? 'warn' : config.logLevel });
  const db = new Database(config.db, logger);
  const model = resource.model(db.connection);

  const deadline = setTimeout(() => {
    console.error(
      `could not connect to MongoDB within 30 s (${config.db.uri.replace(/\/\/[^@/]+@/, '//***@')})`,
    );
    process.exit(1);
  }, 30_000);
  await db.connectWithRetry();
  clearTimeout(deadline);
  await model.init(); // make sure the listing index exists before inserting

  const step = Math.max(args.batchSize, Math.ceil(args.count / 10));
  let nextReport = step;
  const result = await seedDocuments(model, {
    count: args.count,
    seed: args.seed,
    reset: args.reset,
    batchSize: args.batchSize,
    onProgress: (done, total) => {
      if (total >= 10_000 && (done >= nextReport || done === total)) {
        console.log(`  ${done}/${total} (${Math.round((done / total) * 100)}%)`);
        nextReport += step;
      }
    },
  });
  console.log(
    `seeded ${result.inserted} ${model.collection.collectionName} in ${(result.ms / 1000).toFixed(2)} s` +
      `${result.reset ? ' (collection emptied first)' : ''}`,
  );
  await db.close();
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error('seed failed:', err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
