import type { StartedTestContainer } from 'testcontainers';

export default async function globalTeardown(): Promise<void> {
  const container = (globalThis as { __MONGO_CONTAINER__?: StartedTestContainer }).__MONGO_CONTAINER__;
  await container?.stop();
}
