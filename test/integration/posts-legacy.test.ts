import { resource, type ResourceModel } from '../../app/src/resource';
import { stopServer } from '../../app/src/server';
import { dbNameFor, startTestServer, type TestServer } from '../support/http';
import { inputOf, postFields, postPaths } from '../support/posts';
import { datedPost, legacyPost, listingOrder, walkCursor, type RawPost } from '../support/posts-listing';

jest.setTimeout(120_000);

/**
 * Documents written by the original app have the client's fields only: no author, no createdAt/updatedAt.
 * They are inserted here with the driver (Mongoose would add the timestamps) and must list and open.
 */
describe('posts written by the original app', () => {
  let t: TestServer;
  let Post: ResourceModel;
  const dated = Array.from({ length: 7 }, (_, i) =>
    datedPost(`dated ${i}`, new Date(Date.UTC(2024, 1, 1) - i * 1000)),
  );
  const legacy = Array.from({ length: 5 }, (_, i) => legacyPost(`legacy ${i}`));
  const all: RawPost[] = [...dated, ...legacy];

  beforeAll(async () => {
    t = await startTestServer({ DB_NAME: dbNameFor(__filename) });
    Post = resource.model(t.running.db.connection);
    await Post.collection.deleteMany({});
    await Post.collection.insertMany(all);
    const stored = await Post.collection.findOne({ _id: legacy[0]!._id });
    expect(Object.keys(stored!).sort()).toEqual(['_id', ...postFields].sort());
  });
  afterAll(async () => {
    if (t) await stopServer(t.running);
  });

  it('lists them after the dated posts (a missing createdAt sorts last, as MongoDB sorts it)', async () => {
    const res = await t.http.get(`${postPaths.api}?limit=100`);

    expect(res.status).toBe(200);
    expect(res.data.items.map((p: { id: string }) => p.id)).toEqual(listingOrder(all));
    const oldest = res.data.items.at(-1);
    const oldestDoc = all.find((doc) => doc._id.toHexString() === oldest.id)!;
    expect(oldest).toMatchObject({ id: oldest.id, ...inputOf(oldestDoc), version: 0 });
    expect(oldest).not.toHaveProperty('author');
    expect(oldest).not.toHaveProperty('createdAt');
    expect(oldest.title).toMatch(/^legacy/);
  });

  it.each([1, 2, 3, 6, 7, 8, 11])('walks into and through them by cursor (limit %i)', async (limit) => {
    const pages = await walkCursor(t.http, `${postPaths.api}?limit=${limit}`);

    expect(pages.flat()).toEqual(listingOrder(all));
  });

  it('renders the HTML list and every page of it, without author or date for them', async () => {
    const list = await t.http.get(`${postPaths.list}?limit=100`);
    const lastPage = await t.http.get(`${postPaths.list}?page=3&limit=5`);

    expect(list.status).toBe(200);
    for (const doc of all) expect(list.data).toContain(`href="${postPaths.detail(doc._id.toHexString())}"`);
    expect(lastPage.status).toBe(200);
    expect(lastPage.data).toContain('legacy');
    expect(lastPage.data).not.toContain('by undefined');
    expect(lastPage.data).not.toContain('Invalid Date');
  });

  it('opens each one as a page and through the API', async () => {
    for (const doc of legacy) {
      const id = doc._id.toHexString();
      const page = await t.http.get(postPaths.detail(id));
      const api = await t.http.get(postPaths.apiItem(id));

      expect(page.status).toBe(200);
      expect(page.data).toContain(`<h1>${doc.title}</h1>`);
      expect(page.data).not.toContain('by undefined');
      expect(api).toMatchObject({ status: 200, data: { id, ...inputOf(doc) } });
      expect(api.data).not.toHaveProperty('author');
      expect(api.data).not.toHaveProperty('createdAt');
    }
  });
});
