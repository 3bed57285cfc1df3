import * as tf from '@tensorflow/tfjs';
import type { OutputSelector } from '../../models/model.js';
import { Attribution, inputGradients, type AttributeOptions, type Computed } from '../base.js';

export type InputXGradientOptions = AttributeOptions;

/**
 * Input times gradient (Shrikumar et al. 2016): a first-order estimate of each input value's
 * contribution relative to an all-zero input, as Captum's InputXGradient.
 */
export class InputXGradient extends Attribution<InputXGradientOptions> {
  readonly name = 'input-x-gradient';

  protected async compute(inputs: tf.Tensor, target: OutputSelector, options: InputXGradientOptions): Promise<Computed> {
    const grads = await inputGradients(this.model, inputs, target, options);
    const attributions = tf.mul(grads, inputs);
    grads.dispose();
    return { attributions, params: {} };
  }
}
