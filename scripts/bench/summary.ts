/**
 * Raw figures -> bench-results/summary.json: today's keys plus the ratios and targets. Every ratio is
 * the first thing's req/s ÷ the second's (for startup: the other's seconds ÷ ours), so higher is better.
 * Targets are printed, never enforced: a MISS is a finding, not a failed run.
 */
import type { LoadResult } from './lib';
import type { RawResults, ScenarioRun, SizeRaw } from './raw';
import type { ScenarioId, Via } from './scenarios';

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const median = (xs: number[] | undefined) => {
  if (!xs?.length) return undefined;
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const ratio = (a: number | undefined | null, b: number | undefined | null) =>
  a != null && b != null && a > 0 && b > 0 ? round(a / b, 3) : null;

export interface Target {
  key: string;
  op: '>=' | '<=';
  target: number;
}

/** The targets (issue 10, section 4). */
export const TARGETS: Target[] = [
  { key: 'ratios.posts_vs_render_all_10k', op: '>=', target: 50 },
  { key: 'ratios.page1_100k_vs_10k', op: '>=', target: 0.67 },
  { key: 'ratios.page1_1m_vs_10k', op: '>=', target: 0.8 },
  // The deepest page numbers reach (by cursor, deep pages run as fast as page 1: deep_cursor_vs_page1_100k).
  { key: 'ratios.deep_number_vs_page1_100k', op: '>=', target: 0.5 },
  { key: 'ratios.nginx_vs_direct', op: '>=', target: 0.95 },
  { key: 'startup_warm_s', op: '<=', target: 5 },
  { key: 'rss_mb', op: '<=', target: 150 },
  // Issue 21: the micro-cache.
  { key: 'ratios.cached_vs_ceiling', op: '>=', target: 0.5 },
  { key: 'page1_cached_p99_ms', op: '<=', target: 50 },
  { key: 'ratios.page1_vs_before', op: '>=', target: 2 },
  { key: 'page1_worst_round_p99_ms', op: '<=', target: 200 },
];

export type Verdict = 'PASS' | 'MISS' | 'n/a';

export function verdict(t: Target, value: number | null | undefined): Verdict {
  if (value == null) return 'n/a';
  return (t.op === '>=' ? value >= t.target : value <= t.target) ? 'PASS' : 'MISS';
}

/**
 * An answer the bench did not expect: a status outside 2xx/3xx, a connection error or a timeout; a run that
 * got no answer at all counts as one (it measured nothing).
 */
export function unexpectedAnswers(r: LoadResult): number {
  if (r.requests === 0 && r.errors === 0) return 1;
  const bad = Object.entries(r.statuses)
    .filter(([code]) => !/^[23]\d\d$/.test(code))
    .reduce((n, [, count]) => n + count, 0);
  const badProbe = r.probe_status !== undefined && !(r.probe_status >= 200 && r.probe_status < 400) ? 1 : 0;
  return bad + r.errors + badProbe;
}

/** Which measured size stands for "10k", "100k" and "1m" (the exact size when measured, else by rank). */
export function sizeKeys(sizes: number[]): { '10k'?: number; '100k'?: number; '1m'?: number } {
  const sorted = [...sizes].sort((a, b) => a - b);
  const pick = (exact: number, rank: number) => (sizes.includes(exact) ? exact : sorted[rank]);
  const keys: { '10k'?: number; '100k'?: number; '1m'?: number } = {};
  const k10 = pick(10_000, 0);
  const k100 = pick(100_000, 1);
  const k1m = pick(1_000_000, 2);
  if (k10 !== undefined) keys['10k'] = k10;
  if (k100 !== undefined && k100 !== k10) keys['100k'] = k100;
  if (k1m !== undefined && k1m !== k100 && k1m !== k10) keys['1m'] = k1m;
  return keys;
}

export function findRun(size: SizeRaw | undefined, scenario: ScenarioId, via: Via): ScenarioRun | undefined {
  return size?.runs.find((r) => r.scenario === scenario && r.via === via);
}

export function summarize(raw: RawResults) {
  const keys = sizeKeys(raw.sizes.map((s) => s.posts));
  const at = (n: number | undefined) => raw.sizes.find((s) => s.posts === n);
  const s10k = at(keys['10k']);
  const s100k = at(keys['100k']);
  const s1m = at(keys['1m']);
  const rps = (s: SizeRaw | undefined, id: ScenarioId, via: Via) => findRun(s, id, via)?.rps;
  const { ours, first_version } = raw.startup;
  const deepNumber = ratio(rps(s100k, 'deep_number', 'direct'), rps(s100k, 'page1', 'direct'));
  const deepCursor = ratio(rps(s100k, 'deep_cursor', 'direct'), rps(s100k, 'page1', 'direct'));
  const allRss = raw.sizes.flatMap((s) => s.rss_mb_samples);
  const problems = raw.sizes.flatMap((s) =>
    s.runs
      .filter((r) => unexpectedAnswers(r) > 0)
      .map((r) => ({ name: r.name, statuses: r.statuses, errors: r.errors, probe_status: r.probe_status })),
  );
  if (raw.ceiling && unexpectedAnswers(raw.ceiling) > 0)
    problems.push({
      name: raw.ceiling.name,
      statuses: raw.ceiling.statuses,
      errors: raw.ceiling.errors,
      probe_status: undefined,
    });

  const summary = {
    ratios: {
      posts_vs_render_all_10k: ratio(rps(s10k, 'page1', 'direct'), rps(s10k, 'render_all', 'baseline')),
      posts_vs_render_all_100k: ratio(rps(s100k, 'page1', 'direct'), rps(s100k, 'render_all', 'baseline')),
      page1_100k_vs_10k: ratio(rps(s100k, 'page1', 'direct'), rps(s10k, 'page1', 'direct')),
      page1_1m_vs_10k: ratio(rps(s1m, 'page1', 'direct'), rps(s10k, 'page1', 'direct')),
      // The worse of the two ways to reach a deep page: by number (bookmarks, up to the depth) and by cursor.
      deep_vs_page1_100k: deepNumber != null && deepCursor != null ? Math.min(deepNumber, deepCursor) : null,
      deep_number_vs_page1_100k: deepNumber,
      deep_cursor_vs_page1_100k: deepCursor,
      // The medians of the rounds taken in turns (proxy_pairs), else the one pair of scenario runs.
      nginx_vs_direct: s10k?.proxy_pairs
        ? ratio(
            median(s10k.proxy_pairs.nginx.map((r) => r.rps)),
            median(s10k.proxy_pairs.direct.map((r) => r.rps)),
          )
        : ratio(rps(s10k, 'page1', 'nginx'), rps(s10k, 'page1', 'direct')),
      nginx_vs_direct_single_pair: ratio(rps(s10k, 'page1', 'nginx'), rps(s10k, 'page1', 'direct')),
      proxied_vs_ceiling: ratio(rps(s10k, 'page1', 'nginx'), raw.ceiling?.rps),
      // Anonymous page 1 from nginx's micro-cache (50 connections) ÷ nginx's static ceiling.
      cached_vs_ceiling: ratio(rps(s10k, 'page1_cached', 'nginx'), raw.ceiling?.rps),
      // wrk ÷ autocannon on page 1 through nginx at 10 000 posts: near 1 when both generators agree.
      wrk_vs_autocannon_page1_10k: s10k?.second_generator?.ratio ?? null,
      // Uncached page 1 through nginx ÷ the same in the earlier run (--before), at the "10k" size of each.
      page1_vs_before: ratio(rps(s10k, 'page1', 'nginx'), raw.before?.page1_nginx_rps ?? undefined),
      // The first version's seconds ÷ ours, warm and cold (the name is kept from earlier summaries).
      startup_seed_compose_vs_ours: ratio(first_version?.warm_s, ours?.warm_s),
      startup_cold_seed_compose_vs_ours: ratio(first_version?.cold_s, ours?.cold_s),
    },
    /** The worst p99 of the back-to-back rounds of uncached page 1 right after a fresh seed. */
    page1_worst_round_p99_ms: worstRound(raw.sizes),
    /** Uncached page 1 at the smallest size: each container's median CPU ms per request, through nginx and direct. */
    page1_cpu_ms_per_request: cpuPerRequest(s10k?.proxy_pairs),
    page1_rounds: Object.fromEntries(
      raw.sizes.filter((s) => s.stall_rounds).map((s) => [s.posts, s.stall_rounds!.map((r) => r.p99_ms)]),
    ),
    before: raw.before,
    page1_cached_p50_ms: findRun(s10k, 'page1_cached', 'nginx')?.p50_ms ?? null,
    page1_cached_p99_ms: findRun(s10k, 'page1_cached', 'nginx')?.p99_ms ?? null,
    startup_warm_s: ours?.warm_s ?? null,
    startup_cold_s: ours?.cold_s ?? null,
    image_own_mb: raw.image?.image_own_mb ?? null,
    image_mb: raw.image?.image_mb ?? null,
    rebuild_after_source_change_s: raw.image?.rebuild_after_source_change_s ?? null,
    rss_mb: allRss.length ? Math.max(...allRss) : null,
    database_image: raw.database_image,
    database_image_id: raw.database_image_id,
    posts_page1_rps: Object.fromEntries(
      raw.sizes.map((s) => [
        s.posts,
        { nginx: rps(s, 'page1', 'nginx') ?? null, direct: rps(s, 'page1', 'direct') ?? null },
      ]),
    ),
    render_all_rps: Object.fromEntries(
      raw.sizes.map((s) => [s.posts, rps(s, 'render_all', 'baseline') ?? null]),
    ),
    ceiling_rps: raw.ceiling?.rps ?? null,
    seed_s: Object.fromEntries(raw.sizes.map((s) => [s.posts, s.seed_s])),
    /** req/s and p99 of every scenario: size -> "scenario.via" -> figures. */
    scenarios: Object.fromEntries(
      raw.sizes.map((s) => [
        s.posts,
        Object.fromEntries(
          s.runs.map((r) => [
            `${r.scenario}.${r.via}`,
            { rps: r.rps, p99_ms: r.p99_ms, mode: r.mode, requests: r.requests },
          ]),
        ),
      ]),
    ),
    /** The measured size each ratio's "10k", "100k" and "1m" stands for (differs only with --sizes or --smoke). */
    size_keys: keys,
    targets: {} as Record<string, { value: number | null; op: string; target: number; verdict: Verdict }>,
    problems,
    failures: raw.failures,
    measured_at: raw.started_at,
    machine: `${raw.machine}, shared and noisy`,
    settings: raw.settings,
    bench_s: raw.bench_s,
  };
  for (const t of TARGETS) {
    const value = lookup(summary, t.key);
    summary.targets[t.key] = { value, op: t.op, target: t.target, verdict: verdict(t, value) };
  }
  return summary;
}

export type Summary = ReturnType<typeof summarize>;

function cpuPerRequest(pairs: SizeRaw['proxy_pairs']) {
  if (!pairs) return null;
  const medians = (rounds: { cpu_ms_per_request: Record<string, number> }[]) => {
    const names = [...new Set(rounds.flatMap((r) => Object.keys(r.cpu_ms_per_request)))];
    return Object.fromEntries(
      names.map((n) => [n, median(rounds.flatMap((r) => r.cpu_ms_per_request[n] ?? []))]),
    );
  };
  return { nginx: medians(pairs.nginx), direct: medians(pairs.direct) };
}

function worstRound(sizes: SizeRaw[]): number | null {
  const p99s = sizes.flatMap((s) => s.stall_rounds ?? []).map((r) => r.p99_ms);
  return p99s.length ? Math.max(...p99s) : null;
}

function lookup(obj: unknown, dotted: string): number | null {
  const v = dotted.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], obj);
  return typeof v === 'number' ? v : null;
}
