import type * as tf from '@tensorflow/tfjs';
import type { ImagePreprocessing } from './preprocessing.js';

/**
 * Which scalar per input row is explained: one output index per row, or a function of the model's
 * output that returns one value per row (for a sum of classes, a margin, a regression output...).
 */
export type OutputSelector =
  | { kind: 'index'; indices: Int32Array }
  | { kind: 'function'; fn: (output: tf.Tensor) => tf.Tensor };

/**
 * How gradients flow backwards. Methods that change the chain rule ask for it here instead of
 * differentiating themselves, so each engine can implement the rule its own way (TF.js by patching
 * layers, a native engine by rewriting its backward graph).
 * - `guided-backprop`: ReLUs pass only positive gradients, and only where their input was positive.
 * - `deeplift-rescale`: every nonlinearity's derivative is replaced by the ratio of output to input
 *   differences between the input and `baselines` (Shrikumar et al. 2017, as in Captum's DeepLift).
 */
export type BackwardRule =
  | { kind: 'standard' }
  | { kind: 'guided-backprop' }
  | { kind: 'deeplift-rescale'; baselines: tf.Tensor; eps?: number };

export interface GradientRequest {
  target: OutputSelector;
  /** A named intermediate layer whose output and gradient are returned as well. */
  layer?: string;
  rule?: BackwardRule;
}

/** Everything a request returns; the caller owns (and disposes) every tensor. */
export interface Gradients {
  /** The explained scalar per row, shape [B]. */
  selected: tf.Tensor1D;
  /** d selected / d inputs, the inputs' shape. */
  inputGradients: tf.Tensor;
  /** The named layer's output, when a layer was asked for. */
  layerActivations?: tf.Tensor;
  /** d selected / d layer output, when a layer was asked for. */
  layerGradients?: tf.Tensor;
}

/**
 * What `Model.straightPathGradients` is asked for: the path points b + alpha_k (x - b) of every row, and
 * the weight of each point in the sum (an integration rule's alphas and weights, as integrated gradients
 * uses them).
 */
export interface StraightPathRequest {
  alphas: ArrayLike<number>;
  weights: ArrayLike<number>;
  target: OutputSelector;
}

/** What a model's straight-path shortcut returns; the caller owns (and disposes) the tensor. */
export interface StraightPathGradients {
  /** sum_k weights[k] * d target / d input at b + alphas[k] (x - b), per row: the inputs' shape. */
  weightedSum: tf.Tensor;
  /**
   * How the path was folded: `first-layer` runs the first affine layer once per row instead of once per
   * point; `first-layer-relu-maxpool` also its ReLU and max-pool (constant baselines, alphas > 0).
   */
  shortcut: 'first-layer' | 'first-layer-relu-maxpool';
}

/** What `Model.activations` returns; the caller owns (and disposes) the tensors. */
export interface LayerActivations {
  activations: tf.Tensor;
  /** The model's output [B, numOutputs], when asked for. */
  output?: tf.Tensor2D;
}

export interface LayerInfo {
  name: string;
  className: string;
  /** Output shape without the batch dimension (null for unknown sizes). */
  outputShape: (number | null)[];
}

/** What a caller may say about a model that its file does not (or says differently). */
export interface ModelDescription {
  name?: string;
  classNames?: string[];
  outputKind?: ModelInfo['outputKind'];
  preprocessing?: ModelInfo['preprocessing'];
  description?: string;
}

export interface ModelInfo {
  name: string;
  /** The engine behind the model, for reports and messages. */
  engine: string;
  /** Input shape without the batch dimension, in the model's own layout. */
  inputShape: number[];
  /** Number of output values per row (classes for a classifier). */
  numOutputs: number;
  /** What the outputs are: softmax is applied for display only when they are logits. */
  outputKind: 'logits' | 'probabilities' | 'values';
  classNames?: string[];
  layers: LayerInfo[];
  /** How an image becomes an input, when the model takes images. */
  preprocessing?: ImagePreprocessing;
  /** Free-form facts the model carries (training accuracy, source). */
  description?: string;
  /** Set when the model has no gradients (an operator without a backward rule): why, for messages. */
  gradientsUnavailable?: string;
}

/**
 * The one interface every method is written against. It is small on purpose: a batched forward
 * pass and gradients of a selected output with respect to the inputs and, on request, a named
 * layer. Inputs always carry the batch dimension. Rows must be independent (inference mode).
 * Both calls are asynchronous because engines may run outside TF.js (onnxruntime runs off the
 * JS thread); the tensors they return belong to the caller.
 */
export interface Model {
  readonly info: ModelInfo;
  /** Output for a batch of inputs, shape [B, numOutputs]. */
  forward(inputs: tf.Tensor): Promise<tf.Tensor2D>;
  gradients(inputs: tf.Tensor, request: GradientRequest): Promise<Gradients>;
  /** Which backward rules this model supports (DeepLIFT and Guided Backprop need layer access). */
  supportsRule(kind: BackwardRule['kind']): boolean;
  /**
   * A named layer's output for a batch, without a backward pass, and with `output: true` the model's
   * output from the same pass (optional: callers fall back to `gradients(...).layerActivations`).
   * Unknown layers are UsageErrors listing the model's layers.
   */
  activations?(inputs: tf.Tensor, layer: string, options?: { output?: boolean }): Promise<LayerActivations>;
  /**
   * Optional shortcut for integrated gradients' straight path: the weighted sum over the path points
   * of each row's input gradient, computed without one full backward pass per point where the model's
   * structure allows (an affine first layer is linear along the path). Undefined when the model cannot
   * take the shortcut for this request: the caller then asks `gradients` point by point.
   */
  straightPathGradients?(inputs: tf.Tensor, baselines: tf.Tensor, request: StraightPathRequest): Promise<StraightPathGradients | undefined>;
  dispose(): void;
}
