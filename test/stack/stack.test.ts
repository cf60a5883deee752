import { randomUUID } from 'node:crypto';
import { PRODUCT } from '../../app/src/product';
import { containerLogs, docker, inspect, jsonLines } from '../support/docker';
import { escapeHtml } from '../support/html';
import { httpClient, uncached } from '../support/http';
import { accountPerSite, apiWrite, submitForm } from '../support/accounts';
import { postCollection, postPaths, validPost, withLongText } from '../support/posts';
import { welcomeText } from '../support/product';
import { useStack } from '../support/stack';
import { eventually } from '../support/wait';

jest.setTimeout(300_000);

const flavor = process.env.MONGO_IMAGE ?? 'mongo';
const stack = useStack({ label: 'stack' });
const http = () => httpClient(stack.current.baseUrl);

const writer = accountPerSite('stack');

/** Creates a post through the HTML form, signed in, as a browser would; returns its detail page path. */
async function createPostThroughForm(title: string): Promise<string> {
  const account = await writer(stack.current.baseUrl);
  const fields = { ...validPost('Stack', { title }) };
  const { res } = await submitForm(http(), postPaths.newForm, postPaths.list, fields, account.cookie);
  expect(res.status).toBe(303);
  return String(res.headers.location);
}

const uniqueTitle = (label: string) => validPost(label).title;

describe('startup', () => {
  it('starts app only after mongo_db is healthy, and nginx once the app has started', async () => {
    // Arrange: the stack's docker events, recorded from just before its `up`, with their timestamps.
    const events = stack.current.events();
    const firstTime = (service: string, status: string) =>
      events.find((e) => e.Actor.Attributes['com.docker.compose.service'] === service && e.status === status)
        ?.timeNano;

    // Assert
    const mongoHealthy = firstTime('mongo_db', 'health_status: healthy');
    const appStarted = firstTime('app', 'start');
    const appHealthy = firstTime('app', 'health_status: healthy');
    const nginxStarted = firstTime('nginx', 'start');
    // Named, so a missing event says which one.
    expect({ mongoHealthy, appStarted, appHealthy, nginxStarted }).toEqual({
      mongoHealthy: expect.any(Number),
      appStarted: expect.any(Number),
      appHealthy: expect.any(Number),
      nginxStarted: expect.any(Number),
    });
    expect(appStarted!).toBeGreaterThan(mongoHealthy!);
    // nginx needs the app's name to exist, not its health: until a replica is ready it serves its 50x page.
    expect(nginxStarted!).toBeGreaterThan(appStarted!);
  });
});

