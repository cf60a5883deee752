import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { inspect } from '../support/docker';
import { httpClient } from '../support/http';
import { postPaths, postRoutes } from '../support/posts';
import { projectRoot, useStack } from '../support/stack';
import { eventually } from '../support/wait';

jest.setTimeout(420_000);

/**
 * The `monitoring` profile for real: Prometheus finds every app replica through Docker's DNS, scrapes them,
 * the nginx exporter and itself, and an alert fires when a target goes away. The only change from the
 * committed files is Prometheus' intervals (2 s instead of 15 s), so the test waits seconds, not minutes;
 * the rules are the real ones.
 */
const overrideDir = path.join('test-results', `monitoring-${randomUUID().slice(0, 8)}`);
function writeFastConfig(): string {
  const dir = path.join(projectRoot, overrideDir);
  fs.mkdirSync(dir, { recursive: true });
  let config = fs.readFileSync(path.join(projectRoot, 'monitoring', 'prometheus.yml'), 'utf8');
  for (const [from, to] of [
    ['scrape_interval: 15s', 'scrape_interval: 2s'],
    ['evaluation_interval: 15s', 'evaluation_interval: 2s'],
    ['scrape_timeout: 5s', 'scrape_timeout: 2s'],
    ['refresh_interval: 5s', 'refresh_interval: 2s'],
  ] as const) {
    if (!config.includes(from)) throw new Error(`monitoring/prometheus.yml no longer has "${from}"`);
    config = config.replace(from, to);
  }
  fs.writeFileSync(path.join(dir, 'prometheus.yml'), config);
  fs.writeFileSync(
    path.join(dir, 'compose.yml'),
    [
      'services:',
      '  prometheus:',
      '    volumes:',
      `      - ./${overrideDir}/prometheus.yml:/etc/prometheus/prometheus.yml:ro`,
      '',
    ].join('\n'),
  );
  return path.join(overrideDir, 'compose.yml');
}

// PROMETHEUS_PORT=0: Docker picks a free host port (still on 127.0.0.1), read back with docker inspect.
const stack = useStack({
  label: 'monitoring',
  composeFiles: [writeFastConfig()],
  env: { COMPOSE_PROFILES: 'monitoring', PROMETHEUS_PORT: '0', HTTPS_PORT: '0' },
});
afterAll(() => fs.rmSync(path.join(projectRoot, overrideDir), { recursive: true, force: true }));

interface Target {
  labels: { job: string; instance: string };
  health: string;
  lastError: string;
}
interface Alert {
  labels: Record<string, string>;
  state: string;
}

/** Prometheus' API on the host port compose published (127.0.0.1 only). */
async function prometheus() {
  const id = await stack.current.idOf('prometheus');
  const binding = (await inspect(id)).NetworkSettings.Ports['9090/tcp']?.[0];
  if (!binding) throw new Error('prometheus publishes no port');
  const api = httpClient(`http://127.0.0.1:${binding.HostPort}`);
  const get = async <T>(url: string, params?: Record<string, string>): Promise<T> => {
    const response = await api.get<{ status: string; data: T }>(url, { params });
    expect(response.status).toBe(200);
    return response.data.data;
  };
  return {
    binding,
    targets: async () => (await get<{ activeTargets: Target[] }>('/api/v1/targets')).activeTargets,
    alerts: async () => (await get<{ alerts: Alert[] }>('/api/v1/alerts')).alerts,
    query: async (query: string) =>
      (
        await get<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(
          '/api/v1/query',
          { query },
        )
      ).result,
  };
}

const byJob = (targets: Target[]) => {
  const jobs: Record<string, string[]> = {};
  for (const t of targets) (jobs[t.labels.job] ??= []).push(t.health);
  return jobs;
};

