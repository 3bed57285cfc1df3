import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../../errors.js';
import { headDim, kvHeads, validateConfig, type TransformerConfig } from './config.js';
import { validateWeights, type NormWeights, type TransformerWeights } from './weights.js';
import { applyNorm, type NormTensors } from './norm.js';
import { selfAttention, type AttentionTensors, type KeyValues } from './attention.js';
import { feedForward, type MlpTensors } from './mlp.js';
import { linear } from './linear.js';
import { rotaryTables } from './rotary.js';
import type { RunOptions, TransformerRun } from './results.js';

interface LayerTensors {
  attentionNorm: NormTensors;
  attention: AttentionTensors;
  mlpNorm: NormTensors;
  mlp: MlpTensors;
}

export interface ForwardOptions extends RunOptions {
  /** Position of the first input (for learned or rotary positions); 0 by default. */
  positionOffset?: number;
  /**
   * [batch, length], 1 for tokens and 0 for padding: padded keys get no attention, and mean or last
   * pooling skip padded positions. Pad on the right, so real tokens keep their positions.
   */
  paddingMask?: tf.Tensor2D;
  /**
   * Language models: compute the next-token logits of this position only ([batch, 1, vocab]); the last
   * layer then runs that query alone when nothing per position is asked for. Gradient methods use it.
   */
  outputPosition?: number;
  /**
   * Keys and values of the positions run before (incremental decoding): the inputs continue them,
   * at positions cache.length onwards, and the cache is extended in place. Causal models only.
   */
  cache?: KeyValueCache;
  /**
   * One tensor per layer, [batch, heads, length, length], added to that layer's attention weights after
   * the softmax. Pass zeros and differentiate with respect to them: the gradient of the output with
   * respect to every attention weight (gradient-weighted attention, Chefer et al.).
   */
  attentionProbes?: tf.Tensor4D[];
}

/** Keys and values of every layer for the positions run so far; dispose when done. */
export class KeyValueCache {
  layers: KeyValues[] = [];
  length = 0;

  dispose(): void {
    this.layers.forEach((kv) => tf.dispose([kv.k, kv.v]));
    this.layers = [];
    this.length = 0;
  }
}

/** Tensors of one forward pass; the caller owns and disposes them. */
export interface ForwardTensors {
  /** [batch, length, vocab] next-token logits, or [batch, classes] for a classifier. */
  logits: tf.Tensor;
  /** Per layer, [batch, heads, query, key] (with a cache, the keys include the cached positions). */
  attentions?: tf.Tensor4D[];
  /** The embeddings (with learned positions added) and each layer's output, each [batch, length, dim]. */
  residuals?: tf.Tensor3D[];
  /** Per layer, each head's write to the residual stream [batch, heads, length, dim] (the attention bias bo excluded). */
  headOutputs?: tf.Tensor4D[];
  /** Per layer, the MLP's write to the residual stream [batch, length, dim]. */
  mlpOutputs?: tf.Tensor3D[];
}

export interface TransformerOptions {
  /** Display text of each token id, for attention maps and messages. */
  vocabulary?: string[];
  name?: string;
}

// Added to masked scores: exp(-1e9) is exactly 0 in float32, and unlike -Infinity it cannot make NaNs.
const MASKED = -1e9;

/**
 * A pre-norm transformer in TF.js from plain typed-array weights. The forward starts from embedded
 * inputs [batch, length, dim], because TF.js wasm has no gradient into an embedding table through
 * `gather`: gradient methods differentiate with respect to the embeddings, and `embed` looks tokens up.
 */
export class Transformer {
  readonly config: TransformerConfig;
  readonly name: string;
  readonly vocabulary: string[] | undefined;
  private readonly tokenEmbedding: tf.Tensor2D;
  private readonly positionEmbedding: tf.Tensor2D | undefined;
  private readonly layerTensors: LayerTensors[];
  private readonly finalNormTensors: NormTensors;
  private readonly unembeddingT: tf.Tensor2D | undefined;
  private readonly classifierT: tf.Tensor2D | undefined;
  private readonly classifierBias: tf.Tensor1D | undefined;
  private readonly owned: tf.Tensor[] = [];
  private disposed = false;

