import * as tf from '@tensorflow/tfjs';

/** Tensors of one norm: gain, and shift for layernorm. */
export interface NormTensors {
  scale: tf.Tensor1D;
  bias?: tf.Tensor1D;
}

/** LayerNorm or RMSNorm over the last axis (the residual width). */
export function applyNorm(x: tf.Tensor, kind: 'layernorm' | 'rmsnorm', norm: NormTensors, eps: number): tf.Tensor {
  return tf.tidy(() => {
    const axis = x.rank - 1;
    let normalised: tf.Tensor;
    if (kind === 'rmsnorm') {
      normalised = tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), axis, true), eps)));
    } else {
      const { mean, variance } = tf.moments(x, axis, true);
      normalised = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
    }
    const scaled = tf.mul(normalised, norm.scale);
    return norm.bias ? tf.add(scaled, norm.bias) : scaled;
  });
}
