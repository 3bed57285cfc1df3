import * as tf from '@tensorflow/tfjs';

/** What the digit training scripts (train-digits.ts, train-vit.ts) share: turning IDX bytes into inputs, and test accuracy. */

/** Copies image i into out at offset, shifted by (dy, dx) with zero fill, scaled to [0, 1]. */
export function putImage(src: Uint8Array, i: number, out: Float32Array, offset: number, dy: number, dx: number): void {
  for (let y = 0; y < 28; y++) {
    const sy = y - dy;
    for (let x = 0; x < 28; x++) {
      const sx = x - dx;
      out[offset + y * 28 + x] = sy >= 0 && sy < 28 && sx >= 0 && sx < 28 ? src[i * 784 + sy * 28 + sx] / 255 : 0;
    }
  }
}

/** Accuracy of `predict` (a batch [m, 28, 28, 1] in [0, 1] to class scores) on the first `count` test images, 500 at a time. */
export function digitAccuracy(images: Uint8Array, labels: Uint8Array, count: number, predict: (x: tf.Tensor4D) => tf.Tensor): number {
  let correct = 0;
  for (let b = 0; b < count; b += 500) {
    const m = Math.min(500, count - b);
    const xs = new Float32Array(m * 784);
    for (let r = 0; r < m; r++) putImage(images, b + r, xs, r * 784, 0, 0);
    const pred = tf.tidy(() => predict(tf.tensor4d(xs, [m, 28, 28, 1])).argMax(1).dataSync());
    for (let r = 0; r < m; r++) if (pred[r] === labels[b + r]) correct++;
  }
  return correct / count;
}
