/** Evaluating explanations: subjects, one metric per file, the registry and the runner (issue 7). */
export {
  isModelBacked, maskOf, requireModality,
  type EvaluationSubject, type ModelBackedSubject, type Modality, type Perturbation, type RemovalBaseline,
} from './subject.js';
export type { Metric, MetricCurves, MetricInfo, MetricOptions, MetricResultData } from './metric.js';
export { DEFAULT_METRICS, findMetric, METRIC_NAMES, METRICS, type MetricEntry } from './registry.js';
export {
  defaultMetrics, evaluateExplanations, rankMethods,
  type EvaluateOptions, type EvaluationCell, type EvaluationSummary, type MethodRank,
} from './evaluate.js';
export * from './subjects/index.js';
export { Deletion, type DeletionOptions } from './faithfulness/deletion.js';
export { Insertion, type InsertionOptions } from './faithfulness/insertion.js';
export type { PerturbationCurveOptions } from './faithfulness/perturbation-curves.js';
export type { FeatureOrder } from './faithfulness/feature-order.js';
export { FaithfulnessCorrelation, type FaithfulnessCorrelationOptions } from './faithfulness/faithfulness-correlation.js';
export { Infidelity, type InfidelityOptions } from './faithfulness/infidelity.js';
export { Monotonicity, type MonotonicityOptions } from './faithfulness/monotonicity.js';
export { MonotonicityCorrelation, type MonotonicityCorrelationOptions } from './faithfulness/monotonicity-correlation.js';
export { MaxSensitivity, type MaxSensitivityOptions } from './robustness/max-sensitivity.js';
export { AvgSensitivity, type AvgSensitivityOptions } from './robustness/avg-sensitivity.js';
export type { SensitivityOptions } from './robustness/explanation-sensitivities.js';
export type { NoiseScale } from './robustness/noisy-inputs.js';
export { LocalLipschitzEstimate, type LocalLipschitzOptions } from './robustness/local-lipschitz.js';
export { Sparseness, giniIndex } from './complexity/sparseness.js';
export { Complexity, attributionEntropy } from './complexity/complexity.js';
export { ModelParameterRandomisation, type ModelParameterRandomisationOptions, type RandomisationMode } from './randomisation/model-parameter-randomisation.js';
export { RandomLogit, type RandomLogitOptions } from './randomisation/random-logit.js';
export { Completeness, type CompletenessOptions } from './axioms/completeness.js';
export { InputInvariance, type InputInvarianceOptions } from './axioms/input-invariance.js';
export * from './similarity/index.js';
