import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { docker, inspect } from '../stack/support/docker';
import { escapeHtml } from '../stack/support/http';
import { projectRoot, Stack, startStack } from '../stack/support/stack';
import { Outcome, pool, rawRequest, request, sleep, statusCounts } from './support/load';

jest.setTimeout(300_000);

let stack: Stack;
let containersBefore: Record<string, { restarts: number; startedAt: string }>;

/** RestartCount and StartedAt of app and mongo_db: a crash shows as a change in either. */
async function containerState(): Promise<Record<string, { restarts: number; startedAt: string }>> {
  const out: Record<string, { restarts: number; startedAt: string }> = {};
  for (const service of ['app', 'mongo_db']) {
    const id = (await stack.compose(['ps', '-q', service])).trim();
    const r = await inspect(id);
    out[service] = { restarts: r.RestartCount, startedAt: r.State.StartedAt };
  }
  return out;
}

beforeAll(async () => {
  stack = await startStack({ projectName: `posts-res-badinput-${randomUUID().slice(0, 6)}` });
  containersBefore = await containerState();
});

afterAll(async () => {
  await stack?.environment.down();
});

// ---------------------------------------------------------------------------------------------------------
// Inputs. A seeded PRNG keeps the generated part the same on every run.
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const XSS = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "'><svg onload=alert(1)>",
  '</title><script>alert(document.cookie)</script>',
  '<iframe src="javascript:alert(1)"></iframe>',
  '<a href="javascript:alert(1)">click</a>',
  '<scr<script>ipt>alert(1)</scr</script>ipt>',
  '<%= process.env %> <%- "<b>raw</b>" %>',
  '{{constructor.constructor("alert(1)")()}} ${7*7}',
  '<style>body{background:url("javascript:alert(1)")}</style>',
  '<body onload=alert(1)>',
  '&lt;script&gt;alert(1)&lt;/script&gt; &amp; <b>bold</b>',
];

const MALFORMED_IDS = [
  '1',
  '0',
  '-1',
  'abc',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  'a'.repeat(23),
  'g'.repeat(24),
  '5'.repeat(25),
  'ObjectId(%22000000000000000000000000%22)',
  '%7B%22%24gt%22%3A%22%22%7D',
  '%5B%24ne%5D',
  '%24where',
  '..%2F..%2Fetc%2Fpasswd',
  '%2e%2e',
  '%00',
  '%0d%0aSet-Cookie:x=1',
  'x'.repeat(3000),
  '%F0%9F%92%A9',
  '%ff%fe',
  '%c0%ae',
  '%E0%A4%A',
  '%',
  '%zz',
  '%%',
  '%u0041',
  'new',
  'new%00',
  '000000000000000000000000',
  'ffffffffffffffffffffffff',
  '%3Cscript%3Ealert(1)%3C%2Fscript%3E',
];

const QUERIES = [
  'page[$gt]=1',
  'page[$ne]=',
  'limit[$gt]=0',
  'page[]=1',
  'page=1&page=2',
  'page=-1',
  'page=0',
  'page=1e3',
  'page=0x10',
  'page=99999999999',
  'page=1000001',
  'page=%00',
  'page=%zz',
  'page=%',
  'page=%E0%A4%A',
  'page=%c0%ae',
  'page=%ff',
  'page=%3Cscript%3Ealert(1)%3C/script%3E',
  '__proto__[admin]=1',
  'constructor[prototype][admin]=1',
  'page=1;DROP%20TABLE',
  'limit=-5',
  'limit=abc',
  'limit=1000000',
  `page=${'9'.repeat(4000)}`,
  'page=%7B%22%24gt%22%3A%22%22%7D',
  'page= 1',
  'page=1.5',
  'limit=0',
  'page=%2B1',
  'sort[$where]=sleep(10000)',
  'q[$regex]=.*',
];

const nest = (depth: number, open: string, close: string, inner = '1') =>
  open.repeat(depth) + inner + close.repeat(depth);

/** A JSON post whose title holds raw bytes, for malformed UTF-8 cases. */
const titleWithBytes = (...bytes: number[]) =>
  Buffer.concat([Buffer.from('{"title":"'), Buffer.from(bytes), Buffer.from('","body":"B","author":"A"}')]);