describe('pages through nginx', () => {
  it('renders the welcome page', async () => {
    const response = await http().get('/');

    expect(response.status).toBe(200);
    expect(response.data).toContain(welcomeText);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers.server).toBe('nginx');
  });

  it('renders the seeded posts on /posts', async () => {
    const api = await http().get(`${postPaths.api}?limit=5`);
    expect(api.status).toBe(200);
    expect(api.data.total).toBeGreaterThanOrEqual(30);

    const page = await http().get(postPaths.list);

    expect(page.status).toBe(200);
    for (const post of api.data.items as { title: string }[]) {
      expect(page.data).toContain(escapeHtml(post.title));
    }
  });

  it('shows a post created through nginx to its author at once, and to everyone within about a second', async () => {
    const title = uniqueTitle('Created through nginx');

    const location = await createPostThroughForm(title);
    const account = await writer(stack.current.baseUrl);
    const detail = await http().get(location);
    const mine = await http().get(postPaths.list, { headers: { cookie: account.cookie } });
    const started = Date.now();
    const anonymous = await eventually(
      async () => {
        const r = await http().get(postPaths.list);
        expect(r.data).toContain(escapeHtml(title));
        return r;
      },
      { timeoutMs: 5_000, everyMs: 100 },
    );

    console.log(
      `[stack] a new post reached the anonymous (micro-cached) list after ${Date.now() - started} ms`,
    );
    expect(detail.status).toBe(200);
    expect(detail.data).toContain(escapeHtml(title));
    expect(mine.data).toContain(escapeHtml(title));
    expect(anonymous.status).toBe(200);
  });

  it('answers anonymous readers from a one-second micro-cache: signed-in readers and errors never', async () => {
    const account = await writer(stack.current.baseUrl);
    const page = `${postPaths.list}?limit=7`;
    const api = `${postPaths.api}?limit=7`;
    const status = (r: { headers: Record<string, unknown> }) => r.headers['x-cache-status'];

    const [first, second] = [await http().get(page), await http().get(page)];
    const [apiFirst, apiSecond] = [await http().get(api), await http().get(api)];
    const signedIn = await http().get(page, { headers: { cookie: account.cookie } });
    const withToken = await http().get(api, { headers: apiWrite(account) });
    const long = await http().get(postPaths.detail('x'.repeat(3_000))); // too long to key: not cached, not a 502
    const [bad, badAgain] = [
      await http().get(`${postPaths.list}?page=x`),
      await http().get(`${postPaths.list}?page=x`),
    ];

    expect([status(first), status(second)]).toEqual([expect.stringMatching(/^(MISS|EXPIRED)$/), 'HIT']);
    expect(second.data).toBe(first.data);
    expect(second.headers['x-content-type-options']).toBe('nosniff'); // the stored one, not one more of nginx's
    expect(status(apiSecond)).toBe('HIT');
    expect(apiSecond.headers['content-type']).toMatch(/json/); // HTML and JSON never share an entry
    expect(status(apiFirst)).not.toBe('HIT');
    expect(status(signedIn)).toBe('BYPASS');
    expect(signedIn.headers['cache-control']).toBe('private, no-store');
    expect(signedIn.data).toContain(account.name);
    expect(second.data).not.toContain('href="/account"'); // the anonymous header, never someone's
    expect(status(withToken)).toBe('BYPASS');
    expect([bad.status, badAgain.status]).toEqual([400, 400]);
    expect(status(badAgain)).not.toBe('HIT');
    expect([long.status, status(long)]).toEqual([404, undefined]);
  });

  it('keeps a gzipped and a plain copy of each page: a client only ever gets an encoding it takes', async () => {
    const account = await writer(stack.current.baseUrl);
    // Unknown query keys are ignored by the app but part of the cache key: this test's own entries.
    const page = `${postPaths.list}?limit=9&t=${randomUUID()}`;
    const get = (encoding: string, headers: Record<string, string> = {}) =>
      http().get(page, { headers: { 'Accept-Encoding': encoding, ...headers }, decompress: false });
    const summary = (r: { headers: Record<string, unknown> }) => [
      r.headers['content-encoding'],
      r.headers['x-cache-status'],
    ];

    // Two browsers' lists: one gzipped copy serves both.
    const [gzipFirst, gzipSecond] = [await get('gzip, deflate, br'), await get('gzip, br, zstd')];
    const [plainFirst, plainSecond] = [await get('identity'), await get('identity')];
    const refused = await get('gzip;q=0, br');
    const signedIn = await get('gzip', { cookie: account.cookie });
    const css = await http().get('/public/css/site.css');
    const long = withLongText(validPost('Gzip'), 2_000);
    const created = await http().post(postPaths.api, long, { headers: apiWrite(account) });
    expect(created.status).toBe(201);
    const id = created.data.id as string;
    const item = await http().get(postPaths.apiItem(id), {
      headers: { 'Accept-Encoding': 'gzip', ...uncached },
      decompress: false,
    });

    expect(summary(gzipFirst)).toEqual(['gzip', expect.stringMatching(/^(MISS|EXPIRED)$/)]);
    expect(summary(gzipSecond)).toEqual(['gzip', 'HIT']);
    expect(summary(plainFirst)).toEqual([undefined, 'MISS']); // its own entry, not the gzipped one
    expect(summary(plainSecond)).toEqual([undefined, 'HIT']);
    expect(String(plainSecond.data)).toContain('</html>');
    expect(refused.headers['content-encoding']).toBeUndefined();
    expect(summary(signedIn)).toEqual(['gzip', 'BYPASS']); // compressed by nginx, never kept
    expect([gzipSecond, plainSecond, signedIn].map((r) => r.headers.vary)).toEqual(
      Array(3).fill('Accept-Encoding'), // once: the app's, not a second one from nginx
    );
    // An API item's strong ETag is left to nginx to compress, which weakens it; Vary is there all the same.
    expect([item.headers['content-encoding'], item.headers.vary]).toEqual(['gzip', 'Accept-Encoding']);
    expect(item.headers.etag).toMatch(/^W\//);
    expect(css.status).toBe(200);
    expect(css.headers['cache-control']).toMatch(/max-age=\d+/);
  });
});

