import * as tf from '@tensorflow/tfjs';
import type { Gradients, OutputSelector } from './model.js';
import { selectOutputs } from './select.js';

/**
 * Input gradients of a model whose forward pass is plain differentiable TF.js (function models,
 * transformers over embeddings, the vision transformer): TF.js autodiff of the selected output per
 * row. Such models have no layers to patch, so they take the standard rule only; callers check that
 * (with their own wording) before calling this.
 */
export function autodiffGradients(forward: (inputs: tf.Tensor) => tf.Tensor2D, inputs: tf.Tensor, target: OutputSelector): Gradients {
  return tf.tidy(() => {
    let selected: tf.Tensor1D | undefined;
    const { grads } = tf.valueAndGrads((x: tf.Tensor) => {
      selected = tf.keep(selectOutputs(forward(x), target));
      return tf.sum(selected) as tf.Scalar;
    })([inputs]);
    return { selected: selected!, inputGradients: grads[0] } as unknown as tf.TensorContainer;
  }) as unknown as Gradients;
}

