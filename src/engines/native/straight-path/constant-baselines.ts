import type { PathFold } from './find-path-fold.js';

/**
 * Whether every baseline row makes the first layer's pre-activation constant per channel, which the
 * pooled shortcut needs: an all-zero row (pre(b) is the bias, padding or not), or, when the layer does
 * not pad, a row constant within each input channel (each output channel then sums the same products
 * everywhere). Exact equality: a baseline that merely looks constant takes the other shortcut.
 */
export function baselinesConstantPerChannel(data: ArrayLike<number>, shape: readonly number[], fold: PathFold): boolean {
  const rows = shape[0];
  const rowSize = shape.slice(1).reduce((a, b) => a * b, 1);
  const axis = fold.inputChannelAxis;
  // Channels as (outer, channel, inner) strides within a row; one channel when the layout is unknown.
  const channels = axis !== undefined && axis >= 1 && axis < shape.length ? shape[axis] : 1;
  const inner = axis !== undefined && axis >= 1 && axis < shape.length ? shape.slice(axis + 1).reduce((a, b) => a * b, 1) : rowSize;
  for (let r = 0; r < rows; r++) {
    const from = r * rowSize;
    let zero = true;
    for (let i = 0; i < rowSize && zero; i++) zero = data[from + i] === 0;
    if (zero) continue;
    if (fold.padded) return false;
    for (let i = 0; i < rowSize; i++) {
      const channel = Math.floor(i / inner) % channels;
      if (data[from + i] !== data[from + channel * inner]) return false;
    }
  }
  return true;
}
