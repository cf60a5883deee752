import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { DockerComposeEnvironment, StartedDockerComposeEnvironment, Wait } from 'testcontainers';
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
  /** ${VAR} values for compose; HTTP_PORT defaults to a free port, SEED_COUNT to 30. */
  env?: Record<string, string>;
  /** Extra compose files after docker-compose.yml, relative to the project root. */
  composeFiles?: string[];
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
  const env = { HTTP_PORT: String(port), SEED_COUNT: '30', ...options.env };
  const relativeFiles = [composeFile, ...(options.composeFiles ?? [])];
  const files = relativeFiles.map((file) => path.join(projectRoot, file));
  const environment = await new DockerComposeEnvironment(projectRoot, relativeFiles)
    .withProjectName(projectName)
    .withEnvironment(env)
    .withWaitStrategy('mongo_db-1', Wait.forHealthCheck())
    .withWaitStrategy('app-1', Wait.forHealthCheck())
    .withWaitStrategy('nginx-1', Wait.forHealthCheck())
    .withStartupTimeout(180_000)
    .up();
  return stackOf(environment, { ...options, projectName, env }, port, files);
}

function stackOf(
  environment: StartedDockerComposeEnvironment,
  options: StackOptions & { projectName: string; env: Record<string, string> },
  port: number,
  files: string[],
): Stack {
  const { projectName, env } = options;
  const compose = (args: string[]) =>
    docker(['compose', '-p', projectName, ...files.flatMap((f) => ['-f', f]), ...args], {
      ...process.env,
      ...env,
    });
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
      await environment.down({ removeVolumes });
    },
    restart: async () => {
      await environment.down({ removeVolumes: false });
      return startStack({ ...options, projectName, env });
    },
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
