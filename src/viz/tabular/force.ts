import type { TabularExplanationData } from '../../attribution/tabular-explanation.js';
import {
  drawTitle, AXIS, BLUE, INK, LinearScale, MUTED, RED, checkExplanation, checkRow, displayValue, drawXAxis, formatLevel, formatValue, paddedExtent, titleExtra
} from './common.js';
import { Svg, textWidth } from './svg.js';
import { clampCenter } from './waterfall.js';

export interface ForceOptions {
  /** Which explained row, default 0. */
  row?: number;
  /** Total width in pixels, default 900. */
  width?: number;
  title?: string;
  /** Features with |value| below this share of the total |attribution| are drawn but not labelled; default 0.01. */
  minLabelShare?: number;
}

/** One segment of the force plot, on the value axis. */
export interface ForceSegment {
  feature: number;
  label: string;
  value: number;
  start: number;
  end: number;
}

const BAR_H = 26;

/**
 * The segments of shap's additive force plot: positive attributions stack (red) from the left up to
 * where they meet the negative ones (blue) stacked from the right; that meeting point is
 * base + sum(attributions) = f(x) for methods with efficiency. The largest push of each sign sits next
 * to f(x).
 */
export function forceSegments(e: TabularExplanationData, row = 0): { positive: ForceSegment[]; negative: ForceSegment[]; output: number } {
  checkExplanation(e);
  checkRow(e, row);
  const v = e.attributions[row];
  const output = e.baseValues[row] + v.reduce((s, x) => s + x, 0);
  const make = (j: number) => ({ feature: j, label: `${e.featureNames[j]} = ${displayValue(e, row, j)}`, value: v[j], start: 0, end: 0 });
  const positive = v.map((_, j) => j).filter((j) => v[j] > 0).sort((a, b) => v[b] - v[a] || a - b).map(make);
  const negative = v.map((_, j) => j).filter((j) => v[j] < 0).sort((a, b) => v[a] - v[b] || a - b).map(make);
  let at = output;
  for (const s of positive) { s.end = at; s.start = at - s.value; at = s.start; }
  at = output;
  for (const s of negative) { s.start = at; s.end = at - s.value; at = s.end; }
  return { positive, negative, output };
}

