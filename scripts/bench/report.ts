/**
 * The report step: raw figures -> printed tables, bench-results/{summary.json,raw.json,chart.svg}.
 * No Docker, no network: `npx tsx scripts/bench/report.ts bench-results/raw.json` re-renders a saved run.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PRODUCT } from '../../app/src/product';
import { renderChart, type ChartRow } from './chart';
import type { LoadResult } from './lib';
import type { RawResults, ScenarioRun } from './raw';
import { SCENARIO_TITLES } from './scenarios';
import { summarize, unexpectedAnswers, type Summary } from './summary';

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

export function table(rows: (string | number)[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)));
  return rows
    .map((r, n) => {
      const line = r.map((cell, i) => String(cell).padEnd(widths[i]!)).join(' | ');
      return n === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('-|-')}` : line;
    })
    .join('\n');
}

export function formatReport(raw: RawResults, summary: Summary): string {
  const out: string[] = [];
  out.push(
    `database image: ${raw.database_image}${raw.database_image_id ? ` (${raw.database_image_id})` : ''}`,
  );
  const runs: (LoadResult | ScenarioRun)[] = [
    ...(raw.ceiling ? [raw.ceiling] : []),
    ...raw.sizes.flatMap((s) => s.runs),
  ];
  out.push(
    table([
      [
        'posts',
        'scenario',
        'path',
        'mode',
        'conns',
        'requests',
        'req/s',
        'p50 ms',
        'p99 ms',
        'statuses',
        'errors',
        'KB/resp',
      ],
      ...runs.map((r) => [
        'posts' in r ? r.posts : '-',
        'scenario' in r ? SCENARIO_TITLES[r.scenario] : r.name,
        'via' in r ? r.via : 'nginx',
        r.mode,
        r.connections,
        r.requests,
        r.rps,
        r.p50_ms,
        r.p99_ms,
        JSON.stringify(r.statuses),
        r.errors,
        round(r.bytes_per_response / 1024, 1),
      ]),
    ]),
  );
  if (raw.sizes.length) {
    out.push(
      table([
        ['posts', 'seed s (wall)', 'seeder says', 'deepest numbered page'],
        ...raw.sizes.map((s) => [s.posts, s.seed_s, s.seed_output, s.context.deepPage]),
      ]),
    );
  }
  const { ours, first_version } = raw.startup;
  if (ours || first_version) {
    out.push(
      table([
        ['startup (up -d --wait, all healthy)', 'cold s', 'warm s'],
        ...(ours ? [['ours (1 s healthchecks)', ours.cold_s, ours.warm_s]] : []),
        ...(first_version
          ? [['first version (10 s interval/start_period)', first_version.cold_s, first_version.warm_s]]
          : []),
      ]),
    );
  }
  out.push(
    table([
      ['target', 'value', 'target', 'verdict'],
      ...Object.entries(summary.targets).map(([key, t]) => [
        key,
        t.value ?? 'n/a',
        `${t.op} ${t.target}`,
        t.verdict,
      ]),
    ]),
  );
  out.push(
    table([
      ['figure', 'value'],
      ...Object.entries(summary.ratios)
        .filter(([k]) => !(`ratios.${k}` in summary.targets))
        .map(([k, v]) => [`ratios.${k}`, v ?? 'n/a']),
      ['page 1 p99 per round after a fresh seed (ms)', JSON.stringify(summary.page1_rounds)],
      ['page 1 CPU ms per request by container (medians)', JSON.stringify(summary.page1_cpu_ms_per_request)],
      [
        'page 1 before (--before)',
        summary.before
          ? `${summary.before.page1_nginx_rps} req/s at ${summary.before.posts}, ${summary.before.measured_at}`
          : 'n/a',
      ],
      ['image_own_mb', summary.image_own_mb ?? 'n/a'],
      ['database_image', summary.database_image],
      ['ratio sizes (10k/100k/1m)', JSON.stringify(summary.size_keys)],
    ]),
  );
  if (summary.problems.length) {
    out.push(
      `UNEXPECTED ANSWERS (statuses outside 2xx/3xx, errors, timeouts):\n${summary.problems.map((p) => `  ${p.name}: ${JSON.stringify(p.statuses)}, errors ${p.errors}${p.probe_status ? `, probe ${p.probe_status}` : ''}`).join('\n')}`,
    );
  }
  if (raw.failures.length) {
    out.push(`FAILED STEPS:\n${raw.failures.map((f) => `  ${f.step}: ${f.error}`).join('\n')}`);
  }
  return `\n${out.join('\n\n')}\n`;
}

export function chartOf(raw: RawResults): string {
  const rows: ChartRow[] = [];
  if (raw.ceiling)
    rows.push({
      label: 'nginx /nginx-health (ceiling)',
      series: 'ceiling',
      rps: raw.ceiling.rps,
      p99_ms: raw.ceiling.p99_ms,
    });
  // Grouped by scenario and path, one bar per size, in the order the scenarios ran.
  const groups = new Map<string, ChartRow[]>();
  for (const s of raw.sizes) {
    for (const r of s.runs) {
      const label = `${SCENARIO_TITLES[r.scenario]} · ${r.via}`;
      const list = groups.get(label) ?? [];
      list.push({
        label,
        series: String(s.posts),
        rps: r.rps,
        p99_ms: r.p99_ms,
        baseline: r.via === 'baseline',
      });
      groups.set(label, list);
    }
  }
  for (const list of groups.values()) rows.push(...list);
  const { ours, first_version } = raw.startup;
  return renderChart({
    title: `${PRODUCT.displayName} benchmark${raw.settings.smoke ? ' (smoke: tiny sizes, short runs; not a measurement)' : ''}`,
    subtitle: `${raw.started_at} · ${raw.machine} · database ${raw.database_image} · ${raw.settings.duration_s} s runs, ${raw.settings.connections} connections`,
    rows,
    startup: [
      ...(ours
        ? [
            { label: 'ours, cold', seconds: ours.cold_s, ours: true },
            { label: 'ours, warm', seconds: ours.warm_s, ours: true },
          ]
        : []),
      ...(first_version
        ? [
            { label: 'first version, cold', seconds: first_version.cold_s, ours: false },
            { label: 'first version, warm', seconds: first_version.warm_s, ours: false },
          ]
        : []),
    ],
  });
}

/** Prints the report and writes the three files; returns the summary. */
export function report(raw: RawResults, outDir: string): Summary {
  const summary = summarize(raw);
  console.log(formatReport(raw, summary));
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(path.join(outDir, 'raw.json'), `${JSON.stringify(raw, null, 2)}\n`);
  writeFileSync(path.join(outDir, 'chart.svg'), chartOf(raw));
  return summary;
}

/** How many scenarios answered something unexpected, plus steps that threw (smoke mode fails on any). */
export function countProblems(raw: RawResults): number {
  const runs = [...(raw.ceiling ? [raw.ceiling] : []), ...raw.sizes.flatMap((s) => s.runs)];
  return runs.filter((r) => unexpectedAnswers(r) > 0).length + raw.failures.length;
}

if (require.main === module) {
  const file = process.argv[2] ?? 'bench-results/raw.json';
  const raw = JSON.parse(readFileSync(file, 'utf8')) as RawResults;
  report(raw, path.dirname(path.resolve(file)));
}
