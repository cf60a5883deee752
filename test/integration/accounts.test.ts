import { stopServer } from '../../app/src/server';
import {
  apiWrite,
  bearer,
  csrfIn,
  registerAccount,
  sessionCookie,
  submitForm,
  type Account,
} from '../support/accounts';
import { dbNameFor, startTestServer, type TestServer } from '../support/http';
import { ownerlessPost, postCollection, postPaths, validPost } from '../support/posts';
import { escapeRegExp } from '../support/regexp';

jest.setTimeout(60_000);

describe('accounts, sessions and who may change a post', () => {
  let t: TestServer;
  let ann: Account;
  let bob: Account;

  beforeAll(async () => {
    t = await startTestServer({ DB_NAME: dbNameFor(__filename) });
    [ann, bob] = await Promise.all([registerAccount(t.http, 'ann'), registerAccount(t.http, 'bob')]);
  });
  afterAll(async () => {
    await stopServer(t.running);
  });

  const login = (username: string, password: string, cookie?: string) =>
    submitForm(t.http, '/login', '/login', { username, password }, cookie);

  it('logs in with a new session id, and logs out for good (the old cookie is dead on the server)', async () => {
    const form = await t.http.get('/login');
    const before = sessionCookie(form);

    const { res, cookie } = await login(ann.username, ann.password);
    const account = await t.http.get('/account', { headers: { cookie: cookie! } });
    const out = await submitForm(t.http, '/account', '/logout', {}, cookie);
    const after = await t.http.get('/account', { headers: { cookie: cookie! } });

    expect(before).toMatch(/^sid=/);
    expect(res.status).toBe(303);
    expect(cookie).toMatch(/^sid=/);
    expect(cookie).not.toBe(before);
    expect(account.status).toBe(200);
    expect(account.data).toContain(ann.name);
    expect(out.res.status).toBe(303);
    expect(after).toMatchObject({ status: 303, headers: { location: '/login?next=%2Faccount' } });
  });

  it('sets the cookie HttpOnly and SameSite=Lax, and Secure when nginx says the request came over HTTPS', async () => {
    const plain = await t.http.get('/login');
    const https = await t.http.get('/login', { headers: { 'x-forwarded-proto': 'https' } });

    const plainCookie = String(plain.headers['set-cookie']);
    expect(plainCookie).toMatch(/HttpOnly/);
    expect(plainCookie).toMatch(/SameSite=Lax/);
    expect(plainCookie).not.toMatch(/Secure/);
    expect(String(https.headers['set-cookie'])).toMatch(/; Secure/);
  });

  it('answers an unknown user and a wrong password alike', async () => {
    const unknown = await login(`nobody-${ann.username}`, 'whatever-password');
    const wrong = await login(ann.username, 'not-the-password');

    expect(unknown.res.status).toBe(401);
    expect(wrong.res.status).toBe(401);
    expect(unknown.res.data).toContain('Wrong username or password.');
    expect(wrong.res.data).toContain('Wrong username or password.');
  });

  it('backs off an account after five failures (429 with Retry-After, even for the right password)', async () => {
    const victim = await registerAccount(t.http, 'victim');
    for (let i = 0; i < 5; i++) expect((await login(victim.username, `wrong-${i}`)).res.status).toBe(401);

    const locked = await login(victim.username, victim.password);
    await new Promise((r) => setTimeout(r, Number(locked.res.headers['retry-after']) * 1000 + 100));
    const later = await login(victim.username, victim.password);

    expect(locked.res.status).toBe(429);
    expect(locked.res.data).toContain('Too many failed attempts');
    expect(Number(locked.res.headers['retry-after'])).toBe(1); // the first step of the backoff
    expect(later.res.status).toBe(303);
  });

  it('backs off per name and client: a stranger who fails cannot lock the owner out, unknown names alike', async () => {
    const owner = await registerAccount(t.http, 'owner');
    const from = (ip: string, username: string, password: string) =>
      submitForm(t.http, '/login', '/login', { username, password }, undefined, { 'x-forwarded-for': ip });
    for (let i = 0; i < 5; i++) await from('198.51.100.7', owner.username, `guess-${i}`);
    for (let i = 0; i < 5; i++) await from('198.51.100.7', `nobody-${owner.username}`, `guess-${i}`);

    const stranger = await from('198.51.100.7', owner.username, owner.password);
    const unknown = await from('198.51.100.7', `nobody-${owner.username}`, 'whatever-password');
    const theOwner = await from('203.0.113.9', owner.username, owner.password);

    expect(stranger.res.status).toBe(429);
    expect(unknown.res.status).toBe(429); // the same answer as for a real name
    expect(theOwner.res.status).toBe(303);
  });

  it('refuses API tokens of the wrong shape without hashing, and wrong secrets after hashing (401 both)', async () => {
    const [id] = ann.token.split('_').slice(1);
    const shapes = ['nope', `pat_${id}_${'x'.repeat(43)}`, `pat_${'0'.repeat(24)}_${'y'.repeat(43)}`];

    const answers = await Promise.all(
      shapes.map((token) =>
        t.http.post(postPaths.api, validPost('Bad'), { headers: { authorization: `Bearer ${token}` } }),
      ),
    );

    expect(answers.map((a) => a.status)).toEqual([401, 401, 401]);
  });

  it("refuses a form without its CSRF token, or with another session's", async () => {
    const other = await t.http.get('/login');
    const body = (token?: string) =>
      new URLSearchParams({ ...validPost('x'), ...(token ? { _csrf: token } : {}) }).toString();
    const headers = { 'content-type': 'application/x-www-form-urlencoded', cookie: ann.cookie };

    const none = await t.http.post(postPaths.list, body(), { headers });
    const foreign = await t.http.post(postPaths.list, body(csrfIn(other.data)), { headers });

    expect(none.status).toBe(403);
    expect(foreign.status).toBe(403);
  });

  it('sends anonymous visitors of a form page to log in, and back afterwards', async () => {
    const res = await t.http.get(postPaths.newForm);

    expect(res).toMatchObject({
      status: 303,
      headers: { location: `/login?next=${encodeURIComponent(postPaths.newForm)}` },
    });
  });

  it('never lets a cache keep a signed-in page; anonymous pages set no cookie', async () => {
    const signedIn = await t.http.get(postPaths.list, { headers: { cookie: ann.cookie } });
    const anonymous = await t.http.get(postPaths.list);

    expect(signedIn.headers['cache-control']).toBe('private, no-store');
    expect(signedIn.data).toContain(ann.name);
    expect(anonymous.headers['set-cookie']).toBeUndefined();
    expect(anonymous.headers['cache-control'] ?? '').not.toMatch(/private|no-store/);
  });

  it('writes a post through the pages as its owner, who may edit it; others may not', async () => {
    const created = await submitForm(
      t.http,
      postPaths.newForm,
      postPaths.list,
      { ...validPost('Owned') },
      ann.cookie,
    );
    const path = created.res.headers.location as string;
    const id = path.split('/').pop()!;

    const asOwner = await t.http.get(path, { headers: { cookie: ann.cookie } });
    const asBob = await t.http.get(path, { headers: { cookie: bob.cookie } });
    const bobEdits = await t.http.get(postPaths.edit(id), { headers: { cookie: bob.cookie } });

    expect(created.res.status).toBe(303);
    expect(asOwner.data).toContain(`>${ann.name}</a>`);
    expect(asOwner.data).toContain(`href="${postPaths.edit(id)}"`);
    expect(asBob.data).not.toContain(`href="${postPaths.edit(id)}"`);
    expect(bobEdits.status).toBe(403);
  });

  it('edits through the form, and tells the second of two editors that the post changed', async () => {
    const { data: post } = await t.http.post(postPaths.api, validPost('Two tabs'), {
      headers: apiWrite(ann),
    });
    const tab1 = await t.http.get(postPaths.edit(post.id), { headers: { cookie: ann.cookie } });
    const tab2 = await t.http.get(postPaths.edit(post.id), { headers: { cookie: ann.cookie } });
    const save = (html: string, title: string) =>
      t.http.post(
        postPaths.edit(post.id),
        new URLSearchParams({
          _csrf: csrfIn(html),
          version: /name="version" value="(\d+)"/.exec(html)![1]!,
          ...validPost('Save', { title }),
        }).toString(),
        { headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: ann.cookie } },
      );

    const first = await save(tab1.data, 'First save');
    const second = await save(tab2.data, 'Second save');
    const stored = await t.http.get(postPaths.apiItem(post.id));

    expect(first).toMatchObject({ status: 303, headers: { location: postPaths.detail(post.id) } });
    expect(second.status).toBe(409);
    expect(second.data).toMatch(/<div class="errors" role="alert"><p>Someone changed this/);
    expect(second.data).toContain('name="version" value="1"');
    expect(stored.data).toMatchObject({ title: 'First save', version: 1, author: ann.name });
    expect(new Date(stored.data.updatedAt).getTime()).toBeGreaterThan(
      new Date(stored.data.createdAt).getTime(),
    );
  });

  it('deletes through the confirmation form', async () => {
    const { data: post } = await t.http.post(postPaths.api, validPost('To delete'), {
      headers: apiWrite(ann),
    });

    const { res } = await submitForm(
      t.http,
      postPaths.remove(post.id),
      postPaths.remove(post.id),
      { version: '0' },
      ann.cookie,
    );
    const after = await t.http.get(postPaths.apiItem(post.id));

    expect(res).toMatchObject({ status: 303, headers: { location: postPaths.list } });
    expect(after.status).toBe(404);
  });

  describe('JSON API writes', () => {
    it('needs a token: 401 without one, with a bad one, and with only a session cookie', async () => {
      const none = await t.http.post(postPaths.api, validPost('No token'));
      const bad = await t.http.post(postPaths.api, validPost('Bad token'), {
        headers: { authorization: 'Bearer pat_nope' },
      });
      const cookieOnly = await t.http.post(postPaths.api, validPost('Cookie'), {
        headers: { cookie: ann.cookie },
      });

      for (const res of [none, bad, cookieOnly]) {
        expect(res.status).toBe(401);
        expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      }
    });

    it("creates as the token's owner, whatever author the body names", async () => {
      const res = await t.http.post(
        postPaths.api,
        { ...validPost('Mine'), author: 'Someone else' },
        { headers: apiWrite(ann) },
      );

      expect(res).toMatchObject({ status: 201, data: { author: ann.name }, headers: { etag: '"v0"' } });
    });

    it('changes with If-Match only: 428 without, 412 when stale, 200 with the current ETag', async () => {
      const { data: post } = await t.http.post(postPaths.api, validPost('Versioned'), {
        headers: apiWrite(ann),
      });
      const read = await t.http.get(postPaths.apiItem(post.id));

      const without = await t.http.patch(
        postPaths.apiItem(post.id),
        { title: 'x' },
        { headers: apiWrite(ann) },
      );
      const ok = await t.http.patch(
        postPaths.apiItem(post.id),
        { title: 'Changed' },
        { headers: { ...apiWrite(ann), 'if-match': read.headers.etag } },
      );
      const stale = await t.http.patch(
        postPaths.apiItem(post.id),
        { title: 'Again' },
        { headers: { ...apiWrite(ann), 'if-match': read.headers.etag } },
      );
      const staleDelete = await t.http.delete(postPaths.apiItem(post.id), {
        headers: { ...bearer(ann), 'if-match': read.headers.etag },
      });
      const deleted = await t.http.delete(postPaths.apiItem(post.id), {
        headers: { ...bearer(ann), 'if-match': ok.headers.etag },
      });

      expect(read.headers.etag).toBe('"v0"');
      expect(without.status).toBe(428);
      expect(ok).toMatchObject({
        status: 200,
        data: { title: 'Changed', version: 1 },
        headers: { etag: '"v1"' },
      });
      expect(stale.status).toBe(412);
      expect(staleDelete.status).toBe(412);
      expect(deleted.status).toBe(204);
      expect((await t.http.get(postPaths.apiItem(post.id))).status).toBe(404);
    });

    it("never lets user B change user A's post (403), and answers 404 for a post that is not there", async () => {
      const { data: post } = await t.http.post(postPaths.api, validPost('Ann only'), {
        headers: apiWrite(ann),
      });
      const ifMatch = { 'if-match': '"v0"' };

      const patch = await t.http.patch(
        postPaths.apiItem(post.id),
        { title: 'Bob was here' },
        { headers: { ...apiWrite(bob), ...ifMatch } },
      );
      const del = await t.http.delete(postPaths.apiItem(post.id), {
        headers: { ...bearer(bob), ...ifMatch },
      });
      const missing = await t.http.delete(postPaths.apiItem('0123456789abcdef01234567'), {
        headers: { ...bearer(bob), ...ifMatch },
      });

      expect([patch.status, del.status, missing.status]).toEqual([403, 403, 404]);
      expect((await t.http.get(postPaths.apiItem(post.id))).data.title).toBe(post.title);
    });

    it('stops accepting a token once it is revoked on the account page', async () => {
      const before = await t.http.post(postPaths.api, validPost('Before revoke'), { headers: apiWrite(bob) });
      const page = await t.http.get('/account', { headers: { cookie: bob.cookie } });
      const action = /action="(\/account\/tokens\/[0-9a-f]{24}\/revoke)"/.exec(page.data)![1]!;

      const revoked = await t.http.post(
        action,
        new URLSearchParams({ _csrf: csrfIn(page.data) }).toString(),
        {
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: bob.cookie },
        },
      );
      const after = await t.http.post(postPaths.api, validPost('After revoke'), { headers: apiWrite(bob) });

      expect(before.status).toBe(201);
      expect(revoked.status).toBe(303);
      expect(after.status).toBe(401);
      bob = await registerAccount(t.http, 'bob'); // later tests need a working Bob
    });
  });

  it('keeps posts without an owner readable, and changeable by an admin only', async () => {
    const db = t.running.db.connection.db!;
    const { insertedId } = await db.collection(postCollection).insertOne(ownerlessPost('Seeded'));
    const id = String(insertedId);
    const admin = await registerAccount(t.http, 'admin');
    await db.collection('users').updateOne({ username: admin.username }, { $set: { role: 'admin' } });
    const change = (account: Account) =>
      t.http.patch(
        postPaths.apiItem(id),
        { title: `By ${account.name}` },
        { headers: { ...apiWrite(account), 'if-match': '"v0"' } },
      );

    const read = await t.http.get(postPaths.detail(id));
    const byAnn = await change(ann);
    const byAdmin = await change(admin);

    expect(read.status).toBe(200);
    expect(byAnn.status).toBe(403);
    expect(byAdmin).toMatchObject({ status: 200, data: { title: `By ${admin.name}`, version: 1 } });
  });

  it("lists one author's posts (?author=), page by page, in the pages and the API", async () => {
    const writer = await registerAccount(t.http, 'author');
    const mine: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await t.http.post(postPaths.api, validPost(`Mine ${i}`), { headers: apiWrite(writer) });
      mine.unshift(res.data.id); // newest first, as listed
    }
    await t.http.post(postPaths.api, validPost('Not mine'), { headers: apiWrite(ann) });
    const owner = (await t.http.get(postPaths.apiItem(mine[0]!))).data.owner as string;

    const seen: string[] = [];
    let next: string | null = `${postPaths.api}?author=${owner}&limit=2`;
    while (next) {
      const page: { data: { items: { id: string }[]; next: string | null; total: number } } =
        await t.http.get(next);
      seen.push(...page.data.items.map((p) => p.id));
      expect(page.data.total).toBe(5);
      next = page.data.next;
      if (next) expect(next).toContain(`author=${owner}`);
    }
    const html = await t.http.get(`${postPaths.list}?author=${owner}`);
    const bad = await t.http.get(`${postPaths.api}?author=nobody`);

    expect(seen).toEqual(mine);
    expect(html.data).toMatch(new RegExp(`<h1>\\w+ by ${escapeRegExp(writer.name)}</h1>`));
    expect(html.data).not.toContain('Not mine');
    expect(bad).toMatchObject({ status: 400, data: { fields: { author: [expect.any(String)] } } });
  });

  it('refuses registration when REGISTRATION=closed', async () => {
    const closed = await startTestServer({ DB_NAME: dbNameFor(__filename), REGISTRATION: 'closed' });
    try {
      expect((await closed.http.get('/register')).status).toBe(403);
      expect((await closed.http.get('/login')).status).toBe(200);
    } finally {
      await stopServer(closed.running);
    }
  });
});
