import type { JsonValue } from '../attribution/result.js';
import type { EvaluationSubject, Modality } from './subject.js';

/** Options every metric takes. */
export interface MetricOptions {
  /** Seeds every random draw (noise, random subsets, random orderings); the same seed gives the same scores. */
  seed?: number;
}

/** A curve per explained row over a shared x axis (deletion and insertion curves, randomisation layers). */
export interface MetricCurves {
  /** What the x axis is, e.g. "fraction of features removed" or "layers randomised". */
  xLabel: string;
  /** Names or values of the x positions. */
  x: (number | string)[];
  yLabel: string;
  /** rows x positions. */
  y: number[][];
}

/** What a metric found for one subject (a model and method over explained rows), as plain JSON data. */
export interface MetricResultData {
  metric: string;
  method: string;
  model: string;
  modality: Modality;
  /** One score per explained row, in the metric's own units. */
  scores: number[];
  /** Whether a higher score means a better explanation (ranking uses it). */
  higherIsBetter: boolean;
  /** Every parameter the metric ran with, defaults included. */
  params: Record<string, JsonValue>;
  curves?: MetricCurves;
  /** Metric-specific extras (e.g. the randomisation test's per-layer similarities per measure). */
  details?: Record<string, JsonValue>;
  timeMs: number;
}

/** A metric's description, for the registry, help texts and reports. */
export interface MetricInfo {
  /** CLI name, e.g. "deletion". */
  name: string;
  category: 'faithfulness' | 'robustness' | 'complexity' | 'randomisation' | 'axiom';
  summary: string;
  /** The formula in one line, as reports print it. */
  formula: string;
  /** The paper it comes from. */
  reference: string;
  modalities: readonly Modality[];
  higherIsBetter: boolean;
  /** Changes the model or re-explains under another model, so needs a `ModelBackedSubject`. */
  needsModel?: boolean;
  /** Re-draws the model's weights, so needs a model that exposes them (TF.js layers models, ONNX graphs). */
  needsWeights?: boolean;
}

/**
 * One metric per file, after Quantus: `new Metric().evaluate(subject, options)` scores every explained row
 * of the subject. Metrics never see tensors or models, only the subject.
 */
export interface Metric<O extends MetricOptions = MetricOptions> {
  readonly info: MetricInfo;
  evaluate(subject: EvaluationSubject, options?: O): Promise<MetricResultData>;
}

/** A metric's result: the fields every metric shares come from its info and the subject; `start` is performance.now() at the call. */
export function metricResult(info: MetricInfo, subject: EvaluationSubject, start: number,
  body: Pick<MetricResultData, 'scores' | 'params' | 'curves' | 'details'>): MetricResultData {
  return {
    metric: info.name,
    method: subject.method,
    model: subject.model,
    modality: subject.modality,
    higherIsBetter: info.higherIsBetter,
    ...body,
    timeMs: performance.now() - start,
  };
}