describe('proxy headers', () => {
  it('round-trips the request id and gives the app the client address from X-Forwarded-For', async () => {
    // Arrange: a spoofed X-Forwarded-For must not become the client address (trust proxy = one hop).
    const requestId = `stack-${randomUUID()}`;

    const response = await http().get('/', {
      headers: { 'X-Request-ID': requestId, 'X-Forwarded-For': '203.0.113.9', ...uncached },
    });

    expect(response.headers['x-request-id']).toBe(requestId);
    const nginxId = await stack.current.idOf('nginx');
    const appId = await stack.current.idOf('app');
    const logLine = async (containerId: string, matches: (line: Record<string, unknown>) => boolean) => {
      const line = jsonLines(await containerLogs(containerId)).find(matches);
      expect(line).toBeDefined();
      return line!;
    };
    const nginxLine = await eventually(() => logLine(nginxId, (l) => l.request_id === requestId));
    const appLine = await eventually(() => logLine(appId, (l) => JSON.stringify(l).includes(requestId)));
    const nginxIp = Object.values((await inspect(nginxId)).NetworkSettings.Networks).map((n) => n.IPAddress);
    expect(appLine.clientIp).toBe(nginxLine.remote_addr);
    expect(appLine.clientIp).not.toBe('203.0.113.9');
    expect(nginxIp).not.toContain(appLine.clientIp);
  });
});

describe('isolation and hardening', () => {
  it('runs the app as a non-root user on a read-only root filesystem', async () => {
    const uid = await stack.current.exec('app', ['id', '-u']);
    const write = await stack.current.exec('app', ['sh', '-c', 'touch /app/probe']);
    const record = await inspect(await stack.current.idOf('app'));

    expect(uid.output.trim()).not.toBe('0');
    expect(write.exitCode).not.toBe(0);
    expect(record.HostConfig.ReadonlyRootfs).toBe(true);
    expect(record.HostConfig.CapDrop).toContain('ALL');
  });

  it('never publishes MongoDB, and nginx cannot reach it', async () => {
    const mongo = await inspect(await stack.current.idOf('mongo_db'));
    const fromNginx = await stack.current.exec('nginx', [
      'bash',
      '-c',
      'timeout 3 bash -c "exec 3<>/dev/tcp/mongo_db/27017" && echo reachable',
    ]);

    const published = Object.values(mongo.NetworkSettings.Ports ?? {}).filter((bindings) => bindings?.length);
    expect(published).toEqual([]);
    expect(fromNginx.exitCode).not.toBe(0);
    expect(fromNginx.output).not.toContain('reachable');
  });

  it(`refuses unauthenticated database access (${flavor})`, async () => {
    // Runs inside the app container, the only one on the backend network, with the app's own driver.
    const script = `
      const { MongoClient } = require('mongodb');
      const client = new MongoClient('mongodb://mongo_db:27017/${PRODUCT.database}', { serverSelectionTimeoutMS: 5000 });
      client.connect()
        .then(() => client.db('${PRODUCT.database}').collection('${postCollection}').findOne({}))
        .then(() => { console.log('READ-ALLOWED'); process.exit(0); },
              (e) => { console.log('REFUSED ' + e.code + ' ' + e.codeName + ' ' + e.message); process.exit(0); });`;

    const result = await stack.current.exec('app', ['node', '-e', script]);

    // Specifically "authentication required" (code 13): a timeout or a refused connection is no proof of auth.
    expect(result.output).toMatch(/REFUSED 13 Unauthorized /);
    expect(result.output).not.toContain('READ-ALLOWED');
  });
});

