import { MongoClient, ObjectId, type Collection, type Document } from 'mongodb';
import type { StartedTestContainer } from 'testcontainers';
import { afterFilter, LISTING_SORT, sortObject } from '../../app/src/listing/listing-sort';
import { mongoImage, mongoUri, startMongoContainer } from '../../test/support/mongo';

/**
 * Differential test for the offline stand-in's listing and _id pushdown (.ci/offline/images/ferretdb/listing-pushdown.patch).
 * The integration database (MONGO_IMAGE; the stand-in image switches the pushdown on) and a second container
 * of the same image with FERRETDB_PUSHDOWN_LISTING=0 (the stock FerretDB path: fetch all, sort in Go) get the
 * same documents, and every query the listing sends must return the same documents in the same order from
 * both, and the order a model of MongoDB's sort gives. On the official mongo image the variable means nothing,
 * so the two are both MongoDB and the model check is what tests it there.
 */
jest.setTimeout(180_000);

const SORT = sortObject(LISTING_SORT);
const ASCENDING = { createdAt: 1, _id: 1 } as const;
const DB = 'ferretdb_differential';
const BASE = Date.UTC(2024, 0, 1);
const DATED = 400;
const UNDATED = 50; // 40 without createdAt (the original app's documents), 10 with an explicit createdAt: null
const PAGE = 20;

type Post = { _id: ObjectId; title: string; body: string; author?: string; createdAt?: Date | null };

/**
 * 400 dated posts on 40 timestamps (ties of 10), then 50 undated ones, every fifth with createdAt: null and the
 * others without the field (MongoDB's {createdAt: null} matches both, and sorts them as equal: by _id only).
 * Inserted shuffled: insertion order must not decide the result.
 */
function fixture(): Post[] {
  const posts: Post[] = [];
  for (let i = 0; i < DATED; i++) {
    posts.push({
      _id: new ObjectId(),
      title: `post ${i}`,
      body: 'b',
      author: 'a',
      createdAt: new Date(BASE + (i % 40) * 1000),
    });
  }
  for (let i = 0; i < UNDATED; i++) {
    const legacy: Post = { _id: new ObjectId(), title: `legacy ${i}`, body: 'b' };
    posts.push(i % 5 === 4 ? { ...legacy, title: `null ${i}`, createdAt: null } : legacy);
  }
  // 457 is a prime above the fixture's size, so i * 7919 % 457 is a deterministic permutation
  return posts
    .map((p, i) => ({ p, k: (i * 7919) % 457 }))
    .sort((a, b) => a.k - b.k)
    .map(({ p }) => p);
}

/** MongoDB's order for {createdAt: -1, _id: -1}: dated newest first, then missing or null createdAt (lowest), _id desc. */
function modelOrder(posts: Post[]): string[] {
  const time = (p: Post) => (p.createdAt ? p.createdAt.getTime() : -Infinity);
  return [...posts]
    .sort((a, b) => time(b) - time(a) || b._id.toHexString().localeCompare(a._id.toHexString()))
    .map((p) => p.title);
}

const titles = (docs: Document[]) => docs.map((d) => d.title as string);

/**
 * The posts after `last` in listing order, as PostsService.after (app/src/posts/posts.service.ts) asks for them:
 * the keyset filter while dated posts remain, then {createdAt: null} (with an _id bound once inside the tail).
 */
async function appAfter(posts: Collection<Post>, last: Post | undefined, n: number): Promise<Post[]> {
  const find = (filter: Document, limit: number) => posts.find(filter).sort(SORT).limit(limit).toArray();
  if (!last) return find({}, n);
  if (!last.createdAt) return find({ createdAt: null, _id: { $lt: last._id } }, n);
  const dated = await find(afterFilter(LISTING_SORT, [last.createdAt, last._id]), n);
  return dated.length < n ? [...dated, ...(await find({ createdAt: null }, n - dated.length))] : dated;
}

/** Follows the "older" links from page 1 to the end: every page is limit + 1 asked, limit kept. */
async function walk(posts: Collection<Post>): Promise<string[]> {
  const walked: string[] = [];
  let last: Post | undefined;
  for (;;) {
    const page = await appAfter(posts, last, PAGE + 1);
    walked.push(...titles(page.slice(0, PAGE)));
    if (page.length <= PAGE) return walked;
    last = page[PAGE - 1];
  }
}

