import { UsageError } from '../../errors.js';
import type { LayerWeights, NormWeights, TransformerWeights } from '../transformer/weights.js';

/** The patch projection ([dim, patchLength], row-major [out, in] as nn.Linear) and the encoder's weights. */
export interface VitWeights {
  patchWeight: Float32Array;
  patchBias: Float32Array;
  /** tokenEmbedding is the [CLS] vector ([1, dim]); positionEmbedding covers [CLS] and the patches. */
  transformer: TransformerWeights;
}

/** One named array of weights.bin, in file order. */
export interface WeightEntry {
  name: string;
  length: number;
}

const LAYER_KEYS = ['wq', 'bq', 'wk', 'bk', 'wv', 'bv', 'wo', 'bo', 'w1', 'b1', 'w2', 'b2'] as const;

/** The weights as named arrays, in the order they are written to weights.bin. */
export function namedVitWeights(weights: VitWeights): [string, Float32Array][] {
  const out: [string, Float32Array][] = [['patch.weight', weights.patchWeight], ['patch.bias', weights.patchBias]];
  const t = weights.transformer;
  const norm = (name: string, n: NormWeights) => {
    out.push([`${name}.scale`, n.scale]);
    if (n.bias) out.push([`${name}.bias`, n.bias]);
  };
  out.push(['cls', t.tokenEmbedding]);
  if (t.positionEmbedding) out.push(['position', t.positionEmbedding]);
  t.layers.forEach((layer, i) => {
    norm(`layers.${i}.attentionNorm`, layer.attentionNorm);
    norm(`layers.${i}.mlpNorm`, layer.mlpNorm);
    for (const key of LAYER_KEYS) {
      const value = layer[key];
      if (value) out.push([`layers.${i}.${key}`, value]);
    }
  });
  norm('finalNorm', t.finalNorm);
  if (t.classifier) {
    out.push(['classifier.weight', t.classifier.weight]);
    if (t.classifier.bias) out.push(['classifier.bias', t.classifier.bias]);
  }
  return out;
}

/** weights.bin's bytes (float32, little-endian) and its manifest. */
export function encodeVitWeights(weights: VitWeights): { manifest: WeightEntry[]; bytes: Uint8Array } {
  const named = namedVitWeights(weights);
  const total = named.reduce((s, [, a]) => s + a.length, 0);
  const buffer = new ArrayBuffer(total * 4);
  const view = new DataView(buffer);
  let at = 0;
  for (const [, array] of named) {
    for (let i = 0; i < array.length; i++, at += 4) view.setFloat32(at, array[i], true);
  }
  return { manifest: named.map(([name, a]) => ({ name, length: a.length })), bytes: new Uint8Array(buffer) };
}

/** Rebuilds the weights from weights.bin and its manifest; sizes are checked later against the config. */
export function decodeVitWeights(manifest: WeightEntry[], bytes: Uint8Array, layers: number, source: string): VitWeights {
  const total = manifest.reduce((s, e) => s + e.length, 0);
  if (bytes.byteLength !== total * 4) {
    throw new UsageError(`${source}: weights.bin has ${bytes.byteLength} bytes, the manifest describes ${total * 4}`,
      'the weights file does not belong to this config.json; copy both from the same training run');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const arrays = new Map<string, Float32Array>();
  let at = 0;
  for (const entry of manifest) {
    const array = new Float32Array(entry.length);
    for (let i = 0; i < entry.length; i++, at += 4) array[i] = view.getFloat32(at, true);
    arrays.set(entry.name, array);
  }
  const need = (name: string): Float32Array => {
    const a = arrays.get(name);
    if (!a) throw new UsageError(`${source}: weights.bin has no "${name}"`, 'the weights file is incomplete; train or copy the model again');
    return a;
  };
  const norm = (name: string): NormWeights => ({ scale: need(`${name}.scale`), bias: arrays.get(`${name}.bias`) });
  const layerWeights: LayerWeights[] = Array.from({ length: layers }, (_, i) => {
    const layer: LayerWeights = {
      attentionNorm: norm(`layers.${i}.attentionNorm`),
      mlpNorm: norm(`layers.${i}.mlpNorm`),
      wq: need(`layers.${i}.wq`), wk: need(`layers.${i}.wk`), wv: need(`layers.${i}.wv`), wo: need(`layers.${i}.wo`),
      w1: need(`layers.${i}.w1`), w2: need(`layers.${i}.w2`),
    };
    for (const key of ['bq', 'bk', 'bv', 'bo', 'b1', 'b2'] as const) {
      const value = arrays.get(`layers.${i}.${key}`);
      if (value) layer[key] = value;
    }
    return layer;
  });
  return {
    patchWeight: need('patch.weight'),
    patchBias: need('patch.bias'),
    transformer: {
      tokenEmbedding: need('cls'),
      positionEmbedding: arrays.get('position'),
      layers: layerWeights,
      finalNorm: norm('finalNorm'),
      classifier: { weight: need('classifier.weight'), bias: arrays.get('classifier.bias') },
    },
  };
}