describe('failures and recovery', () => {
  it('serves its friendly 50x page while the app is stopped, and recovers without restarting nginx', async () => {
    const nginxId = await stack.current.idOf('nginx');
    const appId = await stack.current.idOf('app');
    const nginxBefore = await inspect(nginxId);

    await docker(['stop', appId]);
    const stoppedAt = Date.now();
    // nginx answers 502 (nothing listens), not a 504 after every retry hung until a timeout.
    const down = await eventually(
      async () => {
        const started = Date.now();
        const r = await http().get(postPaths.list);
        expect(r.status).toBe(502);
        return { ...r, ms: Date.now() - started };
      },
      { timeoutMs: 5_000 },
    );
    const firstBadGatewayAfterMs = Date.now() - stoppedAt;
    // The first reads may still wait out the gone container's connect timeout (1 s); then nginx answers at once.
    const again = await eventually(
      async () => {
        const started = Date.now();
        const r = await http().get(postPaths.list);
        const ms = Date.now() - started;
        expect({ status: r.status, fast: ms < 1_000 }).toEqual({ status: 502, fast: true });
        return { ...r, ms };
      },
      { timeoutMs: 5_000 },
    );
    await docker(['start', appId]);
    const back = await eventually(
      async () => {
        const r = await http().get(postPaths.list);
        expect(r.status).toBe(200);
        return r;
      },
      { timeoutMs: 60_000 },
    );
    const nginxAfter = await inspect(nginxId);

    expect(down.data).toContain('Service temporarily unavailable');
    expect(again.data).toContain('Service temporarily unavailable');
    expect(down.ms).toBeLessThan(2_000);
    expect(firstBadGatewayAfterMs).toBeLessThan(5_000);
    expect(back.status).toBe(200);
    expect(nginxAfter.State.StartedAt).toBe(nginxBefore.State.StartedAt);
    expect(nginxAfter.RestartCount).toBe(nginxBefore.RestartCount);
  });

  it('answers 503 while mongo_db is stopped, and recovers when it is back', async () => {
    const appId = await stack.current.idOf('app');
    const mongoId = await stack.current.idOf('mongo_db');
    const appBefore = await inspect(appId);

    await docker(['stop', mongoId]);
    const notReady = await eventually(async () => {
      const r = await http().get('/readyz');
      expect(r.status).toBe(503);
      return r;
    });
    const postsWhileDown = await http().get(postPaths.list, { headers: uncached });
    // Anonymous readers too: the micro-cache never keeps the 503.
    const fresh = `${postPaths.list}?limit=9`;
    const [anonymous, anonymousAgain] = [await http().get(fresh), await http().get(fresh)];
    await docker(['start', mongoId]);
    const ready = await eventually(
      async () => {
        const r = await http().get('/readyz');
        expect(r.status).toBe(200);
        return r;
      },
      { timeoutMs: 60_000 },
    );
    const postsAfter = await http().get(postPaths.list);
    const appAfter = await inspect(appId);

    expect(notReady.status).toBe(503);
    expect(postsWhileDown.status).toBe(503);
    // The app's own 503 page (app/views/503.ejs, with Retry-After), passed through: not nginx's 50x page.
    expect(postsWhileDown.data).toContain('503 · Temporarily unavailable');
    expect(postsWhileDown.data).not.toContain('Service temporarily unavailable');
    expect(postsWhileDown.headers['retry-after']).toMatch(/^\d+$/);
    expect([anonymous.status, anonymousAgain.status]).toEqual([503, 503]);
    expect(anonymousAgain.headers['x-cache-status']).not.toBe('HIT');
    expect(ready.status).toBe(200);
    expect(postsAfter.status).toBe(200);
    expect(appAfter.State.StartedAt).toBe(appBefore.State.StartedAt);
  });
});

describe('scaling', () => {
  it('spreads requests across every replica with --scale app=3', async () => {
    await stack.current.compose(['up', '-d', '--no-recreate', '--scale', 'app=3', '--wait']);
    const replicas = await stack.current.idsOf('app');
    expect(replicas).toHaveLength(3);

    // nginx re-resolves the app name every 2 s, so keep sending until every replica has answered.
    // Pages, not /healthz: the app logs health probes at debug level only.
    const prefix = `scale-${randomUUID().slice(0, 8)}`;
    let sent = 0;
    const served = await eventually(
      async () => {
        for (let i = 0; i < 15; i++) {
          const r = await http().get('/', {
            headers: { 'X-Request-ID': `${prefix}-${sent++}`, ...uncached },
          });
          expect(r.status).toBe(200);
        }
        const counts = await Promise.all(
          replicas.map(async (id) => (await containerLogs(id)).split(prefix).length - 1),
        );
        expect(counts.filter((count) => count === 0)).toEqual([]); // every replica has served a request
        return counts;
      },
      { timeoutMs: 60_000, everyMs: 500 },
    );

    expect(served).toHaveLength(3);
    await stack.current.compose(['up', '-d', '--no-recreate', '--scale', 'app=1', '--wait']);
  });
});

describe('persistence', () => {
  it('keeps posts across down (without -v) and up', async () => {
    const title = uniqueTitle('Survives down and up');
    const location = await createPostThroughForm(title);

    await stack.restart();
    const detail = await http().get(location);

    expect(detail.status).toBe(200);
    expect(detail.data).toContain(escapeHtml(title));
  });
});