/** Every query shape the listing sends (app/src/posts/posts.service.ts), run against one server. */
async function listingQueries(posts: Collection<Post>, order: string[], byTitle: Map<string, Post>) {
  const find = (filter: Document, skip: number, limit: number, sort: Document = SORT) =>
    posts.find(filter).sort(sort).skip(skip).limit(limit).toArray().then(titles);
  const at = (i: number) => byTitle.get(order[i]!)!;
  const out: Record<string, unknown> = {
    estimated: await posts.estimatedDocumentCount(),
    counted: await posts.countDocuments({}),
    page1: await find({}, 0, 21),
  };
  for (const skip of [20, 100, 390, 395, 420, 449, 450, 1000]) out[`skip ${skip}`] = await find({}, skip, 21);

  // Cursors after every position: inside a tie, at a tie's edges, the last dated post, and into the undated tail.
  for (const i of [0, 5, 9, 10, 199, 398, 399]) {
    const p = at(i);
    out[`after ${i}`] = await find(afterFilter(LISTING_SORT, [p.createdAt, p._id]), 0, 21);
  }

  // The undated tail ({createdAt: null}: missing or null): from its start, bounded by _id at its start, inside,
  // next to its end and at its end (empty), with the bound's keys in either order, skipped, and ascending.
  out['undated'] = await find({ createdAt: null }, 0, 21);
  out['undated, no limit'] = await find({ createdAt: null }, 0, 0);
  out['undated skip 5'] = await find({ createdAt: null }, 5, 21);
  for (const i of [400, 420, 440, 448, 449]) {
    out[`undated after ${i}`] = await find({ createdAt: null, _id: { $lt: at(i)._id } }, 0, 21);
    out[`undated after ${i}, _id first`] = await find({ _id: { $lt: at(i)._id }, createdAt: null }, 0, 21);
  }
  out['undated ascending'] = await find({ createdAt: null }, 0, 21, ASCENDING);
  out['undated ascending after 440'] = await find(
    { createdAt: null, _id: { $gt: at(440)._id } },
    0,
    21,
    ASCENDING,
  );

  // The post page's lookup (Post.findById(id).maxTimeMS(ms).lean(): find {_id}, limit 1, singleBatch, maxTimeMS),
  // which the pushdown answers from the _id_ index: a dated post, a legacy one (no createdAt), one with
  // createdAt: null, an id that is not there, and the same hex as a string (a string is not an ObjectId).
  const byId = (filter: Document) => posts.findOne(filter, { maxTimeMS: 5000 }).then((d) => d?.title ?? null);
  for (const title of ['post 7', 'legacy 0', 'null 4']) {
    const id = byTitle.get(title)!._id;
    out[`findById ${title}`] = await byId({ _id: id });
    out[`findById ${title}, $eq`] = await byId({ _id: { $eq: id } });
    out[`findById ${title}, hex string`] = await byId({ _id: id.toHexString() });
  }
  out['findById missing'] = await byId({ _id: new ObjectId('f'.repeat(24)) });

  // The app's own steps: the last dated page spilling into the tail, and the whole walk by cursor.
  out['last dated page'] = titles(await appAfter(posts, at(389), 21));
  out.walked = await walk(posts);
  return out;
}

/** A collection with no undated document at all (the app's own data): the tail is empty and ends the walk. */
async function datedOnlyQueries(posts: Collection<Post>, order: string[], byTitle: Map<string, Post>) {
  const find = (filter: Document, limit: number) =>
    posts.find(filter).sort(SORT).limit(limit).toArray().then(titles);
  const last = byTitle.get(order[DATED - 1]!)!;
  return {
    undated: await find({ createdAt: null }, 21),
    'undated after the last': await find({ createdAt: null, _id: { $lt: last._id } }, 21),
    'last dated page': titles(await appAfter(posts, byTitle.get(order[389]!)!, 21)),
    walked: await walk(posts),
  };
}

