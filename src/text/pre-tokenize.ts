/** A word of the input: its text (lower-cased when asked) and where it sits in the original string. */
export interface Word {
  text: string;
  /** Offsets into the original text, in UTF-16 code units: text.slice(start, end). */
  start: number;
  end: number;
}

// Runs of letters, digits and marks form words; every other non-space character stands alone (BERT's
// basic tokenizer splits punctuation off the same way).
const WORD = /[\p{L}\p{N}\p{M}]+|[^\s\p{L}\p{N}\p{M}]/gu;

/**
 * Lower-cases one character at a time, keeping a character whose lower case changes its length
 * (e.g. "İ"), so that offsets into the lower-cased text are offsets into the original.
 */
export function lowerCaseKeepingOffsets(text: string): string {
  let out = '';
  for (const ch of text) {
    const lower = ch.toLowerCase();
    out += lower.length === ch.length ? lower : ch;
  }
  return out;
}

/** Splits text into words and punctuation marks, with their character offsets. */
export function preTokenize(text: string, lowercase: boolean): Word[] {
  const source = lowercase ? lowerCaseKeepingOffsets(text) : text;
  const words: Word[] = [];
  for (const match of source.matchAll(WORD)) {
    const start = match.index!;
    words.push({ text: match[0], start, end: start + match[0].length });
  }
  return words;
}
