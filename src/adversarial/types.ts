import type { JsonValue } from '../attribution/result.js';

/** The ball the perturbation stays in: max |delta| (L-infinity) or the Euclidean length of delta (L2). */
export type AttackNorm = 'linf' | 'l2';
export const ATTACK_NORMS: readonly AttackNorm[] = ['linf', 'l2'];

export type AttackMethod = 'fgsm' | 'pgd';
export const ATTACK_METHODS: readonly AttackMethod[] = ['fgsm', 'pgd'];

/** One class for every row, or one per row. */
export type ClassChoice = number | readonly number[];

/** Options every attack takes. */
export interface AttackOptions {
  /** Size of the perturbation in the chosen norm, in the model's input units; greater than 0. */
  epsilon: number;
  /** Default 'linf'. */
  norm?: AttackNorm;
  /** Untargeted: the class to move away from (default: the model's prediction on the clean input). */
  label?: ClassChoice;
  /** Targeted: the class to move towards. Not together with `label`. */
  target?: ClassChoice;
  /** The valid input range [lo, hi]; adversarial inputs are clipped to it. Default [0, 1]. */
  range?: readonly [number, number];
  /** Most inputs sent to the model at once. Default 128. */
  batchSize?: number;
  /** Gradient evaluations done out of total (one per row and step). */
  onProgress?: (done: number, total: number) => void;
}

export interface PgdOptions extends AttackOptions {
  /** Gradient steps, default 40 (Madry et al. on MNIST). */
  steps?: number;
  /** Size of each step in the chosen norm; default 2.5 * epsilon / steps (Madry et al.). */
  stepSize?: number;
  /** Start from a uniform draw in [-epsilon, epsilon] per value, projected into the ball. Default false. */
  randomStart?: boolean;
  /** Seeds the random start. Default 0. */
  seed?: number;
}

/** What an attack found, as plain data (no tensors). */
export interface AttackResultData {
  method: AttackMethod;
  model: string;
  epsilon: number;
  norm: AttackNorm;
  range: [number, number];
  /** True when the attack pushed towards `target`, false when away from `label`. */
  targeted: boolean;
  /** Every parameter the attack ran with, defaults included. */
  params: Record<string, JsonValue>;
  /** The inputs' shape, batch first, in the model's own layout. */
  shape: number[];
  /** The adversarial inputs, flat and row-major. */
  adversarial: Float32Array;
  /** Per row: the class moved away from (untargeted) or towards (targeted). */
  classes: number[];
  /** The model's class per row before and after the attack. */
  prediction: number[];
  adversarialPrediction: number[];
  /** Softmax of the outputs (the outputs themselves when the model gives probabilities), before and after. */
  probabilities: number[][];
  adversarialProbabilities: number[][];
  /** Untargeted: the prediction left `label`; targeted: it reached `target`. */
  success: boolean[];
  /** Size of adversarial - input per row, in both norms. */
  perturbationNorms: { linf: number[]; l2: number[] };
  timeMs: number;
}

export class AttackResult implements AttackResultData {
  readonly method: AttackMethod;
  readonly model: string;
  readonly epsilon: number;
  readonly norm: AttackNorm;
  readonly range: [number, number];
  readonly targeted: boolean;
  readonly params: Record<string, JsonValue>;
  readonly shape: number[];
  readonly adversarial: Float32Array;
  readonly classes: number[];
  readonly prediction: number[];
  readonly adversarialPrediction: number[];
  readonly probabilities: number[][];
  readonly adversarialProbabilities: number[][];
  readonly success: boolean[];
  readonly perturbationNorms: { linf: number[]; l2: number[] };
  readonly timeMs: number;

  constructor(data: AttackResultData) {
    this.method = data.method;
    this.model = data.model;
    this.epsilon = data.epsilon;
    this.norm = data.norm;
    this.range = data.range;
    this.targeted = data.targeted;
    this.params = data.params;
    this.shape = data.shape;
    this.adversarial = data.adversarial;
    this.classes = data.classes;
    this.prediction = data.prediction;
    this.adversarialPrediction = data.adversarialPrediction;
    this.probabilities = data.probabilities;
    this.adversarialProbabilities = data.adversarialProbabilities;
    this.success = data.success;
    this.perturbationNorms = data.perturbationNorms;
    this.timeMs = data.timeMs;
  }

  get rows(): number {
    return this.shape[0];
  }

  /** The fraction of rows where the attack succeeded. */
  get successRate(): number {
    return this.success.filter(Boolean).length / this.success.length;
  }

  /** Row `index`'s adversarial input, flat. */
  row(index: number): Float32Array {
    const size = this.adversarial.length / this.rows;
    return this.adversarial.subarray(index * size, (index + 1) * size);
  }

  toJSON(): Omit<AttackResultData, 'adversarial'> & { adversarial: number[] } {
    return { ...this, adversarial: Array.from(this.adversarial) };
  }
}
