import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../../errors.js';

/** How a layer-resolution map is resized to the input: PyTorch's F.interpolate modes. */
export type InterpolateMode = 'nearest' | 'bilinear';

/**
 * Resizes the spatial axes of a channels-last map [B, ...spatial, C] to `size`, as PyTorch's
 * F.interpolate with size given (Captum's LayerAttribution.interpolate): 'nearest' is PyTorch's legacy
 * nearest, src = floor(dst * in / out); 'bilinear' is linear along each axis with
 * align_corners=False, src = (dst + 0.5) * in / out - 0.5 clamped at 0. Scales and positions are
 * rounded to float32 as PyTorch computes them, so indices agree at the boundaries too.
 */
export function interpolate(x: tf.Tensor, size: readonly number[], mode: InterpolateMode): tf.Tensor {
  const spatial = x.shape.slice(1, -1);
  if (spatial.length !== size.length) {
    throw new UsageError(`cannot resize a map with ${spatial.length} spatial axes to ${size.length}`,
      'choose a layer with as many spatial axes as the input');
  }
  return tf.tidy(() => {
    let y = x;
    size.forEach((out, i) => { y = resizeAxis(y, i + 1, out, mode); });
    return y === x ? x.clone() : y;
  });
}

function resizeAxis(x: tf.Tensor, axis: number, outSize: number, mode: InterpolateMode): tf.Tensor {
  const inSize = x.shape[axis];
  if (inSize === outSize) return x;
  const f = Math.fround;
  const scale = f(inSize / outSize);
  if (mode === 'nearest') {
    const index = Int32Array.from({ length: outSize }, (_, d) =>
      outSize === 2 * inSize ? d >> 1 : Math.min(Math.floor(f(d * scale)), inSize - 1));
    return tf.gather(x, index, axis);
  }
  const lower = new Int32Array(outSize);
  const upper = new Int32Array(outSize);
  const weight = new Float32Array(outSize);
  for (let d = 0; d < outSize; d++) {
    const src = Math.max(0, f(f(scale * f(d + 0.5)) - 0.5));
    lower[d] = Math.floor(src);
    upper[d] = lower[d] + (lower[d] < inSize - 1 ? 1 : 0);
    weight[d] = f(src - lower[d]);
  }
  const shape = x.shape.map((n, i) => (i === axis ? outSize : 1));
  const w = tf.tensor(weight, shape);
  const a = tf.gather(x, lower, axis);
  const b = tf.gather(x, upper, axis);
  return tf.add(tf.mul(a, tf.sub(1, w)), tf.mul(b, w));
}
