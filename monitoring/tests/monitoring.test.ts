import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { containerLogs, inspect } from '../../test/support/docker';
import { httpClient, uncached } from '../../test/support/http';
import { postPaths, postRoutes } from '../../test/support/posts';
import { projectRoot, useStack } from '../../test/support/stack';
import { eventually } from '../../test/support/wait';

jest.setTimeout(420_000);

/**
 * The `monitoring` profile for real: Prometheus finds every app replica through Docker's DNS, scrapes them,
 * the exporters, Alertmanager and itself; the blackbox exporter probes the site over HTTPS; an alert fires
 * when a target goes away and Alertmanager delivers it. The only changes from the committed files are the
 * intervals (Prometheus 2 s instead of 15 s, Alertmanager's grouping waits 1 s, TargetDown's `for` 10 s instead
 * of a minute: promtool's tests/alerts.test.yml checks that it fires within the minute) and a webhook receiver, a container that
 * prints what it is sent; the other rules and the routes are the real ones.
 */
const overrideDir = path.join('test-results', `monitoring-${randomUUID().slice(0, 8)}`);

/** A committed monitoring file with some settings changed: a setting that is gone fails the test loudly. */
function overridden(file: string, changes: [from: string, to: string][]): string {
  let text = fs.readFileSync(path.join(projectRoot, 'monitoring', file), 'utf8');
  for (const [from, to] of changes) {
    if (!text.includes(from)) throw new Error(`monitoring/${file} no longer has "${from}"`);
    text = text.replace(from, to);
  }
  fs.mkdirSync(path.dirname(path.join(projectRoot, overrideDir, file)), { recursive: true });
  fs.writeFileSync(path.join(projectRoot, overrideDir, file), text);
  return `./${overrideDir}/${file}`;
}

/** Prints every request body it gets on one line: the test reads Alertmanager's notifications from its log. */
const sinkScript =
  "require('http').createServer((req, res) => { let body = ''; req.on('data', (c) => (body += c));" +
  " req.on('end', () => { console.log(body.replace(/\\n/g, ' ')); res.end(); }); }).listen(8080)";

function writeFastConfig(): string {
  fs.mkdirSync(path.join(projectRoot, overrideDir), { recursive: true });
  const prometheusConfig = overridden('prometheus.yml', [
    ['scrape_interval: 15s', 'scrape_interval: 2s'],
    ['evaluation_interval: 15s', 'evaluation_interval: 2s'],
    ['scrape_timeout: 5s', 'scrape_timeout: 2s'],
    ['refresh_interval: 5s', 'refresh_interval: 2s'],
  ]);
  const rules = overridden('rules/alerts.yml', [
    [
      '      - alert: TargetDown\n        expr: up == 0\n        for: 1m\n',
      '      - alert: TargetDown\n        expr: up == 0\n        for: 10s\n',
    ],
  ]);
  const alertmanagerConfig = overridden('alertmanager.yml', [
    ['group_wait: 30s', 'group_wait: 1s'],
    ['group_interval: 5m', 'group_interval: 5s'],
    [
      '  - name: default\n',
      '  - name: default\n    webhook_configs:\n      - url: http://alert-sink:8080/\n',
    ],
  ]);
  const compose = {
    services: {
      prometheus: {
        volumes: [
          `${prometheusConfig}:/etc/prometheus/prometheus.yml:ro`,
          `${rules}:/etc/prometheus/rules/alerts.yml:ro`,
        ],
      },
      alertmanager: { volumes: [`${alertmanagerConfig}:/etc/alertmanager/alertmanager.yml:ro`] },
      'alert-sink': {
        image: process.env.NODE_IMAGE ?? 'node:24-bookworm-slim',
        command: ['node', '-e', sinkScript],
        networks: ['frontend'],
      },
    },
  };
  // JSON is YAML: no quoting to get wrong.
  fs.writeFileSync(path.join(projectRoot, overrideDir, 'compose.yml'), JSON.stringify(compose, null, 2));
  return path.join(overrideDir, 'compose.yml');
}

