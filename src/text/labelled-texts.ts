import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';

/** Texts with one label each, in file order. */
export interface LabelledTexts {
  labels: string[];
  texts: string[];
}

/**
 * Reads a tab-separated file of `label<TAB>text` lines (the SMS Spam Collection's layout); the text
 * is everything after the first tab. Blank lines are skipped.
 */
export function readLabelledTexts(path: string): LabelledTexts {
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as Error).message}`, 'give the path of a label<TAB>text file');
  }
  const labels: string[] = [];
  const texts: string[] = [];
  content.split('\n').forEach((line, i) => {
    const clean = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (clean.trim() === '') return;
    const tab = clean.indexOf('\t');
    if (tab <= 0) throw new UsageError(`${path}, line ${i + 1}: no label before a tab`, 'write each line as label<TAB>text');
    labels.push(clean.slice(0, tab));
    texts.push(clean.slice(tab + 1));
  });
  return { labels, texts };
}
