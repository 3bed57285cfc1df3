import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../../errors.js';
import type { TextClassifierModel } from '../../models/text/text-classifier.js';
import type { VitModel } from '../../models/vit/model.js';
import { formatShape, toTensor, type InputLike } from '../../tensor.js';
import type { Embeddings, MetadataColumn } from '../types.js';

/**
 * How a transformer's residual stream at one layer becomes vectors: 'cls' takes the first token ([CLS]),
 * 'mean' averages the input's tokens, 'tokens' makes every token a point of its own.
 */
export type TokenPooling = 'cls' | 'mean' | 'tokens';
export const TOKEN_POOLINGS: readonly TokenPooling[] = ['cls', 'mean', 'tokens'];

export interface ResidualStreamOptions {
  /** "embed" (after the embeddings) or "layer N" (after block N, from 0); a bare number N means "layer N". */
  layer: string;
  /** Default 'cls'. */
  pooling?: TokenPooling;
  batchSize?: number;
  labels?: ArrayLike<string | number>;
  onProgress?: (done: number, total: number) => void;
}

/** The residual stream's layer names of a transformer with `layers` blocks. */
export function residualLayerNames(layers: number): string[] {
  return ['embed', ...Array.from({ length: layers }, (_, i) => `layer ${i}`)];
}

/** The index into [embed, layer 0, ...] of a layer name, or a UsageError listing the names. */
export function residualLayerIndex(layer: string, layers: number, model: string): number {
  const names = residualLayerNames(layers);
  const name = /^\d+$/.test(layer.trim()) ? `layer ${layer.trim()}` : layer.trim();
  const index = names.indexOf(name);
  if (index < 0) throw new UsageError(`transformer ${model} has no residual stream "${layer}"`, `choose one of: ${names.join(', ')}`);
  return index;
}

/**
 * The vision transformer's residual stream at a layer over a batch of images, as embeddings with
 * `index`, `label`, `prediction` (and, for token rows, `image`, `token`) columns.
 */
export async function collectVitResiduals(model: VitModel, images: InputLike, options: ResidualStreamOptions): Promise<Embeddings> {
  const vit = model.vit;
  const layerIndex = residualLayerIndex(options.layer, vit.config.transformer.layers, model.info.name);
  const pooling = checkPooling(options.pooling);
  const all = toTensor(images);
  try {
    const shape = model.info.inputShape;
    if (all.rank !== 4 || !shape.every((d, i) => all.shape[i + 1] === d)) {
      throw new UsageError(`images have shape ${formatShape(all.shape)}, but ${model.info.name} takes ${formatShape([null, ...shape])}`, 'give a batch of images in the model\'s input shape');
    }
    const count = all.shape[0];
    checkLabels(options.labels, count);
    const batchSize = options.batchSize ?? 64;
    const tokenNames = vit.tokenNames;
    const length = tokenNames.length;
    const dim = vit.config.transformer.dim;
    const rowsPerImage = pooling === 'tokens' ? length : 1;
    const vectors = new Float32Array(count * rowsPerImage * dim);
    const predictions = new Int32Array(count);
    options.onProgress?.(0, count);
    for (let start = 0; start < count; start += batchSize) {
      const n = Math.min(batchSize, count - start);
      const [pooled, top] = tf.tidy(() => {
        const embedded = vit.embedImages(tf.slice(all, start, n) as tf.Tensor4D);
        const out = vit.transformer.forwardEmbeddings(embedded, { residuals: true });
        const stream = out.residuals![layerIndex];
        const picked = pooling === 'cls' ? tf.squeeze(tf.slice(stream, [0, 0, 0], [n, 1, dim]), [1])
          : pooling === 'mean' ? tf.mean(stream, 1) : tf.reshape(stream, [n * length, dim]);
        const top = tf.argMax(out.logits, 1);
        // The transformer keeps the streams it returns (they outlive its own tidy), so they are freed here.
        tf.dispose([...(out.residuals ?? []), ...(out.attentions ?? []), ...(out.headOutputs ?? []), ...(out.mlpOutputs ?? [])]);
        return [picked, top];
      });
      vectors.set(await pooled.data() as Float32Array, start * rowsPerImage * dim);
      predictions.set(await top.data() as Int32Array, start);
      tf.dispose([pooled, top]);
      options.onProgress?.(start + n, count);
    }
    const perImage: Record<string, MetadataColumn> = { prediction: Array.from(predictions) };
    if (options.labels) perImage.label = Array.from(options.labels);
    return {
      count: count * rowsPerImage,
      dim,
      vectors,
      metadata: expandRows(perImage, count, rowsPerImage, (i, t) => ({ image: i, token: tokenNames[t] })),
      source: { model: model.info.name, layer: `${residualLayerNames(vit.config.transformer.layers)[layerIndex]} (${pooling})` },
    };
  } finally {
    all.dispose();
  }
}

