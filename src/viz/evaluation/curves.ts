import { UsageError } from '../../errors.js';
import type { MetricResultData } from '../../metrics/metric.js';
import { meanConfidenceInterval } from '../../stats/confidence.js';
import {
  AXIS, INK, LinearScale, MUTED, drawXAxis, drawYAxis, paddedExtent, percentile, yTickWidth,
} from '../tabular/common.js';
import { Svg, fitText, textWidth } from '../tabular/svg.js';
import { formatScore, methodColor, methodDash } from './common.js';
import { checkEvaluationSummary, finite, type EvaluationSummary } from './summary.js';

/** What the shaded band around a mean curve shows: the mean's confidence interval, the rows' 25-75% range, or nothing. */
export type CurveBand = 'ci' | 'iqr' | 'none';

/** One method's curve under one metric, averaged over the explained rows. */
export interface MeanCurve {
  metric: string;
  method: string;
  /** Legend text: the method, and the ordering when a method has several curves under the metric. */
  label: string;
  x: number[];
  /** Mean over the rows with a finite value at each position; NaN where no row has one. */
  mean: number[];
  /** The band's bounds per position (equal to the mean for band 'none' or a single row). */
  low: number[];
  high: number[];
  /** Rows with at least one finite value. */
  rows: number;
  /** Mean of the metric's per-row scores (the area under each row's curve); NaN when none is finite. */
  auc: number;
}

export interface CurvesPlotOptions {
  /** Metrics to draw, one panel each; default every metric whose curves have a numeric x axis (deletion, insertion, ...). */
  metrics?: readonly string[];
  /** Default 'ci' (the same interval the table shows). */
  band?: CurveBand;
  /** Width of one panel, default 430 pixels. */
  panelWidth?: number;
  /** Height of the plotting area, default 230 pixels. */
  plotHeight?: number;
}

/** Results whose curves run over numbers (fractions of features), i.e. curves that a line chart over x can show. */
function hasNumericCurves(r: MetricResultData): boolean {
  return r.curves !== undefined && r.curves.x.length > 0 && r.curves.x.every((v) => typeof v === 'number');
}

/** The metrics, in the summary's order, that have curves over a numeric x axis. */
export function curveMetrics(summary: EvaluationSummary): string[] {
  return summary.metrics.map((m) => m.name).filter((name) => summary.results.some((r) => r.metric === name && hasNumericCurves(r)));
}

/** The ordering a result's curve was made with, when its params say (deletion and insertion orders). */
function orderOf(r: MetricResultData): string | undefined {
  const o = r.params.order;
  return typeof o === 'string' ? o.replace(/-/g, ' ') : undefined;
}

function checkCurves(r: MetricResultData): void {
  const c = r.curves;
  if (!c) return;
  c.y.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== c.x.length) {
      throw new UsageError(`row ${i} of the ${r.metric} curve of ${r.method} has ${Array.isArray(row) ? row.length : 0} values for ${c.x.length} x positions`,
        'give one value per x position in every row of a curve');
    }
  });
}

/** Every method's mean curve under `metric`, with the band; methods in the summary's order. */
export function meanCurves(summary: EvaluationSummary, metric: string, band: CurveBand = 'ci'): MeanCurve[] {
  if (!['ci', 'iqr', 'none'].includes(band)) throw new UsageError(`unknown curve band "${band}"`, 'use ci, iqr or none');
  const level = summary.confidence ?? 0.95;
  const results = summary.results.filter((r) => r.metric === metric && hasNumericCurves(r));
  results.sort((a, b) => summary.methods.indexOf(a.method) - summary.methods.indexOf(b.method));
  return results.map((r) => {
    checkCurves(r);
    const c = r.curves!;
    const x = c.x as number[];
    const several = results.filter((o) => o.method === r.method).length > 1;
    const order = orderOf(r);
    const mean: number[] = [];
    const low: number[] = [];
    const high: number[] = [];
    for (let k = 0; k < x.length; k++) {
      const values = c.y.map((row) => row[k]).filter((v): v is number => finite(v) !== undefined);
      if (values.length === 0) {
        mean.push(NaN); low.push(NaN); high.push(NaN);
        continue;
      }
      const m = values.reduce((a, b) => a + b, 0) / values.length;
      mean.push(m);
      if (band === 'ci') {
        const ci = meanConfidenceInterval(values, level);
        low.push(ci.low); high.push(ci.high);
      } else if (band === 'iqr') {
        low.push(percentile(values, 25)); high.push(percentile(values, 75));
      } else {
        low.push(m); high.push(m);
      }
    }
    const scores = r.scores.filter((v) => finite(v) !== undefined);
    return {
      metric,
      method: r.method,
      label: several && order ? `${r.method} (${order})` : r.method,
      x,
      mean,
      low,
      high,
      rows: c.y.filter((row) => row.some((v) => finite(v) !== undefined)).length,
      auc: scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : NaN,
    };
  });
}

