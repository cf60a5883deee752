import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// deploy.sh and deploy --swarm with a recording `ssh` first on PATH that records its arguments and the
// remote command, and answers 0: what reaches ssh, and whether a hostile host or folder gets there at all.
const root = path.resolve(__dirname, '..', '..');
let bin: string;
let record: string;

beforeAll(() => {
  bin = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-ssh-'));
  record = path.join(bin, 'calls');
  fs.writeFileSync(
    path.join(bin, 'ssh'),
    `#!/usr/bin/env bash\nprintf '%s\\n' "$@" >>"${record}"\necho ---- >>"${record}"\ncat >/dev/null\n`,
    { mode: 0o755 },
  );
});
afterAll(() => fs.rmSync(bin, { recursive: true, force: true }));
beforeEach(() => fs.rmSync(record, { force: true }));

function deploy(args: string[]) {
  const result = spawnSync('bash', ['scripts/deploy.sh', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, APP_IMAGE: 'registry.example:5000/app:1' },
  });
  const calls = fs.existsSync(record) ? fs.readFileSync(record, 'utf8').split('----\n').filter(Boolean) : [];
  return { ...result, calls: calls.map((c) => c.trimEnd().split('\n')) };
}

it.each([
  ['an ssh option as the host', ['-oProxyCommand=touch /tmp/pwned', '--pull']],
  ['an ssh option after --', ['--pull', '--', '-oProxyCommand=touch /tmp/pwned']],
  ['a folder that closes the quotes', ['--pull', '--dir', "/opt/x'; touch /tmp/pwned; '", 'u@h']],
  ['a relative folder', ['--pull', '--dir', 'opt/stack', 'u@h']],
  ['the root folder', ['--pull', '--dir', '/', 'u@h']],
  ['a folder with ..', ['--pull', '--dir', '/opt/../etc', 'u@h']],
  ['a swarm node that is an ssh option', ['--swarm', '--node', '-oProxyCommand=touch /tmp/pwned', 'u@h']],
  ['a swarm folder with a space', ['--swarm', '--dir', '/opt/my stack', 'u@h']],
])('refuses %s before ssh runs', (_label, args) => {
  const result = deploy(args);

  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(/is not a host|must be an absolute path|unknown option/);
  expect(result.calls).toEqual([]);
});

it('puts -- before the host, so ssh never reads it as an option', () => {
  const result = deploy(['--pull', '--dir', '/opt/my-stack', 'deployer@example.com']);

  expect(result.status).toBe(0);
  expect(result.calls).toHaveLength(1);
  const argv = result.calls[0]!;
  expect(argv.slice(argv.indexOf('--') + 1, argv.indexOf('--') + 2)).toEqual(['deployer@example.com']);
  expect(argv.join('\n')).toContain(
    'flock -n 9 || { echo "[deploy] another deploy is running on this host (it holds /opt/my-stack/.deploy.lock)',
  );
});

it('deploy --swarm ships to each node and the manager with -- before each host', () => {
  const result = deploy(['--swarm', '--node', 'n1@worker', 'm@manager']);

  expect(result.status).toBe(0);
  const hosts = result.calls.map((argv) => argv[argv.indexOf('--') + 1]);
  expect(hosts).toEqual(['n1@worker', 'm@manager', 'm@manager']);
});

describe("user-data's daemon.json", () => {
  // write_daemon_json alone, taken from the script as cloud-init would run it.
  function daemonJson(env: Record<string, string> = {}) {
    const file = path.join(bin, 'daemon.json');
    const result = spawnSync(
      'bash',
      ['-c', `eval "$(sed -n '/^write_daemon_json() {/,/^}/p' scripts/ec2/user-data.sh)"; write_daemon_json`],
      {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, LIVE_RESTORE: 'true', ...env, DAEMON_JSON: file },
      },
    );
    expect(result.stderr).toBe('');
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  }

  it('has the CIS daemon settings and capped logs', () => {
    expect(daemonJson()).toEqual({
      'live-restore': true,
      'no-new-privileges': true,
      icc: false,
      'log-driver': 'json-file',
      'log-opts': { 'max-size': '10m', 'max-file': '5' },
    });
  });

  it('turns live-restore off for a Swarm node', () => {
    expect(daemonJson({ LIVE_RESTORE: 'false' })['live-restore']).toBe(false);
  });
});
