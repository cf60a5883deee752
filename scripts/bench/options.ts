/** The bench's command line: `npm run bench -- [options]` (README.md lists them). */
import { parseArgs } from 'node:util';

export interface BenchOptions {
  sizes: number[];
  /** Seconds per timed scenario. */
  duration: number;
  connections: number;
  /** Most POSTs per write scenario (the run also stops at `duration`). */
  maxWrites: number;
  /** 'startup', 'image', 'first-version' (the first version's startup), 'load'. */
  skip: Set<string>;
  out: string;
  /** Back-to-back rounds of uncached page 1 after seeding the largest size up to 100 000. */
  stallRounds: number;
  /** Pairs of rounds (through nginx, direct) of uncached page 1 at the smallest size: what the proxy costs. */
  proxyPairs: number;
  /** An earlier summary.json to compare page 1 with (the committed run, by default). */
  before: string;
  /** Tiny sizes, short runs, every code path; any unexpected answer or error fails the run. */
  smoke: boolean;
}

export const DEFAULT_SIZES = [10_000, 100_000];
export const MILLION = 1_000_000;
// The larger one lies past the numbered depth (2 000 posts), so the deep scenarios meet it.
const SMOKE_SIZES = [200, 11_000];

export function parseBenchArgs(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      sizes: { type: 'string' },
      million: { type: 'boolean', default: false },
      duration: { type: 'string' },
      connections: { type: 'string', default: '10' },
      'max-writes': { type: 'string' },
      skip: { type: 'string', default: '' },
      out: { type: 'string' },
      smoke: { type: 'boolean', default: false },
      before: { type: 'string', default: '.ci/bench/results/summary.json' },
    },
    strict: true,
    allowPositionals: false,
  });
  const smoke = values.smoke;
  const whole = (name: string, raw: string, min: number): number => {
    if (!/^\d+$/.test(raw) || Number(raw) < min)
      throw new Error(`--${name} must be a whole number >= ${min}`);
    return Number(raw);
  };
  let sizes = values.sizes
    ? values.sizes.split(',').map((s) => whole('sizes', s.replace(/_/g, '').trim(), 40))
    : smoke
      ? SMOKE_SIZES
      : DEFAULT_SIZES;
  if (values.million && !sizes.includes(MILLION)) sizes = [...sizes, MILLION];
  const skip = new Set(values.skip.split(',').filter(Boolean));
  // The first version's 10 s healthchecks take over a minute to start twice: the same code path as ours.
  if (smoke) skip.add('first-version');
  return {
    sizes,
    duration: whole('duration', values.duration ?? (smoke ? '1' : '5'), 1),
    connections: whole('connections', values.connections, 1),
    maxWrites: whole('max-writes', values['max-writes'] ?? (smoke ? '50' : '3000'), 1),
    skip,
    stallRounds: smoke ? 3 : 10,
    proxyPairs: smoke ? 2 : 5,
    before: values.before,
    // A smoke run never overwrites a real run's figures.
    out: values.out ?? (smoke ? 'bench-results/smoke' : 'bench-results'),
    smoke,
  };
}
