import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  DockerComposeEnvironment,
  StartedDockerComposeEnvironment,
  Wait,
  type WaitStrategy,
} from 'testcontainers';
import getPort from 'get-port';
import { PRODUCT } from '../../app/src/product';
import { docker, dockerExec } from './docker';

export const projectRoot = path.resolve(__dirname, '..', '..');
export const composeFile = 'docker-compose.yml';

export interface StackOptions {
  /** Part of the compose project name, so leftover containers say which test made them. */
  label?: string;
  /** Reuse a project (same containers and volumes), e.g. after `down` without removing volumes. */
  projectName?: string;
  /** ${VAR} values for compose; HTTP_PORT and HTTPS_PORT default to free ports, SEED_COUNT to 30. */
  env?: Record<string, string>;
  /** Extra compose files after docker-compose.yml, relative to the project root. */
  composeFiles?: string[];
  /** Another checkout to run from (a copy whose files the test changes, e.g. its secrets); this one by default. */
  root?: string;
  /**
   * How to tell that an extra container is ready, by container name ('pebble-1'). Without one, a container
   * with no healthcheck is waited for by connecting to its published ports on Testcontainers' Docker host,
   * which inside a container is the bridge gateway: a port published on 127.0.0.1 is never reachable there.
   */
  waitFor?: Record<string, WaitStrategy>;
  /** How long each container may take to become ready; 180 s by default (a cold CI machine is slow). */
  startupTimeoutMs?: number;
}

/** One line of `docker events --format '{{json .}}'`. */
export interface DockerEvent {
  status: string;
  timeNano: number;
  Actor: { Attributes: Record<string, string> };
}

export interface Stack {
  projectName: string;
  baseUrl: string;
  port: number;
  env: Record<string, string>;
  /** All compose files of this stack, absolute, in order. */
  files: string[];
  /** Container id of the service's first container (replica 1), running or not. */
  idOf(service: string): Promise<string>;
  /** Container ids of every container of the service (all replicas). */
  idsOf(service: string): Promise<string[]>;
  /** `docker exec` in the service's first container; never throws on the command's exit code. */
  exec(service: string, command: string[]): Promise<{ exitCode: number; output: string }>;
  /** Runs `docker compose` on this stack's project and files, e.g. ['up', '-d', '--scale', 'app=3', '--wait']. */
  compose(args: string[]): Promise<string>;
  /** Stops and removes the containers; volumes too unless removeVolumes is false. */
  down(options?: { removeVolumes?: boolean }): Promise<void>;
  /** down (keeping volumes), then up the same project again: what a host reboot or redeploy does. */
  restart(): Promise<Stack>;
  /**
   * This project's docker events since just before its `up`, recorded as they happened: the engine keeps only
   * its last few hundred events, and 1 s healthchecks push a stack's start events out of that history.
   */
  events(): DockerEvent[];
}

/** Streams `docker events` for one compose project into memory until stopped. */
function recordEvents(projectName: string): { events: DockerEvent[]; stop(): void } {
  const events: DockerEvent[] = [];
  const child = spawn(
    'docker',
    ['events', '--filter', `label=com.docker.compose.project=${projectName}`, '--format', '{{json .}}'],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  let partial = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.startsWith('{')) events.push(JSON.parse(line) as DockerEvent);
  });
  return { events, stop: () => child.kill() };
}

const safeName = (text: string) => text.toLowerCase().replace(/[^a-z0-9_-]/g, '-');

/**
 * Brings up the real docker-compose.yml (plus any extra files) under a fresh project name and waits until
 * every long-running service is healthy. Image variables (NODE_IMAGE, NGINX_IMAGE, MONGO_IMAGE, APP_IMAGE)
 * come from the environment: the official images by default, the offline toolchain's where it set them.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const projectName =
    options.projectName ?? safeName(`${PRODUCT.slug}-${options.label ?? 'test'}-${randomUUID().slice(0, 6)}`);
  const port = Number(options.env?.HTTP_PORT ?? (await getPort()));
  const httpsPort = options.env?.HTTPS_PORT ?? String(await getPort());
  const env = { HTTP_PORT: String(port), HTTPS_PORT: httpsPort, SEED_COUNT: '30', ...options.env };
  const relativeFiles = [composeFile, ...(options.composeFiles ?? [])];
  const root = options.root ?? projectRoot;
  const files = relativeFiles.map((file) => path.join(root, file));
  const recorder = recordEvents(projectName);
  let composeEnvironment = new DockerComposeEnvironment(root, relativeFiles)
    .withProjectName(projectName)
    .withEnvironment(env)
    .withWaitStrategy('mongo_db-1', Wait.forHealthCheck())
    .withWaitStrategy('app-1', Wait.forHealthCheck())
    .withWaitStrategy('nginx-1', Wait.forHealthCheck())
    .withStartupTimeout(options.startupTimeoutMs ?? 180_000);
  for (const [container, strategy] of Object.entries(options.waitFor ?? {}))
    composeEnvironment = composeEnvironment.withWaitStrategy(container, strategy);
  const environment = await composeEnvironment.up().catch(async (error: unknown) => {
    recorder.stop();
    throw await failedStart(error, projectName, files, env, recorder.events);
  });
  return stackOf(environment, { ...options, projectName, env }, port, files, recorder);
}

/** `docker compose` on one project and its files, with the stack's ${VAR} values over the environment. */
function runCompose(projectName: string, files: string[], env: Record<string, string>, args: string[]) {
  return docker(['compose', '-p', projectName, ...files.flatMap((f) => ['-f', f]), ...args], {
    ...process.env,
    ...env,
  });
}

