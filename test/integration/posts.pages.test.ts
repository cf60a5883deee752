import { dbNameFor, startTestServer, suffix, type TestServer } from '../support/http';
import { stopServer } from '../../app/src/server';

// Real containers and real HTTP: allow for slow CI machines.
jest.setTimeout(30_000);

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { headers: { 'content-type': 'application/x-www-form-urlencoded' } };

describe('HTML pages', () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer({ DB_NAME: dbNameFor(__filename), APP_VERSION: '9.9.9-test' });
  });
  afterAll(async () => {
    await stopServer(t.running);
  });

  it('GET / welcomes, links to posts and health, and shows the version', async () => {
    const res = await t.http.get('/');

    expect(res).toMatchObject({
      status: 200,
      headers: { 'content-type': expect.stringMatching(/text\/html/) },
    });
    expect(res.data).toContain('Welcome to the Sparta Test App');
    expect(res.data).toContain('The app is running correctly');
    expect(res.data).toContain('href="/posts"');
    expect(res.data).toContain('href="/healthz"');
    expect(res.data).toContain('href="/readyz"');
    expect(res.data).toContain('9.9.9-test');
  });

  it('sends security headers and no X-Powered-By', async () => {
    const res = await t.http.get('/');

    expect(res.headers).toMatchObject({
      'content-security-policy': expect.stringContaining("script-src 'none'"),
      'x-content-type-options': 'nosniff',
      'x-request-id': expect.any(String),
    });
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('serves the stylesheet', async () => {
    const res = await t.http.get('/public/css/site.css');

    expect(res).toMatchObject({
      status: 200,
      headers: { 'content-type': expect.stringMatching(/text\/css/) },
    });
  });

  it('creates a post through the form: 303 to the post, which is shown and listed first, all escaped', async () => {
    const title = `<script>alert("t")</script> Form ${suffix()}`;
    const body = `<img src=x onerror=alert(1)> & "quotes"`;

    const created = await t.http.post('/posts', form({ title, body, author: 'Form <b>author</b>' }), FORM);
    const location = String(created.headers.location);
    const detail = await t.http.get(location);
    const list = await t.http.get('/posts');

    expect(created.status).toBe(303);
    expect(location).toMatch(/^\/posts\/[0-9a-f]{24}$/);
    expect(detail.status).toBe(200);
    expect(detail.data).toContain('&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt; Form');
    expect(detail.data).toContain('&lt;img src=x onerror=alert(1)&gt; &amp; &#34;quotes&#34;');
    expect(detail.data).toContain('Form &lt;b&gt;author&lt;/b&gt;');
    expect(detail.data).not.toContain('<script>alert');
    expect(detail.data).not.toContain('<img src=x');
    expect(list.status).toBe(200);
    expect(list.data.indexOf(location)).toBeGreaterThan(-1);
    expect(list.data).not.toContain('<script>alert');
  });

  it('GET /posts/new shows the form', async () => {
    const res = await t.http.get('/posts/new');

    expect(res.status).toBe(200);
    expect(res.data).toMatch(/<form method="post" action="\/posts"/);
  });

  it('re-renders the form with 400, field errors and the escaped input on validation errors', async () => {
    const res = await t.http.post(
      '/posts',
      form({ title: '', body: '<b>keep me</b>', author: 'a'.repeat(101) }),
      FORM,
    );

    expect(res.status).toBe(400);
    expect(res.data).toContain('Title is required');
    expect(res.data).toContain('Author must be at most 100 characters');
    expect(res.data).toContain('&lt;b&gt;keep me&lt;/b&gt;');
    expect(res.data).not.toContain('<b>keep me</b>');
  });

  it.each([
    ['an operator-style key', 'title[$gt]=&body=b&author=a', 400],
    ['a malformed percent-encoding', 'title=%E0%A4%A&body=%ZZ&author=a', 303],
  ])('handles a form with %s without a 500', async (_name, raw, status) => {
    const res = await t.http.post('/posts', raw, FORM);

    expect(res.status).toBe(status);
  });

  it('answers 415 to a form post that is not urlencoded and 413 past the body limit', async () => {
    const json = await t.http.post('/posts', { title: 't', body: 'b', author: 'a' });
    const big = await t.http.post(
      '/posts',
      form({ title: 't', body: 'x'.repeat(120 * 1024), author: 'a' }),
      FORM,
    );

    expect(json.status).toBe(415);
    expect(big.status).toBe(413);
    expect(big.data).toContain('413');
  });

  it.each([
    ['an unknown post id', '/posts/507f1f77bcf86cd799439011'],
    ['a malformed post id', '/posts/nope'],
    ['an unknown route', '/no/such/page'],
  ])('answers the 404 page for %s', async (_name, url) => {
    const res = await t.http.get(url);

    expect(res).toMatchObject({
      status: 404,
      headers: { 'content-type': expect.stringMatching(/text\/html/) },
    });
    expect(res.data).toContain('404');
  });

  it('answers 400 (not 500) to a URL with broken percent-encoding', async () => {
    const res = await t.http.get('/posts/%E0%A4%A');

    expect(res.status).toBe(400);
  });

  describe('/fibonacci/:n', () => {
    it('computes fibonacci(10) = 55 (HTML and JSON)', async () => {
      const html = await t.http.get('/fibonacci/10');
      const json = await t.http.get('/fibonacci/10', { headers: { accept: 'application/json' } });

      expect(html.status).toBe(200);
      expect(html.data).toContain('55');
      expect(json).toMatchObject({ status: 200, data: { n: 10, result: 55, ms: expect.any(Number) } });
    });

    it.each(['-1', '39', '1000', '3.5', 'abc'])('answers 400 for n=%s', async (n) => {
      const res = await t.http.get(`/fibonacci/${n}`, { headers: { accept: 'application/json' } });

      expect(res).toMatchObject({ status: 400, data: { error: expect.stringMatching(/0 to 38/) } });
    });

    it('does not block other requests while computing', async () => {
      const order: string[] = [];
      const slow = t.http.get('/fibonacci/38', { headers: { accept: 'application/json' } }).then((r) => {
        order.push('fibonacci');
        return r;
      });
      await new Promise((r) => setTimeout(r, 50));

      const started = Date.now();
      const health = await t.http.get('/healthz');
      const healthMs = Date.now() - started;
      order.push('healthz');
      const done = await slow;

      expect(health.status).toBe(200);
      expect(healthMs).toBeLessThan(1_000);
      expect(order).toEqual(['healthz', 'fibonacci']);
      expect(done).toMatchObject({ status: 200, data: { result: 39_088_169 } });
    });
  });
});