function jsonBodies(): { label: string; body: string | Buffer; contentType?: string }[] {
  const ok = { title: 'T', body: 'B', author: 'A' };

  const objects: unknown[] = [
    { ...ok, title: { $gt: '' } },
    { ...ok, body: { $ne: null } },
    { ...ok, author: { $regex: '.*' } },
    { $where: 'sleep(1000)' },
    { ...ok, title: ['a', 'b'] },
    { ...ok, title: 123 },
    { ...ok, title: null },
    { ...ok, title: true },
    { ...ok, title: '' },
    { ...ok, body: '   ' },
    { ...ok, title: 'x'.repeat(201) },
    { ...ok, body: 'x'.repeat(10_001) },
    { ...ok, author: 'x'.repeat(101) },
    { ...ok, _id: '000000000000000000000000' },
    { ...ok, createdAt: { $gt: 0 } },
    { ...ok, $set: { title: 'x' } },
    { title: { toString: 'x' }, body: 'B', author: 'A' },
    [],
    [ok],
    'string',
    1,
    null,
    {},
  ];
  const out: { label: string; body: string | Buffer; contentType?: string }[] = objects.map((o) => ({
    label: `json ${JSON.stringify(o).slice(0, 40)}`,
    body: JSON.stringify(o),
  }));
  out.push(
    {
      label: '__proto__ key',
      body: '{"__proto__":{"admin":true},"title":"T","body":"B","author":"A","constructor":{"prototype":{"x":1}}}',
    },
    { label: 'duplicate keys', body: '{"title":"T","title":{"$gt":""},"body":"B","author":"A"}' },
    { label: 'truncated', body: '{"title":"T","body":' },
    { label: 'garbage', body: '{]' },
    { label: 'trailing', body: '{"title":"T","body":"B","author":"A"} x' },
    { label: 'BOM', body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(ok))]) },
    {
      label: 'invalid utf-8',
      body: titleWithBytes(0xff, 0xfe),
    },
    {
      label: 'overlong utf-8',
      body: titleWithBytes(0xc0, 0xae),
    },
    {
      label: 'lone surrogate bytes',
      body: titleWithBytes(0xed, 0xa0, 0x80),
    },
    {
      label: 'truncated utf-8',
      body: titleWithBytes(0xe2, 0x82),
    },
    { label: 'escaped lone surrogate', body: '{"title":"\\ud800","body":"B","author":"A"}' },
    { label: 'NUL in string', body: '{"title":"a\\u0000b","body":"B","author":"A"}' },
    { label: 'latin1 charset', body: JSON.stringify(ok), contentType: 'application/json; charset=latin1' },
    { label: 'utf-16 charset', body: JSON.stringify(ok), contentType: 'application/json; charset=utf-16' },
    { label: 'text/plain', body: JSON.stringify(ok), contentType: 'text/plain' },
    { label: 'no content type', body: JSON.stringify(ok), contentType: '' },
  );
  for (const depth of [10, 100, 1_000, 5_000, 20_000, 45_000]) {
    out.push({
      label: `nested objects ${depth}`,
      body: `{"title":${nest(depth, '{"a":', '}')},"body":"B","author":"A"}`,
    });
    out.push({ label: `nested arrays ${depth}`, body: nest(depth, '[', ']') });
  }
  for (const kb of [50, 99]) {
    out.push({ label: `big ${kb} KB`, body: JSON.stringify({ ...ok, body: 'x'.repeat(kb * 1000) }) });
  }
  return out;
}

const send = (p: string, init: Parameters<typeof request>[2] = {}) => request(stack.baseUrl, p, init);

