import type { PartialDependence } from '../../global/types.js';
import { UsageError } from '../../errors.js';
import {
  AXIS, BLUE, INK, LinearScale, MUTED, RED, drawTitle, drawXAxis, drawYAxis, paddedExtent, yTickWidth, titleExtra
} from './common.js';
import { Svg, fitText, num, textWidth } from './svg.js';

export interface PdpOptions {
  /** Default 600 x 420 pixels. */
  width?: number;
  height?: number;
  title?: string;
  /** Draw the ICE curves when the result has them, default true. */
  ice?: boolean;
  /** At most this many ICE curves (evenly spaced through the rows), default 200. */
  maxIce?: number;
  /** Default "partial dependence". */
  yLabel?: string;
}

/** Fails with a clear message when the result's arrays disagree. */
export function checkPartialDependence(pd: PartialDependence): void {
  const n = pd.grid?.length ?? 0;
  if (n === 0) throw new UsageError(`the partial dependence of ${pd.feature} has an empty grid`, 'compute it on at least one grid value');
  if (pd.average?.length !== n) {
    throw new UsageError(`the partial dependence of ${pd.feature} has ${pd.average?.length ?? 0} averages for ${n} grid values`, 'give one average per grid value');
  }
  if (pd.gridLabels && pd.gridLabels.length !== n) {
    throw new UsageError(`${pd.gridLabels.length} grid labels for ${n} grid values`, 'give one label per grid value, or none');
  }
  pd.ice?.forEach((curve, i) => {
    if (curve.length !== n) throw new UsageError(`ICE curve ${i} has ${curve.length} points for ${n} grid values`, 'give one value per grid value in every curve');
  });
  for (const [name, xs] of [['grid', pd.grid], ['average', pd.average], ...(pd.ice ?? []).map((c, i) => [`ICE curve ${i}`, c] as const)] as const) {
    if (xs.some((v) => !Number.isFinite(v))) throw new UsageError(`the ${name} of ${pd.feature} has a value that is not finite`, 'plot finite values only');
  }
}

/**
 * Partial dependence as sklearn's PartialDependenceDisplay draws it (kind "both"): the average as a
 * thick line over the thin, translucent ICE curves, and a rug of the rows' feature values. A
 * categorical feature (gridLabels) gets one marker per category and its labels on the axis.
 */
export function pdpPlot(pd: PartialDependence, options: PdpOptions = {}): string {
  checkPartialDependence(pd);
  const width = options.width ?? 600;
  const height = options.height ?? 420;
  const categorical = pd.gridLabels !== undefined;
  const maxIce = options.maxIce ?? 200;
  const all = options.ice === false ? [] : pd.ice ?? [];
  const step = Math.max(1, all.length / maxIce);
  const curves = all.length > maxIce ? Array.from({ length: maxIce }, (_, k) => all[Math.floor(k * step)]) : all;

  const titleH = options.title ? 28 + titleExtra(width, options.title) : 8;
  const top = titleH + 10;
  const legendH = 18;
  const bottom = height - 50 - legendH;
  const [ylo, yhi] = paddedExtent([...pd.average, ...curves.flat()], 0.05);
  const left = 30 + yTickWidth(ylo, yhi, bottom - top) + 12;
  const right = width - 20;
  const svg = new Svg(width, height, options.title ?? `partial dependence on ${pd.feature}`);
  const n = pd.grid.length;
  const sy = new LinearScale(ylo, yhi, bottom, top);
  const sx = categorical ? new LinearScale(-0.5, n - 0.5, left, right) : new LinearScale(...paddedExtent(pd.grid, 0.03), left, right);
  const at = (k: number) => sx.map(categorical ? k : pd.grid[k]);
  if (options.title) drawTitle(svg, options.title);

  if (curves.length) {
    svg.group({ class: 'ice', stroke: BLUE, 'stroke-opacity': Math.max(0.08, Math.min(0.4, 8 / curves.length)), 'stroke-width': 0.8, fill: 'none' }, () => {
      for (const c of curves) {
        if (categorical) c.forEach((v, k) => svg.line(at(k) - 6, sy.map(v), at(k) + 6, sy.map(v), { stroke: undefined }));
        else svg.polyline(c.map((v, k) => [at(k), sy.map(v)] as const), { stroke: undefined });
      }
    });
  }
  if (categorical) {
    const half = Math.min(24, (right - left) / n / 3);
    pd.average.forEach((v, k) => svg.line(at(k) - half, sy.map(v), at(k) + half, sy.map(v), { stroke: RED, 'stroke-width': 4, class: 'average' }));
  } else {
    svg.polyline(pd.average.map((v, k) => [at(k), sy.map(v)] as const), { stroke: RED, 'stroke-width': 3, class: 'average', 'stroke-linejoin': 'round' });
  }

  // Rug: one short tick per row value inside the grid's range (as sklearn, the x axis spans the grid), just above the axis.
  const [gx0, gx1] = [sx.d0, sx.d1];
  const rug = categorical ? [] : (pd.rowValues ?? []).filter((v) => Number.isFinite(v) && v >= gx0 && v <= gx1);
  const outside = categorical ? 0 : (pd.rowValues ?? []).filter(Number.isFinite).length - rug.length;
  if (rug.length) {
    svg.path(rug.map((v) => `M${num(sx.map(v))} ${num(bottom)}v-7`).join(''), { stroke: INK, 'stroke-opacity': 0.35, 'stroke-width': 1, class: 'rug' });
  }

  if (categorical) {
    svg.line(left, bottom + 4, right, bottom + 4, { stroke: AXIS });
    const room = (right - left) / n - 6;
    pd.gridLabels?.forEach((label, k) => {
      svg.line(at(k), bottom + 4, at(k), bottom + 8, { stroke: AXIS });
      svg.text(at(k), bottom + 21, fitText(label, room, 11), { size: 11, anchor: 'middle', fill: MUTED });
    });
    svg.text((left + right) / 2, bottom + 40, fitText(pd.feature, right - left, 12), { size: 12, anchor: 'middle', fill: INK });
  } else {
    drawXAxis(svg, sx, bottom + 4, { label: fitText(pd.feature, right - left, 12) });
  }
  drawYAxis(svg, sy, left - 4, { label: fitText(options.yLabel ?? 'partial dependence', bottom - top, 12), labelX: 16 });

  // Legend under the axis title.
  const ly = height - 10;
  let x = left;
  svg.line(x, ly - 4, x + 22, ly - 4, { stroke: RED, 'stroke-width': 3 });
  svg.text(x + 28, ly, 'average (partial dependence)', { size: 11, fill: MUTED });
  x += 28 + textWidth('average (partial dependence)', 11) + 18;
  if (curves.length) {
    svg.line(x, ly - 4, x + 22, ly - 4, { stroke: BLUE, 'stroke-width': 1 });
    const iceText = `ICE, ${curves.length}${curves.length < all.length ? ` of ${all.length}` : ''} rows`;
    svg.text(x + 28, ly, iceText, { size: 11, fill: MUTED });
    x += 28 + textWidth(iceText, 11) + 18;
  }
  if (rug.length) {
    svg.line(x, ly - 8, x, ly, { stroke: INK, 'stroke-opacity': 0.5 });
    svg.text(x + 6, ly, outside ? `data values (${outside} beyond the grid)` : 'data values', { size: 11, fill: MUTED });
  }
  return svg.toString();
}
