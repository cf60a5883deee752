import { randomUUID } from 'node:crypto';
import { containerLogs, docker, inspect } from '../support/docker';
import { postPaths } from '../support/posts';
import { useStack } from '../support/stack';
import { eventually, sleep } from '../support/wait';
import { request, statusCounts, steadyLoad } from './support/load';

jest.setTimeout(240_000);

const stack = useStack({ label: 'res-rolling' });

it('restarts each of 2 app replicas in turn under steady load through nginx, and no request fails', async () => {
  // Arrange: two replicas, and nginx (re-resolving the app's name every 2 s) already sending to both. '/' is
  // logged at info level with the request id (probes are logged at debug only).
  const { baseUrl } = stack.current;
  await stack.current.compose(['up', '-d', '--no-recreate', '--scale', 'app=2', '--wait']);
  const replicas = await stack.current.idsOf('app');
  expect(replicas).toHaveLength(2);
  const marker = `rr-${randomUUID().slice(0, 8)}`;
  let n = 0;
  await eventually(
    async () => {
      for (let i = 0; i < 6; i++)
        await request(baseUrl, '/', { headers: { 'x-request-id': `${marker}-${n++}` } });
      const unseen = [];
      for (const id of replicas) if (!(await containerLogs(id)).includes(marker)) unseen.push(id);
      expect(unseen).toEqual([]); // replicas that have not served a request yet
    },
    { timeoutMs: 40_000, everyMs: 500 },
  );

  // Act: ~13 requests/s (below the 20 r/s per-IP limit) for the whole rolling restart.
  const load = steadyLoad(() => request(baseUrl, postPaths.list), {
    concurrency: 2,
    pauseMs: 150,
    maxMs: 150_000,
    maxRequests: 3_000,
  });
  await sleep(2_000);
  const restarts: { id: string; ms: number }[] = [];
  for (const id of replicas) {
    const started = Date.now();
    // docker restart with the service's stop grace period, as an orchestrator would do it.
    await docker(['restart', '-t', '12', id]);
    await eventually(async () => expect((await inspect(id)).State.Health?.Status).toBe('healthy'), {
      timeoutMs: 60_000,
    });
    restarts.push({ id: id.slice(0, 12), ms: Date.now() - started });
    await sleep(3_000); // both replicas serve again before the next one goes
  }
  const outcomes = await load.stop();

  // Assert
  const failed = outcomes.filter((o) => o.status !== 200);
  console.log(
    `[resilience] rolling restart: ${outcomes.length} requests, ${failed.length} failed, statuses ${JSON.stringify(
      statusCounts(outcomes),
    )}, restarts ${JSON.stringify(restarts)}` +
      (failed.length
        ? `; first failures ${JSON.stringify(failed.slice(0, 5).map((f) => ({ s: f.status, e: f.error, t: f.at })))}`
        : ''),
  );
  if (failed.length) {
    // nginx's error log says why (upstream refused, closed, no live upstreams...).
    const nginxId = await stack.current.idOf('nginx');
    const errors = (await containerLogs(nginxId)).split('\n').filter((l) => /\[(error|warn|crit)\]/.test(l));
    console.log(`[resilience] nginx error log:\n${errors.slice(-40).join('\n')}`);
  }
  expect(outcomes.length).toBeGreaterThan(100);
  expect(failed).toEqual([]);
});
