/** The startup part of the measure step: cold and warm `docker compose up -d --wait` on a project of its own. */
import { PRODUCT } from '../../app/src/product';
import { compose, freePorts, seconds } from './lib';
import type { StartupRaw } from './raw';

export const OURS_FILES = ['docker-compose.yml'];
/** The first containerised version's healthcheck timings (10 s interval and start_period) over ours. */
export const FIRST_VERSION_FILES = ['docker-compose.yml', 'scripts/bench/compose.first-version.yml'];

/** Cold (empty volumes) and warm (after `down` without -v) `up -d --wait`, each until every service is healthy. */
export async function measureStartup(
  label: string,
  files: string[],
  log: (msg: string) => void,
): Promise<StartupRaw> {
  const project = `${PRODUCT.slug}-bench-start-${label}-${process.pid}`;
  const env = await freePorts();
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
