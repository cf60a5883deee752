import { postFields, postPaths } from '../../support/posts';
import { type Outcome, rawRequest, request } from '../../support/load';
import {
  FUZZ_ALPHABET,
  formBodies,
  jsonBodies,
  MALFORMED_IDS,
  QUERIES,
  rawRequests,
  truncatedBodyRequest,
  unknownVersionRequest,
  XSS,
} from './inputs';

export interface Task {
  /** What was sent, for the failure message; also how the test recognises the special cases below. */
  label: string;
  run: () => Promise<Outcome>;
}

export const TRUNCATED_BODY = 'raw-truncated-body';
export const UNKNOWN_VERSION = 'raw-http-9.9';

/** A seeded PRNG (mulberry32), so the generated part is the same on every run. */
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

/** Who the writes come from: a signed-in account's API token, session cookie and CSRF token, and its post. */
export interface Writer {
  token: string;
  cookie: string;
  csrf: string;
  /** A post of the account's, for the change and delete routes. */
  postId: string;
}

/**
 * Every input of inputs.ts on every route and content preference it fits, then seeded fuzz until there are
 * `atLeast` requests. Sends to `baseUrl` (nginx); raw requests go to the same port over plain TCP. Writes are
 * signed in as `writer`, so the bad input reaches validation instead of stopping at 401 or 403.
 */
export function generateRequests(baseUrl: string, writer: Writer, atLeast = 2_100): Task[] {
  const bearer = { authorization: `Bearer ${writer.token}` };
  const withCsrf = (form: string) => `${form}&_csrf=${encodeURIComponent(writer.csrf)}`;
  const formHeaders = { 'content-type': 'application/x-www-form-urlencoded', cookie: writer.cookie };
  const port = Number(new URL(baseUrl).port);
  const send = (path: string, init: Parameters<typeof request>[2] = {}) => request(baseUrl, path, init);
  const rnd = prng(6);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const tasks: Task[] = [];
  const accepts = ['text/html', 'application/json'];
  const idRoutes = [postPaths.detail(''), postPaths.apiItem('')];
  const listRoutes = [postPaths.list, postPaths.api];

  // Malformed ids on every id route, with both content preferences and a few methods.
  for (const id of MALFORMED_IDS)
    for (const base of idRoutes)
      for (const accept of accepts)
        for (const method of ['GET', 'DELETE'])
          tasks.push({
            label: `${method} ${base}${id.slice(0, 30)}`,
            run: () => send(base + id, { method, headers: { accept } }),
          });
  // Operator objects and junk in query strings.
  for (const q of QUERIES)
    for (const base of [...listRoutes, '/'])
      for (const accept of accepts)
        tasks.push({
          label: `GET ${base}?${q.slice(0, 30)}`,
          run: () => send(`${base}?${q}`, { headers: { accept } }),
        });
  // JSON bodies on the API: creating, and changing the writer's post (with a current and a junk If-Match).
  const jsonWrites = [
    { method: 'POST', path: postPaths.api, ifMatch: undefined },
    { method: 'PATCH', path: postPaths.apiItem(writer.postId), ifMatch: '"v0"' },
    { method: 'PATCH', path: postPaths.apiItem(writer.postId), ifMatch: 'W/"v0", junk, "v99999999999"' },
  ];
  for (const b of jsonBodies())
    for (const w of jsonWrites)
      tasks.push({
        label: `${w.method} ${w.path} ${b.label}`,
        run: () =>
          send(w.path, {
            method: w.method,
            body: b.body,
            headers: {
              accept: pick(accepts),
              ...bearer,
              ...(w.ifMatch ? { 'if-match': w.ifMatch } : {}),
              ...(b.contentType === '' ? {} : { 'content-type': b.contentType ?? 'application/json' }),
            },
          }),
      });
  // Junk If-Match headers on DELETE: never the current version, so the post stays for the other requests.
  for (const ifMatch of ['', '*x', '"v', 'W/"v0"', '"v-1"', '"v1e9"', '"v0" trailing', 'x'.repeat(2000)])
    tasks.push({
      label: `DELETE ${postPaths.apiItem(writer.postId)} If-Match ${ifMatch.slice(0, 20)}`,
      run: () =>
        send(postPaths.apiItem(writer.postId), {
          method: 'DELETE',
          headers: { ...bearer, 'if-match': ifMatch },
        }),
    });
  // Form bodies on every form: new post, edit, delete (a junk version never matches), login, register, token
  // and revoking one (logout only ends the session the other requests need; its CSRF check is the same).
  const formRoutes = [
    postPaths.list,
    postPaths.edit(writer.postId),
    postPaths.remove(writer.postId),
    '/login',
    '/register',
    '/account/tokens',
    '/account/tokens/000000000000000000000000/revoke',
  ];
  for (const f of formBodies())
    for (const route of formRoutes)
      tasks.push({
        label: `POST ${route} form ${f.slice(0, 30)}`,
        run: () =>
          send(route, {
            method: 'POST',
            body: withCsrf(f),
            headers: { accept: pick(accepts), ...formHeaders },
          }),
      });
  // Raw requests, three times each.
  for (const bytes of rawRequests())
    for (let i = 0; i < 3; i++)
      tasks.push({ label: `raw ${String(bytes).slice(0, 40)}`, run: () => rawRequest(port, bytes) });
  for (let i = 0; i < 3; i++) {
    tasks.push({
      label: TRUNCATED_BODY,
      run: () => rawRequest(port, truncatedBodyRequest, 10_000, { halfClose: true }),
    });
    tasks.push({ label: UNKNOWN_VERSION, run: () => rawRequest(port, unknownVersionRequest) });
  }

  // Seeded fuzz: random ids (and unknown paths), queries and JSON bodies.
  const junk = (max: number) =>
    Array.from({ length: 1 + Math.floor(rnd() * max) }, () => pick([...FUZZ_ALPHABET])).join('');
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
  while (tasks.length < atLeast) {
    const kind = i++ % 3;
    if (kind === 0) {
      const p = `${pick([...idRoutes, '/'])}${encodeURIComponent(junk(40)).replace(/%25/g, pick(['%', '%25']))}`;
      tasks.push({
        label: `fuzz GET ${p.slice(0, 40)}`,
        run: () => send(p, { headers: { accept: pick(accepts) } }),
      });
    } else if (kind === 1) {
      const q = `${pick(['page', 'limit', 'page[$gt]', 'limit[$ne]', junk(6)])}=${encodeURIComponent(junk(12))}`;
      const base = pick(listRoutes);
      tasks.push({
        label: `fuzz GET ${base}?${q.slice(0, 30)}`,
        run: () => send(`${base}?${q}`, { headers: { accept: pick(accepts) } }),
      });
    } else {
      const body: Record<string, unknown> = {};
      for (const k of [...postFields, pick(['$where', '__proto__', 'extra', '$gt'])])
        if (rnd() < 0.9) body[k] = pick(values)();
      tasks.push({
        label: `fuzz POST ${JSON.stringify(body).slice(0, 40)}`,
        run: () =>
          send(postPaths.api, {
            method: 'POST',
            body: JSON.stringify(body),
            headers: { 'content-type': 'application/json', accept: 'application/json', ...bearer },
          }),
      });
    }
  }
  return tasks;
}
