import * as tf from '@tensorflow/tfjs';
import { UsageError } from './errors.js';

/** A plain n-d array: a shape and float32 values in row-major order. Serialisable, and holds no tensor memory. */
export interface NdArray {
  shape: number[];
  data: Float32Array;
}

/** What methods accept as input: a tensor, or plain data with its shape. */
export type InputLike = tf.Tensor | NdArray;

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function isNdArray(x: unknown): x is NdArray {
  return typeof x === 'object' && x !== null && 'shape' in x && 'data' in x && !(x instanceof tf.Tensor);
}

export function toTensor(x: InputLike): tf.Tensor {
  if (x instanceof tf.Tensor) return x.clone();
  if (x.data.length !== sizeOf(x.shape)) {
    throw new UsageError(`data has ${x.data.length} values but shape [${x.shape.join(', ')}] needs ${sizeOf(x.shape)}`,
      'give a shape whose product is the number of values');
  }
  return tf.tensor(x.data, x.shape, 'float32');
}

export async function toNdArray(t: tf.Tensor): Promise<NdArray> {
  return { shape: [...t.shape], data: Float32Array.from(await t.data()) };
}

export function formatShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null || d === -1 ? '?' : d)).join(', ')}]`;
}