/** Index runs of consecutive finite values, so a curve with holes is drawn as separate pieces. */
function finiteRuns(ys: readonly number[]): number[][] {
  const runs: number[][] = [];
  let run: number[] = [];
  ys.forEach((y, k) => {
    if (Number.isFinite(y)) run.push(k);
    else if (run.length) { runs.push(run); run = []; }
  });
  if (run.length) runs.push(run);
  return runs;
}

function bandText(band: CurveBand, level: number): string {
  if (band === 'ci') return `band: ${Math.round(level * 100)}% confidence interval of the mean`;
  if (band === 'iqr') return 'band: 25–75% of the rows';
  return '';
}

const LEGEND_LINE = 17;

/**
 * Deletion and insertion curves (and any other metric's curves over a fraction of features), one panel
 * per metric: per method the mean curve over the explained rows in the method's colour, a band (the
 * mean's confidence interval, or the rows' 25-75% range), and a legend with the mean area under the
 * curve. Positions where no row has a finite value leave a gap; a panel with none says so.
 */
export function evaluationCurvesPlot(summary: EvaluationSummary, options: CurvesPlotOptions = {}): string {
  checkEvaluationSummary(summary);
  const available = curveMetrics(summary);
  const metrics = options.metrics ?? available;
  if (metrics.length === 0) {
    throw new UsageError('the evaluation has no curves to draw (deletion and insertion give them)',
      'evaluate with --metrics deletion,insertion to get curves, or leave the curves picture out');
  }
  for (const m of metrics) {
    if (!available.includes(m)) {
      throw new UsageError(`metric ${m} has no curves over a fraction of features in this evaluation`,
        available.length ? `draw one of: ${available.join(', ')}` : 'evaluate with --metrics deletion,insertion to get curves');
    }
  }
  const band = options.band ?? 'ci';
  const level = summary.confidence ?? 0.95;
  const panels = metrics.map((m) => ({ metric: m, curves: meanCurves(summary, m, band) }));
  const panelWidth = options.panelWidth ?? 430;
  const plotHeight = options.plotHeight ?? 230;
  const entries = Math.max(...panels.map((p) => p.curves.length));
  const top = 52;
  const bottom = top + plotHeight;
  const legendTop = bottom + 60;
  const height = legendTop + (entries + (band === 'none' ? 0 : 1)) * LEGEND_LINE + 6;
  const svg = new Svg(panelWidth * panels.length, height, `${metrics.join(' and ')} curves of ${summary.methods.join(', ')} on ${summary.model}`);

  panels.forEach(({ metric, curves }, p) => {
    const x0 = p * panelWidth;
    const first = summary.results.find((r) => r.metric === metric && hasNumericCurves(r))!;
    const c = first.curves!;
    const ys = curves.flatMap((cv) => [...cv.mean, ...cv.low, ...cv.high]).filter(Number.isFinite);
    const xs = curves.flatMap((cv) => cv.x).filter(Number.isFinite);
    const [ylo, yhi] = paddedExtent(ys, 0.05);
    const [xlo, xhi] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
    const left = x0 + 30 + yTickWidth(ylo, yhi, plotHeight) + 12;
    const right = x0 + panelWidth - 22;
    const sx = new LinearScale(xlo, xhi === xlo ? xlo + 1 : xhi, left, right);
    const sy = new LinearScale(ylo, yhi, bottom, top);

    svg.text(x0 + panelWidth / 2, 19, fitText(metric, panelWidth - 16, 14, true), { size: 14, anchor: 'middle', bold: true, fill: INK });
    const order = orderOf(first);
    const baseline = typeof first.params.baseline === 'string' || typeof first.params.baseline === 'number' ? `baseline ${first.params.baseline}` : undefined;
    const sub = [curves.every((cv) => cv.label === cv.method) ? order : undefined, baseline, normalisation(first),
      `${Math.max(0, ...curves.map((cv) => cv.rows))} rows`]
      .filter((s): s is string => s !== undefined).join(', ');
    svg.text(x0 + panelWidth / 2, 37, fitText(sub, panelWidth - 16, 11), { size: 11, anchor: 'middle', fill: MUTED });

    if (ys.length === 0) {
      svg.rect(left, top, right - left, bottom - top, { fill: '#f7f7f7', stroke: AXIS, class: 'no-data' });
      svg.text((left + right) / 2, (top + bottom) / 2, fitText(`no finite values: every ${metric} curve is NaN`, right - left - 12, 12),
        { size: 12, anchor: 'middle', baseline: 'middle', fill: INK });
    } else {
      svg.group({ class: 'bands', stroke: 'none' }, () => {
        for (const cv of curves) {
          if (band === 'none') continue;
          for (const run of finiteRuns(cv.mean)) {
            const upper = run.map((k) => [sx.map(cv.x[k]), sy.map(cv.high[k])] as const);
            const lower = run.map((k) => [sx.map(cv.x[k]), sy.map(cv.low[k])] as const).reverse();
            if (run.length > 1) svg.polygon([...upper, ...lower], { fill: methodColor(summary.methods, cv.method), 'fill-opacity': 0.14 });
          }
        }
      });
      for (const cv of curves) {
        const color = methodColor(summary.methods, cv.method);
        svg.group({ class: 'curve', 'data-method': cv.method }, () => {
          for (const run of finiteRuns(cv.mean)) {
            if (run.length === 1) svg.circle(sx.map(cv.x[run[0]]), sy.map(cv.mean[run[0]]), 2.5, { fill: color });
            else {
              svg.polyline(run.map((k) => [sx.map(cv.x[k]), sy.map(cv.mean[k])] as const),
                { stroke: color, 'stroke-width': 2, 'stroke-linejoin': 'round', 'stroke-dasharray': methodDash(summary.methods, cv.method) });
            }
          }
        });
      }
    }
    drawXAxis(svg, sx, bottom + 4, { label: fitText(c.xLabel, right - left, 12) });
    drawYAxis(svg, sy, left - 4, { label: fitText(yLabel(first), plotHeight, 12), labelX: x0 + 16 });

    // Legend: method, then the mean AUC right-aligned in a column of its own.
    const aucX = right;
    curves.forEach((cv, k) => {
      const y = legendTop + k * LEGEND_LINE;
      const color = methodColor(summary.methods, cv.method);
      svg.line(left, y - 4, left + 22, y - 4, { stroke: color, 'stroke-width': 3, 'stroke-dasharray': methodDash(summary.methods, cv.method) });
      const auc = `AUC ${formatScore(cv.auc)}`;
      const room = aucX - textWidth(auc, 11) - 12 - (left + 28);
      const label = cv.rows === 0 ? `${cv.label} (no finite values)` : cv.label;
      svg.text(left + 28, y, fitText(label, room, 11), { size: 11, fill: INK });
      svg.text(aucX, y, auc, { size: 11, anchor: 'end', fill: MUTED });
    });
    if (band !== 'none') {
      svg.text(left, legendTop + curves.length * LEGEND_LINE, fitText(bandText(band, level), right - left, 11), { size: 11, fill: MUTED });
    }
  });
  return svg.toString();
}

/** Whether the curve is the raw output or divided by something, as the params say ('none' or false: raw). */
function normalisation(r: MetricResultData): string | undefined {
  const entry = Object.entries(r.params).find(([k]) => /^normali[sz]/i.test(k));
  if (!entry) return undefined;
  const v = entry[1];
  if (v === false || v === 'none') return 'output not normalised';
  if (v === true) return 'normalised output';
  return typeof v === 'string' ? `output normalised by the ${v} output` : undefined;
}

/** The y label: the curve's own, marked normalised when the metric's params say it divided by the unperturbed output. */
function yLabel(r: MetricResultData): string {
  const label = r.curves?.yLabel ?? 'output';
  const normalised = Object.entries(r.params).some(([k, v]) => /^normali[sz]/i.test(k) && v !== false && v !== 'none' && v !== null);
  return normalised && !/normali[sz]/i.test(label) ? `${label} (normalised)` : label;
}
