import { GlassboxError, UsageError } from '../errors.js';
import { parameterLayers } from '../models/randomise.js';
import { meanConfidenceInterval } from '../stats/confidence.js';
import type { MetricInfo, MetricOptions, MetricResultData } from './metric.js';
import { DEFAULT_METRICS, findMetric, METRIC_NAMES } from './registry.js';
import { isModelBacked, type EvaluationSubject, type Modality } from './subject.js';

/** One method under one metric: the mean score over the explained rows and its confidence interval. */
export interface EvaluationCell {
  method: string;
  metric: string;
  mean: number;
  ciLow: number;
  ciHigh: number;
  /** Rows with a finite score (the interval's sample size). */
  n: number;
  /** Rows whose score was not finite (e.g. a correlation of a constant map), left out of the mean. */
  skipped: number;
  timeMs: number;
}

export interface MethodRank {
  method: string;
  /** Mean of the per-metric ranks (1 = best); NaN when no metric ranked it. */
  meanRank: number;
  /** Rank per metric name (ties share the mean rank). */
  ranks: Record<string, number>;
}

/** Everything an evaluation found, as plain JSON data: what the CLI prints and the report draws. */
export interface EvaluationSummary {
  model: string;
  modality: Modality;
  rows: number;
  seed: number;
  /** Confidence level of the intervals. */
  confidence: number;
  methods: string[];
  metrics: MetricInfo[];
  cells: EvaluationCell[];
  /** Best method first. */
  ranking: MethodRank[];
  results: MetricResultData[];
}

export interface EvaluateOptions {
  /** Metric names (the registry's); default: those of DEFAULT_METRICS that apply to the subjects. */
  metrics?: readonly string[];
  /** Options per metric name, passed to its evaluate() (the seed is added). */
  metricOptions?: Readonly<Record<string, Record<string, unknown>>>;
  seed?: number;
  /** Of the intervals, default 0.95. */
  confidence?: number;
  /** Called before each metric runs on each method. */
  onStage?: (stage: string, index: number, total: number) => void;
}

/**
 * Runs every metric on every method's subject (one subject per method, all over the same rows) and
 * summarises: per method and metric the mean and a Student-t interval over the rows, and a ranking
 * by mean rank across metrics. Checks that every metric applies before any work starts.
 */
export async function evaluateExplanations(subjects: readonly EvaluationSubject[], options: EvaluateOptions = {}): Promise<EvaluationSummary> {
  if (subjects.length === 0) throw new UsageError('there is no method to evaluate', 'give at least one method');
  const first = subjects[0];
  for (const s of subjects) {
    if (s.modality !== first.modality || s.rows !== first.rows || s.model !== first.model) {
      throw new UsageError(`the subjects differ (${s.method}: ${s.modality}, ${s.rows} rows of ${s.model}; ${first.method}: ${first.modality}, ${first.rows} rows of ${first.model})`,
        'evaluate methods of one model over the same rows');
    }
  }
  const names = options.metrics ?? defaultMetrics(first);
  const infos = names.map((name) => {
    const entry = findMetric(name);
    if (!entry) throw new UsageError(`unknown metric "${name}"`, `choose from: ${METRIC_NAMES.join(', ')}`);
    checkApplies(entry.info, first);
    return entry.info;
  });
  if (new Set(names).size !== names.length) throw new UsageError(`a metric is named twice in ${names.join(',')}`, 'name each metric once');
  const seed = options.seed ?? 0;
  const confidence = options.confidence ?? 0.95;
  const results: MetricResultData[] = [];
  const cells: EvaluationCell[] = [];
  const total = names.length * subjects.length;
  let stage = 0;
  for (const info of infos) {
    const metric = findMetric(info.name)!.create();
    for (const subject of subjects) {
      options.onStage?.(`${info.name}: ${subject.method}`, stage++, total);
      const metricOptions = { ...(options.metricOptions?.[info.name] ?? {}), seed } as MetricOptions & Record<string, unknown>;
      const result = await metric.evaluate(subject, metricOptions);
      // A metric's params list every option it ran with, so a key missing there is a typo, not a setting.
      const unknown = Object.keys(options.metricOptions?.[info.name] ?? {}).filter((k) => !(k in result.params));
      if (unknown.length > 0) {
        throw new UsageError(`metric ${info.name} has no option ${unknown.map((k) => `"${k}"`).join(', ')}`,
          `its options are: ${Object.keys(result.params).filter((k) => k !== 'seed').join(', ')}`);
      }
      results.push(result);
      const ci = meanConfidenceInterval(result.scores, confidence);
      cells.push({ method: subject.method, metric: info.name, mean: ci.mean, ciLow: ci.low, ciHigh: ci.high, n: ci.n, skipped: ci.skipped, timeMs: result.timeMs });
    }
  }
  const methods = subjects.map((s) => s.method);
  return {
    model: first.model,
    modality: first.modality,
    rows: first.rows,
    seed,
    confidence,
    methods,
    metrics: infos,
    cells,
    ranking: rankMethods(methods, infos, cells),
    results,
  };
}

