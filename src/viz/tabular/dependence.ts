import type { TabularExplanationData } from '../../attribution/tabular-explanation.js';
import { UsageError } from '../../errors.js';
import {
  drawTitle, COLOR_BAR_WIDTH, GRID, LinearScale, MUTED, RED, checkExplanation, drawColorBar, drawXAxis, drawYAxis, featureIndex,
  paddedExtent, valueColor, yTickWidth, titleExtra, categoryLabels, featureColorRange,
} from './common.js';
import { Svg, fitText } from './svg.js';
import { Random } from '../../util/random.js';

export interface DependenceOptions {
  /** The feature on the x axis, by name or index. */
  feature: string | number;
  /** Colour by this feature; 'auto' (default) picks the strongest approximate interaction; null for one colour. */
  interaction?: string | number | 'auto' | null;
  /** Default 600 x 420 pixels. */
  width?: number;
  height?: number;
  title?: string;
  /** Dot radius in pixels, default 3. */
  radius?: number;
  /**
   * Horizontal jitter for a categorical feature (category codes with display names), as a fraction of
   * the gap between categories: dots spread over +-jitter/2 around their category. Default 0.4; 0 off.
   */
  jitter?: number;
  /** Seeds the jitter, default 0. */
  seed?: number;
}

function absCorrelation(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let sab = 0; let saa = 0; let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return saa > 0 && sbb > 0 ? Math.abs(sab / Math.sqrt(saa * sbb)) : 0;
}

function hasSpread(xs: readonly number[]): boolean {
  if (xs.some((v) => !Number.isFinite(v))) return false; // numpy's std is NaN there, and NaN > 0 is false
  return xs.some((v) => v !== xs[0]);
}

/**
 * shap's approximate_interactions: features ordered by how much they explain the spread of `feature`'s
 * SHAP values among rows with similar values of `feature`. Rows are sorted by the feature and cut
 * into windows of max(1, min(50, n / 10)); the score adds |corr(SHAP, other feature)| over windows,
 * and the same for the other feature's missingness, keeping the larger. Returns the other features,
 * strongest first.
 */
export function approximateInteractions(e: TabularExplanationData, feature: string | number): number[] {
  checkExplanation(e);
  const index = featureIndex(e.featureNames, feature);
  const n = e.values.length;
  const x = e.values.map((r) => (r[index] === null ? NaN : r[index]));
  // numpy's argsort puts NaN last; ties keep row order.
  const srt = x.map((_, i) => i).sort((a, b) => (Number.isNaN(x[a]) ? 1 : 0) - (Number.isNaN(x[b]) ? 1 : 0) || x[a] - x[b] || a - b);
  const shapRef = srt.map((i) => e.attributions[i][index]);
  const inc = Math.max(Math.min(Math.floor(n / 10), 50), 1);
  const score = (other: number[]) => {
    if (other.reduce((s, v) => s + Math.abs(v), 0) < 1e-8) return 0; // NaN sums pass, as in numpy
    let v = 0;
    for (let j = 0; j < n; j += inc) {
      const o = other.slice(j, j + inc);
      const s = shapRef.slice(j, j + inc);
      if (hasSpread(o) && hasSpread(s)) v += absCorrelation(s, o);
    }
    return v;
  };
  const scores = e.featureNames.map((_, k) => {
    if (k === index) return -1;
    const other = srt.map((i) => (e.values[i][k] === null ? NaN : e.values[i][k]));
    return Math.max(score(other), score(other.map((v) => (Number.isNaN(v) ? 1 : 0))));
  });
  return scores.map((_, k) => k).filter((k) => k !== index).sort((a, b) => scores[b] - scores[a] || a - b);
}

