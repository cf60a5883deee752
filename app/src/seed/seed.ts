import { Faker, en } from '@faker-js/faker';
import type { Connection } from 'mongoose';
import type { Logger } from '../logger';
import { POST_LIMITS, type PostFields } from '../posts/post.model';
import type { ResourceModel } from '../resource';

/** A post as inserted, timestamps included: the schema's own type, so a new field shows up here by itself. */
export type SeedDocument = PostFields;

const clip = (s: string, max: number) => (s.length > max ? s.slice(0, max).trimEnd() : s);

/**
 * Returns a function producing the i-th fake post. With a seed, the sequence of titles/bodies/authors is the
 * same on every run. createdAt goes back one minute per post from `now`, so post 0 is the newest.
 */
export function createFakes(opts: { seed?: number; now?: number } = {}): (i: number) => SeedDocument {
  const faker = new Faker({ locale: [en] });
  if (opts.seed !== undefined) faker.seed(opts.seed);
  const now = opts.now ?? Date.now();
  return (i: number) => {
    const title = clip(faker.lorem.sentence({ min: 3, max: 9 }).replace(/\.$/, ''), POST_LIMITS.title);
    const body = clip(faker.lorem.paragraphs({ min: 1, max: 3 }, '\n\n'), POST_LIMITS.body);
    const author = clip(faker.person.fullName(), POST_LIMITS.author);
    const createdAt = new Date(now - i * 60_000);
    return { title, body, author, version: 0, createdAt, updatedAt: createdAt };
  };
}

/** Batch sizes for `count` documents: [size, size, ..., remainder]. */
export function batchSizes(count: number, batchSize: number): number[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError('count must be a whole number >= 0');
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError('batchSize must be a whole number >= 1');
  const out: number[] = [];
  for (let left = count; left > 0; left -= batchSize) out.push(Math.min(batchSize, left));
  return out;
}

export interface SeedOptions {
  count: number;
  seed?: number;
  reset?: boolean;
  batchSize?: number;
  /** Batches inserted at the same time (the next batch is generated while earlier ones are in flight). */
  concurrency?: number;
  onProgress?: (inserted: number, total: number) => void;
  /** Injected for tests: where documents go. Defaults to model.insertMany(ordered:false, lean). */
  insert?: (docs: SeedDocument[]) => Promise<unknown>;
  now?: number;
}

export interface SeedResult {
  inserted: number;
  /** True when the collection was emptied first (--reset). */
  reset: boolean;
  ms: number;
}

export async function seedDocuments(model: ResourceModel, opts: SeedOptions): Promise<SeedResult> {
  const started = Date.now();
  const batchSize = opts.batchSize ?? 2_000;
  const concurrency = Math.max(1, opts.concurrency ?? 2);
  const sizes = batchSizes(opts.count, batchSize);
  const insert =
    opts.insert ?? ((docs: SeedDocument[]) => model.insertMany(docs, { ordered: false, lean: true }));

  if (opts.reset) await resetCollection(model);

  const make = createFakes({ seed: opts.seed, now: opts.now });
  const inFlight = new Set<Promise<unknown>>();
  let index = 0;
  let inserted = 0;
  for (const size of sizes) {
    const docs: SeedDocument[] = new Array(size);
    for (let k = 0; k < size; k++) docs[k] = make(index++);
    const p: Promise<unknown> = insert(docs).then(() => {
      inFlight.delete(p);
      inserted += size;
      opts.onProgress?.(inserted, opts.count);
    });
    inFlight.add(p);
    if (inFlight.size >= concurrency) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  return { inserted, reset: opts.reset === true, ms: Date.now() - started };
}

/**
 * Empties the posts collection by dropping it and recreating its indexes: far faster than deleteMany({}), which
 * removes one document at a time.
 */
export async function resetCollection(model: ResourceModel): Promise<void> {
  try {
    await model.collection.drop();
  } catch (err) {
    const e = err as { code?: unknown; codeName?: unknown; message?: unknown };
    if (!(e.code === 26 || e.codeName === 'NamespaceNotFound' || /ns not found/i.test(String(e.message))))
      throw err;
  }
  await model.createIndexes();
}

const STALE_LOCK_MS = 10 * 60_000;

export type SeedIfEmptyResult =
  { seeded: true; inserted: number } | { seeded: false; reason: 'not-empty' | 'locked' };

function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}

/**
 * SEED_ON_START=if-empty. Never deletes anything. Safe when several replicas start at once:
 * 1. skip if the posts collection has any document;
 * 2. take a lock (insert a fixed _id into seed_locks; the unique _id index lets exactly one replica win);
 * 3. re-check emptiness under the lock, seed, release the lock.
 * A lock older than 10 minutes (a replica died mid-seed) is taken over.
 */
export async function seedIfEmpty(
  connection: Connection,
  model: ResourceModel,
  opts: { count: number; seed?: number; logger?: Logger; batchSize?: number },
): Promise<SeedIfEmptyResult> {
  const log = opts.logger;
  const lockId = `${model.collection.collectionName}-seed`;
  if ((await model.countDocuments({}).limit(1).exec()) > 0) {
    log?.info(`seed: the ${model.collection.collectionName} collection is not empty, skipping`);
    return { seeded: false, reason: 'not-empty' };
  }
  const locks = connection.collection<{ _id: string; startedAt: Date }>('seed_locks');
  try {
    await locks.insertOne({ _id: lockId, startedAt: new Date() });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    const stale = await locks.deleteOne({
      _id: lockId,
      startedAt: { $lt: new Date(Date.now() - STALE_LOCK_MS) },
    });
    if (stale.deletedCount !== 1) {
      log?.info('seed: another instance is seeding, skipping');
      return { seeded: false, reason: 'locked' };
    }
    log?.warn('seed: took over a stale seed lock');
    return seedIfEmpty(connection, model, opts);
  }
  try {
    if ((await model.countDocuments({}).limit(1).exec()) > 0) {
      log?.info(`seed: ${model.collection.collectionName} appeared meanwhile, skipping`);
      return { seeded: false, reason: 'not-empty' };
    }
    const res = await seedDocuments(model, { count: opts.count, seed: opts.seed, batchSize: opts.batchSize });
    log?.info({ inserted: res.inserted, ms: res.ms }, 'seed: done');
    return { seeded: true, inserted: res.inserted };
  } finally {
    await locks.deleteOne({ _id: lockId });
  }
}
