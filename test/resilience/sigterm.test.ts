import { randomUUID } from 'node:crypto';
import { docker, inspect } from '../stack/support/docker';
import { Stack, startStack } from '../stack/support/stack';
import { request, statusCounts, steadyLoad, sleep } from './support/load';

jest.setTimeout(180_000);

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ projectName: `posts-res-sigterm-${randomUUID().slice(0, 6)}` });
});

afterAll(async () => {
  await stack?.environment.down();
});

it('finishes the requests in flight on SIGTERM and exits well before the 12 s grace period', async () => {
  const appId = (await stack.compose(['ps', '-q', 'app'])).trim();
  const record = await inspect(appId);
  const graceS = Number((await docker(['inspect', '-f', '{{.Config.StopTimeout}}', appId])).trim());
  expect(graceS).toBe(12);
  expect(record.State.Running).toBe(true);

  // Arrange: slow requests (fibonacci(37) in worker threads, ~1 s of CPU each) in flight, plus steady page load.
  const load = steadyLoad(() => request(stack.baseUrl, '/posts'), {
    concurrency: 2,
    pauseMs: 150,
    maxMs: 60_000,
    maxRequests: 1_000,
  });
  const slow = Array.from({ length: 3 }, () =>
    request(stack.baseUrl, '/fibonacci/37', { headers: { accept: 'application/json' }, timeoutMs: 30_000 }),
  );
  await sleep(400);

  // Act: docker stop sends SIGTERM (to tini, which forwards it) and SIGKILLs after StopTimeout.
  const stopStarted = Date.now();
  await docker(['stop', appId]);
  const stopMs = Date.now() - stopStarted;
  const slowOutcomes = await Promise.all(slow);
  await sleep(500);
  const outcomes = await load.stop();
  const after = await inspect(appId);
  const exitCode = Number((await docker(['inspect', '-f', '{{.State.ExitCode}}', appId])).trim());

  // Assert: every in-flight request completed; page requests either succeeded or, once the app had stopped
  // accepting, got nginx's clean 502/503 page, never a reset connection or a truncated answer.
  console.log(
    `[resilience] SIGTERM: docker stop took ${stopMs} ms (grace ${graceS} s), exit code ${exitCode}, ` +
      `slow requests ${JSON.stringify(slowOutcomes.map((o) => [o.status, o.ms]))}, page load ${JSON.stringify(statusCounts(outcomes))}`,
  );
  expect(slowOutcomes.map((o) => o.status)).toEqual([200, 200, 200]);
  for (const o of slowOutcomes) expect(JSON.parse(o.body)).toMatchObject({ n: 37, result: 24157817 });
  expect(stopMs).toBeLessThan(graceS * 1000);
  expect(exitCode).toBe(0);
  expect(after.State.Running).toBe(false);
  expect(outcomes.filter((o) => o.status === 0)).toEqual([]);
  expect(outcomes.filter((o) => ![200, 502, 503, 504].includes(o.status))).toEqual([]);
});
