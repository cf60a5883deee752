/**
 * The load part of the measure step: its own copy of the stack (docker-compose.yml + compose.bench.yml, own
 * project name, free ports, torn down with -v), seeded size by size with the app image's seeder, every
 * scenario of scenarios.ts through nginx and straight to the app, and nginx's own /nginx-health as the ceiling.
 */
import { deepestPage } from '../../app/src/listing/pagination';
import { wrk } from './wrk';
import getPort from 'get-port';
import { PRODUCT } from '../../app/src/product';
import {
  briefError,
  compose,
  containerCpuMs,
  freePorts,
  load,
  measure,
  sampleDuring,
  seconds,
  serverRssMb,
  type LoadResult,
} from './lib';
import type { Failure, ScenarioRun, SizeRaw } from './raw';
import { registerAccount } from '../../test/support/accounts';
import { postCollection, postPaths, postTextField } from '../../test/support/posts';
import {
  html,
  PAGE_SIZE,
  SCENARIO_TITLES,
  scenarios,
  UNCACHED,
  type SizeContext,
  type Via,
} from './scenarios';
import { unexpectedAnswers } from './summary';

export const BENCH_FILES = ['docker-compose.yml', 'scripts/bench/compose.bench.yml'];

export interface LoadSettings {
  sizes: number[];
  duration: number;
  connections: number;
  maxWrites: number;
  /** Back-to-back rounds of uncached page 1 right after seeding the largest size up to 100 000. */
  stallRounds: number;
  /** Pairs of rounds of uncached page 1, through nginx then direct, at the smallest size. */
  proxyPairs: number;
}

type Log = (msg: string) => void;

async function getJson(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    headers: { accept: 'application/json' },
    signal: AbortSignal.timeout(300_000),
  });
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
  return (await res.json()) as Record<string, unknown>;
}

/**
 * Where the deep scenarios point. The cursor is found the way a client finds it: jump by number to a few
 * pages before the deep page, then follow the API's `next` links to it, so it is a real `next` cursor.
 */
export async function sizeContext(apiBase: string, posts: number): Promise<SizeContext> {
  // Numbered pages stop at a fixed depth (deeper ones redirect to the cursor listing): the deepest one served.
  const deepPage = Math.max(2, Math.min(Math.ceil(posts / PAGE_SIZE), deepestPage(PAGE_SIZE)));
  // The app reuses its "about N posts" total for a few seconds (LISTING_TOTAL_CACHE_MS): wait until it has
  // seen the seed, or the deep pages would be past its idea of the last page.
  let page1 = await getJson(`${apiBase}${postPaths.api}?limit=${PAGE_SIZE}`);
  for (let waited = 0; Number(page1.total) < posts && waited < 30_000; waited += 500) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    page1 = await getJson(`${apiBase}${postPaths.api}?limit=${PAGE_SIZE}`);
  }
  const first = (page1.items as { id: string }[] | undefined)?.[0];
  if (!first) throw new Error(`GET ${postPaths.api} returned no items with ${posts} posts seeded`);
  const hops = Math.min(3, deepPage - 1);
  let listing = await getJson(`${apiBase}${postPaths.api}?page=${deepPage - hops}&limit=${PAGE_SIZE}`);
  let cursor = '';
  for (let i = 0; i < hops; i++) {
    const next = listing.next;
    if (typeof next !== 'string') throw new Error(`no next link after ${deepPage - hops + i} pages`);
    cursor = new URL(next, apiBase).searchParams.get('before') ?? '';
    if (!cursor) throw new Error(`next link without a cursor: ${next}`);
    listing = await getJson(new URL(next, apiBase).toString());
  }
  return { posts, deepPage, deepCursor: cursor, postId: first.id };
}

