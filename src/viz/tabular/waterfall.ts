import type { TabularExplanationData } from '../../attribution/tabular-explanation.js';
import {
  drawTitle, AXIS, BLUE, FONT_SIZE, GRID, INK, LinearScale, MUTED, RED, checkExplanation, checkMaxDisplay, checkRow, displayValue,
  drawXAxis, formatLevel, formatSigned, formatValue, orderByMagnitude, paddedExtent, titleExtra
} from './common.js';
import { Svg, fitText, textWidth } from './svg.js';

export interface WaterfallOptions {
  /** Which explained row, default 0. */
  row?: number;
  /** Features shown one per bar; the rest are folded into one "N other features" bar. Default 10. */
  maxDisplay?: number;
  /** Total width in pixels, default 760. */
  width?: number;
  title?: string;
}

/** One bar of the waterfall, bottom-up order is the order the values are added. */
export interface WaterfallBar {
  label: string;
  value: number;
  /** Where the bar starts and ends on the value axis. */
  start: number;
  end: number;
}

const ROW = 28;
const BAR = 18;

/**
 * The bars of shap's waterfall for one row, top first: the largest |attribution| on top, the rest
 * summed into "N other features" at the bottom; adding bottom-up from the base value ends at
 * base + sum(attributions), which is f(x) for methods with efficiency.
 */
export function waterfallBars(e: TabularExplanationData, row = 0, maxDisplay = 10): WaterfallBar[] {
  checkExplanation(e);
  checkRow(e, row);
  checkMaxDisplay(maxDisplay);
  const values = e.attributions[row];
  const order = orderByMagnitude(values);
  // As shap: with more features than maxDisplay, the last bar stands for the n - maxDisplay + 1 smallest.
  const shown = order.length > maxDisplay ? order.slice(0, maxDisplay - 1) : order;
  const rest = order.slice(shown.length);
  const items = shown.map((j) => ({ label: `${e.featureNames[j]} = ${displayValue(e, row, j)}`, value: values[j] }));
  if (rest.length) items.push({ label: `${rest.length} other features`, value: rest.reduce((s, j) => s + values[j], 0) });
  const bars: WaterfallBar[] = [];
  let at = e.baseValues[row];
  for (let k = items.length - 1; k >= 0; k--) {
    bars.unshift({ label: items[k].label, value: items[k].value, start: at, end: at + items[k].value });
    at += items[k].value;
  }
  return bars;
}

/** An arrow-shaped bar from x0 to x1 (pointing at x1) between y0 and y1. */
export function arrowPoints(x0: number, x1: number, y0: number, y1: number, head = 7): [number, number][] {
  const dir = x1 >= x0 ? 1 : -1;
  const h = Math.min(head, Math.abs(x1 - x0));
  const mid = (y0 + y1) / 2;
  return [[x0, y0], [x1 - dir * h, y0], [x1, mid], [x1 - dir * h, y1], [x0, y1]];
}

