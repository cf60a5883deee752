import { docker, inspect } from '../support/docker';
import { jsonHeaders, postPaths, validPost } from '../support/posts';
import { useStack } from '../support/stack';
import { eventually, sleep } from '../support/wait';
import { request, statusCounts, steadyLoad } from './support/load';

jest.setTimeout(300_000);

const stack = useStack({ label: 'res-durable' });

/** Every post id in the database, read through nginx with the JSON API (100 per page). */
async function allPostIds(baseUrl: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for (let page = 1; page < 100; page++) {
    const r = await request(baseUrl, `${postPaths.api}?limit=100&page=${page}`, {
      headers: { accept: 'application/json' },
    });
    if (r.status !== 200)
      throw new Error(`GET ${postPaths.api} page ${page}: ${r.status} ${r.error ?? r.body.slice(0, 200)}`);
    const data = JSON.parse(r.body) as { items: { id: string }[]; pages: number };
    for (const item of data.items) ids.add(item.id);
    if (page >= data.pages) break;
    await sleep(60);
  }
  return ids;
}

it('keeps every post whose POST got a 2xx, across docker kill of the app and a full down/up', async () => {
  const acknowledged = new Map<string, string>(); // id -> title
  const send = async () => {
    const input = validPost('Durable');
    const o = await request(stack.current.baseUrl, postPaths.api, {
      method: 'POST',
      headers: jsonHeaders,
      body: JSON.stringify(input),
    });
    if (o.status >= 200 && o.status < 300)
      acknowledged.set((JSON.parse(o.body) as { id: string }).id, input.title);
    return o;
  };
  const writes = steadyLoad(send, { concurrency: 3, pauseMs: 200, maxMs: 120_000, maxRequests: 2_000 });

  // Act 1: SIGKILL the app mid-write, let it come back (restart policy, or docker start), keep writing.
  await sleep(3_000);
  const appId = await stack.current.idOf('app');
  const beforeKill = acknowledged.size;
  await docker(['kill', appId]);
  await sleep(2_000);
  const autoRestarted = (await inspect(appId)).State.Running;
  if (!autoRestarted) await docker(['start', appId]);
  await eventually(async () => expect((await inspect(appId)).State.Health?.Status).toBe('healthy'), {
    timeoutMs: 60_000,
  });
  await sleep(3_000);
  const outcomes = await writes.stop();
  const afterKill = await allPostIds(stack.current.baseUrl);

  // Act 2: full down (volumes kept) and up.
  await stack.restart();
  const afterDownUp = await allPostIds(stack.current.baseUrl);

  // Assert
  const ids = [...acknowledged.keys()];
  const lostAfterKill = ids.filter((id) => !afterKill.has(id));
  const lostAfterDownUp = ids.filter((id) => !afterDownUp.has(id));
  console.log(
    `[resilience] durability: ${outcomes.length} POSTs ${JSON.stringify(statusCounts(outcomes))}; ` +
      `${acknowledged.size} acknowledged (${beforeKill} before the kill; app ${autoRestarted ? 'restarted by its restart policy' : 'started again by the test'}); ` +
      `lost after docker kill: ${lostAfterKill.length}; lost after down/up: ${lostAfterDownUp.length}; ` +
      `posts in the database: ${afterKill.size} then ${afterDownUp.size}`,
  );
  expect(beforeKill).toBeGreaterThan(5);
  expect(acknowledged.size).toBeGreaterThan(beforeKill);
  expect(lostAfterKill).toEqual([]);
  expect(lostAfterDownUp).toEqual([]);
  const sample = ids[ids.length - 1]!;
  const detail = await request(stack.current.baseUrl, postPaths.apiItem(sample), {
    headers: { accept: 'application/json' },
  });
  expect(JSON.parse(detail.body)).toMatchObject({ id: sample, title: acknowledged.get(sample) });
});