describe('offline stand-in: listing pushdown returns what stock FerretDB returns', () => {
  let stock: StartedTestContainer;
  let clients: MongoClient[] = [];
  const posts = fixture();
  const order = modelOrder(posts);
  const byTitle = new Map(posts.map((p) => [p.title, p]));
  const dated = posts.filter((p) => p.createdAt);
  const datedOrder = modelOrder(dated);
  let results: Record<string, unknown>[] = [];
  let datedResults: Record<string, unknown>[] = [];

  beforeAll(async () => {
    const image = mongoImage();
    stock = await startMongoContainer({ image, env: { FERRETDB_PUSHDOWN_LISTING: '0' } });
    const uris = [process.env.INTEGRATION_MONGO_URI!, mongoUri(stock)];
    console.log(`[differential] ${image}: pushdown on (integration database) vs FERRETDB_PUSHDOWN_LISTING=0`);
    clients = await Promise.all(uris.map((uri) => MongoClient.connect(uri)));
    for (const client of clients) {
      for (const [name, docs] of [
        ['posts', posts],
        ['dated_posts', dated],
      ] as const) {
        const coll = client.db(DB).collection<Post>(name);
        await coll.drop().catch(() => undefined);
        await coll.createIndex(SORT);
        await coll.insertMany(docs.map((p) => ({ ...p })));
      }
    }
    results = [];
    datedResults = [];
    for (const client of clients) {
      const db = client.db(DB);
      results.push(await listingQueries(db.collection<Post>('posts'), order, byTitle));
      datedResults.push(await datedOnlyQueries(db.collection<Post>('dated_posts'), datedOrder, byTitle));
    }
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

  it('the fixture has ties on createdAt, documents without createdAt and with createdAt: null', () => {
    expect(posts.filter((p) => !('createdAt' in p))).toHaveLength(40);
    expect(posts.filter((p) => p.createdAt === null)).toHaveLength(10);
    expect(new Set(dated.map((p) => p.createdAt!.getTime())).size).toBe(40);
    // missing and null interleave in _id order, so merging the two is tested
    const kinds = order.slice(DATED).map((title) => title.split(' ')[0]);
    expect(kinds.indexOf('null')).toBeLessThan(kinds.lastIndexOf('legacy'));
    expect(kinds.lastIndexOf('null')).toBeGreaterThan(kinds.indexOf('legacy'));
  });

  it('every query gives the same documents in the same order, pushdown on and off', () => {
    for (const [pushed, plain] of [results, datedResults]) {
      expect(Object.keys(pushed!)).toEqual(Object.keys(plain!));
      for (const key of Object.keys(plain!))
        expect({ key, result: pushed![key] }).toEqual({ key, result: plain![key] });
    }
  });

  it("both follow MongoDB's order: dated newest first, ties by _id, undated (missing or null) last by _id", () => {
    const tail = order.slice(DATED);
    for (const r of results) {
      expect(r.estimated).toBe(posts.length);
      expect(r.counted).toBe(posts.length);
      expect(r.page1).toEqual(order.slice(0, 21));
      for (const skip of [20, 100, 390, 395, 420, 449, 450, 1000])
        expect(r[`skip ${skip}`]).toEqual(order.slice(skip, skip + 21));
      for (const at of [0, 5, 9, 10, 199, 398, 399]) {
        expect(r[`after ${at}`]).toEqual(order.slice(at + 1, DATED).slice(0, 21));
      }
      expect(r['undated']).toEqual(tail.slice(0, 21));
      expect(r['undated, no limit']).toEqual(tail);
      expect(r['undated skip 5']).toEqual(tail.slice(5, 26));
      for (const at of [400, 420, 440, 448, 449]) {
        expect(r[`undated after ${at}`]).toEqual(order.slice(at + 1, at + 22));
        expect(r[`undated after ${at}, _id first`]).toEqual(order.slice(at + 1, at + 22));
      }
      expect(r['undated after 449']).toEqual([]);
      expect(r['undated ascending']).toEqual([...tail].reverse().slice(0, 21));
      expect(r['undated ascending after 440']).toEqual(order.slice(DATED, 440).reverse().slice(0, 21));
      expect(r['last dated page']).toEqual(order.slice(390, 411));
      expect(r.walked).toEqual(order);
    }
  });

  it('findById finds dated, legacy and null-createdAt posts, and nothing for a missing id or a hex string', () => {
    for (const r of results) {
      for (const title of ['post 7', 'legacy 0', 'null 4']) {
        expect(r[`findById ${title}`]).toBe(title);
        expect(r[`findById ${title}, $eq`]).toBe(title);
        expect(r[`findById ${title}, hex string`]).toBeNull();
      }
      expect(r['findById missing']).toBeNull();
    }
  });

  it('with no undated documents the tail is empty and the walk ends at the last dated post', () => {
    for (const r of datedResults) {
      expect(r.undated).toEqual([]);
      expect(r['undated after the last']).toEqual([]);
      expect(r['last dated page']).toEqual(datedOrder.slice(390, DATED));
      expect(r.walked).toEqual(datedOrder);
    }
  });
});
