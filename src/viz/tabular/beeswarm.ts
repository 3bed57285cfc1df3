import type { TabularExplanationData } from '../../attribution/tabular-explanation.js';
import { Random } from '../../util/random.js';
import {
  drawTitle, AXIS, COLOR_BAR_WIDTH, FONT_SIZE, GRID, INK, LinearScale, NAN_COLOR, checkExplanation, checkMaxDisplay, categoryLabels, drawColorBar, featureColorRange,
  drawXAxis, meanAbsolute, orderByMagnitude, paddedExtent, valueColor, titleExtra
} from './common.js';
import { Svg, fitText, textWidth } from './svg.js';

export interface BeeswarmOptions {
  /** Feature rows shown; the rest are summed into "Sum of N other features". Default 10. */
  maxDisplay?: number;
  /** Total width in pixels, default 720. */
  width?: number;
  title?: string;
  /** Seeds the tie-breaking shuffle of the dot layout, default 0. */
  seed?: number;
  /** Dot radius in pixels, default 2.6. */
  radius?: number;
}

const ROW = 34;

/**
 * shap's beeswarm offsets for one row of dots: the values are binned into 100 bins over their range
 * and the dots in a bin stack outward from the centre line, alternately above and below, scaled so the
 * fullest bin fills 90% of half a row. Returns offsets in [-1, 1] (times half a row).
 */
export function beeswarmOffsets(values: readonly number[], random: Random, bins = 100): number[] {
  const n = values.length;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const quant = values.map((v) => Math.round(bins * (v - lo) / (hi - lo + 1e-8)));
  // Random tie-break within a bin (shap adds 1e-6 noise), so colours do not follow the data's order.
  const noise = values.map(() => random.uniform());
  const order = values.map((_, i) => i).sort((a, b) => quant[a] - quant[b] || noise[a] - noise[b]);
  const ys = new Array<number>(n).fill(0);
  let layer = 0;
  let last = -1;
  for (const i of order) {
    if (quant[i] !== last) layer = 0;
    ys[i] = Math.ceil(layer / 2) * ((layer % 2) * 2 - 1) + 0; // + 0: no -0 for the first layer
    layer += 1;
    last = quant[i];
  }
  const max = Math.max(1, ...ys.map((y) => Math.abs(y) + 1));
  return ys.map((y) => (0.9 * y) / max);
}

/**
 * shap's beeswarm summary: one row per feature, sorted by mean |SHAP value|, each explained row a dot
 * at its SHAP value, stacked by density and coloured by the feature's value (5th to 95th percentile
 * of the feature from blue to red; missing values grey). A categorical feature (category codes with
 * display names) is coloured over all its codes, so each category has its own shade.
 */
export function beeswarmPlot(e: TabularExplanationData, options: BeeswarmOptions = {}): string {
  checkExplanation(e);
  const maxDisplay = options.maxDisplay ?? 10;
  checkMaxDisplay(maxDisplay);
  const width = options.width ?? 720;
  const radius = options.radius ?? 2.6;
  const random = new Random(options.seed ?? 0);
  const order = orderByMagnitude(meanAbsolute(e));
  const shown = order.length > maxDisplay ? order.slice(0, maxDisplay - 1) : order;
  const rest = order.slice(shown.length);
  const rows = shown.map((j) => ({
    label: e.featureNames[j],
    shap: e.attributions.map((r) => r[j]),
    values: e.values.map((r) => (r[j] === null ? NaN : r[j])),
    categorical: categoryLabels(e, j) !== undefined,
  }));
  if (rest.length) {
    rows.push({ label: `Sum of ${rest.length} other features`, shap: e.attributions.map((r) => rest.reduce((s, j) => s + r[j], 0)), values: e.attributions.map(() => NaN), categorical: false });
  }

  const labelMax = Math.min(width * 0.4, Math.max(...rows.map((r) => textWidth(r.label, FONT_SIZE))));
  const left = 12 + labelMax + 12;
  const right = width - 12 - COLOR_BAR_WIDTH - 8;
  const titleH = options.title ? 28 + titleExtra(width, options.title) : 0;
  const top = titleH + 14;
  const bottom = top + rows.length * ROW;
  const svg = new Svg(width, bottom + 52, options.title ?? 'beeswarm plot');
  const [lo, hi] = paddedExtent([0, ...rows.flatMap((r) => r.shap)], 0.04);
  const scale = new LinearScale(lo, hi, left, right);
  if (options.title) drawTitle(svg, options.title);
  svg.line(scale.map(0), top, scale.map(0), bottom, { stroke: '#999999' });
  rows.forEach((r, k) => {
    const cy = top + k * ROW + ROW / 2;
    svg.line(left, cy, right, cy, { stroke: GRID, 'stroke-dasharray': '1 4' });
    svg.text(left - 12, cy, fitText(r.label, labelMax, FONT_SIZE), { size: FONT_SIZE, anchor: 'end', baseline: 'middle', fill: INK });
    const offsets = beeswarmOffsets(r.shap, random);
    const range = featureColorRange(r.values, r.categorical);
    // Missing values first (under the coloured dots), as shap draws them.
    const all = r.shap.map((_, i) => i);
    const idx = [...all.filter((i) => !Number.isFinite(r.values[i])), ...all.filter((i) => Number.isFinite(r.values[i]))];
    svg.group({ class: 'row', 'fill-opacity': 0.9 }, () => {
      for (const i of idx) {
        svg.circle(scale.map(r.shap[i]), cy + offsets[i] * (ROW / 2 - 1), radius, { fill: Number.isFinite(r.values[i]) ? valueColor(r.values[i], range) : NAN_COLOR });
      }
    });
  });
  drawXAxis(svg, scale, bottom + 4, { label: 'SHAP value (impact on model output)' });
  svg.line(left, bottom + 4, right, bottom + 4, { stroke: AXIS });
  drawColorBar(svg, right + 20, top + 16, bottom - top - 36, 'Feature value');
  return svg.toString();
}
