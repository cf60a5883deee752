import { randomUUID } from 'node:crypto';
import { docker, inspect } from '../stack/support/docker';
import { eventually, Stack, startStack } from '../stack/support/stack';
import { request, statusCounts, steadyLoad, sleep } from './support/load';

jest.setTimeout(180_000);

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ projectName: `posts-res-mongo-${randomUUID().slice(0, 6)}` });
});

afterAll(async () => {
  await stack?.environment.down();
});

it('keeps running through a 15 s MongoDB outage under load, answers 503 pages, and recovers within 5 s', async () => {
  const appId = (await stack.compose(['ps', '-q', 'app'])).trim();
  const mongoId = (await stack.compose(['ps', '-q', 'mongo_db'])).trim();
  const before = await inspect(appId);

  const load = steadyLoad(() => request(stack.baseUrl, '/posts'), {
    concurrency: 2,
    pauseMs: 200,
    maxMs: 90_000,
    maxRequests: 2_000,
  });
  await sleep(2_000);

  // Act: MongoDB away for 15 s.
  // The outage starts when docker stop returns (MongoDB may take a while to stop) and lasts 15 s.
  await docker(['stop', mongoId]);
  const stoppedAt = Date.now();
  await sleep(15_000);
  const outageEnd = Date.now();
  await docker(['start', mongoId]);
  const backAt = Date.now();

  // Recovered = /readyz 200 and /posts 200, both through nginx.
  const recoveredAt = await eventually(
    async () => {
      const [ready, posts] = await Promise.all([
        request(stack.baseUrl, '/readyz'),
        request(stack.baseUrl, '/posts'),
      ]);
      return ready.status === 200 && posts.status === 200 ? Date.now() : 0;
    },
    30_000,
    100,
  );
  await sleep(1_000);
  const outcomes = await load.stop();
  const after = await inspect(appId);

  // Assert
  // Requests sent once the app could notice (driver heartbeat 2 s) and answered before MongoDB came back.
  const during = outcomes.filter((o) => o.at > stoppedAt + 2_500 && o.at + o.ms < outageEnd);
  const unavailable = outcomes.filter((o) => o.status === 503);
  const recoveryMs = recoveredAt - backAt;
  console.log(
    `[resilience] MongoDB outage: ${outcomes.length} requests ${JSON.stringify(statusCounts(outcomes))}; ` +
      `during the outage ${JSON.stringify(statusCounts(during))}; recovered ${recoveryMs} ms after docker start returned; ` +
      `slowest 503 ${Math.max(0, ...unavailable.map((o) => o.ms))} ms`,
  );
  expect(after.RestartCount).toBe(before.RestartCount);
  expect(after.State.StartedAt).toBe(before.State.StartedAt);
  expect(after.State.Running).toBe(true);
  expect(during.length).toBeGreaterThan(10);
  expect(during.every((o) => o.status === 503)).toBe(true);
  // The app's own friendly page (not nginx's "app is starting" page): the app is up, only the database is not.
  for (const o of unavailable) expect(o.body).toContain('Temporarily unavailable');
  expect(unavailable.every((o) => o.body.includes('will reconnect by itself'))).toBe(true);
  expect(outcomes.filter((o) => o.status !== 200 && o.status !== 503)).toEqual([]);
  expect(recoveryMs).toBeLessThanOrEqual(5_000);
});
