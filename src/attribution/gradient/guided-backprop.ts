import type * as tf from '@tensorflow/tfjs';
import type { OutputSelector } from '../../models/model.js';
import { Attribution, inputGradients, type AttributeOptions, type Computed } from '../base.js';

export type GuidedBackpropOptions = AttributeOptions;

/**
 * Guided backpropagation (Springenberg et al. 2015), as Captum's GuidedBackprop: the gradient, except
 * that every ReLU passes back only positive gradients, and only where its input was positive. Other
 * layers keep their ordinary gradient. The map is sharper than saliency but is no longer a
 * derivative of the output, and it changes little with the target or the top layers' weights
 * (Adebayo et al. 2018). Models that cannot apply the rule reject it in model.gradients.
 */
export class GuidedBackprop extends Attribution<GuidedBackpropOptions> {
  readonly name = 'guided-backprop';

  protected async compute(inputs: tf.Tensor, target: OutputSelector, options: GuidedBackpropOptions): Promise<Computed> {
    const attributions = await inputGradients(this.model, inputs, target, options, { rule: { kind: 'guided-backprop' } });
    return { attributions, params: {} };
  }
}
