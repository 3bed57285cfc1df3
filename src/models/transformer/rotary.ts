import * as tf from '@tensorflow/tfjs';

/**
 * RoPE for positions offset..offset+length-1 of heads of size headDim: cos and sin of each pair's
 * angle repeated over the pair's two dimensions ([length, headDim] each), and the fixed [headDim,
 * headDim] matrix that maps each pair (a, b) to (-b, a).
 */
export interface RotaryTables {
  cos: tf.Tensor2D;
  sin: tf.Tensor2D;
  rotate: tf.Tensor2D;
}

/**
 * RoPE's angles as llama2.c's run.c computes them: pair i of a head turns by pos * theta^(-2i / headDim).
 * Computed in float64 and rounded once, so they agree with float32 references to an ulp.
 */
export function rotaryTables(length: number, offset: number, headDim: number, theta: number): RotaryTables {
  const cos = new Float32Array(length * headDim);
  const sin = new Float32Array(length * headDim);
  for (let p = 0; p < length; p++) {
    for (let i = 0; i < headDim; i += 2) {
      const angle = (offset + p) * Math.pow(theta, -i / headDim);
      cos[p * headDim + i] = cos[p * headDim + i + 1] = Math.cos(angle);
      sin[p * headDim + i] = sin[p * headDim + i + 1] = Math.sin(angle);
    }
  }
  // Row-vector convention, x @ rotate: output 2i is -x[2i+1], output 2i+1 is x[2i].
  const rotate = new Float32Array(headDim * headDim);
  for (let i = 0; i < headDim; i += 2) {
    rotate[(i + 1) * headDim + i] = -1;
    rotate[i * headDim + i + 1] = 1;
  }
  return {
    cos: tf.tensor2d(cos, [length, headDim]),
    sin: tf.tensor2d(sin, [length, headDim]),
    rotate: tf.tensor2d(rotate, [headDim, headDim]),
  };
}

/**
 * Rotates adjacent pairs (2i, 2i+1) of each head's vector by its position's angle (Meta's Llama and
 * llama2.c layout; Hugging Face's rotate-half layout permutes the q/k weights to this one):
 * x cos + (pairs swapped with a sign) sin. The swap is a tiny matmul, because strided slices of
 * rank-5 tensors are slow on TF.js wasm. x is [batch, heads, length, headDim].
 */
export function applyRotary(x: tf.Tensor4D, tables: RotaryTables): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, t, d] = x.shape;
    const swapped = tf.reshape(tf.matMul(tf.reshape(x, [-1, d]), tables.rotate), [b, h, t, d]);
    return tf.add(tf.mul(x, tables.cos), tf.mul(swapped, tables.sin)) as tf.Tensor4D;
  });
}
