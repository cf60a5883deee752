import path from 'node:path';
import { docker, inspect } from '../support/docker';
import { escapeHtml } from '../support/html';
import { apiWrite, formSession, registerAccount } from '../support/accounts';
import { httpClient } from '../support/http';
import { postFields, postPaths, validPost, withLongText } from '../support/posts';
import { projectRoot, useStack } from '../support/stack';
import { sleep } from '../support/wait';
import { generateRequests, TRUNCATED_BODY, UNKNOWN_VERSION, type Writer } from './bad-input/generate';
import { XSS } from './bad-input/inputs';
import { type Outcome, pool, request, statusCounts } from '../support/load';

// Inputs in bad-input/inputs.ts, requests built by bad-input/generate.ts; what every answer must be, here.
jest.setTimeout(300_000);

const stack = useStack({ label: 'res-badinput' });
const send = (p: string, init: Parameters<typeof request>[2] = {}) => request(stack.current.baseUrl, p, init);
let containersBefore: Record<string, { restarts: number; startedAt: string }>;
/** The signed-in account every write comes from (its token, session, CSRF token and one post). */
let writer: Writer;
let apiHeaders: Record<string, string>;
let formHeaders: Record<string, string>;

/** RestartCount and StartedAt of app and mongo_db: a crash shows as a change in either. */
async function containerState(): Promise<Record<string, { restarts: number; startedAt: string }>> {
  const out: Record<string, { restarts: number; startedAt: string }> = {};
  for (const service of ['app', 'mongo_db']) {
    const r = await inspect(await stack.current.idOf(service));
    out[service] = { restarts: r.RestartCount, startedAt: r.State.StartedAt };
  }
  return out;
}

beforeAll(async () => {
  containersBefore = await containerState();
  const http = httpClient(stack.current.baseUrl);
  const account = await registerAccount(http, 'badinput');
  const form = await formSession(http, account, postPaths.newForm);
  const post = await http.post(postPaths.api, validPost('Bad input target'), { headers: apiWrite(account) });
  expect(post.status).toBe(201);
  writer = { token: account.token, cookie: account.cookie, csrf: form.csrf, postId: post.data.id };
  apiHeaders = apiWrite(account);
  formHeaders = form.options.headers;
});

/** A form body as the signed-in browser sends it: with the CSRF token. */
const signedForm = (fields: Record<string, string>) =>
  new URLSearchParams({ ...fields, _csrf: writer.csrf }).toString();

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
    const big = (kb: number) => JSON.stringify(withLongText(validPost('Too big'), kb * 1024));
    const results = [
      await send(postPaths.api, { method: 'POST', body: big(101), headers: apiHeaders }),
      await send(postPaths.api, { method: 'POST', body: big(1024), headers: apiHeaders }),
      await send(postPaths.list, {
        method: 'POST',
        body: signedForm({ ...withLongText(validPost('Too big'), 200 * 1024) }),
        headers: formHeaders,
      }),
    ];
    expect(results.map((r) => r.status)).toEqual([413, 413, 413]);
  });
});

describe('with the rate limit off (nginx recreated with bad-input/no-rate-limit.compose.yml)', () => {
  beforeAll(async () => {
    const files = [...stack.current.files, path.join(__dirname, 'bad-input', 'no-rate-limit.compose.yml')];
    await docker(
      [
        'compose',
        '-p',
        stack.current.projectName,
        '--project-directory',
        projectRoot,
        ...files.flatMap((file) => ['-f', file]),
        'up',
        '-d',
        '--no-deps',
        '--wait',
        'nginx',
      ],
      { ...process.env, ...stack.current.env },
    );
  });

  /** The answers that are right although they are not an HTTP answer below 500. */
  const expectedException = (o: Outcome & { label: string }) =>
    (o.label === TRUNCATED_BODY && (o.status === 400 || (o.status === 0 && o.error !== 'timeout'))) ||
    (o.label === UNKNOWN_VERSION &&
      o.status === 505 &&
      o.body.includes('<title>505 HTTP Version Not Supported</title>'));

  it('survives 2000+ generated bad requests with zero 5xx and no crash', async () => {
    const tasks = generateRequests(stack.current.baseUrl, writer);
    const started = Date.now();
    const outcomes = await pool(
      tasks.map((t) => t.run),
      8,
    );
    const labelled = outcomes.map((o, i) => ({ ...o, label: tasks[i]!.label, body: o.body.slice(0, 120) }));
    const bad = labelled.filter((o) => (o.status >= 500 || o.status === 0) && !expectedException(o));
    console.log(
      `[resilience] bad input: ${outcomes.length} requests in ${Date.now() - started} ms, statuses ${JSON.stringify(statusCounts(outcomes))}` +
        (bad.length ? `; failures ${JSON.stringify(bad.slice(0, 10))}` : ''),
    );
    expect(labelled.filter((o) => o.label === UNKNOWN_VERSION && !expectedException(o))).toEqual([]);
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
    const created: { id: string; payload: string }[] = [];
    for (const payload of XSS)
      for (const field of postFields) {
        const post = validPost('XSS', { [field]: payload });
        const json = await send(postPaths.api, {
          method: 'POST',
          body: JSON.stringify(post),
          headers: apiHeaders,
        });
        expect(json.status).toBe(201);
        created.push({ id: (JSON.parse(json.body) as { id: string }).id, payload });
        const form = await send(postPaths.list, {
          method: 'POST',
          body: signedForm({ ...post }),
          headers: formHeaders,
        });
        expect(form.status).toBe(303);
      }
    const list = await send(`${postPaths.list}?limit=100`);
    expect(list.status).toBe(200);
    for (const { id, payload } of created) {
      const page = await send(postPaths.detail(id));
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
