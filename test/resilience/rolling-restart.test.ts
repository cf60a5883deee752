import { randomUUID } from 'node:crypto';
import { containerLogs, docker, inspect } from '../support/docker';
import { useStack } from '../support/stack';
import { eventually, sleep } from '../support/wait';
import { listPageLoad, loadSummary } from '../support/load';
import { untilEveryReplicaServes } from '../support/replicas';

jest.setTimeout(240_000);

const stack = useStack({ label: 'res-rolling' });

it('restarts each of 2 app replicas in turn under steady load through nginx, and no request fails', async () => {
  // Arrange: two replicas, and nginx (re-resolving the app's name every 2 s) already sending to both.
  const { baseUrl } = stack.current;
  await stack.current.compose(['up', '-d', '--no-recreate', '--scale', 'app=2', '--wait']);
  const replicas = await stack.current.idsOf('app');
  expect(replicas).toHaveLength(2);
  await untilEveryReplicaServes(baseUrl, replicas, `rr-${randomUUID().slice(0, 8)}`);

  // Act: ~13 requests/s (below the 20 r/s per-IP limit) for the whole rolling restart.
  const load = listPageLoad(baseUrl, { maxMs: 150_000, maxRequests: 3_000 });
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
    `[resilience] rolling restart, restarts ${JSON.stringify(restarts)}: ${loadSummary(outcomes, (f) => ({ t: f.at }))}`,
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
