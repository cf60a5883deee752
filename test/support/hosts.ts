import { ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { eventually, sleep } from './wait';
import getPort from 'get-port';

const run = promisify(execFile);

function requireBinary(file: string, aptPackage: string): void {
  if (!fs.existsSync(file)) {
    throw new Error(
      `These tests need ${file} and there is none: install it with \`apt-get install -y ${aptPackage}\`.`,
    );
  }
}

/** A background server process whose output is kept, for the failure message. */
class Daemon {
  output = '';
  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
  }
  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }
  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await Promise.race([gone, sleep(5_000)]);
  }
}

async function waitForPort(daemon: Daemon, port: number, timeoutMs = 15_000): Promise<void> {
  await eventually(
    async () => {
      if (daemon.exited) throw new Error(`${daemon.name} exited: ${daemon.output}`);
      await new Promise<void>((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1', () => (socket.end(), resolve()));
        socket.once('error', reject);
      });
    },
    { timeoutMs, everyMs: 100 },
  ).catch((error: Error) => {
    throw new Error(`${daemon.name} did not listen on 127.0.0.1:${port}: ${error.message}\n${daemon.output}`);
  });
}

export interface LoginUser {
  name: string;
  home: string;
  /** Deletes the user and its home (and everything the tests put there). */
  remove(): Promise<void>;
}

/**
 * A throwaway login user standing in for ec2-user: a home, no password (key login only), in the docker group
 * and nothing else, so the deploy runs exactly as it would on an instance and never as root. Creating a user
 * needs root (CI runs the tests as root).
 */
export async function createLoginUser(label: string): Promise<LoginUser> {
  if (process.getuid?.() !== 0) {
    throw new Error('The deploy tests create a throwaway login user in the docker group: run them as root.');
  }
  const name = `${label}-${Math.random().toString(36).slice(2, 8)}`.slice(0, 31);
  // '*': no password, yet not "locked", so sshd (without PAM) lets the key log in.
  await run('useradd', [
    '--create-home',
    '--shell',
    '/bin/bash',
    '--groups',
    'docker',
    '--password',
    '*',
    name,
  ]);
  const home = (await run('getent', ['passwd', name])).stdout.split(':')[5] ?? `/home/${name}`;
  return {
    name,
    home,
    remove: async () => {
      await run('userdel', ['--force', '--remove', name]).catch((e: Error) => console.error(e.message));
    },
  };
}

/** A folder made the way scripts/ec2/user-data.sh makes the stack's: owned by the user, group docker, setgid. */
export async function stackDirFor(user: LoginUser, name: string): Promise<string> {
  const dir = path.join(user.home, name);
  await run('install', ['-d', '-o', user.name, '-g', 'docker', '-m', '2775', dir]);
  return dir;
}

export interface SshHost {
  /** user@host for scripts/deploy.sh */
  target: string;
  port: number;
  /** Environment for scripts/deploy.sh: SSH_PORT, SSH_KEY and SSH_OPTS for this host. */
  env: Record<string, string>;
  /** Runs a command line over SSH as the login user; never throws on its exit code. */
  exec(command: string): Promise<{ code: number; output: string }>;
  stop(): Promise<void>;
}

/**
 * A dedicated sshd on 127.0.0.1:<free port> standing in for the EC2 host: its own host key, login only as
 * `user` with one key that this function generates (in the user's ~/.ssh, as on an instance), nothing else
 * (no passwords, no PAM, no root). Commands run on this machine, so the "server" uses the local Docker engine.
 */
