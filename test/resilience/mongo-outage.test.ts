import { docker, inspect } from '../support/docker';
import { postPaths } from '../support/posts';
import { useStack } from '../support/stack';
import { eventually, sleep } from '../support/wait';
import { listPageLoad, request, statusCounts } from '../support/load';

jest.setTimeout(180_000);

const stack = useStack({ label: 'res-mongo' });

it('keeps running through a 15 s MongoDB outage under load, answers 503 pages, and recovers within 5 s', async () => {
  const { baseUrl } = stack.current;
  const appId = await stack.current.idOf('app');
  const mongoId = await stack.current.idOf('mongo_db');
  const before = await inspect(appId);

  const load = listPageLoad(baseUrl, { pauseMs: 200, maxMs: 90_000, maxRequests: 2_000 });
  await sleep(2_000);

  // Act: MongoDB away for 15 s.
  // The outage starts when docker stop returns (MongoDB may take a while to stop) and lasts 15 s.
  await docker(['stop', mongoId]);
  const stoppedAt = Date.now();
  await sleep(15_000);
  const outageEnd = Date.now();
  await docker(['start', mongoId]);
  const backAt = Date.now();

  // Recovered = /readyz 200 and the list page 200, both through nginx.
  const recoveredAt = await eventually(
    async () => {
      const [ready, list] = await Promise.all([
        request(baseUrl, '/readyz'),
        request(baseUrl, postPaths.list),
      ]);
      expect([ready.status, list.status]).toEqual([200, 200]);
      return Date.now();
    },
    { timeoutMs: 30_000, everyMs: 100 },
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
