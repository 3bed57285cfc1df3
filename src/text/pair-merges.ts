/**
 * The two steps byte-pair and word-piece training share: find the most frequent adjacent pair of
 * symbols over the counted words, and merge it everywhere, left to right.
 */

/** A word of the training corpus as its current symbols, with how often it occurs. */
export interface CountedWord {
  symbols: string[];
  count: number;
}

/** The most frequent adjacent pair (ties to the smaller pair as a string, for determinism); undefined when every word is one symbol. */
export function mostFrequentPair(words: readonly CountedWord[]): { left: string; right: string; count: number } | undefined {
  const pairs = new Map<string, number>();
  for (const { symbols, count } of words) {
    for (let i = 0; i + 1 < symbols.length; i++) {
      const key = symbols[i] + '\u0000' + symbols[i + 1];
      pairs.set(key, (pairs.get(key) ?? 0) + count);
    }
  }
  let best: string | undefined;
  let bestCount = 0;
  for (const [key, n] of pairs) {
    if (n > bestCount || (n === bestCount && best !== undefined && key < best)) {
      best = key;
      bestCount = n;
    }
  }
  if (best === undefined) return undefined;
  const [left, right] = best.split('\u0000');
  return { left, right, count: bestCount };
}

/** Replaces every non-overlapping occurrence of (left, right), scanning left to right, by `merged`. */
export function mergePair(words: CountedWord[], left: string, right: string, merged: string): void {
  for (const word of words) {
    const s = word.symbols;
    if (s.length < 2) continue;
    const next: string[] = [];
    for (let i = 0; i < s.length; i++) {
      if (i + 1 < s.length && s[i] === left && s[i + 1] === right) {
        next.push(merged);
        i++;
      } else next.push(s[i]);
    }
    word.symbols = next;
  }
}