  constructor(config: TransformerConfig, weights: TransformerWeights, options: TransformerOptions = {}) {
    validateConfig(config);
    validateWeights(config, weights);
    if (options.vocabulary && options.vocabulary.length !== config.vocabSize) {
      throw new UsageError(`transformer: ${options.vocabulary.length} vocabulary entries for a vocabSize of ${config.vocabSize}`,
        'give one display string per token id');
    }
    this.config = { ...config };
    this.name = options.name ?? 'transformer';
    this.vocabulary = options.vocabulary;
    const { dim, vocabSize, hiddenDim, maxLength } = config;
    const qDim = config.heads * headDim(config);
    const kvDim = kvHeads(config) * headDim(config);
    const own = <T extends tf.Tensor>(t: T): T => {
      this.owned.push(t);
      return t;
    };
    const vector = (a: Float32Array | undefined) => (a ? own(tf.tensor1d(a)) : undefined);
    // Weights arrive [out, in]; stored transposed once so every projection is a plain x @ W.
    const transposed = (a: Float32Array, out: number, inner: number) => own(transposeToTensor(a, out, inner));
    const norm = (n: NormWeights): NormTensors => ({ scale: own(tf.tensor1d(n.scale)), bias: vector(n.bias) });
    this.tokenEmbedding = own(tf.tensor2d(weights.tokenEmbedding, [vocabSize, dim]));
    this.positionEmbedding = weights.positionEmbedding && config.positional === 'learned'
      ? own(tf.tensor2d(weights.positionEmbedding, [maxLength, dim])) : undefined;
    this.layerTensors = weights.layers.map((layer) => ({
      attentionNorm: norm(layer.attentionNorm),
      attention: {
        wqT: transposed(layer.wq, qDim, dim),
        wkT: transposed(layer.wk, kvDim, dim),
        wvT: transposed(layer.wv, kvDim, dim),
        woT: transposed(layer.wo, dim, qDim),
        bq: vector(layer.bq), bk: vector(layer.bk), bv: vector(layer.bv), bo: vector(layer.bo),
      },
      mlpNorm: norm(layer.mlpNorm),
      mlp: {
        w1T: transposed(layer.w1, hiddenDim, dim),
        w2T: transposed(layer.w2, dim, hiddenDim),
        w3T: layer.w3 ? transposed(layer.w3, hiddenDim, dim) : undefined,
        b1: vector(layer.b1), b2: vector(layer.b2),
      },
    }));
    this.finalNormTensors = norm(weights.finalNorm);
    if (config.classifier) {
      this.classifierT = transposed(weights.classifier!.weight, config.classifier.classes, dim);
      this.classifierBias = vector(weights.classifier!.bias);
    } else {
      this.unembeddingT = transposed(config.tiedUnembedding ? weights.tokenEmbedding : weights.unembedding!, vocabSize, dim);
    }
  }

  /** Number of outputs per position (vocab) or per input (classes). */
  get numOutputs(): number {
    return this.config.classifier?.classes ?? this.config.vocabSize;
  }

  /** Token ids [batch, length] to embeddings [batch, length, dim] (no positions: the forward adds those). */
  embed(tokens: tf.Tensor2D | number[][]): tf.Tensor3D {
    this.checkAlive();
    const ids = Array.isArray(tokens) ? this.tokenTensor(tokens) : tokens;
    try {
      return tf.tidy(() => tf.gather(this.tokenEmbedding, tf.cast(ids, 'int32')) as tf.Tensor) as tf.Tensor3D;
    } finally {
      if (ids !== tokens) ids.dispose();
    }
  }

  /** The final norm, for reading a residual stream through the unembedding (the logit lens). */
  finalNorm(residual: tf.Tensor): tf.Tensor {
    return applyNorm(residual, this.config.norm, this.finalNormTensors, this.config.normEps ?? 1e-5);
  }

  /** Normalised residuals [..., dim] to next-token logits [..., vocab] (language models only). */
  unembed(normalised: tf.Tensor): tf.Tensor {
    if (!this.unembeddingT) {
      throw new UsageError(`${this.name} is a classifier and has no unembedding`, 'the logit lens needs a language model');
    }
    return linear(normalised, this.unembeddingT);
  }

