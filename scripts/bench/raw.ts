/** The measure part's output (bench-results/raw.json), which the report part reads. Figures only, no verdicts. */
import type { LoadResult } from './lib';
import type { WrkResult } from './wrk';
import type { ScenarioId, SizeContext, Via } from './scenarios';

export interface ScenarioRun extends LoadResult {
  scenario: ScenarioId;
  via: Via;
  posts: number;
}

export interface SizeRaw {
  posts: number;
  /** Wall time of the app image's seeder (`node dist/seed/seed.cli.js --count N --reset --seed 1`). */
  seed_s: number;
  /** The seeder's last line. */
  seed_output: string;
  context: SizeContext;
  runs: ScenarioRun[];
  /** The app's RSS, sampled every second while nginx or the app was under load. */
  rss_mb_samples: number[];
  /**
   * Uncached page 1 straight to the app in back-to-back rounds right after the fresh seed (one size only, the
   * largest up to 100 000): a stall (autovacuum, checkpoints, the pool, GC) shows as one round's p99.
   */
  stall_rounds?: { rps: number; p50_ms: number; p99_ms: number }[];
  /**
   * Uncached page 1 in rounds taken in turns, through nginx and direct (the smallest size only): req/s, and
   * the CPU each container (nginx, app, mongo_db) spent per request.
   */
  proxy_pairs?: Record<'nginx' | 'direct', { rps: number; cpu_ms_per_request: Record<string, number> }[]>;
  /** Page 1 through nginx measured again by wrk (absent where wrk is not installed). */
  second_generator?: WrkResult & { tool: 'wrk'; autocannon_rps: number; ratio: number };
}

export interface StartupRaw {
  cold_s: number;
  warm_s: number;
}

export interface ImageRaw {
  app_image: string;
  base_image: string;
  image_mb: number;
  base_image_mb: number;
  image_own_mb: number;
  rebuild_unchanged_s: number;
  rebuild_after_source_change_s: number;
}

/** Something that threw while measuring: recorded, so the report still shows everything else. */
export interface Failure {
  step: string;
  error: string;
}

export interface RawResults {
  started_at: string;
  finished_at: string;
  bench_s: number;
  database_image: string;
  /** `docker image inspect` id of the database image, when it could be read. */
  database_image_id: string | null;
  nginx_image: string;
  /** Page 1 through nginx in an earlier run (--before): what "after / before" compares with. */
  before: { file: string; measured_at: string; posts: number; page1_nginx_rps: number | null } | null;
  machine: string;
  settings: { sizes: number[]; duration_s: number; connections: number; max_writes: number; smoke: boolean };
  ceiling: LoadResult | null;
  sizes: SizeRaw[];
  startup: { ours: StartupRaw | null; first_version: StartupRaw | null };
  image: ImageRaw | null;
  failures: Failure[];
}
