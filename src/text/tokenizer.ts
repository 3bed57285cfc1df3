import { GlassboxError, UsageError } from '../errors.js';
import { preTokenize } from './pre-tokenize.js';

/** The special tokens every vocabulary starts with, in this order (so [PAD] is id 0, the id the transformer pads with). */
export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;
export type SpecialToken = (typeof SPECIAL_TOKENS)[number];

/** A word longer than this (in characters) becomes [UNK], as in BERT. */
const MAX_WORD_CHARACTERS = 100;

/** The saved form of a tokenizer (tokenizer.json). */
export interface WordPieceTokenizerJSON {
  type: 'wordpiece';
  lowercase: boolean;
  /** Marks a piece that continues a word. */
  continuationPrefix: string;
  /** Token strings; a token's id is its index. Starts with SPECIAL_TOKENS. */
  vocabulary: string[];
}

export interface EncodeOptions {
  /** Most tokens to return, specials included; longer texts are cut (see `truncated`). */
  maxLength?: number;
  /** Wrap the tokens in [CLS] ... [SEP]; true by default. */
  specials?: boolean;
}

/** A text as token ids, with what each token shows and where it came from. */
export interface Encoding {
  ids: number[];
  /** Token strings as in the vocabulary ("##" marks a continuation), or "[UNK]" for unknown words. */
  tokens: string[];
  /** [start, end) of each token in the original text (UTF-16 offsets); specials get an empty span. */
  offsets: Array<[number, number]>;
  /** Index of the word (pre-tokenized unit) each token belongs to; -1 for specials. */
  words: number[];
  /** Whether tokens were dropped to fit maxLength. */
  truncated: boolean;
}

/**
 * A WordPiece tokenizer (BERT's scheme): lower-casing, words and punctuation split apart, then each
 * word cut greedily into the longest vocabulary pieces from the left; a word that cannot be cut
 * becomes [UNK]. The vocabulary is trained by `trainWordPiece`.
 */
export class WordPieceTokenizer {
  readonly lowercase: boolean;
  readonly continuationPrefix: string;
  readonly vocabulary: readonly string[];
  private readonly ids = new Map<string, number>();
  readonly padId: number;
  readonly unkId: number;
  readonly clsId: number;
  readonly sepId: number;
  readonly maskId: number;

  constructor(json: WordPieceTokenizerJSON, source = 'the tokenizer') {
    const fail = (problem: string) => new GlassboxError(`${source} is not a valid WordPiece tokenizer: ${problem}`,
      'give a tokenizer.json written by WordPieceTokenizer.toJSON (scripts/train-text.ts)');
    if (!json || typeof json !== 'object' || json.type !== 'wordpiece') throw fail('its "type" is not "wordpiece"');
    if (!Array.isArray(json.vocabulary) || json.vocabulary.some((t) => typeof t !== 'string' || t.length === 0)) {
      throw fail('"vocabulary" is not a list of non-empty strings');
    }
    if (typeof json.continuationPrefix !== 'string' || json.continuationPrefix.length === 0) throw fail('"continuationPrefix" is missing');
    SPECIAL_TOKENS.forEach((token, i) => {
      if (json.vocabulary[i] !== token) throw fail(`entry ${i} is "${json.vocabulary[i]}", expected ${token}`);
    });
    json.vocabulary.forEach((token, id) => {
      if (this.ids.has(token)) throw fail(`"${token}" appears twice`);
      this.ids.set(token, id);
    });
    this.lowercase = json.lowercase === true;
    this.continuationPrefix = json.continuationPrefix;
    this.vocabulary = [...json.vocabulary];
    [this.padId, this.unkId, this.clsId, this.sepId, this.maskId] = [0, 1, 2, 3, 4];
  }

  get vocabSize(): number {
    return this.vocabulary.length;
  }

  /** The id of a token string, or undefined. */
  id(token: string): number | undefined {
    return this.ids.get(token);
  }

  encode(text: string, options: EncodeOptions = {}): Encoding {
    if (typeof text !== 'string') throw new UsageError(`tokenizer: expected a string, got ${typeof text}`, 'pass the text as a string');
    const specials = options.specials ?? true;
    const maxLength = options.maxLength ?? Infinity;
    const reserved = specials ? 2 : 0;
    if (maxLength !== Infinity && (!Number.isInteger(maxLength) || maxLength <= reserved)) {
      throw new UsageError(`tokenizer: maxLength ${maxLength} leaves no room for tokens`, `give a whole number above ${reserved}`);
    }
    const out: Encoding = { ids: [], tokens: [], offsets: [], words: [], truncated: false };
    const push = (id: number, token: string, start: number, end: number, word: number) => {
      out.ids.push(id);
      out.tokens.push(token);
      out.offsets.push([start, end]);
      out.words.push(word);
    };
    if (specials) push(this.clsId, '[CLS]', 0, 0, -1);
    const room = maxLength - reserved;
    let end = 0;
    const words = preTokenize(text, this.lowercase);
    outer: for (let w = 0; w < words.length; w++) {
      for (const piece of this.pieces(words[w].text)) {
        if (out.ids.length - (specials ? 1 : 0) >= room) {
          out.truncated = true;
          break outer;
        }
        const start = words[w].start + piece.start;
        end = words[w].start + piece.end;
        push(piece.id, this.vocabulary[piece.id], start, end, w);
      }
    }
    if (specials) push(this.sepId, '[SEP]', end, end, -1);
    return out;
  }

  /** Token ids back to text: continuations join their word, other tokens are separated by spaces. */
  decode(ids: readonly number[], options: { skipSpecials?: boolean } = {}): string {
    const skip = options.skipSpecials ?? true;
    let text = '';
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabulary.length) {
        throw new UsageError(`tokenizer: id ${id} is outside the vocabulary of ${this.vocabulary.length}`,
          `use ids from 0 to ${this.vocabulary.length - 1}`);
      }
      if (skip && id < SPECIAL_TOKENS.length && id !== this.unkId) continue;
      const token = this.vocabulary[id];
      if (token.startsWith(this.continuationPrefix) && text.length > 0) text += token.slice(this.continuationPrefix.length);
      else text += (text.length > 0 ? ' ' : '') + token;
    }
    return text;
  }

  toJSON(): WordPieceTokenizerJSON {
    return { type: 'wordpiece', lowercase: this.lowercase, continuationPrefix: this.continuationPrefix, vocabulary: [...this.vocabulary] };
  }

  /** Greedy longest-match-first pieces of one word, with offsets inside it; [UNK] for the whole word if it cannot be cut. */
  private pieces(word: string): Array<{ id: number; start: number; end: number }> {
    // Code point boundaries, so a piece never splits a surrogate pair.
    const bounds = [0];
    for (const ch of word) bounds.push(bounds[bounds.length - 1] + ch.length);
    const chars = bounds.length - 1;
    if (chars > MAX_WORD_CHARACTERS) return [{ id: this.unkId, start: 0, end: word.length }];
    const pieces: Array<{ id: number; start: number; end: number }> = [];
    let from = 0;
    while (from < chars) {
      let found: number | undefined;
      let to = chars;
      for (; to > from; to--) {
        const piece = (from > 0 ? this.continuationPrefix : '') + word.slice(bounds[from], bounds[to]);
        found = this.ids.get(piece);
        if (found !== undefined && found >= SPECIAL_TOKENS.length) break;
        found = undefined;
      }
      if (found === undefined) return [{ id: this.unkId, start: 0, end: word.length }];
      pieces.push({ id: found, start: bounds[from], end: bounds[to] });
      from = to;
    }
    return pieces;
  }
}
