import { UsageError } from '../../errors.js';
import {
  AXIS, INK, LinearScale, MUTED, drawYAxis, niceTicks, yTickWidth,
} from '../tabular/common.js';
import { Svg, fitText, textWidth } from '../tabular/svg.js';
import { methodColor, methodDash } from './common.js';
import { similarityMetrics } from './randomisation-examples.js';
import { checkEvaluationSummary, finite, type EvaluationSummary } from './summary.js';

/** A method's mean similarity to its original explanation after each randomisation step. */
export interface SimilarityLine {
  method: string;
  steps: string[];
  /** Mean over the rows with a finite similarity; NaN where none has one. */
  mean: number[];
  rows: number;
}

export interface SimilarityChartOptions {
  /** The randomisation metric to draw, default the first with a similarity curve. */
  metric?: string;
  /** Default 560 pixels. */
  width?: number;
  /** Height of the plotting area, default 200 pixels. */
  plotHeight?: number;
  /** x of each step in pixels (to sit under the columns of the randomisation grid); default evenly spaced. */
  stepCentres?: readonly number[];
  /**
   * A similarity measure whose per-step means the result keeps in `details.means` (e.g. ssim, hog besides
   * the scored spearman); default the measure of the result's curves.
   */
  measure?: string;
  /** Draw the legend and the x axis title (default true); charts stacked under one another share the last one's. */
  legend?: boolean;
}

const MEASURE_NAMES: Record<string, [string, string]> = {
  spearman: ['Spearman rank correlation', 'Spearman'],
  'spearman-signed': ['Spearman rank correlation of signed maps', 'Spearman (signed)'],
  ssim: ['SSIM', 'SSIM'],
  hog: ['HOG similarity', 'HOG'],
};

/** A measure's name as a chart title says it. */
export function measureName(measure: string): string {
  return MEASURE_NAMES[measure]?.[0] ?? measure;
}

/** A measure's short name for the y axis. */
function measureAxis(measure: string): string {
  return MEASURE_NAMES[measure]?.[1] ?? measure;
}

/** The measure of a result's curves (its `similarity` parameter), if it says. */
export function curveMeasure(r: { params: Record<string, unknown> }): string | undefined {
  return typeof r.params.similarity === 'string' ? r.params.similarity : undefined;
}

/** Measures other than the curves' whose per-step means every result of `metric` keeps in details.means. */
export function extraMeasures(summary: EvaluationSummary, metric: string): string[] {
  const results = summary.results.filter((r) => r.metric === metric);
  const tables: Record<string, unknown>[] = [];
  for (const r of results) {
    const t: unknown = r.details?.means;
    if (typeof t !== 'object' || t === null || Array.isArray(t)) return [];
    tables.push(t as Record<string, unknown>);
  }
  if (tables.length === 0) return [];
  return Object.keys(tables[0]).filter((m) => m !== curveMeasure(results[0]) && tables.every((t) => Array.isArray(t[m])));
}

/** Every method's mean similarity per step under `metric`. */
export function similarityLines(summary: EvaluationSummary, metric: string): SimilarityLine[] {
  return summary.results
    .filter((r) => r.metric === metric && r.curves && r.curves.x.every((x) => typeof x === 'string'))
    .sort((a, b) => summary.methods.indexOf(a.method) - summary.methods.indexOf(b.method))
    .map((r) => {
      const c = r.curves!;
      const steps = c.x.map(String);
      const mean = steps.map((_, k) => {
        const values = c.y.map((row) => row?.[k]).filter((v): v is number => finite(v) !== undefined);
        return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
      });
      return { method: r.method, steps, mean, rows: c.y.filter((row) => row?.some((v) => finite(v) !== undefined)).length };
    });
}

/**
 * The similarity of each method's explanation to the original one as layers are randomised, one line
 * per method (Adebayo et al. 2018, Figure 2's rank-correlation panel): an explanation that depends on
 * the model falls towards 0; one that stays near 1 ignores the model.
 */
