import { getContainerRuntimeClient, type StartedTestContainer } from 'testcontainers';
import { loadConfig } from '../../app/src/config';
import { startServer, stopServer, type RunningServer } from '../../app/src/server';
import { httpClient } from '../support/http';
import { startMongoContainer } from '../support/mongo';
import { postPaths } from '../support/posts';
import { eventually } from '../support/wait';
import getPort from 'get-port';

// Real containers and real HTTP: allow for slow CI machines.
jest.setTimeout(150_000);

async function dockerContainer(id: string) {
  const runtime = await getContainerRuntimeClient();
  return runtime.container.getById(id);
}

/**
 * Uses its OWN MongoDB container (not the shared one) because it stops and starts it.
 * The app is started first, against a port where nothing listens yet: MongoDB "arrives late".
 */
describe('readiness follows the database (dedicated container)', () => {
  let port: number;
  let container: StartedTestContainer | undefined;
  let running: RunningServer;
  const http = () => httpClient(running.url);
  const readyz = () => http().get('/readyz');
  /** Polls /readyz until it answers `status`; fails with the last answer's status when it never does. */
  const readyzBecomes = (status: number, timeoutMs: number) =>
    eventually(
      async () => {
        const r = await readyz();
        expect(r.status).toBe(status);
        return r;
      },
      { timeoutMs, everyMs: 200 },
    );

  beforeAll(async () => {
    port = await getPort();
    running = await startServer(
      loadConfig({
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
        DB_HOST: `mongodb://127.0.0.1:${port}/readiness`,
        DB_CONNECT_RETRY_INITIAL_MS: '200',
        DB_CONNECT_RETRY_MAX_MS: '1000',
        DB_SERVER_SELECTION_TIMEOUT_MS: '1000',
        DB_HEARTBEAT_MS: '500',
      }),
    );
  });
  afterAll(async () => {
    await stopServer(running);
    await container?.stop();
  });

  it('serves /healthz, 503 readiness and 503 pages while MongoDB is not there yet', async () => {
    const [health, ready, page, api, home] = await Promise.all([
      http().get('/healthz'),
      readyz(),
      http().get(postPaths.list),
      http().get(postPaths.api),
      http().get('/'),
    ]);

    expect(health).toMatchObject({ status: 200, data: { status: 'ok' } });
    expect(ready).toMatchObject({ status: 503, data: { status: 'unavailable' } });
    expect(page).toMatchObject({ status: 503, headers: { 'retry-after': '5' } });
    expect(page.data).toContain('503');
    expect(api).toMatchObject({ status: 503, data: { error: expect.any(String) } });
    expect(home.status).toBe(200);
  });

  it('answers 503 for the forms too: their CSRF tokens live in sessions, and sessions in MongoDB', async () => {
    const form = { headers: { 'content-type': 'application/x-www-form-urlencoded' } };

    const [login, register, posted, withCookie] = await Promise.all([
      http().get('/login'),
      http().get('/register'),
      http().post('/login', 'username=a&password=b', form),
      http().get(postPaths.list, { headers: { cookie: 'sid=s%3Asomething' } }),
    ]);

    expect([login.status, register.status, posted.status, withCookie.status]).toEqual([503, 503, 503, 503]);
  });

  it('becomes ready once MongoDB starts', async () => {
    container = await startMongoContainer({ hostPort: port });

    const ready = await readyzBecomes(200, 15_000);
    const list = await http().get(postPaths.api);

    expect(ready).toMatchObject({ status: 200, data: { status: 'ready' } });
    expect(list.status).toBe(200);
  });

  it('turns 503 while the container is stopped, keeps the process alive, and recovers after it restarts', async () => {
    const docker = await dockerContainer(container!.getId());

    await docker.stop({ t: 1 });
    const down = await readyzBecomes(503, 15_000);
    const [health, page, api] = await Promise.all([
      http().get('/healthz'),
      http().get(postPaths.list),
      http().get(postPaths.api),
    ]);

    expect(down).toMatchObject({ status: 503 });
    expect(health.status).toBe(200);
    expect(page.status).toBe(503);
    expect(api.status).toBe(503);

    await docker.start();
    const startedAt = Date.now();
    const back = await readyzBecomes(200, 30_000);
    const recoveredInMs = Date.now() - startedAt;
    const list = await http().get(postPaths.api);

    expect(back).toMatchObject({ status: 200, data: { status: 'ready' } });
    expect(list.status).toBe(200);
    console.log(`[integration] readiness recovered ${recoveredInMs} ms after docker start`);
  });
});