  /** A pooled, normalised residual [..., dim] to class logits [..., classes] (classifiers only). */
  classify(normalised: tf.Tensor): tf.Tensor {
    if (!this.classifierT) {
      throw new UsageError(`${this.name} is a language model and has no classifier head`, 'read it through unembed instead');
    }
    return linear(normalised, this.classifierT, this.classifierBias);
  }

  /** The forward pass from embedded inputs [batch, length, dim]. */
  forwardEmbeddings(embedded: tf.Tensor3D, options: ForwardOptions = {}): ForwardTensors {
    this.checkAlive();
    const config = this.config;
    if (embedded.rank !== 3 || embedded.shape[2] !== config.dim) {
      throw new UsageError(`${this.name}: embedded inputs have shape [${embedded.shape.join(', ')}]`,
        `give [batch, length, ${config.dim}]`);
    }
    const [batch, length] = embedded.shape;
    const cache = options.cache;
    if (cache && (!config.causal || options.paddingMask)) {
      throw new UsageError(`${this.name}: a key/value cache needs a causal model and no padding`, 'run the whole sequence at once');
    }
    if (cache && options.positionOffset !== undefined && options.positionOffset !== cache.length) {
      throw new UsageError(`${this.name}: positionOffset ${options.positionOffset} does not continue the cache of ${cache.length} positions`,
        'leave positionOffset out when passing a cache');
    }
    const past = cache?.length ?? 0;
    const offset = cache ? past : options.positionOffset ?? 0;
    if (length === 0) throw new UsageError(`${this.name}: the input is empty`, 'give at least one token');
    const padding = options.paddingMask;
    if (padding && (padding.rank !== 2 || padding.shape[0] !== batch || padding.shape[1] !== length)) {
      throw new UsageError(`${this.name}: the padding mask has shape [${padding.shape.join(', ')}]`, `give [${batch}, ${length}]`);
    }
    if (offset + length > config.maxLength) {
      throw new UsageError(`${this.name}: ${offset + length} positions exceed the model's context of ${config.maxLength}`,
        `shorten the input to at most ${config.maxLength} tokens`);
    }
    const probes = options.attentionProbes;
    if (probes && (probes.length !== config.layers || probes.some((p) => p.rank !== 4 || p.shape[0] !== batch || p.shape[1] !== config.heads || p.shape[2] !== length || p.shape[3] !== past + length))) {
      throw new UsageError(`${this.name}: attention probes must be ${config.layers} tensors of [${batch}, ${config.heads}, ${length}, ${past + length}]`,
        'pass one zero tensor per layer shaped like its attention weights');
    }
    const outputAt = options.outputPosition;
    if (outputAt !== undefined && (config.classifier || !Number.isInteger(outputAt) || outputAt < 0 || outputAt >= length)) {
      throw new UsageError(`${this.name}: output position ${outputAt} ${config.classifier ? 'is for language models' : `is outside the ${length} inputs`}`,
        config.classifier ? 'leave it out: a classifier has one output per input' : `choose a position from 0 to ${length - 1}`);
    }
    const eps = config.normEps ?? 1e-5;
    const attentions: tf.Tensor4D[] = [];
    const residuals: tf.Tensor3D[] = [];
    const headOutputs: tf.Tensor4D[] = [];
    const mlpOutputs: tf.Tensor3D[] = [];
    const logits = tf.tidy(() => {
      let x: tf.Tensor3D = embedded;
      if (this.positionEmbedding) {
        x = tf.add(x, tf.slice(this.positionEmbedding, [offset, 0], [length, config.dim]));
      }
      const rotary = config.positional === 'rotary'
        ? rotaryTables(length, offset, headDim(config), config.ropeTheta ?? 10000) : undefined;
      const mask = attentionMask(config.causal ? causalMask(length, past) : undefined, options.paddingMask, batch, length);
      const presents: KeyValues[] = [];
      const shape = { heads: config.heads, kvHeads: kvHeads(config), headDim: headDim(config) };
      if (options.residuals) residuals.push(tf.keep(x.clone()));
      const pooledAt = this.pooledOnlyPosition(options, length);
      for (const [l, layer] of this.layerTensors.entries()) {
        // The last layer of a classifier need only run its pooled position (when nothing else is returned).
        const queryAt = l === this.layerTensors.length - 1 ? pooledAt : undefined;
        const attended = selfAttention(applyNorm(x, config.norm, layer.attentionNorm, eps) as tf.Tensor3D,
          layer.attention, shape, rotary, mask, options.components, cache?.layers[presents.length], queryAt, options.attentionProbes?.[l]);
        if (cache) presents.push({ k: tf.keep(attended.present.k), v: tf.keep(attended.present.v) });
        if (options.attentions) attentions.push(tf.keep(attended.weights));
        if (options.components) headOutputs.push(tf.keep(attended.headOutputs!));
        if (queryAt !== undefined) x = tf.slice(x, [0, queryAt, 0], [batch, 1, config.dim]);
        x = tf.add(x, attended.output);
        const mlpOut = feedForward(applyNorm(x, config.norm, layer.mlpNorm, eps), layer.mlp, config.mlp) as tf.Tensor3D;
        if (options.components) mlpOutputs.push(tf.keep(mlpOut));
        x = tf.add(x, mlpOut);
        if (options.residuals) residuals.push(tf.keep(x.clone()));
      }
      if (cache) {
        cache.dispose();
        cache.layers = presents;
        cache.length = past + length;
      }
      const classifier = config.classifier;
      if (!classifier && outputAt !== undefined && pooledAt === undefined) x = tf.slice(x, [0, outputAt, 0], [batch, 1, config.dim]);
      const normalised = this.finalNorm(x);
      if (!classifier) return linear(normalised, this.unembeddingT!);
      let pooled: tf.Tensor;
      const padding = options.paddingMask ? tf.cast(options.paddingMask, 'float32') : undefined;
      if (pooledAt !== undefined) pooled = tf.reshape(normalised, [batch, config.dim]);
      else if (padding && classifier.pooling !== 'first') {
        // Weights over positions: the real tokens' mean, or a one-hot at each row's last real token.
        const counts = tf.sum(padding, 1, true);
        const weights = classifier.pooling === 'mean' ? tf.div(padding, counts)
          : tf.oneHot(tf.cast(tf.sub(tf.squeeze(counts, [1]), 1), 'int32'), length);
        pooled = tf.sum(tf.mul(normalised, tf.expandDims(weights, 2)), 1);
      } else if (classifier.pooling === 'mean') pooled = tf.mean(normalised, 1);
      else {
        const at = classifier.pooling === 'first' ? 0 : length - 1;
        pooled = tf.reshape(tf.slice(normalised, [0, at, 0], [batch, 1, config.dim]), [batch, config.dim]);
      }
      return linear(pooled, this.classifierT!, this.classifierBias);
    });
    return {
      logits,
      attentions: options.attentions ? attentions : undefined,
      residuals: options.residuals ? residuals : undefined,
      headOutputs: options.components ? headOutputs : undefined,
      mlpOutputs: options.components ? mlpOutputs : undefined,
    };
  }

