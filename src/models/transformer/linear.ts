import * as tf from '@tensorflow/tfjs';

/** x [..., in] times a weight already transposed to [in, out], plus an optional bias: [..., out]. */
export function linear(x: tf.Tensor, weightT: tf.Tensor2D, bias?: tf.Tensor1D): tf.Tensor {
  return tf.tidy(() => {
    const inner = x.shape[x.rank - 1];
    const out = weightT.shape[1];
    // Flatten the leading axes: one 2-D matmul is the fastest path on wasm (XNNPACK).
    const flat = tf.matMul(tf.reshape(x, [-1, inner]), weightT);
    const shaped = tf.reshape(flat, [...x.shape.slice(0, -1), out]);
    return bias ? tf.add(shaped, bias) : shaped;
  });
}