function generated(): { label: string; run: () => Promise<Outcome> }[] {
  const rnd = prng(6);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const tasks: { label: string; run: () => Promise<Outcome> }[] = [];
  const accepts = ['text/html', 'application/json'];

  // Malformed ids on every id route, with both content preferences and a few methods.
  for (const id of MALFORMED_IDS)
    for (const base of ['/posts/', '/api/posts/'])
      for (const accept of accepts) {
        tasks.push({
          label: `GET ${base}${id.slice(0, 30)}`,
          run: () => send(base + id, { headers: { accept } }),
        });
        tasks.push({
          label: `DELETE ${base}${id.slice(0, 30)}`,
          run: () => send(base + id, { method: 'DELETE', headers: { accept } }),
        });
      }
  // Operator objects and junk in query strings.
  for (const q of QUERIES)
    for (const base of ['/posts', '/api/posts', '/'])
      for (const accept of accepts)
        tasks.push({
          label: `GET ${base}?${q.slice(0, 30)}`,
          run: () => send(`${base}?${q}`, { headers: { accept } }),
        });
  // JSON bodies: operators, wrong types, bad encodings, deep nesting, big.
  for (const b of jsonBodies())
    for (const accept of accepts)
      tasks.push({
        label: `POST /api/posts ${b.label}`,
        run: () =>
          send('/api/posts', {
            method: 'POST',
            body: b.body,
            headers: {
              accept,
              ...(b.contentType === '' ? {} : { 'content-type': b.contentType ?? 'application/json' }),
            },
          }),
      });
  // Form bodies on the page route.
  const forms = [
    'title[$gt]=&body=B&author=A',
    'title=%ff%fe&body=B&author=A',
    'title=%E0%A4%A&body=B&author=A',
    'title=%&body=%zz&author=A',
    'title=T&title=U&body=B&author=A',
    Array.from({ length: 40 }, (_, i) => `k${i}=v`).join('&'),
    '__proto__[x]=1&title=T&body=B&author=A',
    `title=${'x'.repeat(90_000)}&body=B&author=A`,
    'title=T&body=B&author=',
    '=&=&=',
    '&&&&',
    'title',
  ];
  for (const f of forms)
    for (const accept of accepts)
      tasks.push({
        label: `POST /posts form ${f.slice(0, 30)}`,
        run: () =>
          send('/posts', {
            method: 'POST',
            body: f,
            headers: { accept, 'content-type': 'application/x-www-form-urlencoded' },
          }),
      });
  // Raw requests: invalid UTF-8 and bad percent-encoding in the request line, huge and odd headers.
  const port = stack.port;
  const rawLines = [
    Buffer.from([
      ...Buffer.from('GET /posts/'),
      0xff,
      0xfe,
      0xc0,
      0xae,
      ...Buffer.from(' HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
    ]),
    Buffer.from([
      ...Buffer.from('GET /posts?page='),
      0xed,
      0xa0,
      0x80,
      ...Buffer.from(' HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
    ]),
    Buffer.from([
      ...Buffer.from('GET / HTTP/1.1\r\nHost: x\r\nX-Request-ID: '),
      0xff,
      0xfe,
      ...Buffer.from('\r\nConnection: close\r\n\r\n'),
    ]),
    Buffer.from([
      ...Buffer.from('GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: '),
      0xc3,
      0x28,
      ...Buffer.from('\r\nConnection: close\r\n\r\n'),
    ]),
    'GET /posts/% HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    'GET /%%30%30 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    'GET /posts/%2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    'GET /posts?page=%G1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    'GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    'GET /posts HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\nConnection: close\r\n\r\n0\r\n\r\n',
    'GARBAGE\r\n\r\n',
  ];
  for (const kb of [4, 7, 9, 16, 32, 64]) {
    rawLines.push(
      `GET /posts HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(kb * 1024)}\r\nConnection: close\r\n\r\n`,
    );
    rawLines.push(
      `GET / HTTP/1.1\r\nHost: x\r\nCookie: ${'c=1; '.repeat((kb * 1024) / 5)}\r\nConnection: close\r\n\r\n`,
    );
    rawLines.push(
      `GET /posts HTTP/1.1\r\nHost: x\r\nX-Request-ID: ${'r'.repeat(kb * 1024)}\r\nConnection: close\r\n\r\n`,
    );
  }
  for (const [count, size] of [
    [50, 200],
    [100, 100],
    [120, 250],
    [300, 50],
  ] as const) {
    const headers = Array.from({ length: count }, (_, i) => `X-H${i}: ${'v'.repeat(size)}\r\n`).join('');
    rawLines.push(`GET /posts HTTP/1.1\r\nHost: x\r\n${headers}Connection: close\r\n\r\n`);
  }
  for (const line of rawLines)
    for (let i = 0; i < 3; i++)
      tasks.push({ label: `raw ${String(line).slice(0, 40)}`, run: () => rawRequest(port, line) });
  // A body shorter than its Content-Length, then the client closes: nginx answers 400 or just closes.
  const truncated =
    'POST /api/posts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"t"';
  for (let i = 0; i < 3; i++)
    tasks.push({
      label: 'raw-truncated-body',
      run: () => rawRequest(port, truncated, 10_000, { halfClose: true }),
    });
  // An unknown HTTP version: nginx itself must answer 505 (the protocol's answer), never the app.
  for (let i = 0; i < 3; i++)
    tasks.push({
      label: 'raw-http-9.9',
      run: () => rawRequest(port, 'GET /posts HTTP/9.9\r\nHost: x\r\nConnection: close\r\n\r\n'),
    });

  // Seeded fuzz until there are at least 2000 requests: random ids, queries and JSON bodies.
  const alphabet = '0123456789abcdefABCDEFxyz$.{}[]<>"\'%/\\:;=&?+!*()~@,^|`';
  const junk = (max: number) =>
    Array.from({ length: 1 + Math.floor(rnd() * max) }, () => pick([...alphabet])).join('');
  const values: (() => unknown)[] = [
    () => pick(XSS),
    () => junk(20),
    () => ({ $gt: '' }),
    () => ({ $ne: null }),
    () => [junk(5)],
    () => Math.floor(rnd() * 1e6),
    () => null,
    () => ({ [`$${junk(5)}`]: junk(5) }),
    () => 'x'.repeat(Math.floor(rnd() * 300)),
    () => `${junk(10)}`,
  ];
  let i = 0;
  while (tasks.length < 2_100) {
    const kind = i++ % 3;
    if (kind === 0) {
      const p = `${pick(['/posts/', '/api/posts/', '/fibonacci/'])}${encodeURIComponent(junk(40)).replace(/%25/g, pick(['%', '%25']))}`;
      tasks.push({
        label: `fuzz GET ${p.slice(0, 40)}`,
        run: () => send(p, { headers: { accept: pick(accepts) } }),
      });
    } else if (kind === 1) {
      const q = `${pick(['page', 'limit', 'page[$gt]', 'limit[$ne]', junk(6)])}=${encodeURIComponent(junk(12))}`;
      tasks.push({
        label: `fuzz GET /posts?${q.slice(0, 30)}`,
        run: () => send(`${pick(['/posts', '/api/posts'])}?${q}`, { headers: { accept: pick(accepts) } }),
      });
    } else {
      const body: Record<string, unknown> = {};
      for (const k of ['title', 'body', 'author', pick(['$where', '__proto__', 'extra', '$gt'])])
        if (rnd() < 0.9) body[k] = pick(values)();
      tasks.push({
        label: `fuzz POST ${JSON.stringify(body).slice(0, 40)}`,
        run: () =>
          send('/api/posts', {
            method: 'POST',
            body: JSON.stringify(body),
            headers: { 'content-type': 'application/json', accept: 'application/json' },
          }),
      });
    }
  }
  return tasks;
}

// ---------------------------------------------------------------------------------------------------------

describe('with the normal nginx configuration', () => {
  it('answers a burst past the per-IP rate limit with 429, and nothing with 5xx', async () => {
    const burst = await pool(
      Array.from({ length: 120 }, () => () => send('/healthz')),
      30,
    );
    const counts = statusCounts(burst);
    console.log(`[resilience] rate-limit burst of 120: ${JSON.stringify(counts)}`);
    expect(counts['429']).toBeGreaterThan(0);
    expect(counts['200']).toBeGreaterThan(0);
    expect(burst.filter((o) => o.status !== 200 && o.status !== 429)).toEqual([]);
    await sleep(3_000); // let the bucket drain
  });

  it('answers bodies over the 100 KB limit with 413, on the JSON API and the form route', async () => {
    const big = (kb: number) => JSON.stringify({ title: 'T', body: 'x'.repeat(kb * 1024), author: 'A' });
    const results = [
      await send('/api/posts', {
        method: 'POST',
        body: big(101),
        headers: { 'content-type': 'application/json' },
      }),
      await send('/api/posts', {
        method: 'POST',
        body: big(1024),
        headers: { 'content-type': 'application/json' },
      }),
      await send('/posts', {
        method: 'POST',
        body: `title=T&author=A&body=${'x'.repeat(200 * 1024)}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
    ];
    expect(results.map((r) => r.status)).toEqual([413, 413, 413]);
  });
});

describe('with the rate limit relaxed (docker-compose.bench.yml on nginx only)', () => {
  beforeAll(async () => {
    // Recreate nginx alone with the benchmark override, which mounts the relaxed rate-limit snippet.
    await docker(
      [
        'compose',
        '-p',
        stack.projectName,
        '-f',
        path.join(projectRoot, 'docker-compose.yml'),
        '-f',
        path.join(projectRoot, 'docker-compose.bench.yml'),
        'up',
        '-d',
        '--no-deps',
        '--wait',
        'nginx',
      ],
      { ...process.env, ...stack.env },
    );
  });

  it('survives 2000+ generated bad requests with zero 5xx and no crash', async () => {
    const tasks = generated();
    const started = Date.now();
    const outcomes = await pool(
      tasks.map((t) => t.run),
      8,
    );
    const labelled = outcomes.map((o, i) => ({ ...o, label: tasks[i]!.label, body: o.body.slice(0, 120) }));
    const expected = (o: (typeof labelled)[number]) =>
      (o.label === 'raw-truncated-body' && (o.status === 400 || (o.status === 0 && o.error !== 'timeout'))) ||
      (o.label === 'raw-http-9.9' &&
        o.status === 505 &&
        o.body.includes('<title>505 HTTP Version Not Supported</title>'));
    const bad = labelled.filter((o) => (o.status >= 500 || o.status === 0) && !expected(o));
    expect(labelled.filter((o) => o.label === 'raw-http-9.9' && !expected(o))).toEqual([]);
    console.log(
      `[resilience] bad input: ${outcomes.length} requests in ${Date.now() - started} ms, statuses ${JSON.stringify(statusCounts(outcomes))}` +
        (bad.length ? `; failures ${JSON.stringify(bad.slice(0, 10))}` : ''),
    );
    expect(outcomes.length).toBeGreaterThanOrEqual(2_000);
    expect(outcomes.filter((o) => o.status === 429)).toEqual([]); // the override really is in force
    expect(bad).toEqual([]);
    // Reflected input is never echoed raw.
    // (JSON answers carry stored text as data, correctly unescaped; only HTML pages are checked.)
    const html = outcomes.filter((o) => o.body.trimStart().startsWith('<'));
    expect(html.length).toBeGreaterThan(500);
    const reflected = html.filter((o) => XSS.some((x) => x.includes('<') && o.body.includes(x)));
    expect(reflected.map((o) => o.path)).toEqual([]);
    expect(await containerState()).toEqual(containersBefore);
  });

  it('stores XSS payloads from every field (form and JSON) and always renders them escaped', async () => {
    const created: { id: string; payload: string; field: string }[] = [];
    for (const payload of XSS)
      for (const field of ['title', 'body', 'author'] as const) {
        const post = { title: `xss title`, body: 'xss body', author: 'xss author', [field]: payload };
        const json = await send('/api/posts', {
          method: 'POST',
          body: JSON.stringify(post),
          headers: { 'content-type': 'application/json', accept: 'application/json' },
        });
        expect(json.status).toBe(201);
        created.push({ id: (JSON.parse(json.body) as { id: string }).id, payload, field });
        const form = await send('/posts', {
          method: 'POST',
          body: new URLSearchParams(post).toString(),
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        });
        expect(form.status).toBe(303);
      }
    const list = await send('/posts?limit=100');
    expect(list.status).toBe(200);
    for (const { id, payload } of created) {
      const page = await send(`/posts/${id}`);
      expect(page.status).toBe(200);
      expect(page.body).toContain(escapeHtml(payload));
      expect(list.body).toContain(escapeHtml(payload));
      if (/[<>"']/.test(payload)) {
        expect(page.body).not.toContain(payload);
        expect(list.body).not.toContain(payload);
      }
    }
    // A page that itself contains no script: the only <script is none at all (CSP script-src 'none' too).
    expect(list.body).not.toMatch(/<script/i);
    expect(list.body).not.toMatch(/<img|<svg|<iframe|<body onload|<style>body/i);
    expect(await containerState()).toEqual(containersBefore);
  });
});