/** The default metrics that apply to a subject: its modality, and a layered model where a metric changes the model. */
export function defaultMetrics(subject: EvaluationSubject): string[] {
  return DEFAULT_METRICS.filter((name) => {
    const info = findMetric(name)!.info;
    return info.modalities.includes(subject.modality) && modelLacks(info, subject) === undefined;
  });
}

/** Why the subject's model cannot serve a metric that changes the model, or undefined when it can. */
function modelLacks(info: MetricInfo, subject: EvaluationSubject): string | undefined {
  if (!info.needsModel) return undefined;
  if (!isModelBacked(subject)) return `${subject.model} (${subject.modality}) is explained as a black box`;
  if (!info.needsWeights) return undefined;
  try {
    parameterLayers(subject.sourceModel);
    return undefined;
  } catch (err) {
    if (!(err instanceof GlassboxError)) throw err;
    return err.problem;
  }
}

function checkApplies(info: MetricInfo, subject: EvaluationSubject): void {
  if (!info.modalities.includes(subject.modality)) {
    throw new UsageError(`metric ${info.name} does not apply to ${subject.modality} inputs (it applies to ${info.modalities.join(', ')})`,
      `leave it out of --metrics; for ${subject.modality} inputs use: ${METRIC_NAMES.filter((n) => findMetric(n)!.info.modalities.includes(subject.modality)).join(', ')}`);
  }
  const lacks = modelLacks(info, subject);
  if (lacks !== undefined) {
    throw new UsageError(`metric ${info.name} changes the model itself, which ${subject.model} does not allow: ${lacks}`,
      'use it on a TF.js layers model or an ONNX model (the built-in digits model is one), or leave it out of --metrics');
  }
}

/**
 * Ranks methods per metric by mean score in the metric's better direction (1 = best; ties share the
 * mean of their ranks; methods without a finite mean are not ranked), then by the mean of those ranks.
 */
export function rankMethods(methods: readonly string[], metrics: readonly MetricInfo[], cells: readonly EvaluationCell[]): MethodRank[] {
  const ranks = new Map(methods.map((m) => [m, {} as Record<string, number>]));
  for (const info of metrics) {
    const scored = cells.filter((c) => c.metric === info.name && Number.isFinite(c.mean));
    const sign = info.higherIsBetter ? -1 : 1;
    const sorted = [...scored].sort((a, b) => sign * (a.mean - b.mean));
    for (let i = 0; i < sorted.length;) {
      let j = i;
      while (j + 1 < sorted.length && sorted[j + 1].mean === sorted[i].mean) j++;
      for (let k = i; k <= j; k++) ranks.get(sorted[k].method)![info.name] = (i + j) / 2 + 1;
      i = j + 1;
    }
  }
  return methods
    .map((method) => {
      const r = Object.values(ranks.get(method)!);
      return { method, meanRank: r.length ? r.reduce((a, b) => a + b, 0) / r.length : NaN, ranks: ranks.get(method)! };
    })
    .sort((a, b) => (Number.isNaN(a.meanRank) ? 1 : Number.isNaN(b.meanRank) ? -1 : a.meanRank - b.meanRank));
}
