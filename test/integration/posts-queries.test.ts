import mongoose, { Types, type Connection } from 'mongoose';
import { LISTING_SORT, sortObject } from '../../app/src/listing/listing-sort';
import { resource, type ResourceModel } from '../../app/src/resource';
import { DEFAULT_MAX_TIME_MS } from '../../app/src/listing/pagination';
import { dbNameFor } from '../support/http';
import { datedPost, legacyPost, monitoredConnection, type SentCommand } from '../support/posts-listing';

jest.setTimeout(120_000);

/** What PostsService sends to the database, seen through the driver's command monitoring. */
describe('the queries behind the listing', () => {
  let connection: Connection;
  let Post: ResourceModel;
  let commands: SentCommand[];
  const reads = () => commands.filter((c) => ['find', 'count', 'aggregate'].includes(c.name));

  beforeAll(async () => {
    ({ connection, Post, commands } = await monitoredConnection(dbNameFor(__filename)));
    await Post.collection.deleteMany({});
    await Post.collection.insertMany([
      ...Array.from({ length: 30 }, (_, i) => datedPost(`p${i}`, new Date(Date.UTC(2024, 0, 1) - i * 1000))),
      legacyPost('legacy 1'),
      legacyPost('legacy 2'),
    ]);
  });
  beforeEach(() => {
    commands.length = 0;
  });
  afterAll(async () => {
    await connection?.close();
  });

  it('bounds every read with maxTimeMS (the configured value)', async () => {
    // totalCacheMs 0: every call sends its count too, so each read is seen carrying maxTimeMS.
    const posts = new resource.Service(Post, { maxTimeMs: 1234, totalCacheMs: 0 });

    const first = await posts.listPage(1, 10);
    await posts.listPage(2, 10);
    const deep = await posts.listBefore(posts.cursors.decode(first.next!), 25); // reaches the undated tail
    await posts.listBefore(posts.cursors.decode(deep.next ?? first.next!), 10);
    await posts.get(first.items[0]!.id);
    await posts.get(new Types.ObjectId().toHexString());

    const sent = reads();
    expect(new Set(sent.map((c) => c.name))).toEqual(new Set(['find', 'count']));
    expect(sent.length).toBeGreaterThanOrEqual(10);
    for (const command of sent) expect(command).toMatchObject({ maxTimeMS: 1234 });
  });

  it(`uses ${DEFAULT_MAX_TIME_MS} ms when no value is given`, async () => {
    await new resource.Service(Post).listPage(1, 5);

    expect(reads().length).toBeGreaterThan(0);
    for (const command of reads()) expect(command).toMatchObject({ maxTimeMS: DEFAULT_MAX_TIME_MS });
  });

  it('sends the keyset filter in the exact shape, with the spec sort and limit + 1', async () => {
    const posts = new resource.Service(Post);
    const first = await posts.listPage(1, 10);
    const position = posts.cursors.decode(first.next!);
    commands.length = 0;

    await posts.listBefore(position, 10);

    const find = commands.find((c) => c.name === 'find')!;
    const c = new Date(position.createdAt!);
    const id = new Types.ObjectId(position.id);
    // As the server receives it: BSON round-trip (drops Mongoose's in-memory markers, keeps the types).
    const onTheWire = mongoose.mongo.BSON.deserialize(
      mongoose.mongo.BSON.serialize({ filter: find.filter }),
      {
        promoteValues: true,
      },
    ).filter;
    expect(onTheWire).toEqual({ $or: [{ createdAt: { $lt: c } }, { createdAt: c, _id: { $lt: id } }] });
    expect(Object.fromEntries(find.sort as Map<string, number>)).toEqual(sortObject(LISTING_SORT));
    expect([...(find.sort as Map<string, number>).keys()]).toEqual(LISTING_SORT.map(([f]) => f));
    expect(find).toMatchObject({ limit: 11 });
  });

  it('answers a page past the last from the estimated count alone, without a find', async () => {
    const posts = new resource.Service(Post);

    const page = await posts.listPage(99, 10);

    expect(page).toMatchObject({ items: [], page: 99, pages: 4, total: 32, beyondLast: true, next: null });
    expect(reads().map((c) => c.name)).toEqual(['count']);
    // estimatedDocumentCount: a bare count, no query, so the server answers from the collection's metadata.
    expect(reads()[0]!.query).toBeUndefined();
  });

  it('never skips past the numbered depth: a deeper page gets the cursor at that depth instead', async () => {
    const posts = new resource.Service(Post, { numberedDepthMax: 10 });

    const deepest = await posts.listPage(2, 10); // skips 10: the deepest numbered page
    const tooDeep = await posts.listPage(3, 10);

    expect(deepest).toMatchObject({ page: 2, deepest: 2, tooDeep: null });
    expect(deepest.items).toHaveLength(10);
    // Page 3 and deeper continue right after the deepest page, by cursor.
    expect(tooDeep).toMatchObject({ items: [], page: 3, deepest: 2, beyondLast: false });
    expect(tooDeep.tooDeep).toBe(deepest.next);
    const skips = reads()
      .filter((c) => c.name === 'find')
      .map((c) => Number(c.skip ?? 0));
    expect(Math.max(...skips)).toBeLessThanOrEqual(10 + 10 - 1); // the depth, plus the page it reads
  });
});
