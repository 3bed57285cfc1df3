import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../../errors.js';
import type { Model } from '../../models/model.js';
import { sizeOf } from '../../tensor.js';
import type { RemovalBaseline } from '../subject.js';

/** Progress of a subject's work: model evaluations (or explained rows) done out of total, and the stage. */
export type SubjectProgress = (done: number, total: number, stage?: string) => void;

/** Refuses a baseline the modality cannot use, naming the ones it can. */
export function checkBaseline(baseline: RemovalBaseline, allowed: readonly Exclude<RemovalBaseline, number>[], why = ''): void {
  if (typeof baseline === 'number') {
    if (!Number.isFinite(baseline)) throw new UsageError(`the removal baseline must be a finite number, got ${baseline}`, 'pass e.g. baseline: 0');
    return;
  }
  if (!allowed.includes(baseline)) {
    throw new UsageError(`baseline "${baseline as string}" does not apply here${why ? `: ${why}` : ''}`,
      `choose one of: ${allowed.join(', ')}${allowed.length > 0 ? ', or a number' : ''}`);
  }
}

/** Explained outputs given by the caller, checked: one per row, each an output the model has. */
export function checkTargets(targets: readonly number[], rows: number, numOutputs: number): Int32Array {
  if (targets.length !== rows) {
    throw new UsageError(`${targets.length} targets given for ${rows} rows`, 'give one target per row, or none to explain the predictions');
  }
  for (const t of targets) {
    if (!Number.isInteger(t) || t < 0 || t >= numOutputs) {
      throw new UsageError(`target ${t} is out of range: the model has ${numOutputs} outputs (0 to ${numOutputs - 1})`,
        `choose targets between 0 and ${numOutputs - 1}`);
    }
  }
  return Int32Array.from(targets);
}

/** The model's top output per row of `values` (rows in the model's layout), in batches of `batchSize`. */
export async function predictedTargets(model: Model, values: Float32Array, batchSize: number): Promise<Int32Array> {
  const rowShape = model.info.inputShape;
  const rowSize = sizeOf(rowShape);
  const rows = values.length / rowSize;
  const out = new Int32Array(rows);
  for (let start = 0; start < rows; start += batchSize) {
    const end = Math.min(rows, start + batchSize);
    const x = tf.tensor(values.subarray(start * rowSize, end * rowSize), [end - start, ...rowShape]);
    let logits: tf.Tensor2D | undefined;
    try {
      logits = await model.forward(x);
      const top = tf.tidy(() => logits!.argMax(1).dataSync());
      out.set(top, start);
    } finally {
      x.dispose();
      logits?.dispose();
    }
  }
  return out;
}

/** Options without the keys whose value is undefined (callers often spread optional flags), copied. */
export function definedOnly<T extends object>(options: T): Record<string, unknown> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}