  /**
   * The one position the output depends on after the last layer (a classifier's 'first' pooling, or
   * 'last' without padding; a language model's outputPosition), when the caller asks for nothing per
   * position; else undefined.
   */
  private pooledOnlyPosition(options: ForwardOptions, length: number): number | undefined {
    const pooling = this.config.classifier?.pooling;
    if (options.attentions || options.residuals || options.components || options.cache || options.attentionProbes) return undefined;
    if (!this.config.classifier) return options.outputPosition;
    if (pooling === 'first') return 0;
    if (pooling === 'last' && !options.paddingMask) return length - 1;
    return undefined;
  }

  /** Token ids through the whole model: plain data for one sequence. */
  run(tokens: number[], options: RunOptions = {}): TransformerRun {
    return this.runBatch([tokens], options)[0];
  }

  /**
   * Several sequences in one batch. Shorter ones are padded on the right (with token 0, masked out
   * of attention and pooling); each result covers only its own tokens.
   */
  runBatch(sequences: number[][], options: RunOptions = {}): TransformerRun[] {
    const length = Math.max(0, ...sequences.map((s) => s.length));
    const padded = sequences.map((s) => (s.length < length ? [...s, ...new Array<number>(length - s.length).fill(0)] : s));
    const ragged = sequences.some((s) => s.length !== length);
    if (sequences.some((s) => s.length === 0)) throw new UsageError(`${this.name}: an empty sequence`, 'give at least one token per sequence');
    const ids = this.tokenTensor(padded);
    const embedded = this.embed(ids);
    ids.dispose();
    const paddingMask = ragged
      ? tf.tensor2d(sequences.flatMap((s) => Array.from({ length }, (_, t) => (t < s.length ? 1 : 0))), [sequences.length, length])
      : undefined;
    const result = this.forwardEmbeddings(embedded, { ...options, paddingMask });
    embedded.dispose();
    paddingMask?.dispose();
    try {
      const outputs = this.numOutputs;
      const logitValues = result.logits.dataSync() as Float32Array;
      const rowsPerInput = this.config.classifier ? 1 : length;
      const attentionValues = result.attentions?.map((a) => a.dataSync() as Float32Array);
      const residualValues = result.residuals?.map((r) => r.dataSync() as Float32Array);
      const headValues = result.headOutputs?.map((r) => r.dataSync() as Float32Array);
      const mlpValues = result.mlpOutputs?.map((r) => r.dataSync() as Float32Array);
      const { heads, dim } = this.config;
      const batch = sequences.length;
      return sequences.map((tokens, b) => {
        const n = tokens.length;
        const tokenNames = tokens.map((id) => this.tokenName(id));
        const logits: Float32Array[] = [];
        for (let r = 0; r < Math.min(rowsPerInput, n); r++) {
          const start = (b * rowsPerInput + r) * outputs;
          logits.push(logitValues.slice(start, start + outputs));
        }
        const run: TransformerRun = { tokens: [...tokens], tokenNames, logits };
        const crop = (perLayer: Float32Array[], groups: number, last: number, cropLast: boolean) =>
          cropRows(perLayer, { batch, groups, length, last }, b, n, cropLast);
        if (attentionValues) {
          run.attentions = {
            tokens: tokenNames, layers: attentionValues.length, heads, length: n, causal: this.config.causal,
            weights: crop(attentionValues, heads, length, true),
          };
        }
        if (residualValues) {
          const layerNames = ['embed', ...Array.from({ length: residualValues.length - 1 }, (_, i) => `layer ${i}`)];
          run.residuals = { layerNames, length: n, dim, values: crop(residualValues, 1, dim, false) };
        }
        if (headValues && mlpValues) {
          run.components = {
            layers: headValues.length, heads, length: n, dim,
            headOutputs: crop(headValues, heads, dim, false),
            attentionBiases: this.attentionBiases(),
            mlpOutputs: crop(mlpValues, 1, dim, false),
          };
        }
        return run;
      });
    } finally {
      result.logits.dispose();
      result.attentions?.forEach((t) => t.dispose());
      result.residuals?.forEach((t) => t.dispose());
      result.headOutputs?.forEach((t) => t.dispose());
      result.mlpOutputs?.forEach((t) => t.dispose());
    }
  }

