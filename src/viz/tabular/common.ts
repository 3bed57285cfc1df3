import { UsageError } from '../../errors.js';
import type { TabularExplanationData } from '../../attribution/tabular-explanation.js';
import { labToRgb } from '../colormaps.js';
import { Svg, fitText, textWidth } from './svg.js';

/** shap's colours: positive pushes red, negative blue; axes and labels grey. */
export const RED = '#ff0051';
export const BLUE = '#008bfb';
export const AXIS = '#888888';
export const INK = '#333333';
export const MUTED = '#888888';
export const GRID = '#dddddd';
export const NAN_COLOR = '#777777';
export const FONT_SIZE = 12;

const hex2 = (v: number) => v.toString(16).padStart(2, '0');
export function rgbHex([r, g, b]: readonly [number, number, number]): string {
  return `#${hex2(r)}${hex2(g)}${hex2(b)}`;
}

/**
 * shap's red_blue colour map at t in [0, 1] (0 blue, 1 red): interpolated in CIE LCh from blue
 * (54, 70, 4.6588 rad) to red (54, 90, 0.3547 + 2 pi rad), lightness dipping to 40 in the middle so
 * the eye sees the order.
 */
export function redBlue(t: number): string {
  const u = Math.max(0, Math.min(1, Number.isFinite(t) ? t : 0.5));
  const l = u < 0.5 ? 54 + (40 - 54) * (u / 0.5) : 40 + (54 - 40) * ((u - 0.5) / 0.5);
  const c = 70 + (90 - 70) * u;
  const h = 4.6588 + (0.35470565 + 2 * Math.PI - 4.6588) * u;
  return rgbHex(labToRgb([l, c * Math.cos(h), c * Math.sin(h)]));
}

/** `color` mixed with white: `amount` 0 keeps it, 1 is white (for filled boxes that carry text). */
export function tint(color: string, amount: number): string {
  const v = [1, 3, 5].map((i) => Number.parseInt(color.slice(i, i + 2), 16));
  return rgbHex(v.map((c) => Math.round(c + (255 - c) * amount)) as [number, number, number]);
}

/**
 * shap's format_value: fixed decimals with trailing zeros dropped, a real minus sign, and an
 * explicit plus when `signed`.
 */
export function formatValue(v: number, decimals = 3, signed = false): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  let s = v.toFixed(decimals);
  if (s.includes('.')) s = s.replace(/\.?0+$/, '');
  if (/^-0(\.0*)?$/.test(s)) s = '0';
  if (s.startsWith('-')) return `−${s.slice(1)}`;
  return signed ? `+${s}` : s;
}

/** A level such as f(x) or a base value: 3 decimals as shap, 3 significant digits below 0.1. */
export function formatLevel(v: number): string {
  return v === 0 || Math.abs(v) >= 0.1 || !Number.isFinite(v) ? formatValue(v, 3) : formatSignificant(v, 3);
}

/** A signed value for bar labels: `decimals` places, or two significant digits for values too small to show there. */
export function formatSigned(v: number, decimals = 2): string {
  if (v !== 0 && Math.abs(v) < 0.5 * 10 ** -decimals) {
    const s = formatSignificant(v, 2);
    return s.startsWith('−') ? s : `+${s}`;
  }
  return formatValue(v, decimals, true);
}

/** A number with `digits` significant digits, no exponent for everyday magnitudes (thresholds, axis ticks). */
export function formatSignificant(v: number, digits = 4): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e-4 && a < 1e7) {
    const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(a)));
    return formatValue(v, Math.min(decimals, 12));
  }
  return v.toExponential(digits - 1).replace(/\.?0+e/, 'e').replace(/-/g, '−');
}

/** Linear map from data to pixels. */
export class LinearScale {
  constructor(readonly d0: number, readonly d1: number, readonly r0: number, readonly r1: number) {}

  map(v: number): number {
    return this.d1 === this.d0 ? (this.r0 + this.r1) / 2 : this.r0 + ((v - this.d0) / (this.d1 - this.d0)) * (this.r1 - this.r0);
  }
}

/** About `count` round tick values (1, 2, 2.5 or 5 times a power of ten) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  // Multiples of the step, rounded to 12 digits so 3 x 0.2 reads 0.6.
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) out.push(k === 0 ? 0 : Number((k * step).toPrecision(12)));
  return out;
}

/** The fewest decimals (0 to 10) that write every tick exactly. */
export function tickDecimals(ticks: readonly number[]): number {
  const step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) : Math.abs(ticks[0] ?? 1) || 1;
  for (let d = 0; d < 10; d++) {
    if (ticks.every((t) => Math.abs(Number(t.toFixed(d)) - t) <= step * 1e-6)) return d;
  }
  return 10;
}

