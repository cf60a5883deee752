import { postPaths, postRoutes } from '../support/posts';
import { serveApp } from '../support/metrics';

type Served = Awaited<ReturnType<typeof serveApp>>;
let s: Served;
beforeEach(async () => {
  s = await serveApp();
});
afterEach(() => s.close());

const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 };
const requestLines = (served: Served, path: string) => served.logs.filter((l) => l.path === path);

describe('request logs', () => {
  it('writes one compact line per request: method, route, path, status, duration, request id, client IP', async () => {
    await s.http.get(`${postPaths.apiItem('abc')}?limit=5`, {
      headers: { 'X-Request-ID': 'req-compact-1', Cookie: 'secret=1', 'User-Agent': 'x'.repeat(500) },
    });

    const lines = requestLines(s, postPaths.apiItem('abc'));
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(line).toMatchObject({
      reqId: 'req-compact-1',
      method: 'GET',
      route: postRoutes.apiItem,
      status: 503,
      clientIp: '127.0.0.1',
    });
    expect(typeof line.durationMs).toBe('number');
    expect(line).not.toHaveProperty('req');
    expect(line).not.toHaveProperty('res');
    expect(JSON.stringify(line)).not.toContain('secret=1');
    expect(JSON.stringify(line).length).toBeLessThan(400);
  });

  it('logs health probes and scrapes at debug however they end, other 5xx at error and 404s at warn', async () => {
    expect((await s.http.get('/readyz')).status).toBe(503);
    expect((await s.http.get('/healthz')).status).toBe(200);
    expect((await s.http.get('/metrics')).status).toBe(200);
    await s.http.get(postPaths.list);
    await s.http.get('/nope');
    await s.http.get('/');

    expect(requestLines(s, '/readyz').map((l) => l.level)).toEqual([LEVEL.debug]);
    expect(requestLines(s, '/healthz').map((l) => l.level)).toEqual([LEVEL.debug]);
    expect(requestLines(s, '/metrics').map((l) => l.level)).toEqual([LEVEL.debug]);
    expect(requestLines(s, postPaths.list).map((l) => l.level)).toEqual([LEVEL.error]);
    expect(requestLines(s, '/nope')).toEqual([
      expect.objectContaining({ level: LEVEL.warn, route: 'unmatched' }),
    ]);
    expect(requestLines(s, '/').map((l) => l.level)).toEqual([LEVEL.info]);
  });

  it('keeps the request id on a handler’s own log lines without the request headers', async () => {
    await s.http.get(postPaths.list, { headers: { 'X-Request-ID': 'req-handler-2' } });

    const own = s.logs.filter((l) => l.reqId === 'req-handler-2' && l.path === undefined);
    expect(own.length).toBeGreaterThan(0);
    for (const line of own) expect(line).not.toHaveProperty('req');
  });
});