describe('the monitoring profile', () => {
  beforeAll(async () => {
    const api = await prometheus();
    await eventually(async () => expect(await api.targets()).not.toHaveLength(0), { timeoutMs: 60_000 });
  });

  it('publishes the Prometheus UI on 127.0.0.1 only, and nothing of nginx but its public port', async () => {
    const { binding } = await prometheus();
    const nginxPorts = (await inspect(await stack.current.idOf('nginx'))).NetworkSettings.Ports;

    expect(binding.HostIp).toBe('127.0.0.1');
    expect(nginxPorts['8081/tcp'] ?? null).toBeNull();
  });

  it('scrapes the app replica, the nginx exporter and itself, all up', async () => {
    const api = await prometheus();

    const targets = await eventually(
      async () => {
        const all = await api.targets();
        expect(byJob(all)).toEqual({ app: ['up'], nginx: ['up'], prometheus: ['up'] });
        return all;
      },
      { timeoutMs: 60_000 },
    );
    expect(targets.find((t) => t.labels.job === 'app')?.labels.instance).toMatch(/:3000$/);
  });

  it('finds every replica through DNS: --scale app=2 gives two app targets, both up', async () => {
    await stack.current.compose(['up', '-d', '--scale', 'app=2', '--wait']);
    const api = await prometheus();

    await eventually(
      async () =>
        expect(byJob(await api.targets())).toEqual({ app: ['up', 'up'], nginx: ['up'], prometheus: ['up'] }),
      { timeoutMs: 60_000 },
    );
  });

  it('collects the app metrics by route pattern, the pool, readiness, and nginx connections', async () => {
    const site = httpClient(stack.current.baseUrl);
    for (let i = 0; i < 4; i++) expect((await site.get(postPaths.list)).status).toBe(200);
    const api = await prometheus();

    await eventually(
      async () => {
        const posts = await api.query(
          `sum(http_request_duration_seconds_count{route="${postRoutes.list}",status="200"})`,
        );
        expect(Number(posts[0]?.value[1])).toBeGreaterThanOrEqual(4);
      },
      { timeoutMs: 30_000 },
    );
    const ready = await api.query('app_ready');
    expect(ready.map((r) => r.value[1])).toEqual(['1', '1']);
    const pool = await api.query('sum(mongodb_pool_connections)');
    expect(Number(pool[0]?.value[1])).toBeGreaterThan(0);
    const nginx = await api.query('nginx_connections_accepted');
    expect(Number(nginx[0]?.value[1])).toBeGreaterThan(0);
    expect(await api.query('nodejs_eventloop_lag_seconds')).toHaveLength(2);
  });

  it('never serves /metrics or stub_status through the public nginx server', async () => {
    const site = httpClient(stack.current.baseUrl);

    for (const p of ['/metrics', '/METRICS', '//metrics', '/metrics/', '/metrics?x=1', '/stub_status']) {
      // A full URL: axios would read '//metrics' alone as a protocol-relative address.
      const response = await site.get<string>(stack.current.baseUrl + p, { responseType: 'text' });
      expect({ path: p, status: response.status }).toEqual({ path: p, status: 404 });
      expect(response.data).not.toContain('process_resident_memory_bytes');
      expect(response.data).not.toContain('Active connections');
      // nginx answers the /metrics spellings itself (snippets/internal-only.conf), before the app is asked.
      if (p !== '/stub_status')
        expect({ path: p, body: response.data }).toEqual({
          path: p,
          body: expect.stringContaining('<center>nginx</center>'),
        });
    }
  });

  it('fires TargetDown when the exporter stops: pending at once, firing after its minute', async () => {
    const api = await prometheus();
    expect((await api.alerts()).filter((a) => a.labels.alertname === 'TargetDown')).toEqual([]);

    await stack.current.compose(['stop', 'nginx-exporter']);

    const nginxDown = async (state: string) => {
      const alerts = (await api.alerts()).filter((a) => a.labels.alertname === 'TargetDown');
      expect(alerts.map((a) => ({ job: a.labels.job, state: a.state }))).toEqual([{ job: 'nginx', state }]);
    };
    await eventually(() => nginxDown('pending'), { timeoutMs: 30_000, everyMs: 1_000 });
    await eventually(() => nginxDown('firing'), { timeoutMs: 120_000, everyMs: 2_000 });
  });
});
