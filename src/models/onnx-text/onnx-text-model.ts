import * as ort from 'onnxruntime-node';
import type { AttentionMaps } from '../../attention/types.js';
import type { TokenSequenceModel } from '../../attribution/text/token-sequence-model.js';
import { GlassboxError, UsageError } from '../../errors.js';
import type { HuggingFaceEncoding, HuggingFaceTokenizer } from './hugging-face-tokenizer.js';

/** Which graph inputs and outputs mean what (found by name, as Hugging Face exports name them). */
export interface OnnxTextSignature {
  ids: string;
  mask?: string;
  tokenTypes?: string;
  /** int64 (PyTorch exports) or int32. */
  idType: 'int64' | 'int32';
  logits: string;
  /** Attention outputs, in layer order. */
  attentions: string[];
  /** Rank of the logits: 2 for a classifier [batch, classes], 3 for a language model [batch, sequence, vocab]. */
  logitsRank: 2 | 3;
}

export interface OnnxTextModelInfo {
  name: string;
  path: string;
  numOutputs: number;
  maxLength: number;
  classNames?: string[];
  /** Sequences per onnxruntime run; default 64. */
  batchSize?: number;
}

/**
 * A Hugging Face ONNX text export (model.onnx with its tokenizer.json) as a black-box token model:
 * id sequences in, logits out, and the attention outputs when the export has them. Sequences of one
 * batch are padded on the right with the pad id and masked out through attention_mask.
 */
export class OnnxTextModel implements TokenSequenceModel {
  readonly name: string;
  readonly kind: 'classifier' | 'language-model';
  readonly vocabSize: number;
  readonly maxLength: number;
  readonly numOutputs: number;
  readonly classNames?: readonly string[];
  readonly path: string;
  private readonly batchSize: number;
  private released = false;

  constructor(private readonly session: ort.InferenceSession, readonly tokenizer: HuggingFaceTokenizer, readonly signature: OnnxTextSignature, info: OnnxTextModelInfo) {
    this.name = info.name;
    this.path = info.path;
    this.kind = signature.logitsRank === 2 ? 'classifier' : 'language-model';
    this.vocabSize = tokenizer.vocabSize;
    this.maxLength = info.maxLength;
    this.numOutputs = info.numOutputs;
    if (info.classNames) this.classNames = [...info.classNames];
    this.batchSize = info.batchSize ?? 64;
  }

  /** Whether the export returns attention weights. */
  get hasAttentions(): boolean {
    return this.signature.attentions.length > 0;
  }

  tokenName(id: number): string {
    return this.tokenizer.tokenName(id);
  }

  outputName(id: number): string | undefined {
    return this.kind === 'classifier' ? this.classNames?.[id] : this.tokenizer.tokenName(id);
  }

  /** The text as ids, cut to the model's context (`truncated` says so). */
  encode(text: string): HuggingFaceEncoding {
    return this.tokenizer.encode(text, this.maxLength);
  }

  async outputs(sequences: readonly (readonly number[])[]): Promise<Float32Array[][]> {
    const out: Float32Array[][] = new Array(sequences.length);
    // Similar lengths share a run, so little is padded.
    const order = sequences.map((_, i) => i).sort((a, b) => sequences[a].length - sequences[b].length || a - b);
    const chunks: number[][] = [];
    for (const i of order) {
      const last = chunks[chunks.length - 1];
      // Without an attention_mask input padding would change the outputs: such a run holds one length.
      const fits = last && last.length < this.batchSize && (this.signature.mask || sequences[last[0]].length === sequences[i].length);
      if (fits) last.push(i);
      else chunks.push([i]);
    }
    for (const chunk of chunks) {
      const { logits } = await this.runPadded(chunk.map((i) => sequences[i]), [this.signature.logits]);
      const [batch] = logits.dims;
      // Exports in float16 or float64 are read as float32 (the methods' precision).
      const data = logits.type === 'float32' ? logits.data as Float32Array : Float32Array.from(logits.data as ArrayLike<number>);
      const rows = this.kind === 'classifier' ? 1 : logits.dims[1];
      const width = this.numOutputs;
      if (batch !== chunk.length || logits.dims[logits.dims.length - 1] !== width) {
        throw new GlassboxError(`${this.name}: logits of shape [${logits.dims.join(', ')}] for ${chunk.length} sequences`, `the export's logits should be [batch, ${this.kind === 'classifier' ? 'classes' : 'sequence, vocab'}]`);
      }
      chunk.forEach((i, b) => {
        const n = this.kind === 'classifier' ? 1 : sequences[i].length;
        out[i] = Array.from({ length: n }, (_, r) => data.slice((b * rows + r) * width, (b * rows + r + 1) * width));
      });
    }
    return out;
  }

