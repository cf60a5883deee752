// The hardened edge (issue 12) against the real compose stack, on loopback only: HTTPS with the self-signed
// certificate, limits that hold (slow clients, POST floods), real client addresses behind a trusted proxy,
// safe request ids, JSON errors for /api/, cross-site posts and framing rules.
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import type { AxiosResponse } from 'axios';
import getPort from 'get-port';
import { containerLogs, jsonLines } from '../support/docker';
import { httpClient, uncached } from '../support/http';
import { apiWrite, formSession, registerAccount, type Account, type FormSession } from '../support/accounts';
import { jsonHeaders, postPaths, validPost } from '../support/posts';
import { startStack, type Stack } from '../support/stack';
import { eventually, sleep } from '../support/wait';

jest.setTimeout(240_000);

// The host reaches nginx through Docker's port publishing, so nginx sees a private gateway address: trusting the
// private ranges lets each test play a different "real client" with X-Forwarded-For, as a load balancer would.
const TRUSTED = '10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,127.0.0.1';
let httpsPort = 0;
let started: Stack | undefined;
/** Writes as a registered account: API posts with its token, form posts with its session and CSRF token. */
let writer: Account;
let form: FormSession;
const stack = {
  get current(): Stack {
    if (!started) throw new Error('the stack is not up');
    return started;
  },
};
beforeAll(async () => {
  httpsPort = await getPort();
  started = await startStack({
    label: 'edge-limits',
    env: { TRUSTED_PROXY_CIDRS: TRUSTED, HTTPS_PORT: String(httpsPort) },
  });
  writer = await registerAccount(started.baseUrl, 'edge');
  form = await formSession(httpClient(started.baseUrl), writer, postPaths.newForm);
});
afterAll(async () => {
  await started?.down();
});

const client = (ip: string) => ({ 'x-forwarded-for': ip });
let nextIp = 10;
/** A fresh documentation address (TEST-NET-3), so one test's rate limit never touches another's. */
const freshClient = () => `203.0.113.${nextIp++}`;

async function storedTitles(baseUrl: string, prefix: string): Promise<number> {
  const api = httpClient(baseUrl);
  const res = await api.get(`${postPaths.api}?limit=100`, {
    headers: { ...jsonHeaders, ...client(freshClient()), ...uncached },
  });
  expect(res.status).toBe(200);
  return (res.data as { items: { title: string }[] }).items.filter((p) => p.title.startsWith(prefix)).length;
}

describe('HTTPS', () => {
  it('serves the app over HTTP/2 with the self-signed certificate and HSTS, and plain HTTP as before', async () => {
    const session = http2.connect(`https://127.0.0.1:${httpsPort}`, { rejectUnauthorized: false });
    try {
      const { status, headers, alpn } = await new Promise<{
        status: number;
        headers: http2.IncomingHttpHeaders;
        alpn: string | false | undefined;
      }>((resolve, reject) => {
        session.on('error', reject);
        const req = session.request({ ':path': '/' });
        req.on('response', (h) => {
          req.resume();
          req.on('end', () =>
            resolve({
              status: Number(h[':status']),
              headers: h,
              alpn: session.alpnProtocol,
            }),
          );
        });
        req.on('error', reject);
        req.end();
      });
      expect(alpn).toBe('h2');
      expect(status).toBe(200);
      // No DOMAIN: max-age=0, so a browser never pins localhost to HTTPS (acme/README.md).
      expect(headers['strict-transport-security']).toBe('max-age=0');
    } finally {
      session.close();
    }
    const cert = await new Promise<tls.PeerCertificate>((resolve, reject) => {
      const socket = tls.connect(
        { host: '127.0.0.1', port: httpsPort, servername: 'localhost', rejectUnauthorized: false },
        () => {
          resolve(socket.getPeerCertificate());
          socket.end();
        },
      );
      socket.on('error', reject);
    });
    expect(cert.subject.CN).toBe('localhost'); // made by nginx/entrypoint/40-edge.sh on start
    const plain = await httpClient(stack.current.baseUrl).get('/', { headers: client(freshClient()) });
    expect(plain.status).toBe(200);
    expect(plain.headers['strict-transport-security']).toBeUndefined();
  });
});

