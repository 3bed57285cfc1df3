import type { EvaluationSubject, Modality, Perturbation, RemovalBaseline } from '../../../src/metrics/subject.js';

/**
 * A subject over a plain linear model f_t(x) = W[t] . x + b[t], one feature per input value, with the
 * attributions the test gives: the metrics' arithmetic checked without any engine in between.
 */
export class LinearSubject implements EvaluationSubject {
  readonly model = 'linear';
  readonly method: string;
  readonly rows: number;
  readonly targets: Int32Array;
  readonly numOutputs: number;
  /** Model evaluations made so far (the metrics' cost). */
  calls = 0;
  onProgress?: (done: number, total: number, stage?: string) => void;

  constructor(
    private readonly inputs: Float32Array[],
    private readonly weights: number[][],
    private readonly bias: number[],
    private readonly attributions: Float64Array[],
    options: { targets?: number[]; baseline?: RemovalBaseline; modality?: Modality; method?: string } = {},
  ) {
    this.rows = inputs.length;
    this.targets = Int32Array.from(options.targets ?? inputs.map(() => 0));
    this.numOutputs = weights.length;
    this.baseline = options.baseline ?? 'zeros';
    this.modality = options.modality ?? 'tabular';
    this.method = options.method ?? 'given';
  }

  readonly baseline: RemovalBaseline;
  readonly modality: Modality;

  features(row: number): number {
    return this.inputs[row].length;
  }

  input(row: number): Float32Array {
    return this.inputs[row].slice();
  }

  attribution(row: number): Float64Array {
    return this.attributions[row];
  }

  /** The model on a plain input, for the tests' own expectations. */
  f(values: ArrayLike<number>, target: number): number {
    let s = this.bias[target];
    for (let i = 0; i < values.length; i++) s += this.weights[target][i] * values[i];
    return s;
  }

  perturbed(p: Perturbation): Float32Array {
    if (p.kind === 'input') return p.values;
    const x = this.inputs[p.row].slice();
    const baseline = p.baseline ?? this.baseline;
    const mean = x.reduce((a, v) => a + v, 0) / x.length;
    const value = baseline === 'zeros' ? 0 : baseline === 'mean' ? mean : typeof baseline === 'number' ? baseline : NaN;
    for (let i = 0; i < x.length; i++) if (p.mask[i] === 1) x[i] = value;
    return x;
  }

  async score(perturbations: readonly Perturbation[]): Promise<Float64Array> {
    this.calls += perturbations.length;
    return Float64Array.from(perturbations, (p) => this.f(this.perturbed(p), this.targets[p.row]));
  }

  async explain(): Promise<Float64Array[]> {
    throw new Error('the linear test subject gives fixed attributions only');
  }
}
