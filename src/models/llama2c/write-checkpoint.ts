import { UsageError } from '../../errors.js';
import { headDim, kvHeads, type TransformerConfig } from '../transformer/config.js';
import type { TransformerWeights } from '../transformer/weights.js';

/**
 * A Llama-style transformer as a legacy (version 0) llama2.c checkpoint, the layout run.c reads: the
 * seven-int header (a positive vocab_size when the classifier is the embedding table), the weights
 * grouped by kind over layers, and RoPE's cos/sin tables, which run.c skips but expects.
 */
export function writeLlama2cCheckpoint(config: TransformerConfig, weights: TransformerWeights): Uint8Array {
  if (config.norm !== 'rmsnorm' || config.mlp !== 'swiglu' || config.positional !== 'rotary' || !config.causal || config.classifier) {
    throw new UsageError('llama2.c checkpoints hold causal language models with rmsnorm, swiglu and rotary positions',
      'save other architectures in the Glassbox weights format');
  }
  const { dim, hiddenDim, layers, heads, vocabSize, maxLength } = config;
  const size = headDim(config);
  const theta = config.ropeTheta ?? 10000;
  const cos = new Float32Array(maxLength * size / 2);
  const sin = new Float32Array(maxLength * size / 2);
  for (let p = 0; p < maxLength; p++) {
    for (let i = 0; i < size / 2; i++) {
      const angle = p * Math.pow(theta, -(2 * i) / size);
      cos[p * size / 2 + i] = Math.cos(angle);
      sin[p * size / 2 + i] = Math.sin(angle);
    }
  }
  const each = (pick: (l: TransformerWeights['layers'][number]) => Float32Array | undefined) => weights.layers.map((l) => {
    const values = pick(l);
    if (!values) throw new UsageError('a llama2.c checkpoint needs every layer\'s swiglu w3', 'train with mlp "swiglu"');
    return values;
  });
  const parts: Float32Array[] = [
    weights.tokenEmbedding,
    ...each((l) => l.attentionNorm.scale), ...each((l) => l.wq), ...each((l) => l.wk), ...each((l) => l.wv), ...each((l) => l.wo),
    ...each((l) => l.mlpNorm.scale), ...each((l) => l.w1), ...each((l) => l.w2), ...each((l) => l.w3),
    weights.finalNorm.scale, cos, sin,
  ];
  if (!config.tiedUnembedding) parts.push(weights.unembedding!);
  const floats = parts.reduce((n, p) => n + p.length, 0);
  const bytes = new Uint8Array(28 + 4 * floats);
  const view = new DataView(bytes.buffer);
  const header = [dim, hiddenDim, layers, heads, kvHeads(config), config.tiedUnembedding ? vocabSize : -vocabSize, maxLength];
  header.forEach((v, i) => view.setInt32(4 * i, v, true));
  let at = 28;
  for (const part of parts) {
    bytes.set(new Uint8Array(part.buffer, part.byteOffset, part.byteLength), at);
    at += part.byteLength;
  }
  return bytes;
}
