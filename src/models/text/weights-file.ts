import { GlassboxError } from '../../errors.js';
import type { LayerWeights, NormWeights, TransformerWeights } from '../transformer/weights.js';

/** One array of weights.bin: its name, shape and place (in float32 values from the start). */
export interface WeightEntry {
  name: string;
  shape: number[];
  offset: number;
}

const LAYER_KEYS = ['wq', 'wk', 'wv', 'wo', 'bq', 'bk', 'bv', 'bo', 'w1', 'w2', 'w3', 'b1', 'b2'] as const;

/** Every array of a TransformerWeights under a dotted name ("layers.0.wq"), in a fixed order, with shapes [out, in]. */
export function flattenWeights(weights: TransformerWeights, dim: number): Array<{ name: string; shape: number[]; values: Float32Array }> {
  const out: Array<{ name: string; shape: number[]; values: Float32Array }> = [];
  const put = (name: string, values: Float32Array | undefined, rows?: number) => {
    if (values) out.push({ name, shape: rows === undefined ? [values.length] : [rows, values.length / rows], values });
  };
  const norm = (name: string, n: NormWeights) => {
    put(`${name}.scale`, n.scale);
    put(`${name}.bias`, n.bias);
  };
  put('tokenEmbedding', weights.tokenEmbedding, weights.tokenEmbedding.length / dim);
  if (weights.positionEmbedding) put('positionEmbedding', weights.positionEmbedding, weights.positionEmbedding.length / dim);
  weights.layers.forEach((layer, l) => {
    norm(`layers.${l}.attentionNorm`, layer.attentionNorm);
    norm(`layers.${l}.mlpNorm`, layer.mlpNorm);
    for (const key of LAYER_KEYS) {
      const values = layer[key];
      if (!values) continue;
      // Matrices are [out, in]: wo and w2 write the residual (dim rows); the others read it (dim columns).
      const rows = key.startsWith('b') ? undefined : key === 'wo' || key === 'w2' ? dim : values.length / dim;
      put(`layers.${l}.${key}`, values, rows);
    }
  });
  norm('finalNorm', weights.finalNorm);
  if (weights.unembedding) put('unembedding', weights.unembedding, weights.unembedding.length / dim);
  if (weights.classifier) {
    put('classifier.weight', weights.classifier.weight, weights.classifier.weight.length / dim);
    put('classifier.bias', weights.classifier.bias);
  }
  return out;
}

/** The bytes of weights.bin (float32, little-endian, concatenated) and its manifest. */
export function encodeWeights(weights: TransformerWeights, dim: number): { bytes: Uint8Array; manifest: WeightEntry[] } {
  const flat = flattenWeights(weights, dim);
  const total = flat.reduce((n, w) => n + w.values.length, 0);
  const all = new Float32Array(total);
  const manifest: WeightEntry[] = [];
  let offset = 0;
  for (const w of flat) {
    all.set(w.values, offset);
    manifest.push({ name: w.name, shape: w.shape, offset });
    offset += w.values.length;
  }
  return { bytes: new Uint8Array(all.buffer), manifest };
}

/** weights.bin and its manifest back to TransformerWeights (sizes are checked later, against the config). */
export function decodeWeights(bytes: Uint8Array, manifest: readonly WeightEntry[], layers: number, source: string): TransformerWeights {
  const fail = (problem: string) => new GlassboxError(`${source}: ${problem}`,
    'the weights file and its manifest do not belong together: write both again with scripts/train-text.ts');
  if (bytes.byteLength % 4 !== 0) throw fail(`${bytes.byteLength} bytes is not a whole number of float32 values`);
  // Copy to an aligned buffer: a Buffer from readFile may start at any byte offset.
  const all = new Float32Array(new Uint8Array(bytes).buffer);
  const arrays = new Map<string, Float32Array>();
  for (const entry of manifest) {
    const size = entry.shape.reduce((a, b) => a * b, 1);
    if (!Number.isInteger(entry.offset) || entry.offset < 0 || entry.offset + size > all.length) {
      throw fail(`"${entry.name}" (offset ${entry.offset}, ${size} values) lies outside the ${all.length} values of the file`);
    }
    arrays.set(entry.name, all.subarray(entry.offset, entry.offset + size));
  }
  const get = (name: string) => arrays.get(name);
  const need = (name: string) => {
    const values = get(name);
    if (!values) throw fail(`"${name}" is missing from the manifest`);
    return values;
  };
  const norm = (name: string): NormWeights => ({ scale: need(`${name}.scale`), bias: get(`${name}.bias`) });
  const layerWeights: LayerWeights[] = [];
  for (let l = 0; l < layers; l++) {
    const p = `layers.${l}`;
    layerWeights.push({
      attentionNorm: norm(`${p}.attentionNorm`), mlpNorm: norm(`${p}.mlpNorm`),
      wq: need(`${p}.wq`), wk: need(`${p}.wk`), wv: need(`${p}.wv`), wo: need(`${p}.wo`),
      bq: get(`${p}.bq`), bk: get(`${p}.bk`), bv: get(`${p}.bv`), bo: get(`${p}.bo`),
      w1: need(`${p}.w1`), w2: need(`${p}.w2`), w3: get(`${p}.w3`), b1: get(`${p}.b1`), b2: get(`${p}.b2`),
    });
  }
  const classifierWeight = get('classifier.weight');
  return {
    tokenEmbedding: need('tokenEmbedding'),
    positionEmbedding: get('positionEmbedding'),
    layers: layerWeights,
    finalNorm: norm('finalNorm'),
    unembedding: get('unembedding'),
    classifier: classifierWeight ? { weight: classifierWeight, bias: get('classifier.bias') } : undefined,
  };
}