/** [min, max] of the finite values, widened by `pad` of the span on each side (a unit span around a single value). */
export function paddedExtent(values: readonly number[], pad = 0.05): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (lo === Infinity) return [0, 1];
  if (hi - lo < 1e-12 * Math.max(1, Math.abs(lo))) return [lo - 0.5 * (Math.abs(lo) || 1), hi + 0.5 * (Math.abs(hi) || 1)];
  const p = (hi - lo) * pad;
  return [lo - p, hi + p];
}

/**
 * A horizontal axis at `y` with ticks and labels under it (or above, `side: 'top'`); labels that
 * would collide with `avoid` intervals (pixels) or each other are left out.
 */
export function drawXAxis(svg: Svg, scale: LinearScale, y: number,
  options: { side?: 'top' | 'bottom'; ticks?: number[]; avoid?: [number, number][]; label?: string; format?: (t: number) => string } = {}): number[] {
  const side = options.side ?? 'bottom';
  const ticks = options.ticks ?? niceTicks(Math.min(scale.d0, scale.d1), Math.max(scale.d0, scale.d1), Math.max(2, Math.floor(Math.abs(scale.r1 - scale.r0) / 90)));
  const decimals = tickDecimals(ticks);
  svg.line(scale.r0, y, scale.r1, y, { stroke: AXIS });
  const taken: [number, number][] = [...(options.avoid ?? [])];
  const shown: number[] = [];
  for (const t of ticks) {
    const x = scale.map(t);
    if (x < Math.min(scale.r0, scale.r1) - 0.5 || x > Math.max(scale.r0, scale.r1) + 0.5) continue;
    svg.line(x, y, x, side === 'bottom' ? y + 4 : y - 4, { stroke: AXIS });
    const label = options.format ? options.format(t) : formatValue(t, decimals);
    const w = textWidth(label, 11);
    const span: [number, number] = [x - w / 2 - 3, x + w / 2 + 3];
    if (taken.some(([a, b]) => span[0] < b && span[1] > a)) continue;
    taken.push(span);
    shown.push(t);
    svg.text(x, side === 'bottom' ? y + 17 : y - 8, label, { size: 11, anchor: 'middle', fill: MUTED });
  }
  if (options.label) {
    svg.text((scale.r0 + scale.r1) / 2, side === 'bottom' ? y + 36 : y - 26, options.label, { size: FONT_SIZE, anchor: 'middle', fill: INK });
  }
  return shown;
}

/** A vertical axis at `x` with ticks and labels to its left. */
export function drawYAxis(svg: Svg, scale: LinearScale, x: number, options: { ticks?: number[]; label?: string; labelX?: number } = {}): void {
  const lo = Math.min(scale.d0, scale.d1);
  const hi = Math.max(scale.d0, scale.d1);
  const ticks = options.ticks ?? niceTicks(lo, hi, Math.max(2, Math.floor(Math.abs(scale.r1 - scale.r0) / 60)));
  const decimals = tickDecimals(ticks);
  svg.line(x, scale.r0, x, scale.r1, { stroke: AXIS });
  for (const t of ticks) {
    const y = scale.map(t);
    if (y < Math.min(scale.r0, scale.r1) - 0.5 || y > Math.max(scale.r0, scale.r1) + 0.5) continue;
    svg.line(x - 4, y, x, y, { stroke: AXIS });
    svg.text(x - 7, y, formatValue(t, decimals), { size: 11, anchor: 'end', baseline: 'middle', fill: MUTED });
  }
  if (options.label) {
    const mid = (scale.r0 + scale.r1) / 2;
    const lx = options.labelX ?? 14;
    svg.text(lx, mid, options.label, { size: FONT_SIZE, anchor: 'middle', rotate: -90, fill: INK });
  }
}

/** Width in pixels the y-axis tick labels of `scale` need. */
export function yTickWidth(lo: number, hi: number, pixels: number): number {
  const ticks = niceTicks(lo, hi, Math.max(2, Math.floor(pixels / 60)));
  const d = tickDecimals(ticks);
  return Math.max(...ticks.map((t) => textWidth(formatValue(t, d), 11)));
}

/**
 * A vertical colour bar (shap's red_blue) from "Low" to "High" (or the given end labels, e.g. the first
 * and last category), labelled `title` along its side.
 */
