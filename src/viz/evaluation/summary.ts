import { UsageError } from '../../errors.js';
import type { MetricInfo, MetricResultData } from '../../metrics/metric.js';
import type { Modality } from '../../metrics/subject.js';

/** A metric as the evaluation report describes it. */
export interface EvaluationMetricInfo {
  name: string;
  category: MetricInfo['category'];
  summary: string;
  formula: string;
  reference: string;
  higherIsBetter: boolean;
}

/** One method under one metric: the mean score over the explained rows and its 95% confidence interval. */
export interface EvaluationCell {
  method: string;
  metric: string;
  /** NaN (null after a JSON round trip) when no row gave a finite score. */
  mean: number;
  ciLow: number;
  ciHigh: number;
  /** Rows with a finite score. */
  n: number;
  /** Rows whose score was not finite, left out of the mean. */
  skipped?: number;
  timeMs: number;
}

/** A method's rank under every metric (1 = best) and their mean. */
export interface EvaluationRanking {
  method: string;
  meanRank: number;
  ranks: Record<string, number>;
}

/** Several explanation methods scored by several metrics on one model: what the evaluation pictures draw, as plain data. */
export interface EvaluationSummary {
  model: string;
  modality: Modality;
  /** Explained rows. */
  rows: number;
  seed: number;
  /** Level of the intervals, default 0.95. */
  confidence?: number;
  methods: string[];
  metrics: EvaluationMetricInfo[];
  cells: EvaluationCell[];
  ranking: EvaluationRanking[];
  /** Every metric's full result per method, with curves and details. */
  results: MetricResultData[];
}

/** The cell of a method and metric, if the evaluation has one. */
export function findCell(summary: EvaluationSummary, method: string, metric: string): EvaluationCell | undefined {
  return summary.cells.find((c) => c.method === method && c.metric === metric);
}

/** A finite number, or undefined (NaN, infinities and the null a JSON round trip makes of NaN). */
export function finite(v: number | null | undefined): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Fails with a clear message when the summary's parts do not fit together, before anything is drawn. */
export function checkEvaluationSummary(summary: EvaluationSummary): void {
  const hint = 'pass the summary the evaluation returns (evaluateExplanations), or JSON written by glassbox evaluate --format json';
  if (typeof summary !== 'object' || summary === null) throw new UsageError('the evaluation summary is not an object', hint);
  for (const key of ['methods', 'metrics', 'cells', 'ranking', 'results'] as const) {
    if (!Array.isArray(summary[key])) throw new UsageError(`the evaluation summary has no ${key} list`, hint);
  }
  if (summary.methods.length === 0) throw new UsageError('the evaluation summary has no methods', 'evaluate at least one explanation method');
  const methods = new Set(summary.methods);
  const metrics = new Set(summary.metrics.map((m) => m.name));
  if (methods.size !== summary.methods.length) throw new UsageError(`a method is listed twice in [${summary.methods.join(', ')}]`, 'list each method once');
  if (metrics.size !== summary.metrics.length) throw new UsageError('a metric is listed twice in the evaluation summary', 'list each metric once');
  const known = (what: string, method: string, metric: string) => {
    if (!methods.has(method)) throw new UsageError(`${what} names method "${method}", which is not in the summary's methods [${summary.methods.join(', ')}]`, hint);
    if (!metrics.has(metric)) throw new UsageError(`${what} names metric "${metric}", which is not in the summary's metrics`, hint);
  };
  for (const c of summary.cells) known('a cell', c.method, c.metric);
  for (const r of summary.results) known(`the ${r.metric} result of ${r.method}`, r.method, r.metric);
  for (const r of summary.ranking) {
    if (!methods.has(r.method)) throw new UsageError(`the ranking names method "${r.method}", which is not in the summary's methods`, hint);
  }
}