  /** Next-token logits of a sequence, one row per position. */
  logits(tokens: number[]): Float32Array[] {
    return this.run(tokens).logits;
  }

  /**
   * Greedy decoding: appends the most likely next token n times (or until a stop token, which is
   * not returned) and returns the new tokens. Keys and values are cached, so each step runs one token.
   */
  generate(tokens: number[], n: number, options: { stopTokens?: number[] } = {}): number[] {
    if (this.config.classifier) throw new UsageError(`${this.name} is a classifier`, 'generate needs a language model');
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`generate: n is ${n}`, 'ask for a non-negative whole number of tokens');
    if (tokens.length + n > this.config.maxLength) {
      throw new UsageError(`generate: ${tokens.length} prompt tokens + ${n} new ones exceed the context of ${this.config.maxLength}`,
        `ask for at most ${Math.max(0, this.config.maxLength - tokens.length)} new tokens`);
    }
    const generated: number[] = [];
    if (n === 0) return generated;
    const cache = new KeyValueCache();
    try {
      let last = this.lastLogits(tokens, cache);
      for (let step = 0; step < n; step++) {
        const next = argmax(last);
        if (options.stopTokens?.includes(next)) break;
        generated.push(next);
        if (step + 1 < n) last = this.lastLogits([next], cache);
      }
    } finally {
      cache.dispose();
    }
    return generated;
  }

  /** Runs tokens after the cached ones and returns the last position's logits. */
  private lastLogits(tokens: number[], cache: KeyValueCache): Float32Array {
    const embedded = this.embed([tokens]);
    try {
      const { logits } = this.forwardEmbeddings(embedded, { cache });
      const values = logits.dataSync() as Float32Array;
      logits.dispose();
      return values.slice(values.length - this.config.vocabSize);
    } finally {
      embedded.dispose();
    }
  }

  tokenName(id: number): string {
    return this.vocabulary?.[id] ?? String(id);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.owned.forEach((t) => t.dispose());
  }

  private checkAlive(): void {
    if (this.disposed) throw new UsageError(`${this.name} has been disposed`, 'create or load the model again');
  }

  private tokenTensor(sequences: number[][]): tf.Tensor2D {
    if (sequences.length === 0 || sequences[0].length === 0) {
      throw new UsageError(`${this.name}: no tokens to run`, 'give at least one sequence of at least one token');
    }
    const length = sequences[0].length;
    const flat = new Int32Array(sequences.length * length);
    sequences.forEach((tokens, b) => {
      if (tokens.length !== length) {
        throw new UsageError(`${this.name}: sequences of different lengths (${length} and ${tokens.length}) in one batch`,
          'run them one at a time, or pad them to one length');
      }
      tokens.forEach((id, t) => {
        if (!Number.isInteger(id) || id < 0 || id >= this.config.vocabSize) {
          throw new UsageError(`${this.name}: token id ${id} at position ${t} is outside the vocabulary of ${this.config.vocabSize}`,
            `use ids from 0 to ${this.config.vocabSize - 1}`);
        }
        flat[b * length + t] = id;
      });
    });
    return tf.tensor2d(flat, [sequences.length, length], 'int32');
  }

  /** Each layer's attention output bias bo ([layers * dim], zeros when the model has none). */
  private attentionBiases(): Float32Array {
    const dim = this.config.dim;
    const out = new Float32Array(this.config.layers * dim);
    this.layerTensors.forEach((layer, l) => {
      if (layer.attention.bo) out.set(layer.attention.bo.dataSync() as Float32Array, l * dim);
    });
    return out;
  }
}

