import { MongoClient, ObjectId, type Collection, type Document } from 'mongodb';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { afterFilter, LISTING_SORT, sortObject } from '../../app/src/posts/listing-sort';
import { mongoImage } from '../support/mongo';

/**
 * Differential test for the offline stand-in's listing pushdown (.ci/offline/images/ferretdb/listing-pushdown.patch).
 * The integration database (MONGO_IMAGE; the stand-in image switches the pushdown on) and a second container
 * of the same image with FERRETDB_PUSHDOWN_LISTING=0 (the stock FerretDB path: fetch all, sort in Go) get the
 * same documents, and every query the listing sends must return the same documents in the same order from
 * both, and the order a model of MongoDB's sort gives. On the official mongo image the variable means nothing,
 * so the two are both MongoDB and the model check is what tests it there.
 */
jest.setTimeout(180_000);

const SORT = sortObject(LISTING_SORT);
const DB = 'ferretdb_differential';
const BASE = Date.UTC(2024, 0, 1);

type Post = { _id: ObjectId; title: string; body: string; author?: string; createdAt?: Date };

/** 400 dated posts on 40 timestamps (ties of 10), 40 legacy posts (title and body only), shuffled. */
function fixture(): Post[] {
  const posts: Post[] = [];
  for (let i = 0; i < 400; i++) {
    posts.push({
      _id: new ObjectId(),
      title: `post ${i}`,
      body: 'b',
      author: 'a',
      createdAt: new Date(BASE + (i % 40) * 1000),
    });
  }
  for (let i = 0; i < 40; i++) posts.push({ _id: new ObjectId(), title: `legacy ${i}`, body: 'b' });
  // deterministic shuffle: insertion order must not decide the result
  return posts
    .map((p, i) => ({ p, k: (i * 7919) % 443 }))
    .sort((a, b) => a.k - b.k)
    .map(({ p }) => p);
}

/** MongoDB's order for {createdAt: -1, _id: -1}: dated newest first, then missing createdAt (lowest), _id desc. */
function modelOrder(posts: Post[]): string[] {
  const time = (p: Post) => (p.createdAt ? p.createdAt.getTime() : -Infinity);
  return [...posts]
    .sort((a, b) => time(b) - time(a) || b._id.toHexString().localeCompare(a._id.toHexString()))
    .map((p) => p.title);
}

const titles = (docs: Document[]) => docs.map((d) => d.title as string);

/** Every query shape the listing sends (app/src/posts/posts.service.ts), run against one server. */
async function listingQueries(posts: Collection<Post>, order: string[], byTitle: Map<string, Post>) {
  const find = (filter: Document, skip: number, limit: number) =>
    posts.find(filter).sort(SORT).skip(skip).limit(limit).toArray().then(titles);
  const out: Record<string, unknown> = {
    estimated: await posts.estimatedDocumentCount(),
    counted: await posts.countDocuments({}),
    page1: await find({}, 0, 21),
  };
  for (const skip of [20, 100, 390, 395, 420, 439, 440, 1000]) out[`skip ${skip}`] = await find({}, skip, 21);

  // Cursors after every position: inside a tie, at a tie's edges, the last dated post, and into the undated tail.
  for (const at of [0, 5, 9, 10, 199, 398, 399]) {
    const p = byTitle.get(order[at]!)!;
    out[`after ${at}`] = await find(afterFilter(LISTING_SORT, [p.createdAt, p._id]), 0, 21);
  }
  for (const at of [400, 420]) {
    const p = byTitle.get(order[at]!)!;
    out[`undated after ${at}`] = await find({ createdAt: null, _id: { $lt: p._id } }, 0, 21);
  }
  out['undated'] = await find({ createdAt: null }, 0, 21);

  // Walk the whole listing the way the app's "older" links do: keyset pages, then the undated tail.
  const walked: string[] = [];
  let last: Post | undefined;
  for (;;) {
    const filter = last ? afterFilter(LISTING_SORT, [last.createdAt, last._id]) : {};
    const page = await posts.find(filter).sort(SORT).limit(20).toArray();
    walked.push(...titles(page));
    if (page.length < 20) break;
    last = page.at(-1)!;
  }
  const undated = await posts
    .find({ createdAt: null } as Document)
    .sort(SORT)
    .toArray();
  out.walked = [...walked, ...titles(undated)];
  return out;
}

