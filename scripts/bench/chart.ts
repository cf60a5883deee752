/**
 * A dependency-free SVG chart of the benchmark: for every scenario and size, req/s and p99 side by side
 * (log scales), then startup seconds. One colour per size; the render-all baseline and nginx's ceiling stand out.
 */

export interface ChartRow {
  /** Scenario and path, e.g. "/posts page 1 · nginx". */
  label: string;
  /** Colour key: a size ("10000") or "ceiling". */
  series: string;
  rps: number;
  p99_ms: number;
  baseline?: boolean;
}

export interface StartupBar {
  label: string;
  seconds: number;
  ours: boolean;
}

const SIZE_COLOURS = ['#63b3ed', '#2b6cb0', '#1a365d', '#553c9a'];
const CEILING = '#718096';
const BASELINE = '#c53030';
const FIRST = '#dd6b20';

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** 10000 -> "10k", 1000000 -> "1M". */
const short = (posts: string) => {
  const n = Number(posts);
  return n >= 1e6 && n % 1e6 === 0 ? `${n / 1e6}M` : n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : posts;
};

const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

/** x position (0..width) of v on a log axis covering [lo, hi] decades. */
function logX(v: number, lo: number, hi: number, width: number): number {
  if (v <= 0) return 0;
  return Math.max(1, ((Math.log10(v) - lo) / Math.max(1, hi - lo)) * width);
}

function decades(values: number[]): [number, number] {
  const positive = values.filter((v) => v > 0);
  if (!positive.length) return [0, 1];
  return [Math.floor(Math.log10(Math.min(...positive))), Math.ceil(Math.log10(Math.max(...positive)))];
}

export function renderChart(opts: {
  title: string;
  subtitle: string;
  rows: ChartRow[];
  startup: StartupBar[];
}): string {
  const width = 1180;
  const labelW = 330;
  const plotW = 330;
  const gap = 95;
  const rowH = 18;
  const series = [...new Set(opts.rows.filter((r) => r.series !== 'ceiling').map((r) => r.series))];
  const colour = (r: ChartRow) =>
    r.series === 'ceiling'
      ? CEILING
      : r.baseline
        ? BASELINE
        : SIZE_COLOURS[series.indexOf(r.series) % SIZE_COLOURS.length]!;
  const [rLo, rHi] = decades(opts.rows.map((r) => r.rps));
  const [pLo, pHi] = decades(opts.rows.map((r) => r.p99_ms));
  const x1 = labelW;
  const x2 = labelW + plotW + gap;
  const parts: string[] = [];
  let y = 58;
  parts.push(
    `<text x="${x1}" y="${y}" font-size="14" font-weight="bold">2xx responses per second (log)</text>`,
    `<text x="${x2}" y="${y}" font-size="14" font-weight="bold">p99 latency, ms (log; shorter is better)</text>`,
  );
  y += 10;
  const top = y;
  const groups = new Set(opts.rows.map((r) => r.label)).size;
  const bottom = top + opts.rows.length * rowH + Math.max(0, groups - 1) * 4;
  // Grid first, so the bars are drawn over it.
  for (const [x0, lo, hi] of [
    [x1, rLo, rHi],
    [x2, pLo, pHi],
  ] as const) {
    for (let e = lo; e <= hi; e++) {
      const gx = x0 + logX(10 ** e, lo, hi, plotW);
      parts.push(
        `<line x1="${gx}" y1="${top}" x2="${gx}" y2="${bottom}" stroke="#e2e8f0"/>`,
        `<text x="${gx}" y="${bottom + 12}" font-size="10" text-anchor="middle" fill="#718096">${fmt(10 ** e)}</text>`,
      );
    }
  }
  let previous = '';
  for (const r of opts.rows) {
    const group = r.label;
    if (group !== previous && previous) y += 4; // a little air between scenarios
    previous = group;
    const w1 = logX(r.rps, rLo, rHi, plotW);
    const w2 = logX(r.p99_ms, pLo, pHi, plotW);
    parts.push(
      `<text x="${labelW - 8}" y="${y + 13}" font-size="11" text-anchor="end">${esc(r.label)}${r.series === 'ceiling' ? '' : ` · ${short(r.series)}`}</text>`,
      `<rect x="${x1}" y="${y + 2}" width="${w1.toFixed(1)}" height="${rowH - 4}" fill="${colour(r)}"/>`,
      `<text x="${x1 + w1 + 4}" y="${y + 13}" font-size="10">${r.rps > 0 ? fmt(r.rps) : 'n/a'}</text>`,
      `<rect x="${x2}" y="${y + 2}" width="${w2.toFixed(1)}" height="${rowH - 4}" fill="${colour(r)}"/>`,
      `<text x="${x2 + w2 + 4}" y="${y + 13}" font-size="10">${r.p99_ms > 0 ? fmt(r.p99_ms) : 'n/a'}</text>`,
    );
    y += rowH;
  }
  y += 24;
  const legend = [
    ...series.map((s, i) => ({
      text: `${Number(s).toLocaleString('en')} posts`,
      fill: SIZE_COLOURS[i % SIZE_COLOURS.length]!,
    })),
    { text: 'render all (original app)', fill: BASELINE },
    { text: 'nginx ceiling', fill: CEILING },
  ];
  legend.forEach((l, i) =>
    parts.push(
      `<rect x="${10 + i * 170}" y="${y}" width="12" height="12" fill="${l.fill}"/>`,
      `<text x="${28 + i * 170}" y="${y + 10}" font-size="11">${esc(l.text)}</text>`,
    ),
  );
  y += 30;
  if (opts.startup.length) {
    parts.push(
      `<text x="10" y="${y}" font-size="14" font-weight="bold">Startup: docker compose up -d --wait until every service is healthy (s)</text>`,
    );
    y += 10;
    const max = Math.max(1, ...opts.startup.map((b) => b.seconds));
    for (const b of opts.startup) {
      const w = (b.seconds / max) * (plotW * 2);
      parts.push(
        `<text x="${labelW - 8}" y="${y + 13}" font-size="11" text-anchor="end">${esc(b.label)}</text>`,
        `<rect x="${x1}" y="${y + 2}" width="${w.toFixed(1)}" height="${rowH - 4}" fill="${b.ours ? SIZE_COLOURS[1] : FIRST}"/>`,
        `<text x="${x1 + w + 4}" y="${y + 13}" font-size="10">${fmt(b.seconds)} s</text>`,
      );
      y += rowH;
    }
    y += 10;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" font-family="system-ui, sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="22" font-size="17" font-weight="bold">${esc(opts.title)}</text>`,
    `<text x="10" y="40" font-size="11" fill="#4a5568">${esc(opts.subtitle)}</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
