import * as tf from '@tensorflow/tfjs';

/**
 * Images [batch, size, size, channels] to patches [batch, (size/p)^2, p*p*channels], patches in
 * row-major grid order, each patch's pixels row-major with channels last. Built from reshapes and a
 * rank-4 transpose so gradients flow back to the pixels on every backend.
 */
export function patchify(images: tf.Tensor4D, patchSize: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [batch, size, , channels] = images.shape;
    const grid = size / patchSize;
    // [b * gridRow, py, gridCol, px * c] -> [b * gridRow, gridCol, py, px * c]
    const rows = tf.reshape(images, [batch * grid, patchSize, grid, patchSize * channels]);
    const swapped = tf.transpose(rows, [0, 2, 1, 3]);
    return tf.reshape(swapped, [batch, grid * grid, patchSize * patchSize * channels]) as tf.Tensor3D;
  });
}