describe('offline stand-in: listing pushdown returns what stock FerretDB returns', () => {
  let stock: StartedTestContainer;
  let clients: MongoClient[] = [];
  const posts = fixture();
  const order = modelOrder(posts);
  const byTitle = new Map(posts.map((p) => [p.title, p]));
  let results: Record<string, unknown>[] = [];

  beforeAll(async () => {
    const image = mongoImage();
    stock = await new GenericContainer(image)
      .withEnvironment({ FERRETDB_PUSHDOWN_LISTING: '0' })
      .withExposedPorts(27017)
      .withHealthCheck({
        test: ['CMD', 'mongosh', '--quiet', '--eval', "db.adminCommand('ping').ok"],
        interval: 1_000,
        timeout: 3_000,
        retries: 60,
        startPeriod: 1_000,
      })
      .withWaitStrategy(Wait.forHealthCheck())
      .withStartupTimeout(120_000)
      .start();
    const uris = [
      process.env.INTEGRATION_MONGO_URI!,
      `mongodb://${stock.getHost()}:${stock.getMappedPort(27017)}`,
    ];
    console.log(`[differential] ${image}: pushdown on (integration database) vs FERRETDB_PUSHDOWN_LISTING=0`);
    clients = await Promise.all(uris.map((uri) => MongoClient.connect(uri)));
    for (const client of clients) {
      const coll = client.db(DB).collection<Post>('posts');
      await coll.drop().catch(() => undefined);
      await coll.createIndex(SORT);
      await coll.insertMany(posts);
    }
    results = [];
    for (const client of clients)
      results.push(await listingQueries(client.db(DB).collection<Post>('posts'), order, byTitle));
  });

  afterAll(async () => {
    await Promise.all(
      clients.map((c) =>
        c
          .db(DB)
          .dropDatabase()
          .catch(() => undefined)
          .then(() => c.close()),
      ),
    );
    await stock?.stop();
  });

  it('the fixture has ties on createdAt and legacy documents', () => {
    expect(posts.filter((p) => !p.createdAt)).toHaveLength(40);
    expect(new Set(posts.filter((p) => p.createdAt).map((p) => p.createdAt!.getTime())).size).toBe(40);
  });

  it('every query gives the same documents in the same order, pushdown on and off', () => {
    const [pushed, plain] = results;
    expect(Object.keys(pushed!)).toEqual(Object.keys(plain!));
    for (const key of Object.keys(plain!))
      expect({ key, result: pushed![key] }).toEqual({ key, result: plain![key] });
  });

  it("both follow MongoDB's order: dated newest first, ties by _id, legacy documents last", () => {
    for (const r of results) {
      expect(r.estimated).toBe(posts.length);
      expect(r.counted).toBe(posts.length);
      expect(r.page1).toEqual(order.slice(0, 21));
      for (const skip of [20, 100, 390, 395, 420, 439, 440, 1000])
        expect(r[`skip ${skip}`]).toEqual(order.slice(skip, skip + 21));
      for (const at of [0, 5, 9, 10, 199, 398, 399]) {
        expect(r[`after ${at}`]).toEqual(order.slice(at + 1, 400).slice(0, 21));
      }
      expect(r['undated']).toEqual(order.slice(400, 421));
      expect(r['undated after 400']).toEqual(order.slice(401, 422));
      expect(r['undated after 420']).toEqual(order.slice(421, 442));
      expect(r.walked).toEqual(order);
    }
  });
});
