import { readFile } from 'node:fs/promises';
import { UsageError } from '../../errors.js';
import { Transformer } from '../transformer/transformer.js';
import { readLlama2cCheckpoint, type Llama2cHeader } from './checkpoint.js';
import { Llama2cTokenizer } from './tokenizer.js';
import { Llama2cModel } from './model.js';

async function readInput(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read the ${what} ${path}${code ? ` (${code})` : ''}`,
      what === 'tokenizer' ? 'give the tok*.bin exported with the model' : 'give the path of a llama2.c .bin checkpoint');
  }
}

/**
 * Loads a llama2.c checkpoint and its tokenizer file into a Llama-style transformer, named after the
 * checkpoint's file unless `options.name` is given.
 */
export async function loadLlama2c(checkpointPath: string, tokenizerPath: string, options: { name?: string } = {}): Promise<Llama2cModel> {
  const [checkpointBytes, tokenizerBytes] = await Promise.all([
    readInput(checkpointPath, 'checkpoint'), readInput(tokenizerPath, 'tokenizer')]);
  const checkpoint = readLlama2cCheckpoint(checkpointBytes, checkpointPath);
  const tokenizer = Llama2cTokenizer.fromBytes(tokenizerBytes, tokenizerPath, checkpoint.header.vocabSize);
  const name = options.name ?? checkpointPath.split(/[\\/]/).pop()!.replace(/\.bin$/, '');
  const transformer = new Transformer(checkpoint.config, checkpoint.weights, { vocabulary: tokenizer.vocabulary(), name });
  return new Llama2cModel(transformer, tokenizer, checkpoint.header);
}

export type { Llama2cHeader };
