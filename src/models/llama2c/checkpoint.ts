import { GlassboxError } from '../../errors.js';
import type { TransformerConfig } from '../transformer/config.js';
import type { LayerWeights, TransformerWeights } from '../transformer/weights.js';

/** The seven numbers of a llama2.c header. */
export interface Llama2cHeader {
  dim: number;
  hiddenDim: number;
  layers: number;
  heads: number;
  kvHeads: number;
  vocabSize: number;
  /** Whether the classifier is the token embedding table (a positive vocab_size in the legacy header). */
  sharedClassifier: boolean;
  seqLen: number;
  /** 0 for the legacy header (run.c), 1 for export.py's versioned fp32 format. */
  version: 0 | 1;
}

export interface Llama2cCheckpoint {
  header: Llama2cHeader;
  config: TransformerConfig;
  weights: TransformerWeights;
}

const MAGIC = 0x616b3432; // "ak42", export.py's versioned formats
const VERSIONED_HEADER_BYTES = 256;

function corrupt(source: string, problem: string): GlassboxError {
  return new GlassboxError(`${source} is not a valid llama2.c checkpoint: ${problem}`,
    'give a .bin written by llama2.c\'s export.py (legacy or version 1 fp32) and check that it was copied completely');
}

function readHeader(bytes: Uint8Array, source: string): { header: Llama2cHeader; offset: number } {
  if (bytes.byteLength < 28) throw corrupt(source, `it has ${bytes.byteLength} bytes, fewer than the 28-byte header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let version: 0 | 1 = 0;
  let at = 0;
  if (view.getUint32(0, true) === MAGIC) {
    const v = view.getInt32(4, true);
    if (v !== 1) {
      throw new GlassboxError(`${source} is a llama2.c checkpoint of version ${v}, which is not supported`,
        'export it with export.py --version 0 (legacy) or --version 1 (fp32); version 2 is int8-quantised');
    }
    if (bytes.byteLength < VERSIONED_HEADER_BYTES) throw corrupt(source, 'the versioned header is cut short');
    version = 1;
    at = 8;
  }
  const ints = Array.from({ length: 7 }, (_, i) => view.getInt32(at + 4 * i, true));
  const [dim, hiddenDim, layers, heads, kvHeads, rawVocab, seqLen] = ints;
  const names = ['dim', 'hidden_dim', 'n_layers', 'n_heads', 'n_kv_heads', 'vocab_size', 'seq_len'];
  ints.forEach((value, i) => {
    const v = i === 5 ? Math.abs(value) : value;
    if (v <= 0 || v > 1 << 24) throw corrupt(source, `the header's ${names[i]} is ${value}`);
  });
  if (dim % heads !== 0) throw corrupt(source, `dim ${dim} is not divisible by n_heads ${heads}`);
  if (heads % kvHeads !== 0) throw corrupt(source, `n_heads ${heads} is not a multiple of n_kv_heads ${kvHeads}`);
  const sharedClassifier = version === 1 ? bytes[at + 28] === 1 : rawVocab > 0;
  const header = { dim, hiddenDim, layers, heads, kvHeads, vocabSize: Math.abs(rawVocab), sharedClassifier, seqLen, version };
  return { header, offset: version === 1 ? VERSIONED_HEADER_BYTES : 28 };
}

/**
 * Reads a llama2.c checkpoint (Karpathy's format): the header, then float32 weights in export.py's
 * order. Legacy files carry RoPE's cos/sin tables after the final norm; they are skipped, since
 * the transformer computes the same angles (run.c ignores them too).
 */
export function readLlama2cCheckpoint(bytes: Uint8Array, source = 'the checkpoint'): Llama2cCheckpoint {
  const { header, offset } = readHeader(bytes, source);
  const { dim, hiddenDim, layers, heads, kvHeads, vocabSize, seqLen } = header;
  const headSize = dim / heads;
  const kvDim = kvHeads * headSize;
  const freqFloats = header.version === 0 ? seqLen * headSize : 0;
  const weightFloats = vocabSize * dim + 2 * layers * dim + dim
    + layers * (dim * dim + 2 * dim * kvDim + dim * dim) + 3 * layers * dim * hiddenDim
    + (header.sharedClassifier ? 0 : vocabSize * dim);
  const available = bytes.byteLength - offset;
  const expected = (weightFloats + freqFloats) * 4;
  // Some legacy exporters leave out the RoPE tables; both layouts are otherwise identical.
  const withoutFreqs = weightFloats * 4;
  const hasFreqs = available === expected && freqFloats > 0;
  if (available !== expected && available !== withoutFreqs) {
    const what = available < withoutFreqs ? 'truncated' : 'longer than its header says';
    throw corrupt(source, `it is ${what}: the header (dim ${dim}, hidden_dim ${hiddenDim}, ${layers} layers, ${heads} heads, `
      + `${kvHeads} kv heads, vocab ${vocabSize}, seq_len ${seqLen}) needs ${expected + offset} bytes, the file has ${bytes.byteLength}`);
  }
  // Copy into an aligned buffer (a Node Buffer's slice is a view on a possibly shared, unaligned buffer).
  const floats = new Float32Array(available / 4);
  new Uint8Array(floats.buffer).set(bytes.subarray(offset, offset + available));
  let cursor = 0;
  const take = (n: number) => {
    const out = floats.slice(cursor, cursor + n);
    cursor += n;
    return out;
  };
  const perLayer = (n: number) => Array.from({ length: layers }, () => take(n));
  let tokenEmbedding: Float32Array;
  let attentionNorms: Float32Array[];
  let mlpNorms: Float32Array[];
  let finalNorm: Float32Array;
  if (header.version === 0) {
    tokenEmbedding = take(vocabSize * dim);
    attentionNorms = perLayer(dim);
  } else {
    attentionNorms = perLayer(dim);
    mlpNorms = perLayer(dim);
    finalNorm = take(dim);
    tokenEmbedding = take(vocabSize * dim);
  }
  const wq = perLayer(dim * dim);
  const wk = perLayer(kvDim * dim);
  const wv = perLayer(kvDim * dim);
  const wo = perLayer(dim * dim);
  if (header.version === 0) mlpNorms = perLayer(dim);
  const w1 = perLayer(hiddenDim * dim);
  const w2 = perLayer(dim * hiddenDim);
  const w3 = perLayer(hiddenDim * dim);
  if (header.version === 0) {
    finalNorm = take(dim);
    if (hasFreqs) cursor += freqFloats;
  }
  const unembedding = header.sharedClassifier ? undefined : take(vocabSize * dim);
  const layerWeights: LayerWeights[] = Array.from({ length: layers }, (_, l) => ({
    attentionNorm: { scale: attentionNorms[l] },
    wq: wq[l], wk: wk[l], wv: wv[l], wo: wo[l],
    mlpNorm: { scale: mlpNorms![l] },
    w1: w1[l], w2: w2[l], w3: w3[l],
  }));
  const config: TransformerConfig = {
    vocabSize, dim, layers, heads, kvHeads, hiddenDim, maxLength: seqLen,
    norm: 'rmsnorm', normEps: 1e-5, mlp: 'swiglu', causal: true, positional: 'rotary', ropeTheta: 10000,
    tiedUnembedding: header.sharedClassifier,
  };
  return { header, config, weights: { tokenEmbedding, layers: layerWeights, finalNorm: { scale: finalNorm! }, unembedding } };
}
