import { escapeRegExp } from '../support/regexp';
import { resource, type ResourceModel } from '../../app/src/resource';
import { stopServer } from '../../app/src/server';
import { apiWrite, registerAccount, type Account } from '../support/accounts';
import { dbNameFor, startTestServer, type TestServer } from '../support/http';
import { beforeCursor, postPaths, validPost } from '../support/posts';
import { datedPost, getListing, listingOrder, walkCursor, type RawPost } from '../support/posts-listing';

// Real containers and real HTTP: allow for slow CI machines.
jest.setTimeout(120_000);

/**
 * Cursor (keyset) pagination against a real database: the walk equals the full order, ties on createdAt
 * neither skip nor repeat, and posts inserted mid-walk never make a page repeat or skip a post.
 */
describe('cursor pagination of /api/posts', () => {
  let t: TestServer;
  let writer: Account;
  let Post: ResourceModel;
  let docs: RawPost[];
  const base = Date.UTC(2023, 5, 1);

  beforeAll(async () => {
    t = await startTestServer({ DB_NAME: dbNameFor(__filename) });
    writer = await registerAccount(t.http, 'cursor');
    Post = resource.model(t.running.db.connection);
    await Post.collection.deleteMany({});
    // 37 posts: 25 a minute apart, and 12 sharing three timestamps (4 each), one of them equal to a dated post's.
    docs = [
      ...Array.from({ length: 25 }, (_, i) => datedPost(`minute ${i}`, new Date(base - i * 60_000))),
      ...Array.from({ length: 12 }, (_, i) =>
        datedPost(`tie ${i}`, new Date(base - (3 + (i % 3) * 7) * 60_000)),
      ),
    ];
    await Post.collection.insertMany(docs);
  });
  afterAll(async () => {
    if (t) await stopServer(t.running);
  });

  it.each([1, 4, 5, 7, 36, 37, 100])(
    'walks every post exactly once, in listing order, with limit %i',
    async (limit) => {
      const pages = await walkCursor(t.http, `${postPaths.api}?limit=${limit}`);

      expect(pages.flat()).toEqual(listingOrder(docs));
      expect(pages.slice(0, -1).every((p) => p.length === limit)).toBe(true);
      expect(pages.at(-1)!.length).toBeGreaterThan(0);
    },
  );

  it('puts equal createdAt values in _id order across page boundaries', async () => {
    const tied = docs.filter((d) => d.createdAt!.getTime() === base - 10 * 60_000);
    const pages = await walkCursor(t.http, `${postPaths.api}?limit=2`);
    const flat = pages.flat();
    const positions = tied.map((d) => flat.indexOf(d._id.toHexString())).sort((a, b) => a - b);

    // "minute 10" and four "tie" posts share one createdAt: five posts in a row, split over page
    // boundaries (limit 2), in descending _id order.
    expect(tied).toHaveLength(5);
    expect(positions.at(-1)! - positions[0]!).toBe(4);
    expect(flat.slice(positions[0], positions.at(-1)! + 1)).toEqual(listingOrder(tied));
  });

  it('links to the next page with a cursor and ends with next: null', async () => {
    const first = await getListing(t.http, `${postPaths.api}?limit=30`);
    const second = await getListing(t.http, first.next!);

    expect(first.next).toMatch(
      new RegExp(`^${escapeRegExp(postPaths.api)}\\?before=[A-Za-z0-9_-]+&limit=30$`),
    );
    expect(first).toMatchObject({ page: 1, total: docs.length, limit: 30, pages: 2 });
    expect(second).toMatchObject({ page: null, next: null, total: docs.length });
    expect(second.items).toHaveLength(docs.length - 30);
  });

  it('never repeats or skips a post while posts are inserted between pages', async () => {
    const expected = listingOrder(docs);
    const added: RawPost[] = [];
    // After each page: one new post (newest of all) through the API, one backdated post just after the
    // cursor's position (not yet reached: must appear) and one just before it (already passed: must not).
    const pages = await walkCursor(t.http, `${postPaths.api}?limit=5`, {
      between: async (pageIndex, ids) => {
        const created = await t.http.post(postPaths.api, validPost(`new ${pageIndex}`), {
          headers: apiWrite(writer),
        });
        expect(created.status).toBe(201);
        const lastShown = [...docs, ...added].find((d) => d._id.toHexString() === ids.at(-1))!;
        const ahead = datedPost(`ahead ${pageIndex}`, new Date(lastShown.createdAt!.getTime() - 1));
        const behind = datedPost(`behind ${pageIndex}`, new Date(lastShown.createdAt!.getTime() + 1));
        await Post.collection.insertMany([ahead, behind]);
        added.push(ahead, behind);
      },
    });
    const seen = pages.flat();
    const aheadIds = added.filter((d) => d.title.startsWith('ahead')).map((d) => d._id.toHexString());
    const behindIds = added.filter((d) => d.title.startsWith('behind')).map((d) => d._id.toHexString());

    try {
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.filter((id) => expected.includes(id))).toEqual(expected);
      expect(seen).toEqual(expect.arrayContaining(aheadIds));
      expect(seen.filter((id) => behindIds.includes(id))).toEqual([]);
      // The walk is exactly the original posts plus those inserted ahead of it, in listing order.
      expect(seen).toEqual(listingOrder([...docs, ...added.filter((d) => d.title.startsWith('ahead'))]));
    } finally {
      await Post.collection.deleteMany({ _id: { $nin: docs.map((d) => d._id) } });
    }
  });

  it('shows why: the same inserts make ?page=N repeat a post', async () => {
    const page1 = await getListing(t.http, `${postPaths.api}?page=1&limit=5`);
    const created = await t.http.post(postPaths.api, validPost('pushes the list down'), {
      headers: apiWrite(writer),
    });
    const page2 = await getListing(t.http, `${postPaths.api}?page=2&limit=5`);

    try {
      expect(created.status).toBe(201);
      expect(page2.items[0]!.id).toBe(page1.items.at(-1)!.id);
    } finally {
      await Post.collection.deleteMany({ _id: { $nin: docs.map((d) => d._id) } });
    }
  });

  it.each([
    ['garbage', 'not a cursor!'],
    ['base64 of something else', Buffer.from('{"hello":1}').toString('base64url')],
    [
      'another version',
      Buffer.from(JSON.stringify({ v: 9, s: 'createdAt:-1,_id:-1', c: 1, i: 'a'.repeat(24) })).toString(
        'base64url',
      ),
    ],
    [
      'another sort',
      Buffer.from(JSON.stringify({ v: 1, s: 'createdAt:1,_id:1', c: 1, i: 'a'.repeat(24) })).toString(
        'base64url',
      ),
    ],
    [
      'an operator as id',
      Buffer.from(JSON.stringify({ v: 1, s: 'createdAt:-1,_id:-1', c: 1, i: { $gt: '' } })).toString(
        'base64url',
      ),
    ],
  ])('answers 400 with a field error for a cursor that is %s', async (_name, cursor) => {
    const api = await t.http.get(beforeCursor(postPaths.api, cursor));
    const page = await t.http.get(beforeCursor(postPaths.list, cursor));

    expect(api).toMatchObject({
      status: 400,
      data: { error: 'Invalid pagination parameters', fields: { before: [expect.stringMatching(/cursor/)] } },
    });
    expect(page).toMatchObject({ status: 400, headers: { 'content-type': expect.stringMatching(/html/) } });
  });

  it('answers 400 for a cursor given twice and for page and before together', async () => {
    const first = await getListing(t.http, `${postPaths.api}?limit=3`);
    const twice = await t.http.get(
      `${postPaths.api}?before=${first.next!.split('before=')[1]!.split('&')[0]}&before=x`,
    );
    const both = await t.http.get(`${first.next!}&page=2`);

    expect(twice).toMatchObject({ status: 400, data: { fields: { before: expect.any(Array) } } });
    expect(both).toMatchObject({
      status: 400,
      data: { fields: { before: [expect.stringMatching(/either/)] } },
    });
  });

  it('follows the HTML list\'s "Older" links through every post', async () => {
    const seen: string[] = [];
    let url: string | null = `${postPaths.list}?limit=8`;
    for (let i = 0; url && i < 20; i++) {
      const res = await t.http.get(url);
      expect(res.status).toBe(200);
      const html = res.data as string;
      seen.push(
        ...[
          ...html.matchAll(new RegExp(`<a href="${escapeRegExp(postPaths.detail(''))}([0-9a-f]{24})">`, 'g')),
        ].map((m) => m[1]!),
      );
      const older = /rel="next" href="([^"]+)"/.exec(html)?.[1];
      url = older ? older.replace(/&amp;/g, '&') : null;
      if (url)
        expect(url).toMatch(new RegExp(`^${escapeRegExp(postPaths.list)}\\?before=[A-Za-z0-9_-]+&limit=8$`));
    }

    expect(seen).toEqual(listingOrder(docs));
  });
});
