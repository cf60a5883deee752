import { containerLogs, docker, inspect } from '../support/docker';
import { apiWrite, registerAccount } from '../support/accounts';
import { postPaths, validPost } from '../support/posts';
import { useStack } from '../support/stack';
import { eventually, sleep } from '../support/wait';
import { holdRequestInContainer } from '../support/held-request-in-container';
import { listPageLoad, statusCounts } from '../support/load';

jest.setTimeout(180_000);

// Two replicas: the one that is stopped drains its requests in flight while nginx sends new page requests to
// the other, so no page request may fail at all.
const stack = useStack({ label: 'res-sigterm', env: { APP_REPLICAS: '2' } });

it('finishes the requests in flight on SIGTERM, stops in under 10 s, and drops no page request', async () => {
  const appId = await stack.current.idOf('app');
  const nginxId = await stack.current.idOf('nginx');
  const graceS = Number((await docker(['inspect', '-f', '{{.Config.StopTimeout}}', appId])).trim());
  expect(graceS).toBe(12);
  const app = await inspect(appId);
  expect(app.State.Running).toBe(true);
  expect(await stack.current.idsOf('app')).toHaveLength(2);
  // The held requests go to this replica itself (its address), not to the service name, which nginx's
  // container would resolve to either replica.
  const [appAddress] = Object.entries(app.NetworkSettings.Networks)
    .filter(([name]) => name.endsWith('_frontend'))
    .map(([, network]) => network.IPAddress);
  expect(appAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);

  // Arrange: steady page load through nginx, and three create requests held in flight inside the app: all
  // but the last byte of each body sent (from nginx's container straight to app:3000), so the app is
  // inside them when the signal comes. No slow endpoint needed: the client holds them open.
  const load = listPageLoad(stack.current.baseUrl, { maxMs: 60_000, maxRequests: 1_000 });
  const inputs = [1, 2, 3].map(() => validPost('Held through SIGTERM'));
  const headers = apiWrite(await registerAccount(stack.current.baseUrl, 'sigterm'));
  const held = await Promise.all(
    inputs.map((input) =>
      holdRequestInContainer(
        nginxId,
        { host: appAddress!, port: 3000 },
        { path: postPaths.api, headers, body: JSON.stringify(input) },
      ),
    ),
  );
  await sleep(500);

  // Act: docker stop sends SIGTERM (to tini, which forwards it) and SIGKILLs after StopTimeout. Once the app
  // has logged the signal, and a while later, the held requests send their last byte.
  const stopStarted = Date.now();
  const stopping = docker(['stop', appId]).then(() => Date.now() - stopStarted);
  await eventually(async () => expect(await containerLogs(appId)).toMatch(/"msg":"signal received"/), {
    timeoutMs: 10_000,
    everyMs: 100,
  });
  await sleep(1_500); // still held: an app that did not wait for them would be gone by now
  const releasedAfterMs = Date.now() - stopStarted;
  await Promise.all(held.map((h) => h.release()));
  const answers = await Promise.all(held.map((h) => h.response));
  const stopMs = await stopping;
  await sleep(500);
  const outcomes = await load.stop();
  const after = await inspect(appId);
  const exitCode = Number((await docker(['inspect', '-f', '{{.State.ExitCode}}', appId])).trim());

  // Assert: every request in flight at SIGTERM completed, database write included; page requests either
  // succeeded: the other replica served them while this one drained (nginx retries a refused connection).
  console.log(
    `[resilience] SIGTERM: docker stop took ${stopMs} ms (grace ${graceS} s), exit code ${exitCode}, ` +
      `held requests released ${releasedAfterMs} ms after the stop began and answered ${JSON.stringify(answers.map((a) => a.status))}, ` +
      `page load ${JSON.stringify(statusCounts(outcomes))}`,
  );
  expect(answers.map((a) => a.status)).toEqual([201, 201, 201]);
  answers.forEach((answer, i) => expect(JSON.parse(answer.body)).toMatchObject({ title: inputs[i]!.title }));
  expect(stopMs).toBeGreaterThanOrEqual(releasedAfterMs); // the app waited for them
  expect(stopMs).toBeLessThan(10_000); // what we promise, well inside the 12 s grace period
  expect(exitCode).toBe(0);
  expect(after.State.Running).toBe(false);
  expect(outcomes.length).toBeGreaterThan(10);
  expect(outcomes.filter((o) => o.status !== 200)).toEqual([]);
});