export async function measureLoad(
  s: LoadSettings,
  log: Log,
  failures: Failure[],
): Promise<{ ceiling: LoadResult | null; sizes: SizeRaw[] }> {
  const project = `${PRODUCT.slug}-bench-${process.pid}`;
  const env = {
    ...(await freePorts()),
    BENCH_APP_PORT: String(await getPort()),
    BENCH_BASELINE_PORT: String(await getPort()),
    SEED_COUNT: '0',
    BASELINE_COLLECTION: postCollection,
    BASELINE_TEXT_FIELD: postTextField,
  };
  const base: Record<Via, string> = {
    nginx: `http://127.0.0.1:${env.HTTP_PORT}`,
    direct: `http://127.0.0.1:${env.BENCH_APP_PORT}`,
    baseline: `http://127.0.0.1:${env.BENCH_BASELINE_PORT}`,
  };
  const c = (args: string[]) => compose(project, BENCH_FILES, args, env);
  const attempt = async <T>(step: string, fn: () => Promise<T>): Promise<T | null> => {
    try {
      return await fn();
    } catch (err) {
      const error = briefError(err);
      log(`  FAILED ${step}: ${error}`);
      failures.push({ step, error });
      return null;
    }
  };
  const out: SizeRaw[] = [];
  let ceiling: LoadResult | null = null;
  try {
    log(
      `load stack ${project}: nginx ${base.nginx}, app ${base.direct}, render-all baseline ${base.baseline}`,
    );
    await c(['up', '-d', '--wait', '--wait-timeout', '240']);
    const appId = (await c(['ps', '-q', 'app'])).trim();
    ceiling = await attempt('ceiling', () =>
      load('nginx /nginx-health (ceiling)', `${base.nginx}/nginx-health`, {
        duration: s.duration,
        connections: s.connections,
      }),
    );
    if (ceiling) log(`ceiling: ${ceiling.rps} req/s, p99 ${ceiling.p99_ms} ms`);
    // The writes' account and API token: registered once, as a person would (reseeding keeps accounts).
    const writer = await registerAccount(base.direct, 'bench');
    const stallSize = Math.max(...s.sizes.filter((n) => n <= 100_000));
    for (const posts of s.sizes) {
      log(`seeding ${posts} posts (node dist/seed/seed.cli.js --count ${posts} --reset --seed 1)`);
      const t = Date.now();
      const seedOut = await c([
        'exec',
        '-T',
        'app',
        'node',
        'dist/seed/seed.cli.js',
        '--count',
        String(posts),
        '--reset',
        '--seed',
        '1',
      ]);
      const seed_s = seconds(t);
      const seed_output = seedOut.trim().split('\n').pop() ?? '';
      log(`  ${seed_output} (${seed_s} s wall)`);
      const context = await sizeContext(base.direct, posts);
      log(
        `  deep page ${context.deepPage}, its cursor ${context.deepCursor.slice(0, 24)}…, post ${context.postId}`,
      );
      const stall_rounds =
        posts === stallSize ? await stallRounds(s, `${base.direct}${postPaths.list}`, posts, log) : undefined;
      const runs: ScenarioRun[] = [];
      const rss: number[] = [];
      for (const sc of scenarios(context, writer)) {
        for (const via of sc.via) {
          const name = `${SCENARIO_TITLES[sc.id]}, ${via}, ${posts} posts`;
          const run = await attempt(name, async () => {
            const work = measure(name, `${base[via]}${sc.path}`, {
              connections: sc.connections ?? s.connections,
              duration: s.duration,
              request: sc.request,
              ...(sc.bounded ? { maxRequests: s.maxWrites } : {}),
              ...(sc.sequential ? { sequential: true } : {}),
            });
            const sample = async () => (via === 'baseline' ? undefined : serverRssMb(appId));
            const { result, samples } = await sampleDuring(work, sample, 1000);
            rss.push(...samples);
            return result;
          });
          if (!run) continue;
          log(
            `  ${name}: ${run.rps} req/s (${run.mode}, ${run.requests} requests), p50 ${run.p50_ms} ms, ` +
              `p99 ${run.p99_ms} ms, statuses ${JSON.stringify(run.statuses)}, errors ${run.errors}`,
          );
          runs.push({ ...run, scenario: sc.id, via, posts });
        }
      }
      const second_generator = await crossCheck(s, runs, posts, log);
      const proxy_pairs =
        posts === Math.min(...s.sizes)
          ? await proxyPairs(s, base, posts, await serviceIds(c), log)
          : undefined;
      out.push({
        posts,
        seed_s,
        seed_output,
        context,
        runs,
        rss_mb_samples: rss,
        ...(stall_rounds ? { stall_rounds } : {}),
        ...(proxy_pairs ? { proxy_pairs } : {}),
        second_generator,
      });
    }
  } catch (err) {
    failures.push({ step: 'load stack', error: briefError(err) });
    log(`  FAILED load stack: ${failures[failures.length - 1]!.error}`);
    // What the containers said last, so a failed CI run can be read without rerunning it.
    const logs = await c(['logs', '--no-color', '--tail', '20']).catch(() => '');
    const telling = logs.split('\n').filter((l) => /error|fail|refused|denied/i.test(l));
    if (telling.length)
      log(
        `  container logs:\n${telling
          .slice(-8)
          .map((l) => `    ${l.slice(0, 300)}`)
          .join('\n')}`,
      );
  } finally {
    log(`tearing down ${project}`);
    await c(['down', '-v', '--remove-orphans', '--timeout', '15']).catch((e: unknown) => log(String(e)));
  }
  return { ceiling, sizes: out };
}

