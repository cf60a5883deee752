import path from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  DockerComposeEnvironment,
  StartedDockerComposeEnvironment,
  StartedTestContainer,
  Wait,
} from 'testcontainers';
import { docker } from './docker';
import getPort from 'get-port';

export const projectRoot = path.resolve(__dirname, '..', '..', '..');
export const composeFile = 'docker-compose.yml';

export interface Stack {
  environment: StartedDockerComposeEnvironment;
  projectName: string;
  baseUrl: string;
  port: number;
  env: Record<string, string>;
  container(name: 'nginx-1' | 'app-1' | 'mongo_db-1' | string): StartedTestContainer;
  /** Runs `docker compose` on this stack's project, e.g. ['up', '-d', '--scale', 'app=3', '--wait']. */
  compose(args: string[]): Promise<string>;
}

/**
 * Brings up the real docker-compose.yml under a fresh project name and waits until every service is healthy.
 * Image variables (NODE_IMAGE, NGINX_IMAGE, MONGO_IMAGE, APP_IMAGE) come from the environment, so the
 * official images are used by default and the offline toolchain's images where it set them.
 */
export async function startStack(
  options: { projectName?: string; env?: Record<string, string> } = {},
): Promise<Stack> {
  const projectName = options.projectName ?? `posts-test-${randomUUID().slice(0, 8)}`;
  const port = Number(options.env?.HTTP_PORT ?? (await getPort()));
  const env = { HTTP_PORT: String(port), SEED_COUNT: '30', ...options.env };
  const environment = await composeEnvironment(projectName, env).up();
  return {
    environment,
    projectName,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    env,
    container: (name) => environment.getContainer(name),
    compose: (args) =>
      docker(['compose', '-p', projectName, '-f', path.join(projectRoot, composeFile), ...args], {
        ...process.env,
        ...env,
      }),
  };
}

/** The same project again, e.g. after `down` without removing volumes. */
export async function restartStack(stack: Stack): Promise<Stack> {
  return startStack({ projectName: stack.projectName, env: stack.env });
}

function composeEnvironment(projectName: string, env: Record<string, string>): DockerComposeEnvironment {
  return new DockerComposeEnvironment(projectRoot, composeFile)
    .withProjectName(projectName)
    .withEnvironment(env)
    .withWaitStrategy('mongo_db-1', Wait.forHealthCheck())
    .withWaitStrategy('app-1', Wait.forHealthCheck())
    .withWaitStrategy('nginx-1', Wait.forHealthCheck())
    .withStartupTimeout(180_000);
}

/** Polls until `check` returns a truthy value or the time runs out; returns the value. */
export async function eventually<T>(
  check: () => Promise<T>,
  timeoutMs = 30_000,
  everyMs = 250,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${lastError ? `: ${String(lastError)}` : ''}`);
}