export function drawColorBar(svg: Svg, x: number, top: number, height: number, title: string, ends: { low?: string; high?: string } = {}): void {
  const stops = Array.from({ length: 11 }, (_, i) => [i / 10, redBlue(i / 10)] as const);
  svg.rect(x, top, 8, height, { fill: svg.linearGradient(stops, true) });
  // End labels are centred on the bar; keep them inside the picture.
  const end = (s: string) => fitText(s, 2 * Math.max(8, svg.width - x - 4), 11);
  svg.text(x + 4, top - 6, end(ends.high ?? 'High'), { size: 11, anchor: 'middle', fill: MUTED });
  svg.text(x + 4, top + height + 15, end(ends.low ?? 'Low'), { size: 11, anchor: 'middle', fill: MUTED });
  svg.text(x + 24, top + height / 2, title, { size: FONT_SIZE, anchor: 'middle', rotate: -90, fill: INK });
}

/** Width a colour bar with its labels takes. */
export const COLOR_BAR_WIDTH = 44;

/** Checks that an explanation's tables agree, so plots fail with a clear message rather than draw nonsense. */
export function checkExplanation(e: TabularExplanationData, what = 'explanation'): void {
  const n = e.featureNames?.length ?? 0;
  if (n === 0) throw new UsageError(`the ${what} has no features`, 'pass a TabularExplanation from one of the tabular methods');
  const rows = e.attributions?.length ?? 0;
  if (rows === 0) throw new UsageError(`the ${what} has no rows`, 'explain at least one row');
  for (const [name, table] of [['attributions', e.attributions], ['values', e.values]] as const) {
    if (!Array.isArray(table) || table.length !== rows) {
      throw new UsageError(`the ${what}'s ${name} has ${Array.isArray(table) ? table.length : 0} rows, expected ${rows}`, 'give one row of values per row of attributions');
    }
    table.forEach((r, i) => {
      if (r.length !== n) {
        throw new UsageError(`row ${i} of the ${what}'s ${name} has ${r.length} values but there are ${n} feature names`, 'give one value per feature name');
      }
    });
  }
  if (e.baseValues?.length !== rows || e.predictions?.length !== rows) {
    throw new UsageError(`the ${what} has ${e.baseValues?.length ?? 0} base values and ${e.predictions?.length ?? 0} predictions for ${rows} rows`, 'give one base value and one prediction per row');
  }
  e.attributions.forEach((r, i) => r.forEach((v, j) => {
    if (!Number.isFinite(v)) throw new UsageError(`the attribution of ${e.featureNames[j]} in row ${i} is ${v}`, 'plot finite attributions only');
  }));
  if (e.displayValues && (e.displayValues.length !== rows || e.displayValues.some((r) => r.length !== n))) {
    throw new UsageError(`the ${what}'s displayValues are not ${rows} x ${n}`, 'give one display string per row and feature, or none');
  }
}

export function checkRow(e: TabularExplanationData, row: number): void {
  if (!Number.isInteger(row) || row < 0 || row >= e.attributions.length) {
    throw new UsageError(`row ${row} is out of range: the explanation has ${e.attributions.length} rows`, `pick a row from 0 to ${e.attributions.length - 1}`);
  }
}

export function checkMaxDisplay(maxDisplay: number): void {
  if (!Number.isInteger(maxDisplay) || maxDisplay < 1) {
    throw new UsageError(`maxDisplay ${maxDisplay} is not a positive integer`, 'show at least one feature, e.g. maxDisplay: 10');
  }
}

/** A feature by name or index. */
export function featureIndex(names: readonly string[], feature: string | number, what = 'feature'): number {
  if (typeof feature === 'number') {
    if (Number.isInteger(feature) && feature >= 0 && feature < names.length) return feature;
    throw new UsageError(`${what} index ${feature} is out of range (${names.length} features)`, `pick an index from 0 to ${names.length - 1} or a name`);
  }
  const i = names.indexOf(feature);
  if (i < 0) {
    const some = names.slice(0, 6).map((s) => `"${s}"`).join(', ');
    throw new UsageError(`unknown ${what} "${feature}"`, `use one of the feature names: ${some}${names.length > 6 ? ', ...' : ''}`);
  }
  return i;
}

/** The displayed value of feature j in row i: the display string when given, else the number (3 decimals). */
export function displayValue(e: TabularExplanationData, i: number, j: number): string {
  const shown = e.displayValues?.[i]?.[j];
  if (shown !== undefined) return shown;
  const v = e.values[i][j];
  return v === null || Number.isNaN(v) ? 'missing' : formatValue(v, 3);
}

/** Indices ordered by |value| descending (ties by index, so the order is stable). */
export function orderByMagnitude(values: readonly number[]): number[] {
  return values.map((_, i) => i).sort((a, b) => Math.abs(values[b]) - Math.abs(values[a]) || a - b);
}

