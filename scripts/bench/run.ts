/**
 * npm run bench [-- --smoke | --million | --sizes 10000,100000 --duration 5 --connections 10 --max-writes 3000
 *                   --skip startup,first-version,image,load --out bench-results]
 *
 * Wires the two steps: measure.ts (scenarios -> raw figures) and report.ts (raw -> tables, summary.json, chart).
 * README.md in this folder says what each figure means. Everything runs on 127.0.0.1 against the bench's own
 * throwaway stack. Exit status: 1 when the bench itself broke; with --smoke, also when any scenario answered
 * outside 2xx/3xx, had errors or timeouts, or any step threw. Missed targets never fail a run.
 */
import path from 'node:path';
import { loadOfflineEnv, projectRoot } from './lib';
import { measureAll } from './measure';
import { parseBenchArgs } from './options';
import { countProblems, report } from './report';

const log = (msg: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);

async function main(): Promise<number> {
  const opts = parseBenchArgs(process.argv.slice(2));
  loadOfflineEnv();
  const raw = await measureAll(opts, log);
  const outDir = path.resolve(projectRoot, opts.out);
  report(raw, outDir);
  log(
    `wrote ${path.relative(projectRoot, outDir)}/{summary.json,raw.json,chart.svg}; ${raw.bench_s} s in all`,
  );
  const problems = countProblems(raw);
  if (problems > 0) log(`${problems} scenario(s) or step(s) went wrong (listed above)`);
  return opts.smoke && problems > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('bench failed:', err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
