/**
 * npm run seed -- --count N [--reset] [--seed S] [--batch-size B]
 * (compiled: node dist/seed/seed.cli.js ... — works inside the production image)
 * Connects with the same DB_* settings as the server.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config';
import { Database } from '../db/database';
import { createLogger } from '../logger';
import { getPostModel } from '../posts/post.model';
import { seedPosts } from './seed';

export interface CliArgs {
  count: number;
  reset: boolean;
  seed?: number;
  batchSize: number;
}

const USAGE = 'usage: seed [--count N] [--reset] [--seed S] [--batch-size B]';

export function parseCliArgs(argv: string[], defaultCount: number): CliArgs {
  const { values } = parseArgs({
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
  if (values.help) throw new Error(USAGE);
  const int = (
    name: string,
    raw: string | undefined,
    def: number | undefined,
    min: number,
  ): number | undefined => {
    if (raw === undefined) return def;
    if (!/^\d+$/.test(raw) || Number(raw) < min)
      throw new Error(`--${name} must be a whole number >= ${min} (got "${raw}")\n${USAGE}`);
    return Number(raw);
  };
  return {
    count: int('count', values.count, defaultCount, 0)!,
    reset: values.reset ?? false,
    seed: int('seed', values.seed, undefined, 0),
    batchSize: int('batch-size', values['batch-size'], 2_000, 1)!,
  };
}

async function main(): Promise<void> {
  let config;
  let args: CliArgs;
  try {
    config = loadConfig(process.env);
    args = parseCliArgs(process.argv.slice(2), config.seed.count);
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : (err as Error).message);
    process.exit(2);
  }
  const logger = createLogger({ ...config, logLevel: config.logLevel === 'info' ? 'warn' : config.logLevel });
  const db = new Database(config.db, logger);
  const Post = getPostModel(db.connection);

  const deadline = setTimeout(() => {
    console.error(
      `could not connect to MongoDB within 30 s (${config.db.uri.replace(/\/\/[^@/]+@/, '//***@')})`,
    );
    process.exit(1);
  }, 30_000);
  await db.connectWithRetry();
  clearTimeout(deadline);
  await Post.init(); // make sure the listing index exists before inserting

  const step = Math.max(args.batchSize, Math.ceil(args.count / 10));
  let nextReport = step;
  const result = await seedPosts(Post, {
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
    `seeded ${result.inserted} posts in ${(result.ms / 1000).toFixed(2)} s` +
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
