import { stopServer } from '../../app/src/server';
import { dbNameFor, startTestServer, type TestServer } from '../support/http';
import { apiWrite, registerAccount, type Account } from '../support/accounts';
import { postPaths, validPost, withLongText } from '../support/posts';

// Conditional GETs: every page and API answer carries an ETag, and a client (or nginx) that sends it back
// with If-None-Match gets 304 without the body while nothing changed, and 200 with the new body once it did.
jest.setTimeout(60_000);

describe('ETag and If-None-Match', () => {
  let t: TestServer;
  let id: string;
  let writer: Account;

  beforeAll(async () => {
    t = await startTestServer({ DB_NAME: dbNameFor(__filename) });
    writer = await registerAccount(t.http, 'etag');
    id = (await t.http.post(postPaths.api, validPost('Conditional'), { headers: apiWrite(writer) })).data.id;
  });
  afterAll(async () => {
    await stopServer(t.running);
  });

  const paths = () => ['/', postPaths.list, postPaths.detail(id), postPaths.api, postPaths.apiItem(id)];

  it('sends an ETag with every page and API answer, and 304 with no body for a matching If-None-Match', async () => {
    for (const path of paths()) {
      const first = await t.http.get(path);
      const again = await t.http.get(path, { headers: { 'if-none-match': first.headers.etag } });

      expect({ path, status: first.status, etag: first.headers.etag }).toEqual({
        path,
        status: 200,
        // Weak (a hash of the body) everywhere but a post in the API: its strong version tag (If-Match).
        etag: path === postPaths.apiItem(id) ? '"v0"' : expect.stringMatching(/^W\/".+"$/),
      });
      expect({ path, status: again.status, body: again.data }).toEqual({ path, status: 304, body: '' });
    }
  });

  it('answers 200 with the new content once the listing changed', async () => {
    const before = await t.http.get(postPaths.api);

    await t.http.post(postPaths.api, validPost('Newer'), { headers: apiWrite(writer) });
    const after = await t.http.get(postPaths.api, { headers: { 'if-none-match': before.headers.etag } });

    expect(after.status).toBe(200);
    expect(after.headers.etag).not.toBe(before.headers.etag);
  });

  it('compresses only when asked, and never an answer under a strong ETag', async () => {
    const long = withLongText(validPost('Compressed'), 5_000);
    const item = (await t.http.post(postPaths.api, long, { headers: apiWrite(writer) })).data.id as string;
    const get = (path: string, encoding: string) =>
      t.http.get(path, { headers: { 'accept-encoding': encoding }, decompress: false });

    const [gzip, plain] = [await get(postPaths.list, 'gzip'), await get(postPaths.list, 'identity')];
    const strong = await get(postPaths.apiItem(item), 'gzip');
    const weak = await get(postPaths.detail(item), 'gzip');

    expect([gzip.headers['content-encoding'], plain.headers['content-encoding']]).toEqual([
      'gzip',
      undefined,
    ]);
    expect([strong.headers.etag, strong.headers['content-encoding']]).toEqual(['"v0"', undefined]);
    expect(strong.headers.vary).toBe('Accept-Encoding'); // nginx compresses it, and adds no Vary of its own
    expect([weak.headers.etag, weak.headers['content-encoding']]).toEqual([
      expect.stringMatching(/^W\//),
      'gzip',
    ]);
  });
});