  /** Every layer's attention for one sequence, [layer][head][query][key], from the export's attention outputs. */
  async attentions(tokens: readonly number[]): Promise<AttentionMaps> {
    if (!this.hasAttentions) {
      throw new UsageError(`${this.name} has no attention outputs`, 'export the model with output_attentions=True (one attentions output per layer)');
    }
    const results = await this.runPadded([tokens], this.signature.attentions);
    const n = tokens.length;
    const maps = this.signature.attentions.map((name) => results[name]);
    const [batch, heads, queries, keys] = maps[0].dims;
    for (const [l, map] of maps.entries()) {
      const [b, h, q, k] = map.dims;
      if (map.dims.length !== 4 || b !== batch || h !== heads || q !== n || k !== n) {
        throw new GlassboxError(`${this.name}: attention output '${this.signature.attentions[l]}' has shape [${map.dims.join(', ')}]`,
          `an attention output should be [batch, heads, ${n}, ${n}] for ${n} tokens`);
      }
    }
    const weights = new Float32Array(maps.length * heads * queries * keys);
    maps.forEach((map, l) => weights.set(map.type === 'float32' ? map.data as Float32Array : Float32Array.from(map.data as ArrayLike<number>), l * heads * n * n));
    // An export does not say whether it is causal; its weights do: a softmax is exactly 0 only where masked.
    let causal = n > 1;
    for (let m = 0; m < maps.length * heads && causal; m++) {
      for (let q = 0; q < n - 1 && causal; q++) {
        for (let k = q + 1; k < n; k++) if (weights[(m * n + q) * n + k] !== 0) { causal = false; break; }
      }
    }
    return { tokens: tokens.map((id) => this.tokenName(id)), layers: maps.length, heads, length: n, causal, weights };
  }

  async dispose(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.session.release();
  }

  /** One onnxruntime run over sequences padded on the right to one length (masked when the export has attention_mask). */
  async runPadded(sequences: readonly (readonly number[])[], fetches: string[]): Promise<Record<string, ort.Tensor>> {
    if (this.released) throw new UsageError(`${this.name} has been disposed`, 'load the model again');
    const length = Math.max(...sequences.map((s) => s.length));
    if (sequences.some((s) => s.length === 0)) throw new UsageError(`${this.name}: an empty sequence`, 'give at least one token per sequence');
    if (length > this.maxLength) {
      throw new UsageError(`${this.name}: ${length} tokens exceed the model's context of ${this.maxLength}`, `shorten the input to at most ${this.maxLength} tokens`);
    }
    const size = sequences.length * length;
    const pad = this.tokenizer.specials.pad ?? 0;
    const int64 = this.signature.idType === 'int64';
    const ids = int64 ? new BigInt64Array(size) : new Int32Array(size);
    const mask = int64 ? new BigInt64Array(size) : new Int32Array(size);
    sequences.forEach((s, b) => {
      for (let t = 0; t < length; t++) {
        const id = t < s.length ? s[t] : pad;
        if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
          throw new UsageError(`${this.name}: token id ${id} at position ${t} is outside the vocabulary of ${this.vocabSize}`, `use ids from 0 to ${this.vocabSize - 1}`);
        }
        if (int64) {
          (ids as BigInt64Array)[b * length + t] = BigInt(id);
          (mask as BigInt64Array)[b * length + t] = t < s.length ? 1n : 0n;
        } else {
          (ids as Int32Array)[b * length + t] = id;
          (mask as Int32Array)[b * length + t] = t < s.length ? 1 : 0;
        }
      }
    });
    const type = this.signature.idType;
    const dims = [sequences.length, length];
    const feeds: Record<string, ort.Tensor> = { [this.signature.ids]: new ort.Tensor(type, ids, dims) };
    if (this.signature.mask) feeds[this.signature.mask] = new ort.Tensor(type, mask, dims);
    if (this.signature.tokenTypes) feeds[this.signature.tokenTypes] = new ort.Tensor(type, int64 ? new BigInt64Array(size) : new Int32Array(size), dims);
    try {
      return await this.session.run(feeds, fetches, { logSeverityLevel: 4 });
    } catch (err) {
      throw new GlassboxError(`${this.name} failed on onnxruntime: ${String((err as Error).message ?? err).split('\n')[0]}`,
        'check that the model is a text model over input_ids [batch, sequence] and that tokenizer.json is the one exported with it');
    }
  }
}
