import { mergePair, mostFrequentPair } from '../../text/pair-merges.js';
import { UsageError } from '../../errors.js';

/** A vocabulary in llama2.c's layout: <unk>, <s>, </s>, the 256 byte tokens, characters, then merges. */
export interface BpeVocabulary {
  /** Each piece as UTF-8 text (byte tokens as <0xNN>). */
  pieces: string[];
  /** run.c merges the adjacent pair whose joined piece has the highest score: -(merge rank) for merges, 0 otherwise. */
  scores: number[];
  /** How many pieces are merges (the rest are special, byte and character tokens). */
  merges: number;
}

export interface BpeOptions {
  /** Total vocabulary size, special and byte tokens included. */
  vocabSize: number;
  /** Characters seen fewer times than this are left to the byte tokens. 2 by default. */
  minCharacterCount?: number;
}

const SPECIAL = ['<unk>', '<s>', '</s>'];
const BYTE_TOKENS = Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);

/**
 * Byte-pair encoding learnt from texts, for run.c's encoder. As sentencepiece's BPE with its default
 * whitespace split, merges never cross a space: each text gets run.c's dummy-prefix space and is cut
 * into words that start at a space. The most frequent adjacent pair is merged each round (ties go to
 * the pair that sorts first, so the result does not depend on iteration order).
 */
export function trainBpe(texts: string[], options: BpeOptions): BpeVocabulary {
  const minCount = options.minCharacterCount ?? 2;
  const charCounts = new Map<string, number>();
  const wordCounts = new Map<string, number>();
  for (const text of texts) {
    if (text.length === 0) continue;
    for (const word of (' ' + text).match(/ ?[^ ]+| /g) ?? []) wordCounts.set(word, (wordCounts.get(word) ?? 0) + 1);
    for (const char of text) charCounts.set(char, (charCounts.get(char) ?? 0) + 1);
  }
  charCounts.set(' ', Math.max(charCounts.get(' ') ?? 0, minCount));
  const characters = [...charCounts].filter(([, n]) => n >= minCount).map(([c]) => c).sort();
  const fixed = SPECIAL.length + BYTE_TOKENS.length + characters.length;
  if (options.vocabSize < fixed) {
    throw new UsageError(`a vocabulary of ${options.vocabSize} cannot hold the ${fixed} special, byte and character tokens`,
      `ask for at least ${fixed} tokens`);
  }
  const known = new Set(characters);
  // Each distinct word as its symbols; characters outside the alphabet break words (they become bytes).
  const words: Array<{ symbols: string[]; count: number }> = [];
  for (const [word, count] of wordCounts) {
    let run: string[] = [];
    for (const char of word) {
      if (known.has(char)) run.push(char);
      else {
        if (run.length > 1) words.push({ symbols: run, count });
        run = [];
      }
    }
    if (run.length > 1) words.push({ symbols: run, count });
  }
  const pieces = [...SPECIAL, ...BYTE_TOKENS, ...characters];
  const scores = pieces.map(() => 0);
  const vocabulary = new Set(pieces);
  let merges = 0;
  while (pieces.length < options.vocabSize) {
    const best = mostFrequentPair(words);
    if (best === undefined || best.count < 2) break;
    const joined = best.left + best.right;
    mergePair(words, best.left, best.right, joined);
    if (!vocabulary.has(joined)) {
      vocabulary.add(joined);
      pieces.push(joined);
      scores.push(-merges);
      merges++;
    }
  }
  return { pieces, scores, merges };
}
