import fs from 'node:fs';
import path from 'node:path';
import { docker } from '../../test/support/docker';
import { composeServices, coreServices, projectRoot } from '../../test/support/stack';

jest.setTimeout(120_000);

/**
 * The monitoring files, checked by each image's own tool (Debian's packages offline, the official images
 * otherwise): promtool for Prometheus' config and rules (every alert fires in its unit test,
 * monitoring/tests/alerts.test.yml), amtool for Alertmanager's, the blackbox exporter's --config.check for its
 * probe. No stack needed, only Docker.
 */
const images = {
  prometheus: process.env.PROMETHEUS_IMAGE ?? 'prom/prometheus:v2.53.1',
  alertmanager: process.env.ALERTMANAGER_IMAGE ?? 'prom/alertmanager:v0.27.0',
  blackbox: process.env.BLACKBOX_EXPORTER_IMAGE ?? 'prom/blackbox-exporter:v0.25.0',
};
/** Runs an image's tool, offline, with monitoring/ mounted read-only at `mountAt`; docker fails on a non-zero exit. */
const tool = (image: string, entrypoint: string, mountAt: string, args: string[]) =>
  docker([
    'run',
    '--rm',
    '--network',
    'none',
    '-v',
    `${path.join(projectRoot, 'monitoring')}:${mountAt}:ro`,
    '--entrypoint',
    entrypoint,
    image,
    ...args,
  ]);
const promtool = (args: string[]) => tool(images.prometheus, '/bin/promtool', '/etc/prometheus', args);

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
        'PageLatencyHigh',
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

  it('the Alertmanager config is valid', async () => {
    const output = await tool(images.alertmanager, '/bin/amtool', '/m', [
      'check-config',
      '/m/alertmanager.yml',
    ]);

    expect(output).toContain('SUCCESS');
    expect(output).toMatch(/1 receivers/);
  });

  it("the blackbox exporter's probe config is valid", async () => {
    // It logs to stderr, which docker() does not return: the exit code is the check.
    await expect(
      tool(images.blackbox, '/bin/blackbox_exporter', '/m', [
        '--config.file=/m/blackbox.yml',
        '--config.check',
      ]),
    ).resolves.toBeDefined();
  });
});

describe('monitoring/compose.yml', () => {
  it('adds Prometheus, Alertmanager and the three exporters to the core', async () => {
    const added = (await composeServices('monitoring/compose.yml')).filter((s) => !coreServices.includes(s));

    expect(added).toEqual([
      'alertmanager',
      'blackbox-exporter',
      'nginx-exporter',
      'node-exporter',
      'prometheus',
    ]);
  });
});