/** Mean |attribution| per feature over the rows. */
export function meanAbsolute(e: TabularExplanationData): number[] {
  const out = new Array<number>(e.featureNames.length).fill(0);
  for (const r of e.attributions) r.forEach((v, j) => { out[j] += Math.abs(v) / e.attributions.length; });
  return out;
}

/** numpy's default (linear) percentile of the finite values; NaN when there are none. */
export function percentile(values: readonly number[], q: number): number {
  const xs = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return NaN;
  const pos = (q / 100) * (xs.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo);
}

/**
 * shap's colour range for a feature's values: the 5th to 95th percentile (1st to 99th, then min to
 * max, when that is empty), so a few outliers do not wash the colours out.
 */
export function colorRange(values: readonly number[]): [number, number] {
  for (const [a, b] of [[5, 95], [1, 99], [0, 100]] as const) {
    const lo = percentile(values, a);
    const hi = percentile(values, b);
    if (hi > lo) return [lo, hi];
  }
  const v = percentile(values, 50);
  return [v, v];
}

/**
 * The category names of a column explained as one feature (a one-hot group): its values are integer
 * codes and its display values the category text. Returns code -> name when every row with a code
 * shows one consistent name that is not just the number written out; undefined for numeric columns.
 */
export function categoryLabels(e: TabularExplanationData, j: number): Map<number, string> | undefined {
  if (!e.displayValues) return undefined;
  const labels = new Map<number, string>();
  let differs = false;
  for (let i = 0; i < e.values.length; i++) {
    const v = e.values[i][j];
    if (v === null || !Number.isFinite(v)) continue;
    const s = e.displayValues[i]?.[j];
    if (s === undefined || !Number.isInteger(v)) return undefined;
    const known = labels.get(v);
    if (known !== undefined && known !== s) return undefined;
    labels.set(v, s);
    if (Number(s) !== v) differs = true;
  }
  return differs && labels.size > 0 ? labels : undefined;
}

/**
 * The colour range of a feature: shap's percentile range for numbers; for category codes the full
 * range of codes, so every category keeps its own shade (percentiles would merge rare end categories).
 */
export function featureColorRange(values: readonly number[], categorical: boolean): [number, number] {
  if (!categorical) return colorRange(values);
  return [percentile(values, 0), percentile(values, 100)];
}

/** The red_blue colour of `v` within [lo, hi], grey for missing values. */
export function valueColor(v: number, [lo, hi]: readonly [number, number]): string {
  if (!Number.isFinite(v)) return NAN_COLOR;
  return redBlue(hi > lo ? (Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo) : 0.5);
}

const TITLE_SIZE = 14;
const TITLE_LINE = 18;

/**
 * A title's lines for a plot `width` pixels wide: one when it fits, else two. Of the breaks at a space
 * that leave both lines fitting, the last one before a parenthesis wins (LIME's "Local explanation for
 * x" / "(local prediction ...)"), else the most even one; when none does, the first line takes all it
 * can and the second is cut with an ellipsis.
 */
export function titleLines(title: string, width: number): string[] {
  const max = width - 16;
  const w = (s: string) => textWidth(s, TITLE_SIZE, true);
  if (w(title) <= max) return [title];
  const breaks: number[] = [];
  for (let i = 1; i < title.length - 1; i++) if (title[i] === ' ') breaks.push(i);
  const both = breaks.filter((i) => w(title.slice(0, i)) <= max && w(title.slice(i + 1)) <= max);
  const paren = both.filter((i) => title[i + 1] === '(');
  let at: number | undefined = paren.length ? paren[paren.length - 1] : undefined;
  if (at === undefined && both.length) {
    at = both.reduce((best, i) => (Math.max(w(title.slice(0, i)), w(title.slice(i + 1))) < Math.max(w(title.slice(0, best)), w(title.slice(best + 1))) ? i : best));
  }
  if (at === undefined) at = [...breaks].reverse().find((i) => w(title.slice(0, i)) <= max);
  if (at === undefined) return [fitText(title, max, TITLE_SIZE, true)];
  return [title.slice(0, at), fitText(title.slice(at + 1), max, TITLE_SIZE, true)];
}

/** Extra height a wrapped title takes over a one-line one. */
export function titleExtra(width: number, title: string | undefined): number {
  return title ? (titleLines(title, width).length - 1) * TITLE_LINE : 0;
}

/** A plot title, bold and centred, on two lines when one is too narrow for it (see titleLines). */
export function drawTitle(svg: Svg, title: string): void {
  titleLines(title, svg.width).forEach((line, k) => {
    svg.text(svg.width / 2, 19 + k * TITLE_LINE, line, { size: TITLE_SIZE, anchor: 'middle', bold: true, fill: INK });
  });
}
