import * as tf from '@tensorflow/tfjs';
import type { NdArray } from '../tensor.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** What an attribution method found, as plain data: it holds no tensor memory and serialises to JSON. */
export interface AttributionResultData {
  /** Registry name of the method, e.g. "integrated-gradients". */
  method: string;
  /** Every parameter the method ran with, defaults included. */
  params: Record<string, JsonValue>;
  /** The explained output index per row, or null when a target function was given. */
  target: number[] | null;
  /** Shape of the attributions: the inputs' shape, batch first, in the model's own layout. */
  shape: number[];
  attributions: Float32Array;
  /** Per row, where the method defines it: sum of attributions minus (f(input) - f(baseline)). */
  convergenceDelta?: number[];
  /** Wall-clock time of the attribute() call, in milliseconds. */
  timeMs: number;
  model: string;
}

export class AttributionResult implements AttributionResultData {
  readonly method: string;
  readonly params: Record<string, JsonValue>;
  readonly target: number[] | null;
  readonly shape: number[];
  readonly attributions: Float32Array;
  readonly convergenceDelta?: number[];
  readonly timeMs: number;
  readonly model: string;

  constructor(data: AttributionResultData) {
    this.method = data.method;
    this.params = data.params;
    this.target = data.target;
    this.shape = data.shape;
    this.attributions = data.attributions;
    if (data.convergenceDelta) this.convergenceDelta = data.convergenceDelta;
    this.timeMs = data.timeMs;
    this.model = data.model;
  }

  /** Number of rows (inputs) explained. */
  get batchSize(): number {
    return this.shape[0];
  }

  /** The attributions of one row, without the batch dimension. */
  row(index: number): NdArray {
    const shape = this.shape.slice(1);
    const size = shape.reduce((a, b) => a * b, 1);
    return { shape, data: this.attributions.subarray(index * size, (index + 1) * size) };
  }

  /** A new tensor of the attributions; the caller disposes it. */
  toTensor(): tf.Tensor {
    return tf.tensor(this.attributions, this.shape);
  }

  toJSON(): Omit<AttributionResultData, 'attributions'> & { attributions: number[] } {
    return {
      method: this.method,
      params: this.params,
      target: this.target,
      shape: this.shape,
      attributions: Array.from(this.attributions),
      ...(this.convergenceDelta ? { convergenceDelta: this.convergenceDelta } : {}),
      timeMs: this.timeMs,
      model: this.model,
    };
  }
}
