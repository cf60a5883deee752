import type { StartedTestContainer } from 'testcontainers';
import { mongoImage, mongoUri, startMongoContainer } from '../support/mongo';

/** One MongoDB container for the whole integration run; tests get its URI through process.env. */
export default async function globalSetup(): Promise<void> {
  const image = mongoImage();
  const started = Date.now();
  const container = await startMongoContainer({ image });
  process.env.INTEGRATION_MONGO_URI = mongoUri(container);
  (globalThis as { __MONGO_CONTAINER__?: StartedTestContainer }).__MONGO_CONTAINER__ = container;
  console.log(
    `\n[integration] database image: ${image} (ready in ${((Date.now() - started) / 1000).toFixed(1)} s at ${process.env.INTEGRATION_MONGO_URI})`,
  );
}
