import * as tf from '@tensorflow/tfjs';
import type { BackwardRule, GradientRequest, Gradients, Model, ModelInfo } from '../../../src/models/model.js';

/** c * m(x): every output, and so every gradient of an index-selected output, times c. For rescaling tests. */
export class ScaledOutputModel implements Model {
  readonly info: ModelInfo;

  constructor(private readonly source: Model, private readonly c: number) {
    this.info = { ...source.info, name: `${c} x ${source.info.name}` };
  }

  async forward(inputs: tf.Tensor): Promise<tf.Tensor2D> {
    const out = await this.source.forward(inputs);
    const scaled = tf.mul(out, this.c) as tf.Tensor2D;
    out.dispose();
    return scaled;
  }

  async gradients(inputs: tf.Tensor, request: GradientRequest): Promise<Gradients> {
    if (request.target.kind !== 'index') throw new Error('ScaledOutputModel supports index targets only');
    const g = await this.source.gradients(inputs, request);
    const scale = <T extends tf.Tensor>(t: T): T => {
      const s = tf.mul(t, this.c) as T;
      t.dispose();
      return s;
    };
    return {
      selected: scale(g.selected),
      inputGradients: scale(g.inputGradients),
      ...(g.layerActivations ? { layerActivations: g.layerActivations } : {}),
      ...(g.layerGradients ? { layerGradients: scale(g.layerGradients) } : {}),
    };
  }

  supportsRule(kind: BackwardRule['kind']): boolean {
    return kind === 'standard';
  }

  dispose(): void {}
}
