import { dbNameFor, startTestServer, httpClient, suffix, type TestServer } from '../support/http';
import { stopServer } from '../../app/src/server';
import type { AxiosInstance } from 'axios';
import { apiClientFor, registerAccount, type Account } from '../support/accounts';
import { postPaths, validPost, withLongText } from '../support/posts';

// Real containers and real HTTP: allow for slow CI machines.
jest.setTimeout(30_000);

describe('JSON API /api/posts', () => {
  let t: TestServer;
  /** Writes as a registered account, with its API token. */
  let api: AxiosInstance;
  let author: Account;

  beforeAll(async () => {
    t = await startTestServer({ DB_NAME: dbNameFor(__filename) });
    author = await registerAccount(t.http, 'api');
    api = apiClientFor(t.running.url, author);
  });
  afterAll(async () => {
    await stopServer(t.running);
  });

  it('creates a post (201 + Location) that can be read back and is listed first', async () => {
    const input = validPost('API post');

    const created = await api.post(postPaths.api, input);
    const read = await t.http.get(postPaths.apiItem(created.data.id));
    const list = await t.http.get(`${postPaths.api}?limit=5`);

    expect(created).toMatchObject({
      status: 201,
      headers: { location: postPaths.apiItem(created.data.id) },
      data: {
        ...input,
        author: author.name,
        version: 0,
        id: expect.stringMatching(/^[0-9a-f]{24}$/),
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      },
    });
    expect(read).toMatchObject({ status: 200, data: { id: created.data.id, ...input } });
    expect(list).toMatchObject({
      status: 200,
      data: { page: 1, limit: 5, total: expect.any(Number), pages: expect.any(Number) },
    });
    expect(list.data.items[0]).toMatchObject({ id: created.data.id, title: input.title });
  });

  it('trims fields and ignores unknown ones such as _id or createdAt', async () => {
    const title = `  Trim ${suffix()}  `;

    const res = await api.post(postPaths.api, {
      ...validPost('Trim', { title }),
      _id: '507f1f77bcf86cd799439011',
      createdAt: '2000-01-01',
    });

    expect(res).toMatchObject({ status: 201, data: { title: title.trim() } });
    expect(res.data.id).not.toBe('507f1f77bcf86cd799439011');
    expect(new Date(res.data.createdAt).getFullYear()).toBeGreaterThan(2000);
  });

  it('answers 400 with field errors for invalid input', async () => {
    const res = await api.post(postPaths.api, withLongText(validPost('Invalid', { title: '' }), 10_001));

    expect(res).toMatchObject({
      status: 400,
      data: { error: 'Validation failed', fields: { title: [expect.any(String)] } },
    });
    const otherField = Object.keys(res.data.fields).find((field) => field !== 'title');
    expect(res.data.fields[otherField!]).toEqual([expect.stringMatching(/10000/)]);
  });

  it.each([
    ['operator object in a field', { ...validPost('Operator'), title: { $gt: '' } }],
    ['operator as the whole body', { $where: 'sleep(1000)' }],
    ['array body', [validPost('Array')]],
  ])('rejects %s with 400, never 500', async (_name, payload) => {
    const res = await api.post(postPaths.api, payload);

    expect(res).toMatchObject({ status: 400, data: { error: expect.any(String) } });
  });

  it('answers 400 for malformed JSON and for a JSON body that is not an object', async () => {
    const malformed = await api.post(postPaths.api, '{"title": "oops"', {
      headers: { 'content-type': 'application/json' },
    });
    const scalar = await api.post(postPaths.api, '"just a string"', {
      headers: { 'content-type': 'application/json' },
    });

    expect(malformed).toMatchObject({ status: 400, data: { error: 'Malformed request body' } });
    expect(scalar).toMatchObject({ status: 400 });
  });

  it('answers 400 for a body that is not valid UTF-8', async () => {
    const bytes = Buffer.concat([
      Buffer.from(JSON.stringify(validPost('bad')).slice(0, -2)),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}'),
    ]);

    const res = await api.post(postPaths.api, bytes, { headers: { 'content-type': 'application/json' } });

    expect(res).toMatchObject({ status: 400, data: { error: 'Request body is not valid UTF-8' } });
  });

  it('answers 413 past the body limit (100kb)', async () => {
    const res = await api.post(postPaths.api, withLongText(validPost('Too big'), 120 * 1024));

    expect(res).toMatchObject({ status: 413, data: { error: 'Request body is too large' } });
  });

  it('answers 415 for a body that is not JSON', async () => {
    const res = await api.post(postPaths.api, 'title=x', { headers: { 'content-type': 'text/plain' } });

    expect(res).toMatchObject({ status: 415, data: { error: expect.stringMatching(/application\/json/) } });
  });

  it.each([
    ['an unknown id', postPaths.apiItem('507f1f77bcf86cd799439011')],
    ['a malformed id', postPaths.apiItem('not-an-id')],
    ['an operator as id', postPaths.apiItem(encodeURIComponent('{"$gt":""}'))],
    ['an unknown API route', '/api/nothing-here'],
  ])('answers 404 JSON for %s', async (_name, url) => {
    const res = await t.http.get(url);

    expect(res).toMatchObject({
      status: 404,
      headers: { 'content-type': expect.stringMatching(/json/) },
      data: { error: expect.any(String) },
    });
  });

  it.each([
    ['page[$gt]=', 200],
    ['limit[$ne]=1', 200],
    ['page=1&page=2', 400],
    ['page=abc', 400],
    ['limit=-5', 400],
    ['before[$gt]=', 200],
    ['before=a&before=b', 400],
    ['before=%00', 400],
  ])('handles query ?%s without a 500 (%i)', async (qs, status) => {
    const res = await t.http.get(`${postPaths.api}?${qs}`);

    expect(res.status).toBe(status);
    if (status === 400)
      expect(res.data).toMatchObject({ error: expect.any(String), fields: expect.any(Object) });
  });

  it('echoes a safe X-Request-ID and replaces an unsafe one', async () => {
    const safe = await t.http.get('/healthz', { headers: { 'x-request-id': 'abc123def456' } });
    const unsafe = await t.http.get('/healthz', { headers: { 'x-request-id': 'evil id <script>' } });

    expect(safe.headers['x-request-id']).toBe('abc123def456');
    expect(unsafe.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('is reachable through a fresh client too (no state kept in the test client)', async () => {
    const res = await httpClient(t.running.url).get('/readyz');

    expect(res).toMatchObject({ status: 200, data: { status: 'ready', db: 'connected' } });
  });
});
