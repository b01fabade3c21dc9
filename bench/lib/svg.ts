/**
 * Hand-written SVG charts (no plotting dependency): a line chart with a log-free x axis and
 * optional dashed reference lines, and a grouped bar chart.
 */
export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
  readonly dashed?: boolean;
}

const PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

export function lineChart(options: {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  xTicks: readonly number[];
  yMax?: number;
  yFormat?: (v: number) => string;
  /** Tick labels (default: the x value). */
  xFormat?: (x: number) => string;
}): string {
  const width = 760;
  const height = 460;
  const left = 70;
  const right = 200;
  const top = 40;
  const bottom = 55;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const xs = options.xTicks;
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const yMax = options.yMax ?? niceMax(Math.max(...options.series.flatMap((s) => s.points.map((p) => p[1]))));
  const fmt = options.yFormat ?? ((v: number) => String(v));
  const X = (x: number) => left + ((x - xMin) / (xMax - xMin || 1)) * plotW;
  const Y = (y: number) => top + plotH - (y / yMax) * plotH;
  const out = chartFrame({ width, height, left, right, plotW, title: options.title, yMax, Y, fmt });
  for (const x of xs) {
    out.push(`<line x1="${X(x)}" x2="${X(x)}" y1="${top}" y2="${top + plotH}" stroke="#eee"/>`);
    out.push(
      `<text x="${X(x)}" y="${top + plotH + 18}" text-anchor="middle">${esc(options.xFormat ? options.xFormat(x) : String(x))}</text>`,
    );
  }
  out.push(`<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`);
  out.push(
    `<text x="${left + plotW / 2}" y="${height - 12}" text-anchor="middle">${esc(options.xLabel)}</text>`,
  );
  out.push(
    `<text transform="translate(18 ${top + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(options.yLabel)}</text>`,
  );
  options.series.forEach((s, i) => {
    const color = s.dashed ? '#000' : PALETTE[i % PALETTE.length]!;
    const dash = s.dashed ? (i % 2 === 0 ? ' stroke-dasharray="6 4"' : ' stroke-dasharray="2 3"') : '';
    const d = s.points
      .map((p, j) => `${j === 0 ? 'M' : 'L'}${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`)
      .join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`);
    if (!s.dashed)
      for (const p of s.points)
        out.push(`<circle cx="${X(p[0]).toFixed(1)}" cy="${Y(p[1]).toFixed(1)}" r="3" fill="${color}"/>`);
    const ly = top + 10 + i * 20;
    out.push(
      `<line x1="${left + plotW + 12}" x2="${left + plotW + 40}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${dash}/>`,
    );
    out.push(`<text x="${left + plotW + 46}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

/** The SVG opening, white background, title and horizontal y grid with labels, as lines of SVG. */
function chartFrame(f: {
  width: number;
  height: number;
  left: number;
  right: number;
  plotW: number;
  title: string;
  yMax: number;
  Y: (y: number) => number;
  fmt: (v: number) => string;
}): string[] {
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${f.width}" height="${f.height}" font-family="sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${f.width}" height="${f.height}" fill="white"/>`);
  out.push(
    `<text x="${f.width / 2 - f.right / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(f.title)}</text>`,
  );
  for (let i = 0; i <= 5; i++) {
    const v = (f.yMax * i) / 5;
    out.push(`<line x1="${f.left}" x2="${f.left + f.plotW}" y1="${f.Y(v)}" y2="${f.Y(v)}" stroke="#ddd"/>`);
    out.push(`<text x="${f.left - 6}" y="${f.Y(v) + 4}" text-anchor="end">${esc(f.fmt(v))}</text>`);
  }
  return out;
}

export function barChart(options: {
  title: string;
  yLabel: string;
  groups: readonly string[];
  bars: readonly { name: string; values: readonly number[] }[];
  yFormat?: (v: number) => string;
}): string {
  const width = 760;
  const height = 420;
  const left = 80;
  const right = 170;
  const top = 40;
  const bottom = 50;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const yMax = niceMax(Math.max(...options.bars.flatMap((b) => b.values)));
  const fmt = options.yFormat ?? ((v: number) => String(v));
  const Y = (y: number) => top + plotH - (y / yMax) * plotH;
  const groupW = plotW / options.groups.length;
  const barW = (groupW * 0.8) / options.bars.length;
  const out = chartFrame({ width, height, left, right, plotW, title: options.title, yMax, Y, fmt });
  options.groups.forEach((g, gi) => {
    const gx = left + gi * groupW + groupW * 0.1;
    options.bars.forEach((b, bi) => {
      const v = b.values[gi] ?? 0;
      out.push(
        `<rect x="${(gx + bi * barW).toFixed(1)}" y="${Y(v).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(top + plotH - Y(v)).toFixed(1)}" fill="${PALETTE[bi % PALETTE.length]}"/>`,
      );
    });
    out.push(
      `<text x="${left + gi * groupW + groupW / 2}" y="${top + plotH + 18}" text-anchor="middle">${esc(g)}</text>`,
    );
  });
  out.push(`<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`);
  out.push(
    `<text transform="translate(18 ${top + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(options.yLabel)}</text>`,
  );
  options.bars.forEach((b, i) => {
    const ly = top + 10 + i * 20;
    out.push(
      `<rect x="${left + plotW + 12}" y="${ly - 8}" width="14" height="12" fill="${PALETTE[i % PALETTE.length]}"/>`,
    );
    out.push(`<text x="${left + plotW + 32}" y="${ly + 2}">${esc(b.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
