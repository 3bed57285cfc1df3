import { prepareInputs } from '../../attribution/base.js';
import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../../errors.js';
import type { Model } from '../../models/model.js';
import { sizeOf, type InputLike } from '../../tensor.js';
import type { Embeddings, MetadataColumn } from '../types.js';
import { checkLayer, layerActivations } from './layer-activations.js';

/**
 * How a layer's output per input becomes one vector: 'flatten' keeps every value; 'mean' and 'max'
 * reduce every axis but the last (channels of a conv map, width of a token stream), as global pooling does.
 */
export type Pooling = 'flatten' | 'mean' | 'max';
export const POOLINGS: readonly Pooling[] = ['flatten', 'mean', 'max'];

export interface CollectActivationsOptions {
  layer: string;
  /** Inputs sent to the model at once; default 64. */
  batchSize?: number;
  /** Default 'flatten'. */
  pooling?: Pooling;
  /** Known labels, one per input: become the `label` column. */
  labels?: ArrayLike<string | number>;
  /** More columns, one value per input (file names, texts...). */
  metadata?: Record<string, MetadataColumn>;
  /** Add the model's predicted class (and its softmax probability for logits); default true. */
  predictions?: boolean;
  onProgress?: (done: number, total: number) => void;
  /** Recorded in the result's `source`. */
  source?: { model?: string; data?: string };
}

/**
 * A layer's activations over a set of inputs as embeddings, batch by batch so memory stays bounded,
 * with `index`, `label`, `prediction` (and `probability`) columns. Every tensor made here is disposed.
 */
export async function collectActivations(model: Model, inputs: InputLike, options: CollectActivationsOptions): Promise<Embeddings> {
  checkLayer(model, options.layer);
  const pooling = options.pooling ?? 'flatten';
  if (!POOLINGS.includes(pooling)) throw new UsageError(`unknown pooling "${String(pooling)}"`, `use one of ${POOLINGS.join(', ')}`);
  const batchSize = options.batchSize ?? 64;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new UsageError(`batchSize must be a positive integer, got ${batchSize}`, 'e.g. batchSize: 64');
  // The shared input check: shape against the model, finite values (a NaN row is named), a batch dimension.
  const all = prepareInputs(model, inputs);
  try {
    const count = all.shape[0];
    checkColumn('labels', options.labels, count);
    for (const [name, column] of Object.entries(options.metadata ?? {})) checkColumn(`metadata column "${name}"`, column, count);
    const withPredictions = options.predictions ?? true;
    let vectors: Float32Array | undefined;
    let dim = 0;
    const predicted = new Int32Array(count);
    const probability = new Float32Array(count);
    options.onProgress?.(0, count);
    for (let start = 0; start < count; start += batchSize) {
      const rows = Math.min(batchSize, count - start);
      const batch = tf.slice(all, start, rows);
      let out: tf.Tensor2D | undefined;
      try {
        const { activations: raw, output } = await layerActivations(model, batch, options.layer, { output: withPredictions });
        out = output;
        const pooled = tf.tidy(() => pool(raw, pooling));
        raw.dispose();
        const values = await pooled.data() as Float32Array;
        pooled.dispose();
        if (vectors === undefined) {
          dim = values.length / rows;
          vectors = new Float32Array(count * dim);
        }
        vectors.set(values, start * dim);
        if (out) {
          const logits = out;
          const [top, p] = tf.tidy(() => {
            const probs = model.info.outputKind === 'logits' ? tf.softmax(logits) : logits;
            return [tf.argMax(logits, 1), tf.max(probs, 1)];
          });
          predicted.set(await top.data() as Int32Array, start);
          probability.set(await p.data() as Float32Array, start);
          tf.dispose([top, p]);
        }
      } finally {
        tf.dispose([batch, ...(out ? [out] : [])]);
      }
      options.onProgress?.(start + rows, count);
    }
    const metadata: Record<string, MetadataColumn> = { index: Array.from({ length: count }, (_, i) => i) };
    if (options.labels) metadata.label = Array.from(options.labels);
    if (withPredictions) {
      const names = model.info.classNames;
      metadata.prediction = Array.from(predicted, (k) => (names && names[k] !== undefined ? numericOrText(names[k]) : k));
      if (model.info.outputKind !== 'values') metadata.probability = Array.from(probability, (p) => Math.round(p * 1e4) / 1e4);
    }
    Object.assign(metadata, options.metadata ?? {});
    const layerShape = model.info.layers.find((l) => l.name === options.layer)?.outputShape ?? [];
    if (vectors === undefined) dim = pooling === 'flatten' ? sizeOf(layerShape.map((d) => d ?? 0)) : Number(layerShape[layerShape.length - 1] ?? 0);
    return {
      count,
      dim,
      vectors: vectors ?? new Float32Array(0),
      metadata,
      source: { ...options.source, model: options.source?.model ?? model.info.name, layer: pooling === 'flatten' ? options.layer : `${options.layer} (${pooling} pooled)` },
    };
  } finally {
    all.dispose();
  }
}

function pool(x: tf.Tensor, pooling: Pooling): tf.Tensor2D {
  const batch = x.shape[0];
  if (pooling === 'flatten' || x.rank <= 2) return tf.reshape(x, [batch, -1]);
  const axes = Array.from({ length: x.rank - 2 }, (_, i) => i + 1);
  return (pooling === 'mean' ? tf.mean(x, axes) : tf.max(x, axes)) as tf.Tensor2D;
}

function checkColumn(what: string, column: ArrayLike<unknown> | undefined, count: number): void {
  if (column !== undefined && column.length !== count) {
    throw new UsageError(`${what} has ${column.length} values, but there are ${count} inputs`, 'give one value per input, in the same order');
  }
}

function numericOrText(name: string): string | number {
  return /^-?\d+$/.test(name) ? Number(name) : name;
}
