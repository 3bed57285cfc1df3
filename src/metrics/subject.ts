import { UsageError } from '../errors.js';
import type { Model } from '../models/model.js';

/** What kind of input a subject explains; metrics say which kinds they apply to. */
export type Modality = 'image' | 'tabular' | 'text';

/**
 * What a removed feature becomes. `zeros`: 0 (the padding token for text); `mean`: the mean of the row's
 * own values per channel (images) or of the data set's column (tabular); `blur`: a Gaussian blur of the
 * image (images only); a number: that value.
 */
export type RemovalBaseline = 'zeros' | 'mean' | 'blur' | number;

/**
 * A perturbed copy of one explained row.
 * - `remove`: the features where `mask[f] === 1` are replaced by the baseline (all channels of a pixel,
 *   a column, a token), the others keep the row's values.
 * - `input`: a whole new input in the model's input space (same size as `input(row)`), for metrics that
 *   add noise. Not available for token sequences.
 */
export type Perturbation =
  | { row: number; kind: 'remove'; mask: Uint8Array; baseline?: RemovalBaseline }
  | { row: number; kind: 'input'; values: Float32Array };

/**
 * A model and an explanation method over a batch of explained rows, seen as rows of features: what every
 * metric needs and all it may use, whatever the modality. Subjects batch model calls internally (bounded)
 * and own no tensors between calls. Features are what an explanation ranks: pixels (channels together,
 * attributions summed over channels), tabular columns (or groups), tokens.
 */
export interface EvaluationSubject {
  readonly modality: Modality;
  /** Model and method names, for results and messages. */
  readonly model: string;
  readonly method: string;
  /** Number of explained rows. */
  readonly rows: number;
  /** The explained output index of each row. */
  readonly targets: Int32Array;
  /** The model's number of outputs (for the random-logit test). */
  readonly numOutputs: number;
  /** The baseline `remove` perturbations use when they name none. */
  readonly baseline: RemovalBaseline;
  /** Features of row `row` (tokens differ per row). */
  features(row: number): number;
  /** Row `row`'s input in the model's input space, flat (token ids for text). */
  input(row: number): Float32Array;
  /** The explanation of row `row` per feature, as computed when the subject was built. */
  attribution(row: number): Float64Array;
  /** The explained output (each perturbation's row's target) for every perturbation. */
  score(perturbations: readonly Perturbation[]): Promise<Float64Array>;
  /**
   * The method's explanation of every perturbed input, per feature. `targets`, when given, replaces each
   * perturbation's row target (one per perturbation; the random-logit test explains another class).
   */
  explain(perturbations: readonly Perturbation[], targets?: Int32Array): Promise<Float64Array[]>;
  /** Reports progress of long work (model evaluations done out of total), when the caller wants it. */
  onProgress?: (done: number, total: number, stage?: string) => void;
}

/**
 * A subject whose model is a layered `Model` (images, and tensor tabular models): tests that change the
 * model or the inputs themselves (parameter randomisation, input invariance) re-explain through it.
 */
export interface ModelBackedSubject extends EvaluationSubject {
  readonly sourceModel: Model;
  /**
   * The same method, with the same options, on another model that takes the same inputs: per row, per
   * feature. `inputs` (one flat input per row) replace the rows' inputs; `targets` their targets. The
   * caller owns `model`.
   */
  explainWith(model: Model, options?: { inputs?: readonly Float32Array[]; targets?: Int32Array }): Promise<Float64Array[]>;
  /** The feature layout of a row for pictures: [height, width] for images. */
  readonly featureShape: number[];
}

export function isModelBacked(subject: EvaluationSubject): subject is ModelBackedSubject {
  return 'sourceModel' in subject && typeof (subject as ModelBackedSubject).explainWith === 'function';
}

/** A mask over `features` features with the given ones set. */
export function maskOf(features: number, set: Iterable<number>): Uint8Array {
  const mask = new Uint8Array(features);
  for (const f of set) mask[f] = 1;
  return mask;
}

/** Refuses a metric on a modality it does not apply to, with the reason. */
export function requireModality(metric: string, subject: EvaluationSubject, allowed: readonly Modality[], why: string): void {
  if (!allowed.includes(subject.modality)) {
    throw new UsageError(`metric ${metric} does not apply to ${subject.modality} inputs: ${why}`,
      `use it on ${allowed.join(' or ')} models, or choose another metric (glassbox evaluate --help lists them)`);
  }
}