describe('limits that hold', () => {
  it('closes hundreds of slow-header connections within its 10 s timeout while normal requests get 200 in < 1 s', async () => {
    const SLOW = 300;
    const opened = Date.now();
    const closedAfter: number[] = [];
    const sockets = await Promise.all(
      Array.from(
        { length: SLOW },
        () =>
          new Promise<net.Socket>((resolve, reject) => {
            const socket = net.connect(stack.current.port, '127.0.0.1', () => {
              // A request line and one header, then nothing: the headers never end.
              socket.write('GET / HTTP/1.1\r\nHost: localhost\r\n');
              resolve(socket);
            });
            socket.on('error', () => undefined); // a reset is a close too
            socket.on('close', () => closedAfter.push(Date.now() - opened));
            socket.once('error', reject);
          }),
      ),
    );
    // Trickle one more header line now and then, as slowloris does.
    const trickle = setInterval(() => {
      for (const s of sockets) if (!s.destroyed) s.write(`X-a: ${Date.now()}\r\n`);
    }, 2_000);
    const normal: number[] = [];
    try {
      const api = httpClient(stack.current.baseUrl);
      while (closedAfter.length < SLOW && Date.now() - opened < 20_000) {
        const t0 = Date.now();
        const res = await api.get('/healthz', { headers: client('198.51.100.1') });
        normal.push(Date.now() - t0);
        expect(res.status).toBe(200);
        await sleep(250);
      }
    } finally {
      clearInterval(trickle);
      for (const s of sockets) s.destroy();
    }
    const lastClose = Math.max(...closedAfter);
    console.log(
      `[edge] slow headers: ${SLOW} connections, all closed by nginx after ${(Math.min(...closedAfter) / 1000).toFixed(1)}` +
        `-${(lastClose / 1000).toFixed(1)} s; ${normal.length} normal requests meanwhile, slowest ${Math.max(...normal)} ms`,
    );
    expect(closedAfter).toHaveLength(SLOW);
    expect(lastClose).toBeLessThan(13_000); // client_header_timeout 10 s, plus scheduling slack
    expect(Math.min(...closedAfter)).toBeGreaterThan(8_000); // closed by the timeout, not refused at once
    expect(Math.max(...normal)).toBeLessThan(1_000);
  });

  it('answers a POST flood from one client with 429 and stores at most the allowed rate (1 r/s, burst 5)', async () => {
    const api = httpClient(stack.current.baseUrl);
    const ip = freshClient();
    const prefix = `Flood ${ip}`;
    const statuses: number[] = [];
    const t0 = Date.now();
    for (let i = 0; i < 50; i++) {
      const res = await api.post(postPaths.api, validPost(prefix), {
        headers: { ...apiWrite(writer), ...client(ip) },
      });
      statuses.push(res.status);
    }
    const seconds = (Date.now() - t0) / 1000;
    const created = statuses.filter((s) => s === 201).length;
    const limited = statuses.filter((s) => s === 429).length;
    const stored = await storedTitles(stack.current.baseUrl, prefix);
    const allowed = 1 + 5 + Math.ceil(seconds); // the first, the burst, then one a second
    console.log(
      `[edge] POST flood: 50 POSTs in ${seconds.toFixed(1)} s -> ${created} x 201, ${limited} x 429; ` +
        `${stored} stored (allowed at most ${allowed})`,
    );
    expect(created + limited).toBe(50);
    expect(limited).toBeGreaterThan(0);
    expect(stored).toBe(created);
    expect(stored).toBeLessThanOrEqual(allowed);

    // The limit is per real client: another address behind the same balancer still posts.
    const other = await api.post(postPaths.api, validPost('Other client'), {
      headers: { ...apiWrite(writer), ...client(freshClient()) },
    });
    expect(other.status).toBe(201);
  });

  it('gives /api/ clients JSON from nginx for 429 and 413', async () => {
    const api = httpClient(stack.current.baseUrl);
    const ip = freshClient();
    let limited;
    for (let i = 0; i < 20 && !limited; i++) {
      const res = await api.post(postPaths.api, validPost('json-429'), {
        headers: { ...apiWrite(writer), ...client(ip) },
      });
      if (res.status === 429) limited = res;
    }
    expect(limited?.headers['content-type']).toMatch(/^application\/json/);
    expect(limited?.data).toEqual({ error: expect.any(String) });

    const big = await api.post(
      postPaths.api,
      { title: 'x'.repeat(200_000) },
      {
        headers: { ...apiWrite(writer), ...client(freshClient()) },
      },
    );
    expect(big.status).toBe(413);
    expect(big.headers['content-type']).toMatch(/^application\/json/);
    expect(big.data).toEqual({ error: expect.any(String) });

    // Dot-files are refused at the edge; under /api/ in JSON too.
    const dotApi = await api.get(`${postPaths.api}/.env`, { headers: client(freshClient()) });
    const dotSite = await api.get('/.git/config', { headers: client(freshClient()) });
    expect(dotApi).toMatchObject({ status: 403, data: { error: 'Forbidden' } });
    expect(dotApi.headers['content-type']).toMatch(/^application\/json/);
    expect(dotSite.status).toBe(403);
  });
});

