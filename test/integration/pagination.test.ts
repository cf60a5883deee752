import { escapeRegExp } from '../support/regexp';
import { resource } from '../../app/src/resource';
import { seedDocuments } from '../../app/src/seed/seed';
import { stopServer } from '../../app/src/server';
import { dbNameFor, startTestServer, type TestServer } from '../support/http';
import { ownerlessPost, postPaths } from '../support/posts';

// Real containers and real HTTP: allow for slow CI machines.
jest.setTimeout(60_000);

const TOTAL = 45;

describe('listing and pagination', () => {
  let t: TestServer;

  beforeAll(async () => {
    // Numbered pages skip at most 40 posts here (2 000 by default), so the depth limit is reached with 45.
    t = await startTestServer({ DB_NAME: dbNameFor(__filename), LISTING_PAGE_DEPTH: '40' });
    const Post = resource.model(t.running.db.connection);
    // A known number of posts in this file's own database; ten share one timestamp to exercise the _id tie-break.
    await seedDocuments(Post, { count: TOTAL - 10, reset: true, seed: 123 });
    const sameTime = new Date('2020-01-01T00:00:00Z');
    await Post.insertMany(
      Array.from({ length: 10 }, (_, i) => ({
        ...ownerlessPost(`tie ${i}`),
        createdAt: sameTime,
        updatedAt: sameTime,
      })),
    );
  });
  afterAll(async () => {
    await stopServer(t.running);
  });

  it('lists newest first with default page 1 and limit 20', async () => {
    const res = await t.http.get(postPaths.api);

    expect(res).toMatchObject({ status: 200, data: { total: TOTAL, page: 1, limit: 20, pages: 3 } });
    expect(res.data.items).toHaveLength(20);
    const times = res.data.items.map((p: { createdAt: string }) => Date.parse(p.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('walks every page exactly once, without duplicates, even across equal timestamps', async () => {
    const pages = await Promise.all(
      [1, 2, 3, 4, 5].map((page) => t.http.get(`${postPaths.api}?page=${page}&limit=10`)),
    );
    const ids = pages.flatMap((p) => p.data.items.map((i: { id: string }) => i.id));

    expect(pages.map((p) => p.data.items.length)).toEqual([10, 10, 10, 10, 5]);
    expect(new Set(ids).size).toBe(TOTAL);
  });

  it('answers an empty page with links beyond the last one (200, not an error)', async () => {
    const res = await t.http.get(`${postPaths.api}?page=99`);

    expect(res).toMatchObject({
      status: 200,
      data: {
        items: [],
        total: TOTAL,
        page: 99,
        pages: 3,
        next: null,
        prev: `${postPaths.api}?page=3&limit=20`,
        first: `${postPaths.api}?page=1&limit=20`,
        last: `${postPaths.api}?page=3&limit=20`,
      },
    });
  });

  it('links page 1 to the older posts by cursor, and says the total is an estimate', async () => {
    const res = await t.http.get(`${postPaths.api}?limit=10`);

    expect(res).toMatchObject({
      status: 200,
      data: {
        page: 1,
        prev: null,
        totalEstimated: true,
        next: expect.stringMatching(new RegExp(`^${escapeRegExp(postPaths.api)}\\?before=`)),
      },
    });
  });

  it('caps limit at 100', async () => {
    const res = await t.http.get(`${postPaths.api}?limit=5000`);

    expect(res).toMatchObject({ status: 200, data: { limit: 100, pages: 1 } });
    expect(res.data.items).toHaveLength(TOTAL);
  });

  it.each(['page=0', 'page=-1', 'page=x', 'limit=0', 'limit=1.5', 'page=2000000'])(
    'answers 400 for ?%s',
    async (qs) => {
      const res = await t.http.get(`${postPaths.api}?${qs}`);

      expect(res).toMatchObject({
        status: 400,
        data: { error: 'Invalid pagination parameters', fields: expect.any(Object) },
      });
    },
  );

  it('shows the (estimated) total, the page position, page links and a cursor link to older posts', async () => {
    const res = await t.http.get(`${postPaths.list}?page=2&limit=10`);

    expect(res.status).toBe(200);
    expect(res.data).toMatch(new RegExp(`about ${TOTAL} \\w+`));
    expect(res.data).toContain('page 2 of 5');
    expect(res.data).toContain(`rel="prev" href="${postPaths.list}?page=1&amp;limit=10"`);
    expect(res.data).toContain(`<a href="${postPaths.list}?page=3&amp;limit=10">3</a>`);
    expect(res.data).toMatch(
      new RegExp(`rel="next" href="${escapeRegExp(postPaths.list)}\\?before=[A-Za-z0-9_-]+&amp;limit=10"`),
    );
    expect((res.data.match(/<li class="item">/g) ?? []).length).toBe(10);
  });

  it('redirects a page past the last to the last page, and answers 400 pages for bad parameters', async () => {
    const beyond = await t.http.get(`${postPaths.list}?page=50&limit=10`);
    const bad = await t.http.get(`${postPaths.list}?page=abc`);
    const badCursor = await t.http.get(`${postPaths.list}?before=abc`);

    expect(beyond).toMatchObject({ status: 303, headers: { location: `${postPaths.list}?page=5&limit=10` } });
    for (const res of [bad, badCursor]) {
      expect(res).toMatchObject({
        status: 400,
        headers: { 'content-type': expect.stringMatching(/text\/html/) },
      });
    }
  });

  it('shows the last page, without an older link, where the redirect points', async () => {
    const res = await t.http.get(`${postPaths.list}?page=5&limit=10`);

    expect(res.status).toBe(200);
    expect((res.data.match(/<li class="item">/g) ?? []).length).toBe(5);
    expect(res.data).not.toContain('rel="next"');
  });

  it('sends a page past the numbered depth to the cursor listing from there (HTML 303, API 400 naming it)', async () => {
    // limit 3: pages 1..14 skip at most 39 posts; page 15 would skip 42.
    const all = await t.http.get(`${postPaths.api}?limit=100`);
    const page = await t.http.get(`${postPaths.list}?page=15&limit=3`);
    const api = await t.http.get(`${postPaths.api}?page=15&limit=3`);
    const deepest = await t.http.get(`${postPaths.api}?page=14&limit=3`);

    expect(page.status).toBe(303);
    expect(page.headers.location).toMatch(new RegExp(`^${postPaths.list}\\?before=[\\w-]+&limit=3$`));
    const cursorPage = await t.http.get(page.headers.location);
    expect(cursorPage.status).toBe(200);
    // The cursor continues right after the deepest numbered page (page 14, posts 40-42): post 43 is first.
    expect(cursorPage.data).toContain(`${postPaths.detail(all.data.items[42].id)}"`);
    expect(cursorPage.data).not.toContain(`${postPaths.detail(all.data.items[41].id)}"`);
    expect(api.status).toBe(400);
    expect(api.data.fields.page[0]).toContain(`${postPaths.api}?before=`);
    expect(deepest.status).toBe(200);
    expect(deepest.data.last).toBeNull(); // the last page by number lies past the depth
    expect(deepest.data.next).toMatch(/before=/);
  });

  it('offers numbered links only up to the depth', async () => {
    const res = await t.http.get(`${postPaths.list}?page=14&limit=3`);

    expect(res.status).toBe(200);
    expect(res.data).toContain('aria-current="page">14<');
    expect(res.data).not.toContain('page=15&amp;limit=3');
    expect(res.data).toContain('rel="next"');
  });
});
