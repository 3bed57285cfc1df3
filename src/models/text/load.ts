import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GlassboxError, UsageError } from '../../errors.js';
import { WordPieceTokenizer, type WordPieceTokenizerJSON } from '../../text/tokenizer.js';
import { Transformer } from '../transformer/transformer.js';
import { TextClassifierModel, type TextClassifierConfig } from './text-classifier.js';
import { decodeWeights } from './weights-file.js';

/** Names of the built-in text classifiers, each a directory under models/. */
export const BUILT_IN_TEXT_CLASSIFIERS = ['spam'] as const;

const modelsRoot = new URL('../../../models/', import.meta.url);

/** A directory path, or the name of a built-in model ("spam"). */
function resolveDirectory(dir: string): string {
  if ((BUILT_IN_TEXT_CLASSIFIERS as readonly string[]).includes(dir)) return fileURLToPath(new URL(`${dir}/`, modelsRoot));
  return dir;
}

async function readJson<T>(path: string, what: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read the ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      `give a text classifier directory (config.json, weights.bin, tokenizer.json) or a built-in name: ${BUILT_IN_TEXT_CLASSIFIERS.join(', ')}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new GlassboxError(`the ${what} ${path} is not valid JSON: ${(err as Error).message}`, 'write the model again with scripts/train-text.ts');
  }
}

/**
 * Loads a text classifier saved by scripts/train-text.ts: config.json (transformer config, class
 * names, weight manifest), weights.bin (float32) and tokenizer.json, into the `Transformer`.
 */
export async function loadTextClassifier(dir: string): Promise<TextClassifierModel> {
  const root = resolveDirectory(dir);
  const config = await readJson<TextClassifierConfig>(join(root, 'config.json'), 'model config');
  if (config?.format !== 'glassbox-text-classifier' || !config.transformer || !config.weights?.manifest) {
    throw new GlassboxError(`${join(root, 'config.json')} is not a glassbox text classifier config`,
      'expected "format": "glassbox-text-classifier" with "transformer" and "weights"; write it with scripts/train-text.ts');
  }
  const tokenizerJson = await readJson<WordPieceTokenizerJSON>(join(root, config.tokenizer), 'tokenizer');
  const tokenizer = new WordPieceTokenizer(tokenizerJson, join(root, config.tokenizer));
  const weightsPath = join(root, config.weights.file);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(weightsPath);
  } catch (err) {
    throw new UsageError(`cannot read the weights ${weightsPath}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      'keep weights.bin next to config.json');
  }
  const weights = decodeWeights(bytes, config.weights.manifest, config.transformer.layers, weightsPath);
  const transformer = new Transformer(config.transformer, weights, { vocabulary: [...tokenizer.vocabulary], name: config.name });
  return new TextClassifierModel(transformer, tokenizer, config);
}