/** shap's additive force plot for one row, as an SVG string. */
export function forcePlot(e: TabularExplanationData, options: ForceOptions = {}): string {
  const row = options.row ?? 0;
  const { positive, negative, output } = forceSegments(e, row);
  const width = options.width ?? 900;
  const base = e.baseValues[row];
  const fx = e.predictions[row];
  const left = 16;
  const right = width - 16;
  const titleH = options.title ? 26 + titleExtra(width, options.title) : 0;
  const axisY = titleH + 62;
  const barTop = axisY + 8;
  const gapNote = Math.abs(output - fx) > 1e-6 * Math.max(1, Math.abs(fx));
  const svg = new Svg(width, barTop + BAR_H + 66 + (gapNote ? 20 : 0), options.title ?? 'force plot');
  const all = [...positive, ...negative];
  const [lo, hi] = paddedExtent([base, output, fx, ...all.flatMap((s) => [s.start, s.end])], 0.03);
  const scale = new LinearScale(lo, hi, left, right);
  if (options.title) drawTitle(svg, options.title);

  // Legend: "higher ⇄ lower" as shap writes it, in the top-left corner.
  const legendY = titleH + 14;
  svg.text(left, legendY, 'higher', { size: 11, fill: RED });
  svg.text(left + textWidth('higher ', 11), legendY, '⇄', { size: 12, fill: MUTED });
  svg.text(left + textWidth('higher ', 11) + textWidth('⇄ ', 12), legendY, 'lower', { size: 11, fill: BLUE });

  const xOut = scale.map(output);
  const xBase = scale.map(base);
  const fxText = `f(x) = ${formatLevel(fx)}`;
  const baseText = `base value = ${formatLevel(base)}`;
  const fxW = textWidth(fxText, 14, true);
  const xFxLabel = clampCenter(xOut, fxW, width);
  svg.text(xFxLabel, axisY - 28, fxText, { size: 14, anchor: 'middle', bold: true, fill: INK });
  // The base value label moves up a line when it would touch f(x)'s.
  const bw = textWidth(baseText, 11);
  const clash = Math.abs(clampCenter(xBase, bw, width) - xFxLabel) < (bw + fxW) / 2 + 6;
  svg.text(clampCenter(xBase, bw, width), clash ? axisY - 46 : axisY - 28, baseText, { size: 11, anchor: 'middle', fill: MUTED });
  // The base value's mark stops short of f(x)'s text when its label had to move up.
  svg.line(xBase, clash ? axisY - 14 : axisY - 24, xBase, axisY + 6, { stroke: AXIS, 'stroke-width': 1.5 });
  drawXAxis(svg, scale, axisY, { side: 'top', avoid: [[xFxLabel - fxW / 2, xFxLabel + fxW / 2], [xBase - bw / 2, xBase + bw / 2]] });

  // Segments as chevrons pointing at f(x); a white notch separates neighbours.
  const notch = 6;
  const draw = (s: ForceSegment, color: string, dir: 1 | -1, first: boolean, last: boolean) => {
    const x0 = scale.map(s.start);
    const x1 = scale.map(s.end);
    const [a, b] = dir > 0 ? [x0, x1] : [x1, x0];
    const y0 = barTop;
    const y1 = barTop + BAR_H;
    const mid = (y0 + y1) / 2;
    // Notches shrink on thin segments so a chevron never pokes out of its own extent.
    const tip = Math.min(notch, Math.abs(b - a) / 2);
    const tipA = last ? 0 : tip;
    const tipB = first ? 0 : tip;
    svg.polygon([[a, y0], [b - dir * tipB, y0], [b, mid], [b - dir * tipB, y1], [a, y1], [a + dir * tipA, mid]], { fill: color, stroke: '#ffffff', 'stroke-width': 1 });
  };
  positive.forEach((s, k) => draw(s, RED, 1, k === 0, k === positive.length - 1));
  negative.forEach((s, k) => draw(s, BLUE, -1, k === 0, k === negative.length - 1));
  svg.line(xOut, barTop - 4, xOut, barTop + BAR_H + 4, { stroke: INK, 'stroke-width': 2 });

  // Whole labels under the bar as a staircase: from f(x) outward on each side, each label hangs on a
  // vertical leader from its segment's middle and runs away from f(x); it takes the lowest of three
  // lines where it overlaps no label and its leader crosses none. Pushes below `minLabelShare` of the
  // total, and any that find no room, stay unlabelled (as in shap, small pushes carry no text).
  const total = all.reduce((sum, x) => sum + Math.abs(x.value), 0) || 1;
  const minShare = options.minLabelShare ?? 0.01;
  const LINES = 3;
  const taken: { a: number; b: number; line: number }[] = [];
  const labelY = barTop + BAR_H + 20;
  for (const [side, dir] of [[positive, -1], [negative, 1]] as const) {
    for (const seg of side) {
      if (Math.abs(seg.value) / total < minShare) continue;
      const cx = scale.map((seg.start + seg.end) / 2);
      const w = textWidth(seg.label, 11);
      let a = dir < 0 ? cx - w + 10 : cx - 10;
      a = Math.max(2, Math.min(width - 2 - w, a));
      const b = a + w;
      if (cx < a - 1 || cx > b + 1) continue;
      let line = -1;
      for (let l = LINES - 1; l >= 0; l--) {
        const clash = taken.some((t) => (t.line === l && a - 8 < t.b && b + 8 > t.a) || (t.line < l && cx > t.a - 3 && cx < t.b + 3));
        if (!clash) { line = l; break; }
      }
      if (line < 0) continue;
      taken.push({ a, b, line });
      const color = seg.value > 0 ? RED : BLUE;
      svg.line(cx, barTop + BAR_H + 2, cx, labelY - 11 + line * 17, { stroke: color, 'stroke-width': 1 });
      svg.text(a, labelY + line * 17, seg.label, { size: 11, fill: color });
    }
  }
  if (gapNote) {
    svg.text(left, barTop + BAR_H + 80, `The attributions add up to ${formatValue(output, 3)}, not f(x) = ${formatValue(fx, 3)} (${e.method} leaves the rest unexplained).`, { size: 11, fill: MUTED });
  }
  return svg.toString();
}
