/** A dependency-free SVG chart of the benchmark: throughput bars (log scale) and startup bars (seconds). */

export interface Bar {
  label: string;
  value: number;
  /** 'ours' | 'baseline' | 'ceiling' | 'first' picks the colour. */
  kind: 'ours' | 'baseline' | 'ceiling' | 'first';
  note?: string;
}

const COLOURS: Record<Bar['kind'], string> = {
  ours: '#2b6cb0',
  baseline: '#c53030',
  ceiling: '#718096',
  first: '#dd6b20',
};

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

function panel(
  title: string,
  bars: Bar[],
  y0: number,
  opts: { log: boolean; unit: string; width: number },
): { svg: string; height: number } {
  const labelW = 300;
  const plotW = opts.width - labelW - 110;
  const rowH = 22;
  const positive = bars.map((b) => b.value).filter((v) => v > 0);
  const max = Math.max(1, ...positive);
  const min = opts.log ? Math.min(0.1, ...positive) : 0;
  const x = (v: number) => {
    if (v <= 0) return 0;
    if (!opts.log) return (v / max) * plotW;
    const lo = Math.floor(Math.log10(min));
    const hi = Math.ceil(Math.log10(max));
    return ((Math.log10(v) - lo) / Math.max(1, hi - lo)) * plotW;
  };
  const parts: string[] = [];
  parts.push(`<text x="10" y="${y0 + 18}" font-size="15" font-weight="bold">${esc(title)}</text>`);
  let y = y0 + 30;
  if (opts.log) {
    const lo = Math.floor(Math.log10(min));
    const hi = Math.ceil(Math.log10(max));
    for (let e = lo; e <= hi; e++) {
      const gx = labelW + x(10 ** e);
      parts.push(
        `<line x1="${gx}" y1="${y}" x2="${gx}" y2="${y + bars.length * rowH}" stroke="#e2e8f0"/>`,
        `<text x="${gx}" y="${y + bars.length * rowH + 12}" font-size="10" text-anchor="middle" fill="#718096">${fmt(10 ** e)}</text>`,
      );
    }
  }
  for (const bar of bars) {
    const w = Math.max(bar.value > 0 ? 1 : 0, x(bar.value));
    parts.push(
      `<text x="${labelW - 8}" y="${y + 15}" font-size="12" text-anchor="end">${esc(bar.label)}</text>`,
      `<rect x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="${COLOURS[bar.kind]}"/>`,
      `<text x="${labelW + w + 6}" y="${y + 15}" font-size="12">${bar.value > 0 ? fmt(bar.value) : 'n/a'} ${esc(opts.unit)}${bar.note ? ` ${esc(bar.note)}` : ''}</text>`,
    );
    y += rowH;
  }
  return { svg: parts.join('\n'), height: y - y0 + (opts.log ? 24 : 10) };
}

export function renderChart(opts: {
  title: string;
  subtitle: string;
  throughput: Bar[];
  startup: Bar[];
}): string {
  const width = 900;
  const a = panel('Throughput, 2xx responses per second (log scale)', opts.throughput, 50, {
    log: true,
    unit: 'req/s',
    width,
  });
  const b = panel(
    'Startup: docker compose up -d --wait until every service is healthy',
    opts.startup,
    50 + a.height + 10,
    {
      log: false,
      unit: 's',
      width,
    },
  );
  const height = 50 + a.height + 10 + b.height + 30;
  const legend = (Object.keys(COLOURS) as Bar['kind'][])
    .map(
      (k, i) =>
        `<rect x="${10 + i * 150}" y="${height - 22}" width="12" height="12" fill="${COLOURS[k]}"/>` +
        `<text x="${28 + i * 150}" y="${height - 12}" font-size="11">${
          {
            ours: 'this stack',
            baseline: 'original: render all',
            ceiling: 'nginx ceiling',
            first: 'first version',
          }[k]
        }</text>`,
    )
    .join('\n');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="22" font-size="17" font-weight="bold">${esc(opts.title)}</text>`,
    `<text x="10" y="40" font-size="11" fill="#4a5568">${esc(opts.subtitle)}</text>`,
    a.svg,
    b.svg,
    legend,
    '</svg>',
    '',
  ].join('\n');
}
