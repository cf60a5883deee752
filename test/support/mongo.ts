import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';

/** MONGO_IMAGE (a mirror, or a MongoDB-compatible image on machines without a registry) or the official one. */
export const mongoImage = (): string => process.env.MONGO_IMAGE || 'mongo:8.0';

/**
 * A MongoDB-compatible server from an image that has mongosh (the official mongo image does).
 * Waits on a real ping healthcheck rather than on a log line, so the same code works for both images.
 */
export async function startMongoContainer(
  options: { image?: string; hostPort?: number; env?: Record<string, string> } = {},
): Promise<StartedTestContainer> {
  const { image = mongoImage(), hostPort, env = {} } = options;
  return new GenericContainer(image)
    .withEnvironment(env)
    .withExposedPorts(hostPort ? { container: 27017, host: hostPort } : 27017)
    .withHealthCheck({
      test: ['CMD', 'mongosh', '--quiet', '--eval', "db.adminCommand('ping').ok"],
      interval: 1_000,
      timeout: 3_000,
      retries: 60,
      startPeriod: 1_000,
    })
    .withWaitStrategy(Wait.forHealthCheck())
    .withStartupTimeout(120_000)
    .start();
}

export const mongoUri = (c: StartedTestContainer): string =>
  `mongodb://${c.getHost()}:${c.getMappedPort(27017)}`;
