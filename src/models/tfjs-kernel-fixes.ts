import * as tf from '@tensorflow/tfjs';

/**
 * Corrections to TF.js kernels that give wrong numbers. tfjs-backend-wasm 4.22's MaxPoolGrad drops
 * some of the gradient (on a [2, 10, 10, 3] input with 2x2 pooling, 4 of 150 output gradients vanish;
 * max |error| / max |gradient| = 0.95 against the cpu backend), which corrupts every gradient method on
 * a CNN with max pooling. Glassbox replaces the MaxPool gradient on wasm with maxPoolBackward below,
 * built from ops that are correct there. (One of those needed care: wasm's OneHot ignores the dtype it
 * is given and writes int32 bits, so a float one-hot must be cast from the int32 one.)
 */

type Pad = 'valid' | 'same' | number;

/**
 * The gradient of 2-D max pooling (NHWC): each output's gradient goes to the first maximum of its
 * window (row-major), as TF's MaxPoolGrad does. The k*k values of every window are laid side by side
 * in a last axis, the winner is picked with argMax, and the gradients are put back. Only reshape,
 * transpose, slice, concat and pad move data: wasm's Pack, Unpack and StridedSlice are too slow for this
 * (Unpack alone took 11 s of a 17 s IG run when they were used).
 */
export function maxPoolBackward(dy: tf.Tensor4D, x: tf.Tensor4D, filterSize: number | [number, number],
  strides: number | [number, number], pad: Pad): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw] = typeof filterSize === 'number' ? [filterSize, filterSize] : filterSize;
    const [sh, sw] = typeof strides === 'number' ? [strides, strides] : strides;
    const [batch, height, width, channels] = x.shape;
    const [, outH, outW] = dy.shape;
    const k = kh * kw;
    const padTop = padBefore(pad, height, outH, kh, sh);
    const padLeft = padBefore(pad, width, outW, kw, sw);
    const tiled = sh === kh && sw === kw;
    // The padded extent all windows lie in, with room for the strided reshapes of the general case.
    const spanH = tiled ? outH * kh : Math.max((outH - 1) * sh + kh, kh - 1 + outH * sh);
    const spanW = tiled ? outW * kw : Math.max((outW - 1) * sw + kw, kw - 1 + outW * sw);
    const keepH = Math.min(height, spanH - padTop);
    const keepW = Math.min(width, spanW - padLeft);
    const cropped = keepH === height && keepW === width ? x : tf.slice(x, [0, 0, 0, 0], [batch, keepH, keepW, channels]);
    const padded = tf.pad(cropped, [[0, 0], [padTop, spanH - padTop - keepH], [padLeft, spanW - padLeft - keepW], [0, 0]], -Infinity);

    // windows: [B, outH, outW, C, k], window offsets (i, j) in row-major order along the last axis.
    let windows: tf.Tensor;
    if (tiled) {
      windows = tf.reshape(tf.transpose(tf.reshape(padded, [batch, outH, kh, outW, kw, channels]), [0, 1, 3, 5, 2, 4]),
        [batch, outH, outW, channels, k]);
    } else {
      const parts: tf.Tensor[] = [];
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          // padded[:, i::sh, j::sw] over outH x outW: slice a block, keep one phase of it.
          const block = tf.reshape(tf.slice(padded, [0, i, j, 0], [batch, outH * sh, outW * sw, channels]), [batch, outH, sh, outW, sw, channels]);
          parts.push(tf.reshape(tf.slice(block, [0, 0, 0, 0, 0, 0], [batch, outH, 1, outW, 1, channels]), [batch, outH, outW, channels, 1]));
        }
      }
      windows = tf.concat(parts, 4);
    }
    // Cast, not oneHot's dtype argument: wasm's OneHot writes int32 bits whatever dtype is asked for.
    const winners = k === 1 ? tf.onesLike(windows) : tf.cast(tf.oneHot(tf.argMax(windows, 4), k), 'float32');
    const routed = tf.mul(winners, tf.expandDims(dy, 4));

    let grad: tf.Tensor;
    if (tiled) {
      grad = tf.reshape(tf.transpose(tf.reshape(routed, [batch, outH, outW, channels, kh, kw]), [0, 1, 4, 2, 5, 3]),
        [batch, spanH, spanW, channels]);
    } else {
      grad = tf.zeros([batch, spanH, spanW, channels]);
      for (let n = 0; n < k; n++) {
        const i = Math.floor(n / kw);
        const j = n % kw;
        const g = tf.reshape(tf.slice(routed, [0, 0, 0, 0, n], [batch, outH, outW, channels, 1]), [batch, outH, 1, outW, 1, channels]);
        // Back to stride spacing: each value followed by sh-1 (sw-1) zeros.
        const spread = tf.reshape(tf.pad(g, [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]), [batch, outH * sh, outW * sw, channels]);
        grad = tf.add(grad, tf.pad(spread, [[0, 0], [i, spanH - i - outH * sh], [j, spanW - j - outW * sw], [0, 0]]));
      }
    }
    const inside = tf.slice(grad, [0, padTop, padLeft, 0], [batch, keepH, keepW, channels]);
    return (keepH === height && keepW === width ? inside
      : tf.pad(inside, [[0, 0], [0, height - keepH], [0, width - keepW], [0, 0]])) as tf.Tensor4D;
  });
}

function padBefore(pad: Pad, size: number, out: number, k: number, s: number): number {
  if (pad === 'valid') return 0;
  if (typeof pad === 'number') return pad;
  return Math.floor(Math.max((out - 1) * s + k - size, 0) / 2);
}

/**
 * Comparisons are piecewise constant, so their gradient is zero; TF.js registers none, which makes
 * tf.grad fail through layers built on them (ThresholdedReLU computes x * cast(x > theta)).
 */
const COMPARISONS = ['Greater', 'GreaterEqual', 'Less', 'LessEqual', 'Equal', 'NotEqual'];

let installed = false;

/** Routes the MaxPool gradient through maxPoolBackward whenever the wasm backend is active. */
export function installKernelFixes(): void {
  if (installed) return;
  installed = true;
  for (const kernelName of COMPARISONS) {
    if (tf.getGradient(kernelName)) continue;
    tf.registerGradient({
      kernelName,
      inputsToSave: ['a', 'b'],
      gradFunc: (_dy, saved) => ({ a: () => tf.zerosLike(saved[0]), b: () => tf.zerosLike(saved[1]) }),
    });
  }
  const original = tf.getGradient('MaxPool');
  tf.registerGradient({
    kernelName: 'MaxPool',
    inputsToSave: ['x'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      if (tf.getBackend() !== 'wasm' && original) return original.gradFunc(dy, saved, attrs);
      const [x] = saved as tf.Tensor4D[];
      const { filterSize, strides, pad } = attrs as unknown as { filterSize: [number, number]; strides: [number, number]; pad: Pad };
      return { x: () => maxPoolBackward(dy as tf.Tensor4D, x, filterSize, strides, pad) };
    },
  });
}
