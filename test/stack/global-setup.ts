import path from 'node:path';
import { docker } from '../support/docker';
import { appImage } from '../support/product';

/**
 * Runs once before the Docker-backed projects: fails loudly when no Docker engine answers, says which
 * images this run uses, and builds the app image once so every compose test starts from the same image.
 */
export default async function globalSetup(): Promise<void> {
  try {
    await docker(['info', '--format', '{{.ServerVersion}}']);
  } catch (error) {
    throw new Error(
      `These tests need a running Docker engine with compose v2 and none answered (${String(error)}). ` +
        'Start Docker, or on a machine without registry access run .ci/offline/setup.sh first.',
    );
  }
  const images = {
    database: process.env.MONGO_IMAGE ?? 'mongo:8.0 (default)',
    nginx: process.env.NGINX_IMAGE ?? 'nginx:1.30 (default)',
    node: process.env.NODE_IMAGE ?? 'node:24-bookworm-slim (default)',
  };
  console.log(
    `\n[stack] database image: ${images.database}; nginx image: ${images.nginx}; node image: ${images.node}`,
  );
  const started = Date.now();
  await docker(['compose', '-f', path.resolve(__dirname, '..', '..', 'docker-compose.yml'), 'build', 'app']);
  console.log(`[stack] app image ${appImage} built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
