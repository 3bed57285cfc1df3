import * as tf from '@tensorflow/tfjs';
import type { OutputSelector } from '../../models/model.js';
import { Attribution, inputGradients, type AttributeOptions, type Computed } from '../base.js';

export interface SaliencyOptions extends AttributeOptions {
  /** Return |gradient| (Simonyan et al. 2013, and Captum's default). Default true. */
  abs?: boolean;
}

/** The gradient of the target output with respect to each input value. */
export class Saliency extends Attribution<SaliencyOptions> {
  readonly name = 'saliency';

  protected async compute(inputs: tf.Tensor, target: OutputSelector, options: SaliencyOptions): Promise<Computed> {
    const abs = options.abs ?? true;
    const grads = await inputGradients(this.model, inputs, target, options);
    if (!abs) return { attributions: grads, params: { abs } };
    const attributions = tf.abs(grads);
    grads.dispose();
    return { attributions, params: { abs } };
  }
}
