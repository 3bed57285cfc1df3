import { UsageError } from '../../errors.js';
import type { EvaluationCell as RunnerCell, EvaluationSummary as RunnerSummary, MethodRank } from '../../metrics/evaluate.js';
import type { MetricInfo } from '../../metrics/metric.js';

/**
 * What the pictures draw: the summary `evaluateExplanations` returns, also as read back from the JSON of
 * `glassbox evaluate` (where NaN became null) or written by hand, so the interval level, the skipped
 * counts and the metrics' modalities may be missing.
 */
export type EvaluationMetricInfo = Pick<MetricInfo, 'name' | 'category' | 'summary' | 'formula' | 'reference' | 'higherIsBetter'>;
export type EvaluationCell = Omit<RunnerCell, 'skipped'> & { skipped?: number };
export type EvaluationRanking = MethodRank;
export interface EvaluationSummary extends Omit<RunnerSummary, 'confidence' | 'metrics' | 'cells' | 'ranking'> {
  /** Level of the intervals, default 0.95. */
  confidence?: number;
  metrics: EvaluationMetricInfo[];
  cells: EvaluationCell[];
  ranking: EvaluationRanking[];
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
