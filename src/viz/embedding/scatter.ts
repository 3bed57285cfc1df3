import { UsageError } from '../../errors.js';
import type { MetadataColumn, Projection } from '../../embedding/types.js';
import { colorAt, getColormap } from '../colormaps.js';
import { INK, MUTED, rgbHex } from '../tabular/common.js';
import { Svg, fitText, textWidth } from '../tabular/svg.js';

/** The categorical palette of the scatter and the projector page (matplotlib's tab10 then its light tones). */
export const CATEGORY_COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf',
  '#aec7e8', '#ffbb78', '#98df8a', '#ff9896', '#c5b0d5', '#c49c94', '#f7b6d2', '#c7c7c7', '#dbdb8d', '#9edae5'];

export interface ScatterOptions {
  /** Colours the points: categorical when it has at most 20 distinct values or holds text, else viridis. */
  color?: MetadataColumn;
  /** Legend title (the column's name). */
  colorName?: string;
  title?: string;
  /** Default 640 x 520 pixels. */
  width?: number;
  height?: number;
  /** Dot radius, default: 2.5 below 2,000 points, down to 1 at 50,000. */
  radius?: number;
  /** Most points drawn (default 30,000): an SVG of more is slow to open; above it every n-th point is drawn and the subtitle says so. */
  maxPoints?: number;
}

