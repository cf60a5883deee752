/**
 * npm run bench [-- --sizes 10000,100000 --duration 5 --connections 10 --skip startup,image --out bench-results]
 *
 * Brings up its own copy of the stack (docker-compose.yml + scripts/bench/compose.bench.yml, own project name, free
 * ports, torn down with -v at the end), seeds it with the app image's seeder, and measures with autocannon,
 * all on 127.0.0.1:
 *   - GET /posts page 1 and the last page, through nginx and straight to the app, at each size;
 *   - the original app's way (find({}) of every post, all rendered) from render-all-baseline.ts, same DB;
 *   - nginx's own /nginx-health as the ceiling;
 *   - the app's RSS under load;
 *   - cold and warm `docker compose up -d --wait`, ours and the first version's healthcheck timings;
 *   - the app image's size and its rebuild time after a source-only change (in a temporary build context).
 * Prints a table and writes bench-results/{summary.json,raw.json,chart.svg}. The machine is shared and
 * noisy: read the ratios, which come from one run, rather than the absolute figures.
 */
import { cpSync, mkdirSync, mkdtempSync, appendFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { renderChart, type Bar } from './chart';
import {
  compose,
  docker,
  load,
  loadOfflineEnv,
  measure,
  projectRoot,
  sampleDuring,
  seconds,
  serverRssMb,
  type LoadResult,
} from './lib';
import getPort from 'get-port';

const BENCH_FILES = ['docker-compose.yml', 'scripts/bench/compose.bench.yml'];
const FIRST_VERSION_FILES = ['docker-compose.yml', 'scripts/bench/compose.first-version.yml'];
const PAGE_SIZE = 20; // the app's default ?limit

const log = (msg: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const ratio = (a: number | undefined, b: number | undefined) =>
  a !== undefined && b !== undefined && a > 0 && b > 0 ? round(a / b, 3) : null;

interface SizeResult {
  posts: number;
  seed_s: number;
  deep_page: number;
  nginx_page1: LoadResult;
  direct_page1: LoadResult;
  nginx_deep: LoadResult;
  direct_deep: LoadResult;
  render_all: LoadResult;
  rss_mb_samples: number[];
}

interface StartupResult {
  cold_s: number;
  warm_s: number;
}

async function measureLoad(
  sizes: number[],
  duration: number,
  connections: number,
): Promise<{ ceiling: LoadResult; sizes: SizeResult[] }> {
  const project = `posts-bench-${process.pid}`;
  const env = {
    HTTP_PORT: String(await getPort()),
    BENCH_APP_PORT: String(await getPort()),
    BENCH_BASELINE_PORT: String(await getPort()),
    SEED_COUNT: '0',
  };
  const nginxUrl = `http://127.0.0.1:${env.HTTP_PORT}`;
  const appUrl = `http://127.0.0.1:${env.BENCH_APP_PORT}`;
  const baselineUrl = `http://127.0.0.1:${env.BENCH_BASELINE_PORT}`;
  const c = (args: string[]) => compose(project, BENCH_FILES, args, env);
  try {
    log(`load stack ${project}: nginx ${nginxUrl}, app ${appUrl}, render-all baseline ${baselineUrl}`);
    await c(['up', '-d', '--wait', '--wait-timeout', '240']);
    const appId = (await c(['ps', '-q', 'app'])).trim();
    const ceiling = await load('nginx /nginx-health (ceiling)', `${nginxUrl}/nginx-health`, {
      duration,
      connections,
    });
    log(`ceiling: ${ceiling.rps} req/s`);
    const out: SizeResult[] = [];
    for (const size of sizes) {
      log(`seeding ${size} posts (--reset --seed 1)`);
      const t = Date.now();
      const seedOut = await c([
        'exec',
        '-T',
        'app',
        'node',
        'dist/seed/seed.cli.js',
        '--count',
        String(size),
        '--reset',
        '--seed',
        '1',
      ]);
      const seed_s = seconds(t);
      log(`  ${seedOut.trim().split('\n').pop()} (${seed_s} s wall)`);
      const deep = Math.ceil(size / PAGE_SIZE);
      const rss: number[] = [];
      const run = async (name: string, url: string, sampleRss = true) => {
        const work = measure(`${name} @${size}`, url, { connections, duration });
        const { result: r, samples } = await sampleDuring(
          work,
          async () => (sampleRss ? serverRssMb(appId) : undefined),
          1000,
        );
        rss.push(...samples);
        log(
          `  ${r.name}: ${r.rps} req/s (${r.mode}, ${r.requests} requests), p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, ` +
            `statuses ${JSON.stringify(r.statuses)}, errors ${r.errors + r.timeouts}, ${Math.round(r.bytes_per_response / 1024)} KB/response`,
        );
        return r;
      };
      const nginx_page1 = await run('/posts page 1 via nginx', `${nginxUrl}/posts`);
      const direct_page1 = await run('/posts page 1 direct', `${appUrl}/posts`);
      const nginx_deep = await run(`/posts page ${deep} via nginx`, `${nginxUrl}/posts?page=${deep}`);
      const direct_deep = await run(`/posts page ${deep} direct`, `${appUrl}/posts?page=${deep}`);
      // The original way: every post, whatever the page (so one URL), served by render-all-baseline.ts.
      const render_all = await run('render-all baseline', `${baselineUrl}/posts`, false);
      out.push({
        posts: size,
        seed_s,
        deep_page: deep,
        nginx_page1,
        direct_page1,
        nginx_deep,
        direct_deep,
        render_all,
        rss_mb_samples: rss,
      });
    }
    return { ceiling, sizes: out };
  } finally {
    log(`tearing down ${project}`);
    await c(['down', '-v', '--remove-orphans', '--timeout', '15']).catch((e: unknown) => log(String(e)));
  }
}

/** Cold (empty volumes) and warm (after `down` without -v) `up -d --wait`, each until every service is healthy. */
async function measureStartup(label: string, files: string[]): Promise<StartupResult> {
  const project = `posts-bench-start-${label}-${process.pid}`;
  const env = { HTTP_PORT: String(await getPort()) };
  const c = (args: string[]) => compose(project, files, args, env);
  try {
    let t = Date.now();
    await c(['up', '-d', '--wait', '--wait-timeout', '240']);
    const cold_s = seconds(t);
    await c(['down', '--timeout', '15']);
    t = Date.now();
    await c(['up', '-d', '--wait', '--wait-timeout', '240']);
    const warm_s = seconds(t);
    log(`startup ${label}: cold ${cold_s} s, warm ${warm_s} s`);
    return { cold_s, warm_s };
  } finally {
    await c(['down', '-v', '--remove-orphans', '--timeout', '15']).catch((e: unknown) => log(String(e)));
  }
}

/** Image sizes, and the rebuild time after a one-line source change, in a throwaway copy of the build context. */
async function measureImage(): Promise<Record<string, number | string>> {
  const appImage = process.env.APP_IMAGE ?? 'posts-stack/app:latest';
  const nodeImage = process.env.NODE_IMAGE ?? 'node:24-bookworm-slim';
  const size = async (image: string) =>
    Number((await docker(['image', 'inspect', '-f', '{{.Size}}', image])).trim());
  const appBytes = await size(appImage);
  const baseBytes = await size(nodeImage).catch(() => 0);

  const ctx = mkdtempSync(path.join(os.tmpdir(), 'posts-bench-ctx-'));
  const tag = `posts-bench/rebuild:${process.pid}`;
  try {
    for (const f of [
      'Dockerfile',
      '.dockerignore',
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'tsconfig.build.json',
    ]) {
      cpSync(path.join(projectRoot, f), path.join(ctx, f));
    }
    cpSync(path.join(projectRoot, 'app'), path.join(ctx, 'app'), {
      recursive: true,
      filter: (src) => !src.includes(`${path.sep}dist`),
    });
    const build = async () => {
      const t = Date.now();
      await docker(
        ['build', '-q', '--target', 'runtime', '--build-arg', `NODE_IMAGE=${nodeImage}`, '-t', tag, ctx],
        {
          ...process.env,
          DOCKER_BUILDKIT: process.env.DOCKER_BUILDKIT ?? '0',
        },
      );
      return seconds(t);
    };
    const unchanged_s = await build(); // same content as the app image: every layer from cache
    appendFileSync(path.join(ctx, 'app', 'src', 'server.ts'), `\n// bench rebuild ${Date.now()}\n`);
    const rebuild_s = await build();
    log(
      `image ${appImage}: ${round(appBytes / 1e6, 1)} MB (own layers ${round((appBytes - baseBytes) / 1e6, 1)} MB); rebuild after a source change ${rebuild_s} s (unchanged ${unchanged_s} s)`,
    );
    return {
      app_image: appImage,
      base_image: nodeImage,
      image_mb: round(appBytes / 1e6, 1),
      base_image_mb: round(baseBytes / 1e6, 1),
      image_own_mb: round((appBytes - baseBytes) / 1e6, 1),
      rebuild_unchanged_s: unchanged_s,
      rebuild_after_source_change_s: rebuild_s,
    };
  } finally {
    rmSync(ctx, { recursive: true, force: true });
    await docker(['rmi', tag]).catch(() => undefined);
  }
}

function table(rows: (string | number)[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)));
  return rows
    .map((r, n) => {
      const line = r.map((cell, i) => String(cell).padEnd(widths[i]!)).join(' | ');
      return n === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('-|-')}` : line;
    })
    .join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '10000,100000' },
      duration: { type: 'string', default: '5' },
      connections: { type: 'string', default: '10' },
      skip: { type: 'string', default: '' },
      out: { type: 'string', default: 'bench-results' },
    },
  });
  loadOfflineEnv();
  const sizes = values.sizes.split(',').map(Number);
  const duration = Number(values.duration);
  const connections = Number(values.connections);
  const skip = new Set(values.skip.split(',').filter(Boolean));
  const outDir = path.resolve(projectRoot, values.out);
  const started = Date.now();
  const databaseImage = process.env.MONGO_IMAGE ?? 'mongo:8.0';
  log(
    `database image ${databaseImage}; nginx ${process.env.NGINX_IMAGE ?? 'nginx:1.30'}; sizes ${sizes.join(', ')}; ${duration} s x ${connections} connections per run`,
  );

  log('building the app image (docker compose build app)');
  const t = Date.now();
  await compose('posts-bench', ['docker-compose.yml'], ['build', 'app']);
  log(`  built in ${seconds(t)} s`);

  const loadResults = await measureLoad(sizes, duration, connections);
  const startup = skip.has('startup')
    ? undefined
    : {
        ours: await measureStartup('ours', ['docker-compose.yml']),
        first_version: await measureStartup('first', FIRST_VERSION_FILES),
      };
  const image = skip.has('image') ? undefined : await measureImage();

  const bySize = (n: number) => loadResults.sizes.find((s) => s.posts === n);
  const first = loadResults.sizes[0]!;
  const s10k = bySize(10_000) ?? first;
  const s100k = bySize(100_000) ?? loadResults.sizes[loadResults.sizes.length - 1]!;
  const allRss = loadResults.sizes.flatMap((s) => s.rss_mb_samples);
  const summary = {
    ratios: {
      posts_vs_render_all_10k: ratio(s10k.direct_page1.rps, s10k.render_all.rps),
      posts_vs_render_all_100k: ratio(s100k.direct_page1.rps, s100k.render_all.rps),
      nginx_vs_direct: ratio(s10k.nginx_page1.rps, s10k.direct_page1.rps),
      proxied_vs_ceiling: ratio(s10k.nginx_page1.rps, loadResults.ceiling.rps),
      startup_seed_compose_vs_ours: startup ? ratio(startup.first_version.warm_s, startup.ours.warm_s) : null,
      startup_cold_seed_compose_vs_ours: startup
        ? ratio(startup.first_version.cold_s, startup.ours.cold_s)
        : null,
      deep_vs_page1_100k: ratio(s100k.direct_deep.rps, s100k.direct_page1.rps),
    },
    startup_warm_s: startup?.ours.warm_s ?? null,
    startup_cold_s: startup?.ours.cold_s ?? null,
    image_own_mb: image?.image_own_mb ?? null,
    image_mb: image?.image_mb ?? null,
    rebuild_after_source_change_s: image?.rebuild_after_source_change_s ?? null,
    rss_mb: allRss.length ? Math.max(...allRss) : null,
    database_image: databaseImage,
    posts_page1_rps: Object.fromEntries(
      loadResults.sizes.map((s) => [s.posts, { nginx: s.nginx_page1.rps, direct: s.direct_page1.rps }]),
    ),
    render_all_rps: Object.fromEntries(loadResults.sizes.map((s) => [s.posts, s.render_all.rps])),
    ceiling_rps: loadResults.ceiling.rps,
    measured_at: new Date(started).toISOString(),
    machine: `${os.cpus().length} CPUs, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, shared and noisy`,
    settings: { sizes, duration_s: duration, connections },
    bench_s: seconds(started),
  };
  const raw = { summary, ceiling: loadResults.ceiling, sizes: loadResults.sizes, startup, image };

  const runs = [
    loadResults.ceiling,
    ...loadResults.sizes.flatMap((s) => [
      s.nginx_page1,
      s.direct_page1,
      s.nginx_deep,
      s.direct_deep,
      s.render_all,
    ]),
  ];
  console.log(
    `\n${table([
      ['scenario', 'mode', 'conns', 'req/s', 'p50 ms', 'p99 ms', 'statuses', 'errors', 'KB/resp'],
      ...runs.map((r) => [
        r.name,
        r.mode,
        r.connections,
        r.rps,
        r.p50_ms,
        r.p99_ms,
        JSON.stringify(r.statuses),
        r.errors + r.timeouts,
        round(r.bytes_per_response / 1024, 1),
      ]),
    ])}\n`,
  );
  if (startup) {
    console.log(
      `${table([
        ['startup (up -d --wait, all healthy)', 'cold s', 'warm s'],
        ['ours (2-3 s healthchecks)', startup.ours.cold_s, startup.ours.warm_s],
        [
          'first version (10 s interval/start_period)',
          startup.first_version.cold_s,
          startup.first_version.warm_s,
        ],
      ])}\n`,
    );
  }
  console.log(JSON.stringify(summary, null, 2));

  const chart = renderChart({
    title: 'posts-stack benchmark',
    subtitle: `${summary.measured_at} · ${summary.machine} · database ${databaseImage} · ${duration} s runs, ${connections} connections`,
    throughput: [
      { label: 'nginx /nginx-health (ceiling)', value: loadResults.ceiling.rps, kind: 'ceiling' },
      ...loadResults.sizes.flatMap((s): Bar[] => [
        { label: `/posts p1 via nginx, ${s.posts} posts`, value: s.nginx_page1.rps, kind: 'ours' },
        { label: `/posts p1 direct, ${s.posts} posts`, value: s.direct_page1.rps, kind: 'ours' },
        { label: `/posts p${s.deep_page} direct, ${s.posts} posts`, value: s.direct_deep.rps, kind: 'ours' },
        { label: `render all (original), ${s.posts} posts`, value: s.render_all.rps, kind: 'baseline' },
      ]),
    ],
    startup: startup
      ? [
          { label: 'ours, cold', value: startup.ours.cold_s, kind: 'ours' },
          { label: 'first version, cold', value: startup.first_version.cold_s, kind: 'first' },
          { label: 'ours, warm', value: startup.ours.warm_s, kind: 'ours' },
          { label: 'first version, warm', value: startup.first_version.warm_s, kind: 'first' },
        ]
      : [],
  });
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(path.join(outDir, 'raw.json'), `${JSON.stringify(raw, null, 2)}\n`);
  writeFileSync(path.join(outDir, 'chart.svg'), chart);
  log(
    `wrote ${path.relative(projectRoot, outDir)}/{summary.json,raw.json,chart.svg} in ${seconds(started)} s total`,
  );
}

main().catch((err: unknown) => {
  console.error('bench failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
