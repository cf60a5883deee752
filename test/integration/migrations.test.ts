import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { MongoClient } from 'mongodb';
import { dbNameFor, suffix, testConfig } from '../support/http';
import { datedPost, legacyPost } from '../support/posts-listing';

jest.setTimeout(90_000);

const run = promisify(execFile);
const root = path.join(__dirname, '..', '..');

/** `npm run migrate` against `dbName`, as a person runs it (it builds, then runs the compiled migrations). */
const migrate = (dbName: string) =>
  run('npm', ['run', '-s', 'migrate'], {
    cwd: root,
    env: { ...process.env, DB_HOST: testConfig().db.uri, DB_NAME: dbName, LOG_LEVEL: 'warn' },
  });

// The collection the accounts migration was written for: migrations are history and name it themselves (a
// fork's own resource starts empty; today's app paging old data is test/stack/upgrade.test.ts).
const MIGRATED = 'posts';

describe('migrations (migrate-mongo)', () => {
  it('brings posts written before accounts up to date once, and records it', async () => {
    const dbName = `${dbNameFor(__filename)}_${suffix()}`;
    const client = await MongoClient.connect(testConfig().db.uri);
    const db = client.db(dbName);
    // What the previous release stored: no version, no owner; and the original app's title-and-body posts.
    const old = [
      ...Array.from({ length: 12 }, (_, i) =>
        datedPost(`before accounts ${i}`, new Date(Date.UTC(2026, 0, 1) - i * 60_000)),
      ),
      ...Array.from({ length: 3 }, (_, i) => legacyPost(`original app ${i}`)),
    ];
    await db.collection(MIGRATED).insertMany(old);

    try {
      const first = await migrate(dbName);
      const second = await migrate(dbName);
      const changelog = await db.collection('migrations_changelog').find().toArray();
      const versions = await db.collection(MIGRATED).distinct('version');
      const indexes = (await db.collection(MIGRATED).indexes()).map((i) => i.name);

      expect(first.stdout).toMatch(/migrated .*: 20261204000000-accounts\.js/);
      expect(second.stdout).toMatch(/is up to date/);
      expect(changelog.map((c) => c.fileName)).toEqual(['20261204000000-accounts.js']);
      expect(versions).toEqual([0]);
      expect(indexes).toContain('owner_1_createdAt_-1__id_-1');
      expect(await db.collection(MIGRATED).countDocuments()).toBe(old.length);
    } finally {
      await client.db(dbName).dropDatabase();
      await client.close();
    }
  });

  it("runs one at a time: a held lock refuses a second run, a crashed run's stale lock is taken over", async () => {
    const dbName = `${dbNameFor(__filename)}_lock_${suffix()}`;
    const client = await MongoClient.connect(testConfig().db.uri);
    const locks = client.db(dbName).collection<{ _id: string; createdAt: Date }>('migrations_lock');
    try {
      await locks.insertOne({ _id: 'migrate', createdAt: new Date() });
      const held = await migrate(dbName).catch((err: { code: number; stderr: string }) => err);
      await locks.updateOne({ _id: 'migrate' }, { $set: { createdAt: new Date(Date.now() - 600_000) } });
      const stale = await migrate(dbName);

      expect(held).toMatchObject({
        code: 1,
        stderr: expect.stringContaining('another migration run holds the lock'),
      });
      expect(stale.stdout).toMatch(/migrated/);
      expect(await locks.countDocuments()).toBe(0);
    } finally {
      await client.db(dbName).dropDatabase();
      await client.close();
    }
  });
});