/** One timed round of uncached page 1 at `url`: any unexpected answer fails the run. */
async function pageOneRound(s: LoadSettings, name: string, url: string) {
  const r = await measure(name, url, { connections: s.connections, duration: s.duration, request: html });
  if (unexpectedAnswers(r) > 0) throw new Error(`${name}: ${JSON.stringify(r.statuses)}, ${r.errors} errors`);
  return r;
}

/** Uncached page 1 straight to the app, `s.stallRounds` rounds back to back; a failed round fails the run. */
async function stallRounds(
  s: LoadSettings,
  url: string,
  posts: number,
  log: Log,
): Promise<{ rps: number; p50_ms: number; p99_ms: number }[]> {
  const rounds = [];
  for (let i = 1; i <= s.stallRounds; i++) {
    const name = `stall round ${i}/${s.stallRounds}, page 1 direct, ${posts} posts`;
    const r = await pageOneRound(s, name, url);
    log(`  ${name}: ${r.rps} req/s, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms`);
    rounds.push({ rps: r.rps, p50_ms: r.p50_ms, p99_ms: r.p99_ms });
  }
  return rounds;
}

/** The stack's long-running services and their container ids. */
async function serviceIds(c: (args: string[]) => Promise<string>): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const service of ['nginx', 'app', 'mongo_db']) ids[service] = (await c(['ps', '-q', service])).trim();
  return ids;
}

type PairRound = { rps: number; cpu_ms_per_request: Record<string, number> };

/**
 * What the proxy costs, by rounds of uncached page 1 through nginx and straight to the app taken in turns: one
 * pair of runs moved between 0.86 and 1.14 on this shared machine, and the medians of five pairs still moved
 * between runs (0.98, 0.82). Each round also records the CPU each container spent per request, which says
 * where a request's time goes.
 */
async function proxyPairs(
  s: LoadSettings,
  base: Record<Via, string>,
  posts: number,
  services: Record<string, string>,
  log: Log,
): Promise<Record<'nginx' | 'direct', PairRound[]>> {
  const rounds: Record<'nginx' | 'direct', PairRound[]> = { nginx: [], direct: [] };
  const cpu = async () =>
    Object.fromEntries(
      await Promise.all(
        Object.entries(services).map(async ([n, id]) => [n, await containerCpuMs(id)] as const),
      ),
    );
  for (let i = 1; i <= s.proxyPairs; i++) {
    for (const via of ['nginx', 'direct'] as const) {
      const name = `proxy pair ${i}/${s.proxyPairs}, page 1 ${via}, ${posts} posts`;
      const before = await cpu();
      const r = await pageOneRound(s, name, `${base[via]}${postPaths.list}`);
      const after = await cpu();
      const perRequest: Record<string, number> = {};
      for (const n of Object.keys(services)) {
        const [b, a] = [before[n], after[n]];
        if (b !== undefined && a !== undefined && r.requests > 0)
          perRequest[n] = Math.round(((a - b) / r.requests) * 1000) / 1000;
      }
      rounds[via].push({ rps: r.rps, cpu_ms_per_request: perRequest });
      log(`  ${name}: ${r.rps} req/s, CPU ms per request ${JSON.stringify(perRequest)}`);
    }
  }
  return rounds;
}

/**
 * Page 1 through nginx again with wrk, the same connections and duration: two generators that agree make the
 * bench's figures the server's, not the client's. Without wrk installed it says so and records nothing.
 */
async function crossCheck(
  s: LoadSettings,
  runs: ScenarioRun[],
  posts: number,
  log: Log,
): Promise<SizeRaw['second_generator']> {
  // The very URL autocannon loaded: nothing to compare when that run failed.
  const autocannon = runs.find((r) => r.scenario === 'page1' && r.via === 'nginx');
  if (!autocannon) {
    log('  second generator: no autocannon run of page 1 to compare');
    return undefined;
  }
  const result = await wrk(autocannon.url, {
    connections: s.connections,
    duration: s.duration,
    headers: { accept: 'text/html', ...UNCACHED },
  });
  if (!result) {
    log('  second generator: wrk is not installed');
    return undefined;
  }
  const ratio = Math.round((result.rps / autocannon.rps) * 100) / 100;
  log(
    `  page 1, nginx, ${posts} posts, second generator: wrk ${result.rps} req/s (p50 ${result.p50_ms} ms, ` +
      `p99 ${result.p99_ms} ms, ${result.non2xx3xx} non-2xx/3xx) vs autocannon ${autocannon.rps} req/s: ${ratio}`,
  );
  return { tool: 'wrk', ...result, autocannon_rps: autocannon.rps, ratio };
}
