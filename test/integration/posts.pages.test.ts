import { stopServer } from '../../app/src/server';
import { dbNameFor, startTestServer, suffix, type TestServer } from '../support/http';
import { formSession, registerAccount, type Account, type FormSession } from '../support/accounts';
import {
  postDetailPattern,
  postPaths,
  postTextField,
  validPost,
  withLongText,
  withText,
} from '../support/posts';
import { welcomeText } from '../support/product';

// Real containers and real HTTP: allow for slow CI machines.
jest.setTimeout(30_000);

describe('HTML pages', () => {
  let t: TestServer;
  let author: Account;
  /** The signed-in author's cookie and CSRF token, as the new-post form sends them. */
  let form: FormSession;
  let FORM: FormSession['options'];

  beforeAll(async () => {
    t = await startTestServer({ DB_NAME: dbNameFor(__filename), APP_VERSION: '9.9.9-test' });
    author = await registerAccount(t.http, 'pages');
    form = await formSession(t.http, author, postPaths.newForm);
    FORM = form.options;
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
    expect(res.data).toContain(welcomeText);
    expect(res.data).toContain('The app is running correctly');
    expect(res.data).toContain(`href="${postPaths.list}"`);
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

    const created = await t.http.post(
      postPaths.list,
      form.body({ ...withText(validPost('Form', { title }), body), author: 'Someone <b>else</b>' }),
      FORM,
    );
    const location = String(created.headers.location);
    const detail = await t.http.get(location);
    const list = await t.http.get(postPaths.list);

    expect(created.status).toBe(303);
    expect(location).toMatch(postDetailPattern);
    expect(detail.status).toBe(200);
    expect(detail.data).toContain('&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt; Form');
    expect(detail.data).toContain('&lt;img src=x onerror=alert(1)&gt; &amp; &#34;quotes&#34;');
    expect(detail.data).toContain(`>${author.name}</a>`);
    expect(detail.data).not.toContain('Someone');
    expect(detail.data).not.toContain('<script>alert');
    expect(detail.data).not.toContain('<img src=x');
    expect(list.status).toBe(200);
    expect(list.data.indexOf(location)).toBeGreaterThan(-1);
    expect(list.data).not.toContain('<script>alert');
  });

  it('GET the new-post page shows the form to a signed-in author', async () => {
    const res = await t.http.get(postPaths.newForm, { headers: { cookie: author.cookie } });

    expect(res.status).toBe(200);
    expect(res.data).toContain(`<form method="post" action="${postPaths.list}"`);
  });

  it('re-renders the form with 400, field errors and the escaped input on validation errors', async () => {
    const res = await t.http.post(
      postPaths.list,
      form.body({ ...withText(validPost('Invalid', { title: '' }), '<b>keep me</b>') }),
      FORM,
    );

    expect(res.status).toBe(400);
    expect(res.data).toContain('Title is required');
    expect(res.data).toContain('&lt;b&gt;keep me&lt;/b&gt;');
    expect(res.data).not.toContain('<b>keep me</b>');
  });

  it.each([
    ['an operator-style key', `title[$gt]=&${postTextField}=b`, 400],
    ['a malformed percent-encoding', `title=%E0%A4%A&${postTextField}=%ZZ`, 303],
  ])('handles a form with %s without a 500', async (_name, raw, status) => {
    const res = await t.http.post(postPaths.list, `${raw}&_csrf=${encodeURIComponent(form.csrf)}`, FORM);

    expect(res.status).toBe(status);
  });

  it('answers 415 to a form post that is not urlencoded and 413 past the body limit', async () => {
    const json = await t.http.post(postPaths.list, validPost('JSON to the form route'), {
      headers: { cookie: author.cookie },
    });
    const big = await t.http.post(
      postPaths.list,
      form.body({ ...withLongText(validPost('Too big'), 120 * 1024) }),
      FORM,
    );

    expect(json.status).toBe(415);
    expect(big.status).toBe(413);
    expect(big.data).toContain('413');
  });

  it.each([
    ['an unknown post id', postPaths.detail('507f1f77bcf86cd799439011')],
    ['a malformed post id', postPaths.detail('nope')],
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
    const res = await t.http.get(postPaths.detail('%E0%A4%A'));

    expect(res.status).toBe(400);
  });
});