/** A static 2-D scatter of a projection, for reports and the README; 3-D projections show their first two axes. */
export function scatterPlot(projection: Projection, options: ScatterOptions = {}): string {
  const { count, dims, coordinates } = projection;
  if (coordinates.length !== count * dims || count < 1) throw new UsageError(`the projection holds ${coordinates.length} numbers for ${count} points in ${dims}-D`, 'pass a projection of at least one point');
  const color = options.color;
  if (color && color.length !== count) throw new UsageError(`the colour column has ${color.length} values for ${count} points`, 'give one value per point');
  const width = options.width ?? 640;
  const height = options.height ?? 520;
  const maxPoints = options.maxPoints ?? 30_000;
  const step = Math.max(1, Math.ceil(count / maxPoints));

  // Colour mapping.
  let pointColor: (i: number) => string = () => CATEGORY_COLORS[0];
  const legend: { name: string; color: string; count: number }[] = [];
  let ramp: { lo: number; hi: number } | undefined;
  if (color) {
    const numeric = color.every((v) => typeof v === 'number');
    const counts = new Map<string, number>();
    for (const v of color) counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
    if (numeric && counts.size > 20) {
      const values = color as number[];
      let lo = Infinity; let hi = -Infinity;
      for (const v of values) { if (v < lo) lo = v; if (v > hi) hi = v; }
      ramp = { lo, hi };
      const map = getColormap('viridis');
      pointColor = (i) => rgbHex(colorAt(map, hi > lo ? (values[i] - lo) / (hi - lo) : 0.5));
    } else {
      const keys = [...counts.keys()].sort((a, b) => (numeric ? Number(a) - Number(b) : (counts.get(b)! - counts.get(a)!) || (a < b ? -1 : 1)));
      const index = new Map(keys.map((k, j) => [k, j]));
      keys.forEach((k, j) => legend.push({ name: k, color: j < 20 ? CATEGORY_COLORS[j] : '#999999', count: counts.get(k)! }));
      pointColor = (i) => legend[index.get(String(color[i]))!].color;
    }
  }

  const legendWidth = color ? Math.min(200, Math.max(70, ...legend.slice(0, 20).map((l) => textWidth(l.name, 12) + 30), textWidth(options.colorName ?? '', 12, true) + 10)) : 0;
  const top = options.title ? 44 : 16;
  const plot = { x: 16, y: top, w: width - 32 - legendWidth, h: height - top - 16 };
  if (plot.w < 50 || plot.h < 50) throw new UsageError(`a ${width} x ${height} scatter leaves no room to plot`, 'make it at least 300 x 240 pixels');
  let lo0 = Infinity; let hi0 = -Infinity; let lo1 = Infinity; let hi1 = -Infinity;
  for (let i = 0; i < count; i++) {
    const x = coordinates[i * dims]; const y = coordinates[i * dims + 1];
    if (!Number.isFinite(x) || !Number.isFinite(y)) throw new UsageError(`point ${i} has a coordinate ${Number.isFinite(x) ? y : x}`, 'remove NaN rows before projecting');
    if (x < lo0) lo0 = x; if (x > hi0) hi0 = x; if (y < lo1) lo1 = y; if (y > hi1) hi1 = y;
  }
  // Equal scales on both axes: distances in the picture mean the same in every direction.
  const scale = Math.min(plot.w / Math.max(hi0 - lo0, 1e-12), plot.h / Math.max(hi1 - lo1, 1e-12)) * 0.94;
  const cx = plot.x + plot.w / 2; const cy = plot.y + plot.h / 2;
  const mx = (lo0 + hi0) / 2; const my = (lo1 + hi1) / 2;
  const drawn = Math.ceil(count / step);
  const radius = options.radius ?? Math.max(1, Math.min(2.5, 2.5 - 1.5 * Math.log10(Math.max(1, drawn / 2000)) / Math.log10(25)));

  const svg = new Svg(width, height, options.title ?? 'Projection');
  if (options.title) {
    svg.text(16, 22, fitText(options.title, width - 32, 15, true), { size: 15, bold: true, fill: INK });
    const method = projection.method === 'tsne' ? 't-SNE' : projection.method === 'umap' ? 'UMAP' : 'PCA';
    svg.text(16, 38, `${method}, ${count.toLocaleString('en-US')} points${step > 1 ? ` (every ${step}th drawn)` : ''}`, { size: 11, fill: MUTED });
  }
  svg.rect(plot.x, plot.y, plot.w, plot.h, { fill: 'none', stroke: '#dddddd' });
  // Grouped by colour, so the file has one <g fill> per colour instead of a fill per dot.
  const groups = new Map<string, string[]>();
  for (let i = 0; i < count; i += step) {
    const x = cx + (coordinates[i * dims] - mx) * scale;
    const y = cy - (coordinates[i * dims + 1] - my) * scale;
    const c = pointColor(i);
    let g = groups.get(c);
    if (!g) groups.set(c, (g = []));
    g.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${radius.toFixed(2)}"/>`);
  }
  for (const [c, dots] of groups) svg.raw(`<g fill="${c}" fill-opacity="0.8">${dots.join('')}</g>`);

  if (color) {
    const lx = plot.x + plot.w + 14;
    let ly = plot.y + 12;
    svg.text(lx, ly, fitText(options.colorName ?? 'colour', legendWidth - 4, 12, true), { size: 12, bold: true, fill: INK });
    ly += 18;
    if (ramp) {
      const map = getColormap('viridis');
      const fill = svg.linearGradient(Array.from({ length: 9 }, (_, j) => [j / 8, rgbHex(colorAt(map, j / 8))] as const), true);
      svg.rect(lx, ly, 14, 140, { fill });
      svg.text(lx + 20, ly + 10, fmt(ramp.hi), { size: 11, fill: MUTED });
      svg.text(lx + 20, ly + 140, fmt(ramp.lo), { size: 11, fill: MUTED });
    } else {
      for (const l of legend.slice(0, 20)) {
        svg.circle(lx + 5, ly - 4, 5, { fill: l.color });
        svg.text(lx + 16, ly, fitText(l.name, legendWidth - 20, 12), { size: 12, fill: INK });
        ly += 17;
      }
      if (legend.length > 20) svg.text(lx, ly, `+${legend.length - 20} more (grey)`, { size: 11, fill: MUTED });
    }
  }
  return svg.toString();
}

function fmt(v: number): string {
  return Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(2) : String(Math.round(v * 1000) / 1000);
}