/**
 * The text classifier's residual stream at a layer over texts (each cut to the model's context), as
 * embeddings with `index`, `label`, `prediction` and `text` (and, for token rows, `token`) columns.
 */
export async function collectTextResiduals(model: TextClassifierModel, texts: string[], options: ResidualStreamOptions): Promise<Embeddings> {
  const transformer = model.transformer;
  const layerIndex = residualLayerIndex(options.layer, transformer.config.layers, model.name);
  const pooling = checkPooling(options.pooling);
  checkLabels(options.labels, texts.length);
  const batchSize = options.batchSize ?? 32;
  const dim = transformer.config.dim;
  const rows: Float32Array[] = [];
  const textOf: number[] = [];
  const tokenOf: string[] = [];
  const predictions: number[] = [];
  options.onProgress?.(0, texts.length);
  for (let start = 0; start < texts.length; start += batchSize) {
    const chunk = texts.slice(start, start + batchSize);
    const runs = transformer.runBatch(chunk.map((t) => model.encode(t).ids), { residuals: true });
    runs.forEach((run, j) => {
      const r = run.residuals!;
      const base = layerIndex * r.length * dim;
      const token = (t: number) => r.values.subarray(base + t * dim, base + (t + 1) * dim);
      if (pooling === 'tokens') {
        for (let t = 0; t < r.length; t++) { rows.push(Float32Array.from(token(t))); textOf.push(start + j); tokenOf.push(run.tokenNames[t]); }
      } else if (pooling === 'cls') {
        rows.push(Float32Array.from(token(0)));
      } else {
        const mean = new Float32Array(dim);
        for (let t = 0; t < r.length; t++) { const v = token(t); for (let k = 0; k < dim; k++) mean[k] += v[k] / r.length; }
        rows.push(mean);
      }
      const logits = run.logits[0];
      predictions.push(logits.indexOf(Math.max(...logits)));
    });
    options.onProgress?.(Math.min(texts.length, start + batchSize), texts.length);
  }
  const vectors = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => vectors.set(r, i * dim));
  const perText: Record<string, MetadataColumn> = {
    prediction: predictions.map((p) => model.classNames[p] ?? p),
    text: texts.map((t) => (t.length > 200 ? `${t.slice(0, 199)}…` : t)),
  };
  if (options.labels) perText.label = Array.from(options.labels);
  const metadata: Record<string, MetadataColumn> = pooling === 'tokens'
    ? { index: rows.map((_, i) => i), text_index: textOf, token: tokenOf,
      ...Object.fromEntries(Object.entries(perText).map(([name, column]) => [name, textOf.map((i) => column[i])])) }
    : { index: texts.map((_, i) => i), ...perText };
  return {
    count: rows.length,
    dim,
    vectors,
    metadata,
    source: { model: model.name, layer: `${residualLayerNames(transformer.config.layers)[layerIndex]} (${pooling})` },
  };
}

function checkPooling(pooling: TokenPooling | undefined): TokenPooling {
  const p = pooling ?? 'cls';
  if (!TOKEN_POOLINGS.includes(p)) throw new UsageError(`unknown token pooling "${String(p)}"`, `use one of ${TOKEN_POOLINGS.join(', ')}`);
  return p;
}

function checkLabels(labels: ArrayLike<unknown> | undefined, count: number): void {
  if (labels !== undefined && labels.length !== count) {
    throw new UsageError(`labels has ${labels.length} values, but there are ${count} inputs`, 'give one label per input, in the same order');
  }
}

/** Per-input columns repeated over each input's rows, with an index and the row's own columns. */
function expandRows(perInput: Record<string, MetadataColumn>, count: number, rowsPer: number,
  own: (input: number, row: number) => Record<string, string | number>): Record<string, MetadataColumn> {
  if (rowsPer === 1) return { index: Array.from({ length: count }, (_, i) => i), ...perInput };
  const out: Record<string, MetadataColumn> = { index: [] };
  const ownNames = Object.keys(own(0, 0));
  for (const name of ownNames) out[name] = [];
  for (const name of Object.keys(perInput)) out[name] = [];
  for (let i = 0; i < count; i++) {
    for (let r = 0; r < rowsPer; r++) {
      out.index.push(i * rowsPer + r);
      const values = own(i, r);
      for (const name of ownNames) out[name].push(values[name]);
      for (const [name, column] of Object.entries(perInput)) out[name].push(column[i]);
    }
  }
  return out;
}
