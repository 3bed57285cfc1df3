import { GlassboxError, UsageError } from '../../errors.js';

const BOS = 1;
const EOS = 2;
/** Byte tokens <0x00>..<0xFF> sit at ids 3..258 in llama2.c's sentencepiece vocabularies. */
const BYTE_OFFSET = 3;

/**
 * A llama2.c tokenizer file (tok*.bin): max_token_length (int32), then per token its score
 * (float32), its length in bytes (int32) and the bytes. Pieces are kept as bytes (latin1 strings,
 * one char per byte), so merges and lookups work on bytes exactly as run.c does.
 */
export class Llama2cTokenizer {
  readonly maxTokenLength: number;
  readonly scores: Float32Array;
  /** Each piece's bytes as a latin1 string. */
  private readonly pieces: string[];
  private readonly lookup = new Map<string, number>();
  readonly bos = BOS;
  readonly eos = EOS;

  private constructor(maxTokenLength: number, pieces: string[], scores: Float32Array) {
    this.maxTokenLength = maxTokenLength;
    this.pieces = pieces;
    this.scores = scores;
    // run.c binary-searches a sorted copy; with duplicate pieces the first id wins here.
    pieces.forEach((piece, id) => {
      if (!this.lookup.has(piece)) this.lookup.set(piece, id);
    });
  }

  get vocabSize(): number {
    return this.pieces.length;
  }

  /** Parses a tok*.bin; `vocabSize`, when given (the model's), must match the number of entries. */
  static fromBytes(bytes: Uint8Array, source = 'the tokenizer', vocabSize?: number): Llama2cTokenizer {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const fail = (problem: string) => new GlassboxError(`${source} is not a valid llama2.c tokenizer: ${problem}`,
      'give the tok*.bin that was exported with the model (llama2.c tokenizer.py --tokenizer-model=...)');
    if (bytes.byteLength < 4) throw fail('it is shorter than its 4-byte header');
    const maxTokenLength = view.getInt32(0, true);
    if (maxTokenLength <= 0 || maxTokenLength > 1 << 16) throw fail(`its max_token_length is ${maxTokenLength}`);
    const pieces: string[] = [];
    const scores: number[] = [];
    let at = 4;
    while (at < bytes.byteLength) {
      if (at + 8 > bytes.byteLength) throw fail(`entry ${pieces.length} is cut short at byte ${at}`);
      const score = view.getFloat32(at, true);
      const length = view.getInt32(at + 4, true);
      at += 8;
      if (length < 0 || length > maxTokenLength || at + length > bytes.byteLength) {
        throw fail(`entry ${pieces.length} has length ${length} (max_token_length ${maxTokenLength}, ${bytes.byteLength - at} bytes left)`);
      }
      pieces.push(latin1(bytes.subarray(at, at + length)));
      scores.push(score);
      at += length;
    }
    if (vocabSize !== undefined && pieces.length !== vocabSize) {
      throw new UsageError(`${source} has ${pieces.length} tokens but the model's vocabulary has ${vocabSize}`,
        'use the tokenizer the model was trained with (e.g. tok512.bin for a vocab_size 512 model)');
    }
    return new Llama2cTokenizer(maxTokenLength, pieces, Float32Array.from(scores));
  }

  /**
   * Text to ids as run.c's encode: optional BOS, a dummy-prefix space, UTF-8 characters looked up
   * whole (or split into byte tokens), then repeatedly the adjacent pair whose merge has the highest
   * score is merged (leftmost on ties), then optional EOS.
   */
  encode(text: string, options: { bos?: boolean; eos?: boolean } = {}): number[] {
    const tokens: number[] = [];
    if (options.bos ?? true) tokens.push(BOS);
    if (text.length > 0) {
      const space = this.lookup.get(' ');
      if (space !== undefined) tokens.push(space);
      for (const char of text) {
        const bytes = latin1(new TextEncoder().encode(char));
        const id = this.lookup.get(bytes);
        if (id !== undefined) tokens.push(id);
        else for (let i = 0; i < bytes.length; i++) tokens.push(bytes.charCodeAt(i) + BYTE_OFFSET);
      }
      this.mergePairs(tokens);
    }
    if (options.eos) tokens.push(EOS);
    return tokens;
  }

  /** One token's text as run.c's decode prints it after `previous` (the leading space after BOS dropped). */
  decodeToken(previous: number, token: number): Uint8Array {
    this.checkId(token);
    let piece = this.pieces[token];
    if (previous === BOS && piece.startsWith(' ')) piece = piece.slice(1);
    const byte = /^<0x([0-9A-Fa-f]{2})>$/.exec(piece);
    if (byte) return Uint8Array.of(parseInt(byte[1], 16));
    return Uint8Array.from(piece, (c) => c.charCodeAt(0));
  }

  /**
   * Ids to text: each token decoded after its predecessor (BOS, EOS and the leading space after BOS
   * as run.c), bytes joined and read as UTF-8. `previous` is the token before ids[0] (BOS by default).
   */
  decode(ids: number[], previous = BOS): string {
    const parts: Uint8Array[] = [];
    let prev = previous;
    for (const id of ids) {
      if (id !== BOS && id !== EOS) parts.push(this.decodeToken(prev, id));
      prev = id;
    }
    const joined = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      joined.set(p, at);
      at += p.length;
    }
    return new TextDecoder().decode(joined);
  }

  /** A token as displayed: its piece read as UTF-8 (byte tokens stay <0x..>, BOS/EOS as <s> and </s>). */
  tokenName(id: number): string {
    this.checkId(id);
    if (id === BOS) return '<s>';
    if (id === EOS) return '</s>';
    const piece = this.pieces[id];
    return new TextDecoder().decode(Uint8Array.from(piece, (c) => c.charCodeAt(0)));
  }

  /** Every token's display text, for attention maps and lenses. */
  vocabulary(): string[] {
    return this.pieces.map((_, id) => this.tokenName(id));
  }

  /** run.c's merge loop, which also looks at pairs with BOS (its piece never merges in practice). */
  private mergePairs(tokens: number[]): void {
    for (;;) {
      let bestScore = -1e10;
      let bestId = -1;
      let bestIndex = -1;
      for (let i = 0; i < tokens.length - 1; i++) {
        const id = this.lookup.get(this.pieces[tokens[i]] + this.pieces[tokens[i + 1]]);
        if (id !== undefined && this.scores[id] > bestScore) {
          bestScore = this.scores[id];
          bestId = id;
          bestIndex = i;
        }
      }
      if (bestIndex < 0) return;
      tokens.splice(bestIndex, 2, bestId);
    }
  }

  private checkId(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.pieces.length) {
      throw new UsageError(`token id ${id} is outside the tokenizer's vocabulary of ${this.pieces.length}`,
        `use ids from 0 to ${this.pieces.length - 1}`);
    }
  }
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}
