import * as tf from '@tensorflow/tfjs';

/** cos and sin of RoPE's angles for positions offset..offset+length-1, each [length, headDim / 2]. */
export interface RotaryTables {
  cos: tf.Tensor2D;
  sin: tf.Tensor2D;
}

/**
 * RoPE's angles as llama2.c's run.c computes them: pair i of a head turns by pos * theta^(-2i / headDim).
 * Computed in float64 and rounded once, so they agree with float32 references to an ulp.
 */
export function rotaryTables(length: number, offset: number, headDim: number, theta: number): RotaryTables {
  const half = headDim / 2;
  const cos = new Float32Array(length * half);
  const sin = new Float32Array(length * half);
  for (let p = 0; p < length; p++) {
    for (let i = 0; i < half; i++) {
      const angle = (offset + p) * Math.pow(theta, -(2 * i) / headDim);
      cos[p * half + i] = Math.cos(angle);
      sin[p * half + i] = Math.sin(angle);
    }
  }
  return { cos: tf.tensor2d(cos, [length, half]), sin: tf.tensor2d(sin, [length, half]) };
}

/**
 * Rotates adjacent pairs (2i, 2i+1) of each head's vector by its position's angle (Meta's Llama and
 * llama2.c layout; Hugging Face's rotate-half layout permutes the q/k weights to this one).
 * x is [batch, heads, length, headDim].
 */
export function applyRotary(x: tf.Tensor4D, tables: RotaryTables): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, t, d] = x.shape;
    const pairs = tf.reshape(x, [b, h, t, d / 2, 2]);
    const even = tf.squeeze(tf.slice(pairs, [0, 0, 0, 0, 0], [b, h, t, d / 2, 1]), [4]);
    const odd = tf.squeeze(tf.slice(pairs, [0, 0, 0, 0, 1], [b, h, t, d / 2, 1]), [4]);
    const rotatedEven = tf.sub(tf.mul(even, tables.cos), tf.mul(odd, tables.sin));
    const rotatedOdd = tf.add(tf.mul(even, tables.sin), tf.mul(odd, tables.cos));
    return tf.reshape(tf.stack([rotatedEven, rotatedOdd], 4), [b, h, t, d]) as tf.Tensor4D;
  });
}
