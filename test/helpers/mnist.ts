import { readIdx } from '../../src/io/idx.js';
import type { NdArray } from '../../src/tensor.js';

/** The first `n` MNIST test digits in [0, 1] (the digit model's input, NHWC) and their labels. */
export function testDigits(n: number, from = 0): { inputs: NdArray; labels: number[] } {
  const images = readIdx('data/mnist/t10k-images-idx3-ubyte.gz');
  const labels = readIdx('data/mnist/t10k-labels-idx1-ubyte.gz');
  return {
    inputs: { shape: [n, 28, 28, 1], data: Float32Array.from(images.data.subarray(from * 784, (from + n) * 784), (v) => v / 255) },
    labels: Array.from(labels.data.subarray(from, from + n)),
  };
}
