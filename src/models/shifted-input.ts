import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../errors.js';
import { sizeOf } from '../tensor.js';
import type { BackwardRule, GradientRequest, Gradients, LayerActivations, Model, ModelInfo } from './model.js';

/**
 * m2(x) = m(x + shift): the same function seen through inputs moved by a constant (Kindermans et al. 2017,
 * "The (Un)reliability of Saliency Methods"). Explaining m2 at x - shift should give what explaining m at
 * x gives; the input-invariance axiom checks that. Every call is delegated with the input shifted, and so
 * are DeepLIFT's baselines, which live in the same input space. Gradients with respect to the input are
 * unchanged by a shift, so they pass through as they are. The source model stays the caller's: disposing
 * this model frees only the shift.
 */
export class ShiftedInputModel implements Model {
  readonly info: ModelInfo;
  readonly activations?: (inputs: tf.Tensor, layer: string, options?: { output?: boolean }) => Promise<LayerActivations>;
  private readonly shift: tf.Tensor;

  /** `offset` is added to every input before the source model sees it: one number, or one per input value. */
  constructor(private readonly source: Model, readonly offset: number | Float32Array) {
    const shift = offset;
    const inputShape = source.info.inputShape;
    if (typeof shift === 'number') {
      if (!Number.isFinite(shift)) throw new UsageError(`an input shift must be finite, got ${shift}`, 'pass e.g. 1 or -1');
      this.shift = tf.scalar(shift);
    } else {
      if (shift.length !== sizeOf(inputShape)) {
        throw new UsageError(`an input shift of ${shift.length} values does not fit inputs of ${sizeOf(inputShape)} values`,
          `give one number, or one value per input value (shape [${inputShape.join(', ')}])`);
      }
      if (!shift.every(Number.isFinite)) throw new UsageError('an input shift must be finite everywhere', 'replace NaN and infinite values');
      this.shift = tf.tensor(shift, [1, ...inputShape]);
    }
    const described = typeof shift === 'number' ? String(shift) : 'a vector';
    this.info = { ...source.info, name: `${source.info.name} (input shifted by ${described})` };
    if (source.activations) {
      const activations = source.activations.bind(source);
      this.activations = (inputs, layer, options) => this.withShifted(inputs, (shifted) => activations(shifted, layer, options));
    }
  }

  forward(inputs: tf.Tensor): Promise<tf.Tensor2D> {
    return this.withShifted(inputs, (shifted) => this.source.forward(shifted));
  }

  async gradients(inputs: tf.Tensor, request: GradientRequest): Promise<Gradients> {
    const rule = request.rule;
    if (rule?.kind !== 'deeplift-rescale') return this.withShifted(inputs, (shifted) => this.source.gradients(shifted, request));
    const baselines = tf.add(rule.baselines, this.shift);
    try {
      return await this.withShifted(inputs, (shifted) => this.source.gradients(shifted, { ...request, rule: { ...rule, baselines } }));
    } finally {
      baselines.dispose();
    }
  }

  supportsRule(kind: BackwardRule['kind']): boolean {
    return this.source.supportsRule(kind);
  }

  dispose(): void {
    this.shift.dispose();
  }

  private async withShifted<T>(inputs: tf.Tensor, run: (shifted: tf.Tensor) => Promise<T>): Promise<T> {
    const shifted = tf.add(inputs, this.shift);
    try {
      return await run(shifted);
    } finally {
      shifted.dispose();
    }
  }
}