// PROMETHEUS_PORT=0 and ALERTMANAGER_PORT=0: Docker picks free host ports (still on 127.0.0.1), read back with
// docker inspect.
const stack = useStack({
  label: 'monitoring',
  composeFiles: ['monitoring/compose.yml', writeFastConfig()],
  env: { PROMETHEUS_PORT: '0', ALERTMANAGER_PORT: '0', HTTPS_PORT: '0' },
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

/** Where compose published a service's port on the host (127.0.0.1 only, checked by a test). */
async function published(service: string, port: number) {
  const binding = (await inspect(await stack.current.idOf(service))).NetworkSettings.Ports[
    `${port}/tcp`
  ]?.[0];
  if (!binding) throw new Error(`${service} publishes no port ${port}`);
  return binding;
}

/** Prometheus' API on its published port. */
async function prometheus() {
  const binding = await published('prometheus', 9090);
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

/** The alerts Alertmanager holds now, from its API on its published port. */
async function alertmanagerAlerts(): Promise<
  { labels: Record<string, string>; status: { state: string } }[]
> {
  const binding = await published('alertmanager', 9093);
  const response = await httpClient(`http://127.0.0.1:${binding.HostPort}`).get('/api/v2/alerts');
  expect(response.status).toBe(200);
  return response.data;
}

/** The notifications the webhook receiver got, parsed from its log (one JSON body per line). */
async function notifications(): Promise<{ status: string; alerts: { labels: Record<string, string> }[] }[]> {
  const log = await containerLogs(await stack.current.idOf('alert-sink'));
  return log
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
}

/** Every job but the app's, with its one target up. */
const others = { alertmanager: ['up'], https: ['up'], nginx: ['up'], node: ['up'], prometheus: ['up'] };
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

  it("publishes Prometheus' and Alertmanager's UIs on 127.0.0.1 only, and nothing of nginx but its public port", async () => {
    const { binding } = await prometheus();
    const alertmanager = await published('alertmanager', 9093);
    const nginxPorts = (await inspect(await stack.current.idOf('nginx'))).NetworkSettings.Ports;

    expect(binding.HostIp).toBe('127.0.0.1');
    expect(alertmanager.HostIp).toBe('127.0.0.1');
    expect(nginxPorts['8081/tcp'] ?? null).toBeNull();
  });

  it('scrapes the app replica, the nginx and node exporters, the HTTPS probe, Alertmanager and itself, all up', async () => {
    const api = await prometheus();

    const targets = await eventually(
      async () => {
        const all = await api.targets();
        expect(byJob(all)).toEqual({ ...others, app: ['up'] });
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
      async () => expect(byJob(await api.targets())).toEqual({ ...others, app: ['up', 'up'] }),
      { timeoutMs: 60_000 },
    );
  });

  it('collects the app metrics by route pattern, the pool, readiness, and nginx connections', async () => {
    const site = httpClient(stack.current.baseUrl);
    // Past nginx's micro-cache, so each of the four reaches the app and is counted there.
    for (let i = 0; i < 4; i++)
      expect((await site.get(postPaths.list, { headers: uncached })).status).toBe(200);
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

  it("reads the host's root filesystem, for the disk alerts: the same size the test sees", async () => {
    const api = await prometheus();

    const [root] = await eventually(
      async () => {
        const found = await api.query('node_filesystem_size_bytes{job="node", mountpoint="/"}');
        expect(found).toHaveLength(1);
        return found;
      },
      { timeoutMs: 30_000 },
    );
    const [free] = await api.query(
      'node_filesystem_avail_bytes{job="node", mountpoint="/"} / node_filesystem_size_bytes{job="node", mountpoint="/"}',
    );

    const { bsize, blocks } = fs.statfsSync('/');
    expect(Number(root!.value[1])).toBe(bsize * blocks);
    expect(Number(free?.value[1])).toBeGreaterThan(0);
    expect(Number(free?.value[1])).toBeLessThan(1);
  });

  it("probes the site over HTTPS through nginx and reads the certificate's end: a year for the self-signed one", async () => {
    const api = await prometheus();

    const probe = await eventually(
      async () => {
        const [success] = await api.query('probe_success{job="https"}');
        expect(success?.value[1]).toBe('1');
        return success!;
      },
      { timeoutMs: 30_000 },
    );
    const [status] = await api.query('probe_http_status_code{job="https"}');
    const [daysLeft] = await api.query('(probe_ssl_earliest_cert_expiry{job="https"} - time()) / 86400');

    expect(probe.metric.instance).toBe('https://nginx:8443/healthz');
    expect(status?.value[1]).toBe('200');
    // nginx made a 365-day certificate when it started (no DOMAIN here): CertificateExpiresSoon stays quiet.
    expect(Number(daysLeft?.value[1])).toBeGreaterThan(364);
    expect(Number(daysLeft?.value[1])).toBeLessThanOrEqual(365);
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

  it('fires TargetDown when the exporter stops: pending at once, firing after its `for`', async () => {
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

  it('hands the firing alert to Alertmanager, which notifies its receiver', async () => {
    // Follows the previous test: the exporter is stopped and TargetDown{job="nginx"} fires in Prometheus.
    const targetDown = (labels: Record<string, string>) =>
      labels.alertname === 'TargetDown' && labels.job === 'nginx';

    // Prometheus sends at once, and again every minute (--rules.alert.resend-delay) if a send failed.
    const held = await eventually(
      async () => {
        const alerts = (await alertmanagerAlerts()).filter((a) => targetDown(a.labels));
        expect(alerts.map((a) => a.status.state)).toEqual(['active']);
        return alerts[0]!;
      },
      { timeoutMs: 90_000, everyMs: 1_000 },
    );
    const sent = await eventually(
      async () => {
        const firing = (await notifications()).filter(
          (n) => n.status === 'firing' && n.alerts.some((a) => targetDown(a.labels)),
        );
        expect(firing).not.toHaveLength(0);
        return firing[0]!;
      },
      { timeoutMs: 30_000, everyMs: 1_000 },
    );

    expect(held.labels.severity).toBe('critical');
    expect(sent.alerts.find((a) => targetDown(a.labels))?.labels.instance).toBe('nginx-exporter:9113');
  });
});