describe('behind a trusted load balancer', () => {
  it('logs and limits the real client from X-Forwarded-For, in nginx and in the app', async () => {
    const ip = freshClient();
    const res = await httpClient(stack.current.baseUrl).get('/', {
      headers: { ...client(ip), 'x-request-id': `edge-${ip}`, ...uncached },
    });
    expect(res.status).toBe(200);
    const nginxLine = await eventually(async () => {
      const line = jsonLines(await containerLogs(await stack.current.idOf('nginx'))).find(
        (l) => l.request_id === `edge-${ip}`,
      );
      expect(line).toBeDefined();
      return line!;
    });
    const appLine = await eventually(async () => {
      const line = jsonLines(await containerLogs(await stack.current.idOf('app'))).find(
        (l) => l.clientIp !== undefined && JSON.stringify(l).includes(`edge-${ip}`),
      );
      expect(line).toBeDefined();
      return line!;
    });
    expect(nginxLine.remote_addr).toBe(ip);
    expect(appLine.clientIp).toBe(ip);
  });
});

describe('request ids, framing and cross-site posts', () => {
  it('echoes a safe X-Request-ID and replaces an unsafe one with its own', async () => {
    const api = httpClient(stack.current.baseUrl);
    const ok = await api.get('/', { headers: { 'x-request-id': 'abc.DEF_1:2-3', ...client(freshClient()) } });
    expect(ok.headers['x-request-id']).toBe('abc.DEF_1:2-3');
    for (const bad of ['<script>alert(1)</script>', 'a'.repeat(65), 'a b']) {
      const res = await api.get('/', { headers: { 'x-request-id': bad, ...client(freshClient()) } });
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    }
  });

  it("sends each security header once: the app's on its pages, nginx's on the answers it makes itself", async () => {
    const api = httpClient(stack.current.baseUrl);
    const policy = {
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'strict-origin-when-cross-origin',
      'permissions-policy': 'camera=(), microphone=(), geolocation=()',
    };

    const page = await api.get(postPaths.list, { headers: client(freshClient()) });
    const tooLarge = await api.post(postPaths.api, 'x'.repeat(200_000), {
      headers: { ...apiWrite(writer), ...client(freshClient()) },
    });

    expect(page.status).toBe(200);
    expect(page.headers).toMatchObject(policy); // a header sent twice would read "nosniff, nosniff"
    expect(page.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(page.headers['content-security-policy']).toContain("script-src 'none'"); // the app's
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.headers).toMatchObject(policy);

    // nginx's own 429 in a proxied location (the form-post limit): the app sent nothing, nginx fills in.
    const ip = freshClient();
    let limited: AxiosResponse | undefined;
    for (let i = 0; i < 10 && !limited; i++) {
      const res = await api.post(postPaths.list, form.body({ ...validPost(`Headers ${ip}`) }), {
        headers: { ...form.options.headers, ...client(ip) },
        maxRedirects: 0,
      });
      if (res.status === 429) limited = res;
    }
    expect(limited?.headers).toMatchObject(policy);
  });

  it('says "never framed" the same way in X-Frame-Options and the CSP', async () => {
    const res = await httpClient(stack.current.baseUrl).get('/', { headers: client(freshClient()) });
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  it("refuses another site's form post and accepts curl's and our own", async () => {
    const post = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const body = form.body({ ...validPost('Cross-site') });
        const req = http.request(
          {
            host: '127.0.0.1',
            port: stack.current.port,
            path: postPaths.list,
            method: 'POST',
            headers: {
              ...form.options.headers,
              'content-length': Buffer.byteLength(body),
              ...client(freshClient()),
              ...headers,
            },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    expect(await post({ 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' })).toBe(403);
    expect(await post({ origin: 'https://evil.example' })).toBe(403);
    expect(await post({})).toBe(303); // curl, with the session and CSRF token a browser would send
    expect(await post({ 'sec-fetch-site': 'same-origin' })).toBe(303);
    // The app compares Origin with the host nginx saw, never with a client's X-Forwarded-Host.
    expect(await post({ origin: 'https://evil.example', 'x-forwarded-host': 'evil.example' })).toBe(403);
  });
});

describe('limits on every proxied location', () => {
  it('limits asset misses per client (they reach the app): a burst of 100 meets 429', async () => {
    const api = httpClient(stack.current.baseUrl);
    const ip = freshClient();

    const statuses: number[] = [];
    for (let i = 0; i < 100; i++)
      statuses.push((await api.get(`/public/missing-${i}.css`, { headers: client(ip) })).status);

    const limited = statuses.filter((s) => s === 429).length;
    console.log(
      `[edge] 100 asset misses from one client: ${limited} x 429, the rest ${[...new Set(statuses)]}`,
    );
    expect(statuses.filter((s) => s !== 404 && s !== 429)).toEqual([]);
    expect(limited).toBeGreaterThan(0);
  });

  it('counts an IPv6 client by its /64: 12 POSTs from 12 addresses of one /64 meet 429, another /64 posts', async () => {
    const api = httpClient(stack.current.baseUrl);
    // Three spellings of 2a00:0:0:7::/64 whose canonical forms differ ("2a00:0:0:7::n", "2a00::7:a:b:c:n",
    // "2a00:0:0:7:n::1"): nginx must find one /64 in all of them.
    const forms = [
      (n: number) => `2a00:0:0:7::${n}`,
      (n: number) => `2a00::7:a:b:c:${n}`,
      (n: number) => `2A00:0000:0000:0007:${n}:0:0:1`,
    ];
    const sameNet = Array.from({ length: 12 }, (_, i) => forms[i % 3]!(i + 1));
    const statuses: number[] = [];
    const t0 = Date.now();
    for (const ip of sameNet) {
      const res = await api.post(postPaths.api, validPost(`v6 ${ip}`), {
        headers: { ...apiWrite(writer), ...client(ip) },
      });
      statuses.push(res.status);
    }
    const seconds = (Date.now() - t0) / 1000;
    const other = await api.post(postPaths.api, validPost('v6 other'), {
      headers: { ...apiWrite(writer), ...client('2a00:0:0:8::1') },
    });
    const compressed = await api.post(postPaths.api, validPost('v6 compressed'), {
      headers: { ...apiWrite(writer), ...client('2a00::1') }, // 2a00:0:0:0::/64, yet another client
    });

    const created = statuses.filter((s) => s === 201).length;
    console.log(
      `[edge] 12 POSTs from one IPv6 /64 in ${seconds.toFixed(1)} s: ${created} x 201, ${12 - created} x 429`,
    );
    expect(statuses.every((s) => s === 201 || s === 429)).toBe(true);
    expect(created).toBeLessThanOrEqual(1 + 5 + Math.ceil(seconds));
    expect(statuses).toContain(429);
    expect(other.status).toBe(201);
    expect(compressed.status).toBe(201);
  });

  it('slows password guessing per client in its own zone: 25 login POSTs meet 429 after about 10', async () => {
    const api = httpClient(stack.current.baseUrl);
    const ip = freshClient();
    const guess = (from: string) =>
      api.post('/login', 'username=someone&password=guess', {
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...client(from) },
      });

    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await guess(ip)).status);
    const other = await guess(freshClient());

    const limited = statuses.filter((s) => s === 429).length;
    console.log(
      `[edge] 25 login POSTs from one client: ${limited} x 429, the rest ${[...new Set(statuses.filter((s) => s !== 429))]}`,
    );
    // The app refuses each (no CSRF token: 403) until nginx's zone (10/min, burst 10) answers 429 itself.
    expect(statuses.slice(0, 10).every((s) => s === 403)).toBe(true);
    expect(limited).toBeGreaterThanOrEqual(12);
    expect(other.status).toBe(403);
  });

  it('caps writes from all clients together: 100 POSTs from 100 addresses at once meet 429', async () => {
    const api = httpClient(stack.current.baseUrl);
    const prefix = `Site ceiling ${Date.now()}`;

    const statuses = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        api
          .post(postPaths.api, validPost(`${prefix} ${i}`), {
            headers: { ...apiWrite(writer), ...client(`198.51.100.${i + 1}`) },
          })
          .then((r) => r.status),
      ),
    );

    const created = statuses.filter((s) => s === 201).length;
    const limited = statuses.filter((s) => s === 429).length;
    console.log(`[edge] 100 POSTs from 100 clients at once: ${created} x 201, ${limited} x 429`);
    expect(created + limited).toBe(100);
    expect(limited).toBeGreaterThan(0);
    expect(created).toBeGreaterThanOrEqual(30); // far above what people write: the burst still passes
  });
});
