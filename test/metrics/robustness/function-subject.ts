import type { EvaluationSubject, Modality, Perturbation, RemovalBaseline } from '../../../src/metrics/subject.js';

export interface FunctionSubjectSpec {
  modality?: Modality;
  /** One flat input per row; every value is a feature. */
  inputs: number[][];
  numOutputs: number;
  /** The model: outputs of one input. */
  forward: (x: Float32Array) => number[];
  /** The method: the attribution of one input for one class (`call` counts explain calls from 1). */
  explain: (x: Float32Array, target: number, call: number) => ArrayLike<number>;
  targets?: number[];
  baseline?: number;
}

/**
 * A metric test's subject over plain functions: features are the input values, 'remove' puts in a number,
 * and every perturbation and explained target is recorded, so tests can recompute scores by hand.
 */
export class FunctionSubject implements EvaluationSubject {
  readonly modality: Modality;
  readonly model = 'function';
  readonly method = 'function-method';
  readonly rows: number;
  readonly targets: Int32Array;
  readonly numOutputs: number;
  readonly baseline: RemovalBaseline;
  readonly explained: { perturbation: Perturbation; input: Float32Array; target: number }[] = [];
  readonly progress: { done: number; total: number; stage?: string }[] = [];
  onProgress = (done: number, total: number, stage?: string) => { this.progress.push({ done, total, stage }); };
  private readonly attributions: Float64Array[];
  private calls = 0;

  constructor(private readonly spec: FunctionSubjectSpec) {
    this.modality = spec.modality ?? 'tabular';
    this.rows = spec.inputs.length;
    this.numOutputs = spec.numOutputs;
    this.baseline = spec.baseline ?? 'zeros';
    this.targets = Int32Array.from(spec.targets ?? spec.inputs.map((x) => argmax(spec.forward(Float32Array.from(x)))));
    this.attributions = spec.inputs.map((x, row) => Float64Array.from(spec.explain(Float32Array.from(x), this.targets[row], 0)));
  }

  features(row: number): number {
    return this.spec.inputs[row].length;
  }

  input(row: number): Float32Array {
    return Float32Array.from(this.spec.inputs[row]);
  }

  attribution(row: number): Float64Array {
    return this.attributions[row];
  }

  async score(perturbations: readonly Perturbation[]): Promise<Float64Array> {
    return Float64Array.from(perturbations, (p) => this.spec.forward(this.apply(p))[this.targets[p.row]]);
  }

  async explain(perturbations: readonly Perturbation[], targets?: Int32Array): Promise<Float64Array[]> {
    this.calls++;
    return perturbations.map((p, i) => {
      const input = this.apply(p);
      const target = targets ? targets[i] : this.targets[p.row];
      this.explained.push({ perturbation: p, input, target });
      return Float64Array.from(this.spec.explain(input, target, this.calls));
    });
  }

  private apply(p: Perturbation): Float32Array {
    if (p.kind === 'input') return p.values;
    const baseline = p.baseline ?? this.baseline;
    const value = baseline === 'zeros' ? 0 : typeof baseline === 'number' ? baseline : Number.NaN;
    return Float32Array.from(this.spec.inputs[p.row], (v, f) => (p.mask[f] ? value : v));
  }
}

function argmax(values: number[]): number {
  return values.indexOf(Math.max(...values));
}
