import { Completeness } from './axioms/completeness.js';
import { InputInvariance } from './axioms/input-invariance.js';
import { Complexity } from './complexity/complexity.js';
import { Sparseness } from './complexity/sparseness.js';
import { Deletion } from './faithfulness/deletion.js';
import { FaithfulnessCorrelation } from './faithfulness/faithfulness-correlation.js';
import { Infidelity } from './faithfulness/infidelity.js';
import { Insertion } from './faithfulness/insertion.js';
import { Monotonicity } from './faithfulness/monotonicity.js';
import { MonotonicityCorrelation } from './faithfulness/monotonicity-correlation.js';
import type { Metric, MetricInfo, MetricOptions } from './metric.js';
import { ModelParameterRandomisation } from './randomisation/model-parameter-randomisation.js';
import { RandomLogit } from './randomisation/random-logit.js';
import { AvgSensitivity } from './robustness/avg-sensitivity.js';
import { LocalLipschitzEstimate } from './robustness/local-lipschitz.js';
import { MaxSensitivity } from './robustness/max-sensitivity.js';

export interface MetricEntry {
  info: MetricInfo;
  create(): Metric<MetricOptions & Record<string, unknown>>;
}

type AnyMetric = Metric<MetricOptions & Record<string, unknown>>;
const entry = (create: () => unknown): MetricEntry => {
  const metric = create() as AnyMetric;
  return { info: metric.info, create: create as () => AnyMetric };
};

/** Every evaluation metric, by its CLI name. A new metric is one file, its test, and one line here. */
export const METRICS: readonly MetricEntry[] = [
  entry(() => new Deletion()),
  entry(() => new Insertion()),
  entry(() => new FaithfulnessCorrelation()),
  entry(() => new Infidelity()),
  entry(() => new Monotonicity()),
  entry(() => new MonotonicityCorrelation()),
  entry(() => new MaxSensitivity()),
  entry(() => new AvgSensitivity()),
  entry(() => new LocalLipschitzEstimate()),
  entry(() => new Sparseness()),
  entry(() => new Complexity()),
  entry(() => new ModelParameterRandomisation()),
  entry(() => new RandomLogit()),
  entry(() => new Completeness()),
  entry(() => new InputInvariance()),
];

/** What `evaluate` computes when no metrics are named (those that apply): one or two per category, practical on 100 digits. */
export const DEFAULT_METRICS: readonly string[] = ['deletion', 'insertion', 'faithfulness-correlation', 'infidelity', 'max-sensitivity', 'sparseness', 'randomisation'];

export const METRIC_NAMES = METRICS.map((m) => m.info.name);

export function findMetric(name: string): MetricEntry | undefined {
  return METRICS.find((m) => m.info.name === name);
}
