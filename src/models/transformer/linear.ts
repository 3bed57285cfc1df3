import * as tf from '@tensorflow/tfjs';

/**
 * x [..., in] times a weight already transposed to [in, out], plus an optional bias: [..., out].
 * A trainable weight (a tf.Variable) gets the usual gradients; a constant one gets a gradient for x
 * only, dy @ w^T on an explicitly transposed w, because TF.js's own matMul gradient asks for
 * transposeB, which wasm runs outside XNNPACK 3-5x slower than a plain matmul (that backward was a
 * quarter of the transformer's integrated gradients).
 */
export function linear(x: tf.Tensor, weightT: tf.Tensor2D, bias?: tf.Tensor1D): tf.Tensor {
  return tf.tidy(() => {
    const inner = x.shape[x.rank - 1];
    const out = weightT.shape[1];
    // Flatten the leading axes: one 2-D matmul is the fastest path on wasm (XNNPACK).
    const rows = tf.reshape(x, [-1, inner]) as tf.Tensor2D;
    const flat = weightT instanceof tf.Variable ? tf.matMul(rows, weightT) : constantMatMul(rows, weightT);
    const shaped = tf.reshape(flat, [...x.shape.slice(0, -1), out]);
    return bias ? tf.add(shaped, bias) : shaped;
  });
}

function constantMatMul(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  const product = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: tf.matMul(args[0] as tf.Tensor2D, w),
    gradFunc: (dy: tf.Tensor) => tf.matMul(dy as tf.Tensor2D, tf.transpose(w)),
  }));
  return product(x) as tf.Tensor2D;
}
