import { fileURLToPath } from 'node:url';
import { UsageError } from '../../errors.js';
import { loadLlama2c } from './load.js';
import type { Llama2cModel } from './model.js';

/** The built-in language models, each a folder under models/ with model.bin and tok.bin (llama2.c formats). */
export const BUILT_IN_LANGUAGE_MODELS = ['sms-lm'] as const;
export type BuiltInLanguageModel = (typeof BUILT_IN_LANGUAGE_MODELS)[number];

export function isBuiltInLanguageModel(name: string): name is BuiltInLanguageModel {
  return (BUILT_IN_LANGUAGE_MODELS as readonly string[]).includes(name);
}

/** Where a built-in language model's checkpoint and tokenizer are. */
export function builtInLanguageModelFiles(name: BuiltInLanguageModel): { checkpoint: string; tokenizer: string } {
  const dir = new URL(`../../../models/${name}/`, import.meta.url);
  return { checkpoint: fileURLToPath(new URL('model.bin', dir)), tokenizer: fileURLToPath(new URL('tok.bin', dir)) };
}

/** Loads a built-in language model by name (`sms-lm`). */
export async function loadBuiltinLanguageModel(name: string): Promise<Llama2cModel> {
  if (!isBuiltInLanguageModel(name)) {
    throw new UsageError(`there is no built-in language model called "${name}"`,
      `choose one of: ${BUILT_IN_LANGUAGE_MODELS.join(', ')}, or give a llama2.c checkpoint and its tokenizer`);
  }
  const files = builtInLanguageModelFiles(name);
  return loadLlama2c(files.checkpoint, files.tokenizer, { name });
}