/** shap's waterfall plot of one explained row, as an SVG string. */
export function waterfallPlot(e: TabularExplanationData, options: WaterfallOptions = {}): string {
  const row = options.row ?? 0;
  const bars = waterfallBars(e, row, options.maxDisplay ?? 10);
  const width = options.width ?? 760;
  const base = e.baseValues[row];
  const fx = e.predictions[row];
  const end = bars.length ? bars[0].end : base;

  const labelMax = Math.min(width * 0.42, Math.max(...bars.map((b) => textWidth(b.label, FONT_SIZE))));
  const left = 12 + labelMax + 14;
  const right = width - 14;
  const titleH = options.title ? 26 + titleExtra(width, options.title) : 0;
  const top = titleH + 46;
  const bottom = top + bars.length * ROW;
  const gap = end - fx;
  const noteH = Math.abs(gap) > 1e-6 * Math.max(1, Math.abs(fx)) ? 20 : 0;
  const svg = new Svg(width, bottom + 58 + noteH, options.title ?? 'waterfall plot');

  // Room for value labels that do not fit inside their bars: widen the range until each fits.
  const texts = bars.map((b) => formatSigned(b.value, 2));
  let [lo, hi] = paddedExtent([base, fx, ...bars.flatMap((b) => [b.start, b.end])], 0.04);
  let scale = new LinearScale(lo, hi, left, right);
  for (let attempt = 0; attempt < 12; attempt++) {
    let needLeft = 0;
    let needRight = 0;
    bars.forEach((b, k) => {
      const w = Math.abs(scale.map(b.end) - scale.map(b.start));
      const tw = textWidth(texts[k], 11) + 6;
      if (tw + 4 <= w) return;
      if (b.value >= 0) needRight = Math.max(needRight, scale.map(b.end) + tw - right);
      else needLeft = Math.max(needLeft, left - (scale.map(b.end) - tw));
    });
    if (needLeft <= 0 && needRight <= 0) break;
    const perPx = (hi - lo) / (right - left);
    lo -= Math.max(0, needLeft) * perPx * 1.1;
    hi += Math.max(0, needRight) * perPx * 1.1;
    scale = new LinearScale(lo, hi, left, right);
  }

  if (options.title) drawTitle(svg, options.title);

  // Row guides, then the f(x) and E[f(X)] markers, then the bars on top.
  bars.forEach((_, k) => {
    const y = top + k * ROW + ROW / 2;
    svg.line(left, y, right, y, { stroke: GRID, 'stroke-dasharray': '1 4' });
  });
  const xFx = scale.map(fx);
  const xBase = scale.map(base);
  svg.line(xFx, top - 8, xFx, top + ROW / 2 - BAR / 2, { stroke: AXIS, 'stroke-dasharray': '3 3' });
  svg.line(xBase, bottom - ROW / 2 + BAR / 2, xBase, bottom + 8, { stroke: AXIS, 'stroke-dasharray': '3 3' });

  bars.forEach((b, k) => {
    const cy = top + k * ROW + ROW / 2;
    const y0 = cy - BAR / 2;
    const y1 = cy + BAR / 2;
    const x0 = scale.map(b.start);
    const x1 = scale.map(b.end);
    const color = b.value >= 0 ? RED : BLUE;
    svg.group({ class: 'bar' }, () => {
      if (Math.abs(x1 - x0) > 0.01) svg.polygon(arrowPoints(x0, x1, y0, y1), { fill: color });
      else svg.line(x0, y0, x0, y1, { stroke: color, 'stroke-width': 2 });
      const tw = textWidth(texts[k], 11) + 6;
      if (tw + 4 <= Math.abs(x1 - x0)) {
        svg.text((x0 + x1) / 2 - (b.value >= 0 ? 3 : -3), cy, texts[k], { size: 11, anchor: 'middle', baseline: 'middle', fill: '#ffffff' });
      } else {
        const dir = b.value >= 0 ? 1 : -1;
        svg.text(x1 + dir * 4, cy, texts[k], { size: 11, anchor: dir > 0 ? 'start' : 'end', baseline: 'middle', fill: color });
      }
    });
    // The link to the next bar up starts where this one ends.
    if (k > 0) svg.line(x1, y0 - (ROW - BAR), x1, y0, { stroke: '#bbbbbb', 'stroke-width': 1 });
    // A long name is cut, never its value.
    const full = b.label.lastIndexOf(' = ');
    const label = full > 0 && textWidth(b.label, FONT_SIZE) > labelMax
      ? fitText(b.label.slice(0, full), labelMax - textWidth(b.label.slice(full), FONT_SIZE), FONT_SIZE) + b.label.slice(full)
      : fitText(b.label, labelMax, FONT_SIZE);
    const eq = label.lastIndexOf(' = ');
    const spans = eq > 0 ? [{ text: label.slice(0, eq), fill: INK }, { text: label.slice(eq), fill: MUTED }] : [{ text: label, fill: INK }];
    svg.text(left - 12, cy, spans, { size: FONT_SIZE, anchor: 'end', baseline: 'middle' });
  });

  // Axes: f(x) on top, the value ticks and E[f(X)] below, as in shap.
  svg.line(left, top - 8, right, top - 8, { stroke: AXIS });
  svg.line(xFx, top - 8, xFx, top - 12, { stroke: AXIS });
  const fxText = `f(x) = ${formatLevel(fx)}`;
  svg.text(clampCenter(xFx, textWidth(fxText, FONT_SIZE, true), width), top - 16, fxText, { size: FONT_SIZE, anchor: 'middle', bold: true, fill: INK });
  drawXAxis(svg, scale, bottom + 8);
  svg.line(xBase, bottom + 8, xBase, bottom + 28, { stroke: AXIS });
  const baseText = `E[f(X)] = ${formatLevel(base)}`;
  svg.text(clampCenter(xBase, textWidth(baseText, FONT_SIZE, true), width), bottom + 42, baseText, { size: FONT_SIZE, anchor: 'middle', bold: true, fill: INK });
  if (noteH) {
    svg.text(12, bottom + 62, `The attributions add up to ${formatValue(end, 3)}, not f(x): ${e.method} leaves ${formatValue(-gap, 3, true)} unexplained.`,
      { size: 11, fill: MUTED });
  }
  return svg.toString();
}

/** The x at which a centred text of width `w` stays inside [2, width - 2]. */
export function clampCenter(x: number, w: number, width: number): number {
  return Math.min(width - 2 - w / 2, Math.max(2 + w / 2, x));
}
