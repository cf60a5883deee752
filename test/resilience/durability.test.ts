import { containerLogs, docker, inspect, type DockerInspect } from '../support/docker';
import { apiWrite, registerAccount } from '../support/accounts';
import { uncached } from '../support/http';
import { postPaths, validPost } from '../support/posts';
import { useStack } from '../support/stack';
import { eventually, sleep } from '../support/wait';
import { request, statusCounts, steadyLoad } from '../support/load';

jest.setTimeout(300_000);

// The rate limit off (nginx's POST limit would turn most of the stream into 429s): this test is about the data.
const stack = useStack({
  label: 'res-durable',
  composeFiles: ['test/resilience/bad-input/no-rate-limit.compose.yml'],
});

/**
 * Every post id in the database, read through nginx with the JSON API, 100 a page, following the `next`
 * cursor links: the page count comes from an estimate, the links from the database itself.
 */
async function allPostIds(baseUrl: string): Promise<Set<string>> {
  const ids = new Set<string>();
  let url: string | null = `${postPaths.api}?limit=100`;
  for (let n = 0; url && n < 100; n++) {
    const r = await request(baseUrl, url, { headers: { accept: 'application/json', ...uncached } }); // the database's, not nginx's
    if (r.status !== 200) throw new Error(`GET ${url}: ${r.status} ${r.error ?? r.body.slice(0, 200)}`);
    const data = JSON.parse(r.body) as { items: { id: string }[]; next: string | null };
    for (const item of data.items) ids.add(item.id);
    url = data.next;
    await sleep(60);
  }
  return ids;
}

it('keeps every post whose POST got a 201, across a SIGKILL of the database mid-write and a full down/up', async () => {
  const acknowledged = new Map<string, string>(); // id -> title
  const headers = apiWrite(await registerAccount(stack.current.baseUrl, 'durable'));
  const send = async () => {
    const input = validPost('Durable');
    const o = await request(stack.current.baseUrl, postPaths.api, {
      method: 'POST',
      headers,
      body: JSON.stringify(input),
    });
    if (o.status === 201) acknowledged.set((JSON.parse(o.body) as { id: string }).id, input.title);
    return o;
  };
  const writes = steadyLoad(send, { concurrency: 3, pauseMs: 100, maxMs: 150_000, maxRequests: 3_000 });

  // Act 1: SIGKILL the database while POSTs are in flight: no clean shutdown, only what the journal (MongoDB)
  // or the database's write-ahead log holds survives. The writes ask for j: true, so every 201 must.
  await sleep(3_000);
  const mongoId = await stack.current.idOf('mongo_db');
  const beforeKill = acknowledged.size;
  await docker(['kill', '--signal', 'KILL', mongoId]);
  const killed = (await inspect(mongoId)) as DockerInspect & { State: { ExitCode: number } };
  await sleep(1_500);
  const autoRestarted = (await inspect(mongoId)).State.Running;
  if (!autoRestarted) await docker(['start', mongoId]);
  await eventually(
    async () => {
      expect((await inspect(mongoId)).State.Health?.Status).toBe('healthy');
      const r = await request(stack.current.baseUrl, `${postPaths.api}?limit=1`, {
        headers: { accept: 'application/json' },
      });
      expect(r.status).toBe(200);
    },
    { timeoutMs: 90_000 },
  );
  const afterRecovery = acknowledged.size;
  await sleep(3_000);
  const outcomes = await writes.stop();
  const afterKill = await allPostIds(stack.current.baseUrl);
  // Why any POST got something other than 201 or 503: the app's unhandled errors, read before the down/up.
  const unexpected = outcomes.filter((o) => o.status !== 201 && o.status !== 503);
  const appErrors =
    unexpected.length === 0
      ? []
      : (await containerLogs(await stack.current.idOf('app')))
          .split('\n')
          .filter((line) => line.includes('unhandled error'))
          .slice(0, 5);

  // Act 2: full down (volumes kept) and up.
  await stack.restart();
  const afterDownUp = await allPostIds(stack.current.baseUrl);

  // Assert
  const ids = [...acknowledged.keys()];
  const lostAfterKill = ids.filter((id) => !afterKill.has(id));
  const lostAfterDownUp = ids.filter((id) => !afterDownUp.has(id));
  console.log(
    `[resilience] durability: ${outcomes.length} POSTs ${JSON.stringify(statusCounts(outcomes))}; ` +
      `${acknowledged.size} got 201 (${beforeKill} before the SIGKILL of mongo_db, ${afterRecovery - beforeKill} while it ` +
      `was down or recovering, ${acknowledged.size - afterRecovery} after; database ${autoRestarted ? 'restarted by its restart policy' : 'started again by the test'}); ` +
      `lost after SIGKILL: ${lostAfterKill.length}; lost after down/up: ${lostAfterDownUp.length}; ` +
      `posts in the database: ${afterKill.size} then ${afterDownUp.size}`,
  );
  expect(killed.State.Running).toBe(false);
  expect(killed.State.ExitCode).toBe(137); // SIGKILL, not a clean stop
  expect(beforeKill).toBeGreaterThan(5);
  expect(acknowledged.size).toBeGreaterThan(afterRecovery);
  // The database away is a 503 the client can retry, never a 500.
  expect({ unexpected: statusCounts(unexpected), appErrors }).toEqual({ unexpected: {}, appErrors: [] });
  expect(lostAfterKill).toEqual([]);
  expect(lostAfterDownUp).toEqual([]);
  const sample = ids[ids.length - 1]!;
  const detail = await request(stack.current.baseUrl, postPaths.apiItem(sample), {
    headers: { accept: 'application/json' },
  });
  expect(JSON.parse(detail.body)).toMatchObject({ id: sample, title: acknowledged.get(sample) });
});
