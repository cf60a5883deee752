import { Router } from 'express';
import { postPaths, postRoutes } from '../support/posts';
import { eventually } from '../support/wait';
import { sample, serveApp } from '../support/metrics';

type Served = Awaited<ReturnType<typeof serveApp>>;
let s: Served;
beforeEach(async () => {
  s = await serveApp();
});
afterEach(() => s.close());

const count = (text: string, labels: string) => sample(text, 'http_request_duration_seconds_count', labels);

describe('/metrics on the app port', () => {
  it('serves the default Node metrics, app_info and app_ready in the Prometheus text format', async () => {
    const response = await s.http.get<string>('/metrics', { responseType: 'text' });

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(sample(response.data, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(response.data).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
    expect(response.data).toContain('# TYPE nodejs_gc_duration_seconds histogram');
    expect(sample(response.data, 'app_info', 'version="9.9.9-test"')).toBe(1);
  });

  it('does not exist for a request that came through a proxy (X-Forwarded-For), whatever the spelling', async () => {
    const direct = await s.http.get('/metrics');
    const proxied = await s.http.get('/metrics', { headers: { 'X-Forwarded-For': '198.51.100.7' } });
    const shouted = await s.http.get('/METRICS', { headers: { 'X-Forwarded-For': '198.51.100.7' } });

    expect(direct.status).toBe(200);
    expect(proxied.status).toBe(404);
    expect(shouted.status).toBe(404);
    expect(JSON.stringify(proxied.data)).not.toContain('process_resident_memory_bytes');
  });

  it('reports app_ready 0 without MongoDB, 1 once connected, 0 again while shutting down', async () => {
    expect(sample(await s.scrape(), 'app_ready')).toBe(0);

    s.state.connected = true;
    expect(sample(await s.scrape(), 'app_ready')).toBe(1);

    s.readiness.shuttingDown = true;
    expect(sample(await s.scrape(), 'app_ready')).toBe(0);
  });

  it('does not count its own scrapes as requests', async () => {
    await s.scrape();
    await s.scrape();

    expect(await s.scrape()).not.toContain('route="/metrics"');
  });
});

describe('http_request_duration_seconds', () => {
  it('labels a routed request with the full pattern (mount path + route path) and its status', async () => {
    await s.http.get(postPaths.apiItem('abc'), { headers: { accept: 'application/json' } });
    await s.http.get(postPaths.apiItem('def'), { headers: { accept: 'application/json' } });
    await s.http.get(postPaths.list);
    await s.http.get('/healthz');

    const text = await s.scrape();
    // No database here: the posts routes answer 503 through the error handler, after the router has
    // restored req.baseUrl; the pattern still carries /api/posts.
    expect(count(text, `method="GET",route="${postRoutes.apiItem}",status="503"`)).toBe(2);
    expect(count(text, `method="GET",route="${postRoutes.list}",status="503"`)).toBe(1);
    expect(count(text, 'method="GET",route="/healthz",status="200"')).toBe(1);
    expect(text).not.toContain(postPaths.apiItem('abc'));
  });

  it('gives every 404 no route matched one `unmatched` value, so scanners cannot grow the series', async () => {
    for (const path of [
      '/wp-login.php',
      '/.env.bak',
      `${postPaths.apiItem('x')}/y/z`,
      '/public/nope.css',
      '/a/b/c',
    ]) {
      expect((await s.http.get(path)).status).toBe(404);
    }
    await s.http.request({ method: 'PROPFIND', url: '/x' });

    const text = await s.scrape();
    const routes = new Set(
      [...text.matchAll(/http_request_duration_seconds_count\{[^}]*route="([^"]*)"/g)].map((m) => m[1]),
    );
    expect(routes).toEqual(new Set(['unmatched']));
    expect(count(text, 'method="GET",route="unmatched",status="404"')).toBe(5);
    expect(count(text, 'method="OTHER",route="unmatched",status="404"')).toBe(1);
  });

  it('labels files served under a mount (express.static at /public) by the mount, not the file', async () => {
    expect((await s.http.get('/public/css/site.css')).status).toBe(200);

    expect(count(await s.scrape(), 'route="/public/*",status="200"')).toBe(1);
  });

  it('counts a request the client abandoned as status 499, and in flight until it ends', async () => {
    // Arrange: a route that answers only when told, mounted on a router to check the prefix too.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const router = Router();
    router.get('/hold/:n', async (_req, res) => {
      await held;
      if (!res.destroyed) res.send('late');
    });
    // Moved in front of the 404 and error handlers, the last two layers of the app's router.
    const stack = (s.app as unknown as { router: { stack: unknown[] } }).router.stack;
    s.app.use('/test', router);
    const layer = stack.pop();
    stack.splice(stack.length - 2, 0, layer);

    const controller = new AbortController();
    const pending = s.http.get('/test/hold/1', { signal: controller.signal }).catch(() => 'aborted');
    await eventually(async () => expect(sample(await s.scrape(), 'http_requests_in_flight')).toBe(1));

    controller.abort();
    expect(await pending).toBe('aborted');
    await eventually(async () => expect(sample(await s.scrape(), 'http_requests_in_flight')).toBe(0));
    release();

    expect(count(await s.scrape(), 'route="/test/hold/:n",status="499"')).toBe(1);
  });
});
