import * as tf from '@tensorflow/tfjs';
import { linear } from './linear.js';

export interface MlpTensors {
  w1T: tf.Tensor2D;
  w2T: tf.Tensor2D;
  w3T?: tf.Tensor2D;
  b1?: tf.Tensor1D;
  b2?: tf.Tensor1D;
}

/** The exact GELU, x * Phi(x) (PyTorch's nn.GELU default). */
function gelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
}

/** The feed-forward block: gelu: w2(gelu(w1 x + b1)) + b2; swiglu: w2(silu(w1 x) * w3 x) (Llama). */
export function feedForward(x: tf.Tensor, weights: MlpTensors, kind: 'gelu' | 'swiglu'): tf.Tensor {
  return tf.tidy(() => {
    const up = linear(x, weights.w1T, weights.b1);
    let hidden: tf.Tensor;
    if (kind === 'swiglu') {
      const silu = tf.mul(up, tf.sigmoid(up));
      hidden = tf.mul(silu, linear(x, weights.w3T!));
    } else {
      hidden = gelu(up);
    }
    return linear(hidden, weights.w2T, weights.b2);
  });
}
