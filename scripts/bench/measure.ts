/**
 * The measure step: runs every scenario and returns raw figures (raw.ts). It judges nothing; report.ts does.
 * A step that throws is recorded in `failures` and the others still run, so one broken path never hides
 * the rest of the figures.
 */
import fs from 'node:fs';
import os from 'node:os';
import { PRODUCT } from '../../app/src/product';
import { briefError, compose, docker, seconds } from './lib';
import { measureImage } from './measure-image';
import { measureLoad } from './measure-load';
import { FIRST_VERSION_FILES, OURS_FILES, measureStartup } from './measure-startup';
import type { BenchOptions } from './options';
import type { Failure, RawResults } from './raw';

/** Page 1 figures of an earlier run (its summary.json), read before this run writes anything. */
function readBefore(file: string, log: (msg: string) => void): RawResults['before'] {
  try {
    const s = JSON.parse(fs.readFileSync(file, 'utf8')) as {
      measured_at: string;
      size_keys: { '10k'?: number };
      posts_page1_rps: Record<string, { nginx: number | null; direct: number | null }>;
    };
    const at = s.size_keys['10k'];
    const page1 = at === undefined ? undefined : s.posts_page1_rps[String(at)];
    return page1 ? { file, measured_at: s.measured_at, posts: at!, page1_nginx_rps: page1.nginx } : null;
  } catch (err) {
    log(`no earlier run to compare with (${file}: ${briefError(err)})`);
    return null;
  }
}

export async function measureAll(opts: BenchOptions, log: (msg: string) => void): Promise<RawResults> {
  const started = Date.now();
  const failures: Failure[] = [];
  const attempt = async <T>(step: string, fn: () => Promise<T>): Promise<T | null> => {
    try {
      return await fn();
    } catch (err) {
      const error = briefError(err);
      log(`FAILED ${step}: ${error}`);
      failures.push({ step, error });
      return null;
    }
  };
  const databaseImage = process.env.MONGO_IMAGE ?? 'mongo:8.0';
  const nginxImage = process.env.NGINX_IMAGE ?? 'nginx:1.30';
  const appImage = process.env.APP_IMAGE ?? `${PRODUCT.image}:latest`;
  const nodeImage = process.env.NODE_IMAGE ?? 'node:24-bookworm-slim';
  const databaseImageId = await docker(['image', 'inspect', '-f', '{{.Id}}', databaseImage])
    .then((id) =>
      id
        .trim()
        .replace(/^sha256:/, '')
        .slice(0, 12),
    )
    .catch(() => null);
  log(
    `database image ${databaseImage}${databaseImageId ? ` (${databaseImageId})` : ''}; nginx ${nginxImage}; ` +
      `sizes ${opts.sizes.join(', ')}; ${opts.duration} s x ${opts.connections} connections per scenario` +
      `${opts.smoke ? '; SMOKE mode' : ''}`,
  );

  log('building the app image (docker compose build app)');
  const t = Date.now();
  await compose(`${PRODUCT.slug}-bench`, ['docker-compose.yml'], ['build', 'app']);
  log(`  built in ${seconds(t)} s`);

  const loadResults = opts.skip.has('load')
    ? { ceiling: null, sizes: [] }
    : await measureLoad(
        {
          sizes: opts.sizes,
          duration: opts.duration,
          connections: opts.connections,
          maxWrites: opts.maxWrites,
          stallRounds: opts.stallRounds,
          proxyPairs: opts.proxyPairs,
        },
        log,
        failures,
      );
  const startup = opts.skip.has('startup')
    ? { ours: null, first_version: null }
    : {
        ours: await attempt('startup ours', () => measureStartup('ours', OURS_FILES, log)),
        first_version: opts.skip.has('first-version')
          ? null
          : await attempt('startup first version', () => measureStartup('first', FIRST_VERSION_FILES, log)),
      };
  const image = opts.skip.has('image')
    ? null
    : await attempt('image', () => measureImage(appImage, nodeImage, log));

  return {
    started_at: new Date(started).toISOString(),
    finished_at: new Date().toISOString(),
    bench_s: seconds(started),
    database_image: databaseImage,
    database_image_id: databaseImageId,
    nginx_image: nginxImage,
    machine: `${os.cpus().length} CPUs, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`,
    settings: {
      sizes: opts.sizes,
      duration_s: opts.duration,
      connections: opts.connections,
      max_writes: opts.maxWrites,
      smoke: opts.smoke,
    },
    ceiling: loadResults.ceiling,
    before: readBefore(opts.before, log),
    sizes: loadResults.sizes,
    startup,
    image,
    failures,
  };
}