/** shap's dependence (scatter) plot: a feature's SHAP value against its value, coloured by a second feature. */
export function dependencePlot(e: TabularExplanationData, options: DependenceOptions): string {
  checkExplanation(e);
  if (options === undefined || options.feature === undefined) {
    throw new UsageError('a dependence plot needs a feature', 'pass { feature: "name" } (or its index)');
  }
  const j = featureIndex(e.featureNames, options.feature);
  const choice = options.interaction === undefined ? 'auto' : options.interaction;
  const k = choice === null ? -1 : choice === 'auto' ? (approximateInteractions(e, j)[0] ?? -1) : featureIndex(e.featureNames, choice, 'interaction feature');
  const width = options.width ?? 600;
  const height = options.height ?? 420;
  const radius = options.radius ?? 3;
  const xs = e.values.map((r) => (r[j] === null ? NaN : r[j]));
  const ys = e.attributions.map((r) => r[j]);
  const shown = xs.map((_, i) => i).filter((i) => Number.isFinite(xs[i]));
  const missing = xs.length - shown.length;
  // A categorical feature: ticks at the codes named by their categories, dots jittered sideways so
  // rows of one category do not sit on one vertical line (shap's dependence_plot x_jitter).
  const categories = categoryLabels(e, j);
  const jitter = options.jitter ?? 0.4;
  if (!(jitter >= 0 && jitter <= 1)) throw new UsageError(`jitter ${jitter} is not between 0 and 1`, 'give a fraction of the gap between categories, e.g. 0.4');
  const random = new Random(options.seed ?? 0);
  const codes = categories ? [...categories.keys()].sort((a, b) => a - b) : [];
  const offsets = xs.map(() => (categories ? (random.uniform() - 0.5) * jitter : 0));

  const titleH = options.title ? 28 + titleExtra(width, options.title) : 8;
  const top = titleH + 10;
  const bottom = height - 48 - (missing ? 16 : 0);
  const [ylo, yhi] = paddedExtent(ys, 0.06);
  const left = 30 + yTickWidth(ylo, yhi, bottom - top) + 12;
  const right = width - 16 - (k >= 0 ? COLOR_BAR_WIDTH + 12 : 0);
  const svg = new Svg(width, height, options.title ?? `dependence plot of ${e.featureNames[j]}`);
  const [xlo, xhi] = categories ? [codes[0] - 0.5, codes[codes.length - 1] + 0.5] : paddedExtent(shown.map((i) => xs[i]), 0.04);
  const sx = new LinearScale(xlo, xhi, left, right);
  const sy = new LinearScale(ylo, yhi, bottom, top);
  if (options.title) drawTitle(svg, options.title);
  if (ylo < 0 && yhi > 0) svg.line(left, sy.map(0), right, sy.map(0), { stroke: GRID, 'stroke-dasharray': '4 3' });
  const colorCategories = k >= 0 ? categoryLabels(e, k) : undefined;
  const colorValues = k >= 0 ? e.values.map((r) => (r[k] === null ? NaN : r[k])) : [];
  const range = featureColorRange(colorValues, colorCategories !== undefined);
  svg.group({ class: 'dots', 'fill-opacity': 0.85 }, () => {
    for (const i of shown) svg.circle(sx.map(xs[i] + offsets[i]), sy.map(ys[i]), radius, { fill: k >= 0 ? valueColor(colorValues[i], range) : RED });
  });
  const xLabel = fitText(e.featureNames[j], right - left, 12);
  if (categories) {
    // Each name gets the room between its neighbours, so none is dropped for colliding.
    const room = Math.abs(sx.map(codes[0] + 1) - sx.map(codes[0])) - 8;
    drawXAxis(svg, sx, bottom + 4, { label: xLabel, ticks: codes, format: (c) => fitText(categories.get(c) ?? String(c), room, 11) });
  } else {
    drawXAxis(svg, sx, bottom + 4, { label: xLabel });
  }
  drawYAxis(svg, sy, left - 4, { label: fitText(`SHAP value for ${e.featureNames[j]}`, bottom - top, 12), labelX: 16 });
  if (k >= 0) {
    const ends = colorCategories
      ? { low: colorCategories.get(range[0]), high: colorCategories.get(range[1]) }
      : {};
    drawColorBar(svg, right + 16, top + 16, bottom - top - 36, fitText(e.featureNames[k], bottom - top - 20, 12), ends);
  }
  if (missing) svg.text(left, height - 8, `${missing} rows with ${e.featureNames[j]} missing are not shown.`, { size: 11, fill: MUTED });
  return svg.toString();
}