export async function startSshHost(
  workDir: string,
  user: LoginUser,
  sessionEnv: Record<string, string> = {},
): Promise<SshHost> {
  requireBinary('/usr/sbin/sshd', 'openssh-server');
  requireBinary('/usr/bin/ssh', 'openssh-client');
  const dir = fs.mkdtempSync(path.join(workDir, 'sshd-'));
  const hostKey = path.join(dir, 'host_ed25519');
  const clientKey = path.join(dir, 'client_ed25519');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'deploy-test-host', '-f', hostKey]);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'deploy-test-client', '-f', clientKey]);
  const sshDir = path.join(user.home, '.ssh');
  fs.mkdirSync(sshDir, { recursive: true, mode: 0o700 });
  fs.copyFileSync(`${clientKey}.pub`, path.join(sshDir, 'authorized_keys'));
  fs.chmodSync(path.join(sshDir, 'authorized_keys'), 0o600);
  await run('chown', ['-R', `${user.name}:`, sshDir]);
  fs.writeFileSync(path.join(dir, 'known_hosts'), '');
  const port = await getPort();
  const setEnv = Object.entries(sessionEnv).map(([k, v]) => `${k}=${v}`);
  const config = [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${hostKey}`,
    `PidFile ${path.join(dir, 'sshd.pid')}`,
    'AuthorizedKeysFile .ssh/authorized_keys',
    'AuthenticationMethods publickey',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin no',
    `AllowUsers ${user.name}`,
    'UsePAM no',
    'StrictModes yes',
    'X11Forwarding no',
    'AllowTcpForwarding no',
    'PrintMotd no',
    ...(setEnv.length ? [`SetEnv ${setEnv.join(' ')}`] : []),
  ];
  const configFile = path.join(dir, 'sshd_config');
  fs.writeFileSync(configFile, `${config.join('\n')}\n`);
  // sshd's privilege separation directory (the openssh-server package's service makes it).
  fs.mkdirSync('/run/sshd', { recursive: true });
  const daemon = new Daemon(
    'sshd',
    spawn('/usr/sbin/sshd', ['-D', '-e', '-f', configFile], { stdio: ['ignore', 'pipe', 'pipe'] }),
  );
  await waitForPort(daemon, port);
  const sshOptions = [
    '-o',
    `UserKnownHostsFile=${path.join(dir, 'known_hosts')}`,
    '-o',
    'StrictHostKeyChecking=accept-new',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'LogLevel=ERROR',
  ];
  const target = `${user.name}@127.0.0.1`;
  return {
    target,
    port,
    env: {
      SSH_PORT: String(port),
      SSH_KEY: clientKey,
      SSH_OPTS: sshOptions
        .filter((o) => o !== '-o')
        .map((o) => `-o ${o}`)
        .join(' '),
    },
    exec: (command) =>
      new Promise((resolve) => {
        execFile(
          'ssh',
          ['-p', String(port), '-i', clientKey, '-o', 'BatchMode=yes', ...sshOptions, target, command],
          (error, stdout, stderr) => {
            const code = error ? Number((error as { code?: unknown }).code ?? -1) : 0;
            resolve({ code, output: `${stdout}${stderr}` });
          },
        );
      }),
    stop: () => daemon.stop(),
  };
}

export interface Registry {
  /** host:port, e.g. 127.0.0.1:40123 */
  address: string;
  stop(): Promise<void>;
}

/** Debian's docker-registry (the CNCF distribution registry) on 127.0.0.1, storing in a temp dir. */
export async function startRegistry(workDir: string): Promise<Registry> {
  requireBinary('/usr/bin/docker-registry', 'docker-registry');
  const dir = fs.mkdtempSync(path.join(workDir, 'registry-'));
  const port = await getPort();
  const configFile = path.join(dir, 'config.yml');
  fs.writeFileSync(
    configFile,
    [
      'version: 0.1',
      'log: { level: warn }',
      `storage: { filesystem: { rootdirectory: ${path.join(dir, 'data')} }, delete: { enabled: true } }`,
      `http: { addr: 127.0.0.1:${port} }`,
      '',
    ].join('\n'),
  );
  const daemon = new Daemon(
    'docker-registry',
    spawn('/usr/bin/docker-registry', ['serve', configFile], { stdio: ['ignore', 'pipe', 'pipe'] }),
  );
  await waitForPort(daemon, port);
  return { address: `127.0.0.1:${port}`, stop: () => daemon.stop() };
}

export function tempWorkDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${label}-`));
}

export interface ScriptResult {
  code: number;
  output: string;
  seconds: number;
}

/** Runs a script to completion with stdout and stderr interleaved, never throwing on a non-zero exit. */
export async function runScript(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<ScriptResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn('bash', [file, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code) =>
      resolve({ code: code ?? -1, output, seconds: (Date.now() - started) / 1000 }),
    );
  });
}