/**
 * A stack that did not come up. Testcontainers has already removed it and its error does not say which
 * container failed, so the error gains each container's recorded lifecycle (CI keeps nothing else), and
 * anything the removal missed (a container started late) is removed too, so it cannot leak into later tests.
 */
async function failedStart(
  error: unknown,
  projectName: string,
  files: string[],
  env: Record<string, string>,
  events: DockerEvent[],
): Promise<Error> {
  await runCompose(projectName, files, env, ['down', '--volumes', '-t', '2']).catch((downError: unknown) =>
    console.error(`[stack] could not remove ${projectName}: ${String(downError)}`),
  );
  const message = error instanceof Error ? error.message : String(error);
  return new Error(`compose project ${projectName} did not come up: ${message}\n${lifecycles(events)}`, {
    cause: error,
  });
}

/** "app-1: create, start, health_status: healthy, …" per container, without the healthchecks' exec noise. */
function lifecycles(events: DockerEvent[]): string {
  const byContainer = new Map<string, string[]>();
  for (const { status, Actor } of events) {
    const name = Actor.Attributes['com.docker.compose.service'];
    if (!name || status.startsWith('exec_')) continue;
    const container = `${name}-${Actor.Attributes['com.docker.compose.container-number'] ?? '?'}`;
    const exitCode = Actor.Attributes.exitCode === undefined ? '' : ` (exit ${Actor.Attributes.exitCode})`;
    byContainer.set(container, [...(byContainer.get(container) ?? []), status + exitCode]);
  }
  return [...byContainer].map(([container, seen]) => `  ${container}: ${seen.join(', ')}`).join('\n');
}

function stackOf(
  environment: StartedDockerComposeEnvironment,
  options: StackOptions & { projectName: string; env: Record<string, string> },
  port: number,
  files: string[],
  recorder: { events: DockerEvent[]; stop(): void },
): Stack {
  const { projectName, env } = options;
  const compose = (args: string[]) => runCompose(projectName, files, env, args);
  const containers = async (service: string, extra: string[] = []) =>
    (
      await docker([
        'ps',
        '-aq',
        '--filter',
        `label=com.docker.compose.project=${projectName}`,
        '--filter',
        `label=com.docker.compose.service=${service}`,
        ...extra,
      ])
    )
      .split('\n')
      .filter(Boolean);
  const stack: Stack = {
    projectName,
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    env,
    files,
    idOf: async (service) => {
      const [id] = await containers(service, ['--filter', 'label=com.docker.compose.container-number=1']);
      if (!id) throw new Error(`no container for service "${service}" in compose project ${projectName}`);
      return id;
    },
    idsOf: (service) => containers(service),
    exec: async (service, command) => dockerExec(await stack.idOf(service), command),
    compose,
    down: async ({ removeVolumes = true } = {}) => {
      recorder.stop();
      await environment.down({ removeVolumes });
    },
    restart: async () => {
      recorder.stop();
      await environment.down({ removeVolumes: false });
      return startStack({ ...options, projectName, env });
    },
    events: () => [...recorder.events],
  };
  return stack;
}

/**
 * One stack for the whole test file: started in beforeAll, taken down (with its volumes) in afterAll.
 * `current` is the live stack; after `restart()` it is the new one.
 */
export function useStack(options: StackOptions = {}): { readonly current: Stack; restart(): Promise<Stack> } {
  let stack: Stack | undefined;
  beforeAll(async () => {
    stack = await startStack(options);
  });
  afterAll(async () => {
    await stack?.down();
  });
  return {
    get current(): Stack {
      if (!stack) throw new Error('the stack is not up: use it inside a test or a later beforeAll');
      return stack;
    },
    restart: async () => {
      if (!stack) throw new Error('the stack is not up');
      stack = await stack.restart();
      return stack;
    },
  };
}

/**
 * Copies the files git tracks under `paths` (relative to the project root) into `dest`, with their modes: a
 * checkout for startStack({ root }) whose files a test changes, or newer files over an older checkout.
 */
export function copyTrackedFiles(dest: string, paths: string[]): void {
  const files = execFileSync('git', ['ls-files', '-z', ...paths], { cwd: projectRoot, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean);
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(dest, file)), { recursive: true });
    fs.copyFileSync(path.join(projectRoot, file), path.join(dest, file));
    fs.chmodSync(path.join(dest, file), fs.statSync(path.join(projectRoot, file)).mode);
  }
}

/** The services of the core compose file: the two tiers, and the secrets and migrations one-shots. */
export const coreServices = ['app', 'db-secrets', 'migrate', 'mongo_db', 'nginx'];

/** `docker compose config --services` of docker-compose.yml plus overlays (paths from the project root), sorted. */
export async function composeServices(...overlays: string[]): Promise<string[]> {
  const files = [composeFile, ...overlays].flatMap((file) => ['-f', path.join(projectRoot, file)]);
  const out = await docker(['compose', ...files, 'config', '--services'], process.env);
  return out.split('\n').filter(Boolean).sort();
}
