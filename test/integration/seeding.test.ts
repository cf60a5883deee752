import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Database } from '../../app/src/db/database';
import { createLogger } from '../../app/src/logger';
import { resource } from '../../app/src/resource';
import { seedIfEmpty, seedDocuments } from '../../app/src/seed/seed';
import { startServer, stopServer } from '../../app/src/server';
import { dbNameFor, suffix, testConfig } from '../support/http';
import { ownerlessPost } from '../support/posts';

// Real containers and real HTTP: allow for slow CI machines.
jest.setTimeout(60_000);

const run = promisify(execFile);
const base = dbNameFor(__filename);

/** A fresh, empty database for one test, as a separate connection (like a separate replica). */
async function replica(dbName: string) {
  const config = testConfig({ DB_NAME: dbName });
  const db = new Database(config.db, createLogger({ ...config, logLevel: 'silent' }));
  const Post = resource.model(db.connection);
  await db.connectWithRetry();
  await Post.init();
  return { db, Post };
}

describe('seeding', () => {
  const opened: Database[] = [];
  const open = async (dbName: string) => {
    const r = await replica(dbName);
    opened.push(r.db);
    return r;
  };
  afterAll(async () => {
    for (const db of opened) {
      await db.connection.dropDatabase().catch(() => undefined);
      await db.close();
    }
  });

  it('if-empty seeds an empty collection once; a second run changes nothing', async () => {
    const { db, Post } = await open(`${base}_once_${suffix()}`);

    const first = await seedIfEmpty(db.connection, Post, { count: 30 });
    const second = await seedIfEmpty(db.connection, Post, { count: 30 });

    expect(first).toEqual({ seeded: true, inserted: 30 });
    expect(second).toEqual({ seeded: false, reason: 'not-empty' });
    expect(await Post.countDocuments()).toBe(30);
  });

  it('if-empty never touches a collection that has data', async () => {
    const { db, Post } = await open(`${base}_data_${suffix()}`);
    const mine = ownerlessPost(`Mine ${suffix()}`);
    await Post.create(mine);

    const result = await seedIfEmpty(db.connection, Post, { count: 30 });

    expect(result).toEqual({ seeded: false, reason: 'not-empty' });
    expect(await Post.find().lean()).toEqual([expect.objectContaining({ title: mine.title })]);
  });

  it('two replicas seeding at the same time still give exactly SEED_COUNT posts', async () => {
    const dbName = `${base}_race_${suffix()}`;
    const a = await open(dbName);
    const b = await open(dbName);

    const results = await Promise.all([
      seedIfEmpty(a.db.connection, a.Post, { count: 500, batchSize: 100 }),
      seedIfEmpty(b.db.connection, b.Post, { count: 500, batchSize: 100 }),
    ]);

    expect(results.filter((r) => r.seeded)).toHaveLength(1);
    expect(await a.Post.countDocuments()).toBe(500);
  });

  it('SEED_ON_START=if-empty on two servers started together seeds once', async () => {
    const env = { DB_NAME: `${base}_start_${suffix()}`, SEED_ON_START: 'if-empty', SEED_COUNT: '120' };
    const servers = await Promise.all([startServer(testConfig(env)), startServer(testConfig(env))]);
    await Promise.all(servers.map((s) => s.dbReady));
    const Post = resource.model(servers[0]!.db.connection);

    const count = await Post.countDocuments();
    await servers[0]!.db.connection.dropDatabase();
    await Promise.all(servers.map((s) => stopServer(s)));

    expect(count).toBe(120);
  });

  it('is deterministic with a seed, and reset replaces the data', async () => {
    const { Post } = await open(`${base}_det_${suffix()}`);
    const titles = async () => (await Post.find().sort({ createdAt: -1 }).lean()).map((p) => p.title);

    await seedDocuments(Post, { count: 25, seed: 7, batchSize: 10 });
    const first = await titles();
    const again = await seedDocuments(Post, { count: 25, seed: 7, reset: true, batchSize: 10 });
    const second = await titles();

    expect(again).toMatchObject({ reset: true, inserted: 25 });
    expect(await Post.countDocuments()).toBe(25);
    expect(second).toEqual(first);
  });

  it('the CLI seeds with --count --reset --seed', async () => {
    const dbName = `${base}_cli_${suffix()}`;
    const { Post } = await open(dbName);
    const cli = path.join(__dirname, '..', '..', 'app', 'src', 'seed', 'seed.cli.ts');
    const tsx = path.join(__dirname, '..', '..', 'node_modules', '.bin', 'tsx');
    const env = { ...process.env, DB_HOST: testConfig().db.uri, DB_NAME: dbName, LOG_LEVEL: 'warn' };

    const out = await run(tsx, [cli, '--count', '40', '--reset', '--seed', '3'], { env });

    expect(out.stdout).toMatch(/seeded 40 \w+ in [\d.]+ s \(collection emptied first\)/);
    expect(await Post.countDocuments()).toBe(40);
  }, 60_000);
});
