import { mergePair, mostFrequentPair } from './pair-merges.js';
import { UsageError } from '../errors.js';
import { preTokenize } from './pre-tokenize.js';
import { SPECIAL_TOKENS, WordPieceTokenizer } from './tokenizer.js';

export interface WordPieceTrainingOptions {
  /** Size of the vocabulary to reach, specials included. */
  vocabSize: number;
  /** Characters seen fewer times than this are left out of the alphabet (they become [UNK]); 2 by default. */
  minCharacterCount?: number;
  lowercase?: boolean;
  continuationPrefix?: string;
}

/**
 * Learns a WordPiece vocabulary as Hugging Face's WordPiece trainer does: byte-pair merges over the
 * training words (a word's first character stands alone, the rest carry the continuation prefix),
 * the most frequent adjacent pair merged first, until the vocabulary is full. Ties go to the pair
 * that sorts first, so the result depends only on the texts.
 */
export function trainWordPiece(texts: readonly string[], options: WordPieceTrainingOptions): WordPieceTokenizer {
  const lowercase = options.lowercase ?? true;
  const prefix = options.continuationPrefix ?? '##';
  const minCount = options.minCharacterCount ?? 2;
  if (!Number.isInteger(options.vocabSize) || options.vocabSize <= SPECIAL_TOKENS.length) {
    throw new UsageError(`trainWordPiece: vocabSize ${options.vocabSize} is too small`, `give more than ${SPECIAL_TOKENS.length} (the special tokens)`);
  }
  const wordCounts = new Map<string, number>();
  const charCounts = new Map<string, number>();
  for (const text of texts) {
    for (const word of preTokenize(text, lowercase)) {
      wordCounts.set(word.text, (wordCounts.get(word.text) ?? 0) + 1);
      for (const ch of word.text) charCounts.set(ch, (charCounts.get(ch) ?? 0) + 1);
    }
  }
  const alphabet = new Set([...charCounts].filter(([, n]) => n >= minCount).map(([ch]) => ch));
  // Words with a character outside the alphabet would tokenize to [UNK] whole: they teach no merges.
  const words: Array<{ symbols: string[]; count: number }> = [];
  const vocabulary: string[] = [...SPECIAL_TOKENS];
  const known = new Set<string>(vocabulary);
  const add = (token: string) => {
    if (!known.has(token)) {
      known.add(token);
      vocabulary.push(token);
    }
  };
  for (const [word, count] of [...wordCounts].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const chars = [...word];
    if (chars.some((ch) => !alphabet.has(ch))) continue;
    const symbols = chars.map((ch, i) => (i === 0 ? ch : prefix + ch));
    words.push({ symbols, count });
  }
  // The alphabet in both forms first, so every word of known characters can be cut.
  for (const ch of [...alphabet].sort()) add(ch);
  for (const ch of [...alphabet].sort()) add(prefix + ch);
  const join = (a: string, b: string) => a + b.slice(prefix.length);
  while (vocabulary.length < options.vocabSize) {
    const best = mostFrequentPair(words);
    if (best === undefined) break; // every word is a single symbol
    const merged = join(best.left, best.right);
    mergePair(words, best.left, best.right, merged);
    add(merged);
  }
  return new WordPieceTokenizer({ type: 'wordpiece', lowercase, continuationPrefix: prefix, vocabulary });
}
