import type { TabularExplanationData } from '../../attribution/tabular-explanation.js';
import { UsageError } from '../../errors.js';
import {
  drawTitle, AXIS, FONT_SIZE, GRID, INK, LinearScale, RED, checkExplanation, checkMaxDisplay, drawXAxis, formatSigned, meanAbsolute, orderByMagnitude, titleExtra
} from './common.js';
import { Svg, fitText, textWidth } from './svg.js';

export interface BarOptions {
  /** Bars shown; the rest are summed into "Sum of N other features". Default 10. */
  maxDisplay?: number;
  /** Total width in pixels, default 640. */
  width?: number;
  title?: string;
  /** Axis label, default "mean(|SHAP value|)". */
  xLabel?: string;
}

export interface BarItem {
  label: string;
  value: number;
}

const ROW = 26;
const BAR = 17;

/** shap's global bar plot items: mean |attribution| per feature, largest first, the tail summed into one bar. */
export function barItems(e: TabularExplanationData, maxDisplay = 10): BarItem[] {
  checkExplanation(e);
  checkMaxDisplay(maxDisplay);
  const means = meanAbsolute(e);
  const order = orderByMagnitude(means);
  const shown = order.length > maxDisplay ? order.slice(0, maxDisplay - 1) : order;
  const rest = order.slice(shown.length);
  const items = shown.map((j) => ({ label: e.featureNames[j], value: means[j] }));
  if (rest.length) items.push({ label: `Sum of ${rest.length} other features`, value: rest.reduce((s, j) => s + means[j], 0) });
  return items;
}

/** Horizontal bars from 0 with their values printed, one row per item, in the given order. */
export function horizontalBars(items: readonly BarItem[], options: { width?: number; title?: string; xLabel?: string; colors?: (v: number) => string; decimals?: number } = {}): string {
  if (items.length === 0) throw new UsageError('nothing to plot: no bars', 'give at least one feature');
  for (const it of items) {
    if (!Number.isFinite(it.value)) throw new UsageError(`the bar for ${it.label} has value ${it.value}`, 'plot finite values only');
  }
  const width = options.width ?? 640;
  const texts = items.map((it) => formatSigned(it.value, options.decimals ?? 2));
  const labelMax = Math.min(width * 0.45, Math.max(...items.map((it) => textWidth(it.label, FONT_SIZE))));
  const left = 12 + labelMax + 12;
  const textRoom = Math.max(...texts.map((t) => textWidth(t, 11))) + 10;
  const hasNeg = items.some((it) => it.value < 0);
  const hasPos = items.some((it) => it.value > 0);
  const right = width - 12 - (hasPos ? textRoom : 0);
  const plotLeft = left + (hasNeg ? textRoom : 0);
  const titleH = options.title ? 28 + titleExtra(width, options.title) : 6;
  const top = titleH + 6;
  const bottom = top + items.length * ROW;
  const svg = new Svg(width, bottom + (options.xLabel === '' ? 30 : 50), options.title ?? 'bar plot');
  const lo = Math.min(0, ...items.map((it) => it.value));
  const hi = Math.max(0, ...items.map((it) => it.value));
  const scale = new LinearScale(lo, hi > lo ? hi : lo + 1, plotLeft, right);
  const colors = options.colors ?? ((v: number) => (v >= 0 ? RED : '#008bfb'));
  if (options.title) drawTitle(svg, options.title);
  items.forEach((it, k) => {
    const cy = top + k * ROW + ROW / 2;
    const x0 = scale.map(0);
    const x1 = scale.map(it.value);
    // A dotted guide from the label to its bar (or to the value printed left of a negative bar).
    const guideEnd = it.value >= 0 ? x0 : x1 - 5 - textWidth(texts[k], 11) - 4;
    if (guideEnd > left + 4) svg.line(left - 4, cy, guideEnd, cy, { stroke: GRID, 'stroke-dasharray': '1 4' });
    svg.group({ class: 'bar' }, () => {
      svg.rect(Math.min(x0, x1), cy - BAR / 2, Math.abs(x1 - x0), BAR, { fill: colors(it.value) });
      svg.text(it.value >= 0 ? x1 + 5 : x1 - 5, cy, texts[k], { size: 11, anchor: it.value >= 0 ? 'start' : 'end', baseline: 'middle', fill: colors(it.value) });
    });
    svg.text(left - 12, cy, fitText(it.label, labelMax, FONT_SIZE), { size: FONT_SIZE, anchor: 'end', baseline: 'middle', fill: INK });
  });
  svg.line(scale.map(0), top, scale.map(0), bottom, { stroke: AXIS });
  drawXAxis(svg, scale, bottom + 4, { label: options.xLabel || undefined });
  return svg.toString();
}

/** shap's global importance bar plot: mean |SHAP value| per feature, sorted, values printed. */
export function barPlot(e: TabularExplanationData, options: BarOptions = {}): string {
  const items = barItems(e, options.maxDisplay ?? 10);
  return horizontalBars(items, { width: options.width, title: options.title, xLabel: options.xLabel ?? 'mean(|SHAP value|)' });
}