/**
 * Row b of each layer's [batch, groups, length, last] values, keeping the first n positions (and the
 * first n of the last axis when it is also positions), concatenated over layers.
 */
function cropRows(perLayer: Float32Array[], shape: { batch: number; groups: number; length: number; last: number },
  b: number, n: number, cropLast: boolean): Float32Array {
  const { groups, length, last } = shape;
  const width = cropLast ? n : last;
  const out = new Float32Array(perLayer.length * groups * n * width);
  let at = 0;
  for (const values of perLayer) {
    for (let g = 0; g < groups; g++) {
      for (let p = 0; p < n; p++) {
        const start = ((b * groups + g) * length + p) * last;
        out.set(values.subarray(start, start + width), at);
        at += width;
      }
    }
  }
  return out;
}

/** [out, in] row-major to an [in, out] tensor. */
function transposeToTensor(values: Float32Array, out: number, inner: number): tf.Tensor2D {
  const t = new Float32Array(values.length);
  for (let o = 0; o < out; o++) {
    for (let i = 0; i < inner; i++) t[i * out + o] = values[o * inner + i];
  }
  return tf.tensor2d(t, [inner, out]);
}

/** The causal mask [length, length] and the padding of keys [batch, 1, 1, length], added together. */
function attentionMask(causal: tf.Tensor2D | undefined, padding: tf.Tensor2D | undefined, batch: number, length: number): tf.Tensor | undefined {
  if (!padding) return causal;
  const keys = tf.reshape(tf.mul(tf.sub(1, tf.cast(padding, 'float32')), MASKED), [batch, 1, 1, length]);
  return causal ? tf.add(keys, causal) : keys;
}

/** [length, past + length]: 0 where key <= query (query q sits at past + q), a large negative elsewhere. */
function causalMask(length: number, past: number): tf.Tensor2D {
  const keys = past + length;
  const mask = new Float32Array(length * keys);
  for (let q = 0; q < length; q++) {
    for (let k = past + q + 1; k < keys; k++) mask[q * keys + k] = MASKED;
  }
  return tf.tensor2d(mask, [length, keys]);
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}