export function similarityChart(summary: EvaluationSummary, options: SimilarityChartOptions = {}): string {
  checkEvaluationSummary(summary);
  const available = similarityMetrics(summary);
  if (available.length === 0) {
    throw new UsageError('the evaluation has no randomisation similarities to draw',
      'evaluate with --metrics randomisation on an image model to get them');
  }
  const metric = options.metric ?? available[0];
  if (!available.includes(metric)) throw new UsageError(`metric ${metric} has no similarity per randomisation step`, `draw one of: ${available.join(', ')}`);
  const measure = options.measure;
  let lines = similarityLines(summary, metric);
  if (measure !== undefined && measure !== curveMeasure(summary.results.find((r) => r.metric === metric)!)) {
    if (!extraMeasures(summary, metric).includes(measure)) {
      throw new UsageError(`the ${metric} results keep no per-step means of ${measure}`, `draw one of: ${extraMeasures(summary, metric).join(', ') || 'the curves\' own measure'}`);
    }
    lines = lines.map((l) => {
      const r = summary.results.find((x) => x.metric === metric && x.method === l.method)!;
      const means = ((r.details!.means as Record<string, unknown>)[measure] as (number | null)[]).map((v) => finite(v) ?? NaN);
      if (means.length !== l.steps.length) throw new UsageError(`${measure} of ${l.method} has ${means.length} means for ${l.steps.length} steps`, 'give one mean per randomisation step');
      return { ...l, mean: means };
    });
  }
  const steps = lines[0].steps;
  for (const l of lines) {
    if (l.steps.length !== steps.length || l.steps.some((s, i) => s !== steps[i])) {
      throw new UsageError(`the randomisation steps of ${l.method} (${l.steps.join(', ')}) differ from those of ${lines[0].method} (${steps.join(', ')})`,
        'draw results of one randomisation run, made on one model');
    }
  }
  const first = summary.results.find((r) => r.metric === metric && r.curves)!;
  const shown = measure ?? curveMeasure(first);
  const yLabel = shown ? measureAxis(shown) : first.curves!.yLabel;
  // The maps compared are |attribution| when the test says so (its default), except for measures named signed.
  const ofAbsolute = first.params.absolute === true && shown !== undefined && !shown.endsWith('-signed') ? ' (|attribution|)' : '';
  const title = shown ? `${measureName(shown)} to the original explanation${ofAbsolute}` : first.curves!.yLabel;
  const width = options.width ?? 560;
  const plotHeight = options.plotHeight ?? 200;
  const values = lines.flatMap((l) => l.mean).filter(Number.isFinite);
  // Correlations live in [-1, 1]; show at least [0, 1] so "near zero" and "near one" read at a glance.
  const ylo = Math.min(0, ...values);
  const yhi = Math.max(1, ...values);
  const top = 40;
  const bottom = top + plotHeight;
  const axisRoom = 30 + yTickWidth(ylo, yhi, plotHeight) + 12;
  const given = options.stepCentres;
  if (given && given.length !== steps.length) throw new UsageError(`${given.length} step positions for ${steps.length} steps`, 'give one x position per randomisation step');
  const givenSlot = given && given.length > 1 ? given[1] - given[0] : 80;
  // Given positions are used when they leave room for the y axis and fit the width.
  const aligned = given && given[0] - givenSlot / 2 >= axisRoom && given[given.length - 1] + givenSlot / 2 <= width ? given : undefined;
  const left = aligned ? aligned[0] - givenSlot / 2 : axisRoom;
  const labelW = Math.max(...lines.map((l) => textWidth(l.method, 11))) + 40;
  const legendCols = Math.max(1, Math.floor((width - left) / labelW));
  const legend = options.legend ?? true;
  const legendRows = legend ? Math.ceil(lines.length / legendCols) : 0;
  const height = legend ? bottom + 48 + legendRows * 17 + 6 : bottom + 30;
  const right = aligned ? aligned[aligned.length - 1] + givenSlot / 2 : width - 24;
  const svg = new Svg(width, height, `${yLabel} per randomisation step, ${summary.model}`);
  // Centred over the plot when it fits there, else over the whole picture.
  const plotCentre = (left + right) / 2;
  const centre = textWidth(title, 14, true) <= 2 * Math.min(plotCentre, width - plotCentre) - 12 ? plotCentre : width / 2;
  svg.text(centre, 19, fitText(title, width - 16, 14, true), { size: 14, anchor: 'middle', bold: true, fill: INK });

  const slot = aligned ? givenSlot : (right - left) / steps.length;
  const xAt = (k: number) => (aligned ? aligned[k] : left + slot * (k + 0.5));
  const sy = new LinearScale(ylo, yhi, bottom, top);
  const ticks = niceTicks(ylo, yhi, 4);
  for (const t of ticks) svg.line(left, sy.map(t), right, sy.map(t), { stroke: t === 0 ? '#999999' : '#eeeeee', 'stroke-dasharray': t === 0 ? '4 3' : undefined });
  drawYAxis(svg, sy, left - 4, { ticks, label: fitText(yLabel, plotHeight, 12), labelX: left - axisRoom + 16 });
  svg.line(left, bottom + 4, right, bottom + 4, { stroke: AXIS });
  steps.forEach((s, k) => {
    svg.line(xAt(k), bottom + 4, xAt(k), bottom + 8, { stroke: AXIS });
    svg.text(xAt(k), bottom + 21, fitText(s, slot - 4, 11), { size: 11, anchor: 'middle', fill: MUTED });
  });
  if (legend) svg.text((left + right) / 2, bottom + 38, fitText(first.curves!.xLabel, right - left, 12), { size: 12, anchor: 'middle', fill: INK });

  if (values.length === 0) {
    svg.text((left + right) / 2, (top + bottom) / 2, fitText('no finite similarities: every value is NaN', right - left - 12, 12), { size: 12, anchor: 'middle', baseline: 'middle', fill: INK });
  }
  for (const l of lines) {
    const color = methodColor(summary.methods, l.method);
    svg.group({ class: 'similarity', 'data-method': l.method }, () => {
      let run: [number, number][] = [];
      const flush = () => {
        if (run.length > 1) svg.polyline(run, { stroke: color, 'stroke-width': 2, 'stroke-dasharray': methodDash(summary.methods, l.method) });
        run = [];
      };
      l.mean.forEach((v, k) => {
        if (!Number.isFinite(v)) { flush(); return; }
        run.push([xAt(k), sy.map(v)]);
        svg.circle(xAt(k), sy.map(v), 3.5, { fill: color });
      });
      flush();
    });
  }
  if (legend) lines.forEach((l, i) => {
    const x = left + (i % legendCols) * labelW;
    const y = bottom + 62 + Math.floor(i / legendCols) * 17;
    const color = methodColor(summary.methods, l.method);
    svg.line(x, y - 4, x + 20, y - 4, { stroke: color, 'stroke-width': 3, 'stroke-dasharray': methodDash(summary.methods, l.method) });
    svg.text(x + 26, y, fitText(l.rows === 0 ? `${l.method} (no finite values)` : l.method, labelW - 30, 11), { size: 11, fill: INK });
  });
  return svg.toString();
}
