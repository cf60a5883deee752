import fs from 'node:fs';
import path from 'node:path';
import { docker } from '../support/docker';
import { projectRoot } from '../support/stack';

jest.setTimeout(120_000);

/**
 * The monitoring files, checked by the Prometheus image's own promtool (Debian's 2.42 offline, the official
 * image otherwise): the config parses, the rules parse, and every alert fires in its unit test
 * (monitoring/tests/alerts.test.yml). No stack needed, only Docker.
 */
const image = process.env.PROMETHEUS_IMAGE ?? 'prom/prometheus:v2.53.1';
const promtool = (args: string[]) =>
  docker([
    'run',
    '--rm',
    '--network',
    'none',
    '-v',
    `${path.join(projectRoot, 'monitoring')}:/etc/prometheus:ro`,
    '--entrypoint',
    '/bin/promtool',
    image,
    ...args,
  ]);

describe('monitoring/ with promtool', () => {
  it('every alert rule passes its unit test', async () => {
    const output = await promtool(['test', 'rules', '/etc/prometheus/tests/alerts.test.yml']);

    expect(output).toContain('SUCCESS');
    expect(output).not.toContain('FAILED');
  });

  it('every alert in the rules has a test that makes it fire', async () => {
    const rules = await promtool(['check', 'rules', '/etc/prometheus/rules/alerts.yml']);
    const ruleText = fs.readFileSync(path.join(projectRoot, 'monitoring/rules/alerts.yml'), 'utf8');
    const testText = fs.readFileSync(path.join(projectRoot, 'monitoring/tests/alerts.test.yml'), 'utf8');
    const alerts = [...ruleText.matchAll(/- alert: (\w+)/g)].map((m) => m[1]!);
    // An alert that fires somewhere in the tests has a non-empty exp_alerts right after its alertname.
    const fired = new Set(
      [...testText.matchAll(/alertname: (\w+)\n\s+exp_alerts:\n\s+- exp_labels/g)].map((m) => m[1]),
    );

    expect(rules).toContain(`SUCCESS: ${alerts.length} rules found`);
    expect(alerts).toEqual(
      expect.arrayContaining([
        'TargetDown',
        'HighErrorRatio',
        'PostsLatencyHigh',
        'AppNotReady',
        'NginxConnectionSaturation',
      ]),
    );
    expect(alerts.filter((a) => !fired.has(a))).toEqual([]);
  });

  it('the Prometheus config is valid, with its rule files', async () => {
    // check config also parses the rule files, at their in-container path (/etc/prometheus/rules).
    const output = await promtool(['check', 'config', '/etc/prometheus/prometheus.yml']);

    expect(output).toContain('SUCCESS');
  });
});

describe('the monitoring compose profile', () => {
  const services = async (profiles: string) =>
    (
      await docker(['compose', '-f', path.join(projectRoot, 'docker-compose.yml'), 'config', '--services'], {
        ...process.env,
        COMPOSE_PROFILES: profiles,
      })
    )
      .split('\n')
      .filter(Boolean)
      .sort();

  it('adds prometheus and nginx-exporter, and only with the profile', async () => {
    const without = await services('');
    const withProfile = await services('monitoring');

    expect(without).not.toContain('prometheus');
    expect(without).not.toContain('nginx-exporter');
    expect(withProfile.filter((s) => !without.includes(s))).toEqual(['nginx-exporter', 'prometheus']);
  });
});
