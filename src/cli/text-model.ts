import { statSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { loadLlama2c } from '../models/llama2c/load.js';
import { BUILT_IN_LANGUAGE_MODELS, isBuiltInLanguageModel, loadBuiltinLanguageModel } from '../models/llama2c/builtin.js';
import { BUILT_IN_TEXT_CLASSIFIERS, loadTextClassifier } from '../models/text/load.js';
import type { Transformer } from '../models/transformer/transformer.js';
import type { SpecialTokens } from '../attribution/text/baseline.js';
import type { TokenSequenceModel } from '../attribution/text/token-sequence-model.js';
import { transformerSequenceModel } from '../attribution/text/transformer-sequence-model.js';
import { BUILT_IN_ONNX_TEXT_MODELS, isOnnxTextFolder, loadOnnxTextModel } from '../models/onnx-text/load.js';
import { BACKENDS, useBackend } from '../backend.js';
import { choiceOption, stringOption, type OptionSpec, type ParsedOptions } from './args.js';

/** --backend for the text-only commands (attribute has its own). */
export const BACKEND_FLAG: Record<string, OptionSpec> = {
  backend: { type: 'string', placeholder: 'wasm|cpu', description: 'TF.js backend (default wasm)' },
};

/** The flags every text command shares. */
export const TEXT_MODEL_FLAGS: Record<string, OptionSpec> = {
  text: { type: 'string', placeholder: '"..."', description: 'the text to explain (text models)' },
  tokenizer: { type: 'string', placeholder: 'tok.bin', description: 'llama2.c tokenizer (tok*.bin) for a .bin checkpoint' },
  truncate: { type: 'boolean', description: 'cut a text longer than the model\'s context (with a warning) instead of failing' },
};

/** A text model with its tokenizer and the text's tokens, as the text commands see it. */
interface LoadedText {
  kind: 'language-model' | 'classifier';
  name: string;
  /** The model as the perturbation methods see it: a black box from id sequences to logits. */
  sequenceModel: TokenSequenceModel;
  specials: SpecialTokens;
  /** The text's ids and the positions of special tokens (BOS, [CLS], [SEP]) that perturbations keep. */
  tokens: number[];
  fixed: number[];
  /** Tokens that end a generation (llama2.c: BOS, as run.c). */
  stopTokens: number[];
  dispose(): void;
}

/** A Glassbox transformer (TF.js): gradients, attention, lenses and perturbations. */
export interface TextModel extends LoadedText {
  engine: 'tfjs';
  transformer: Transformer;
}

/** A Hugging Face ONNX export: a black box, for the perturbation methods (and its attention outputs, when exported). */
export interface BlackBoxTextModel extends LoadedText {
  engine: 'onnx';
  transformer?: undefined;
}

export type AnyTextModel = TextModel | BlackBoxTextModel;

/**
 * `loadAnyTextModel` for the commands that need the transformer's internals (gradients, attention,
 * lenses): an ONNX text model is a clear error.
 */
export async function loadTextModel(flags: ParsedOptions, warn: (line: string) => void): Promise<TextModel> {
  const modelPath = stringOption(flags, 'model');
  const blackBox = () => new UsageError(`${modelPath} is an ONNX text model, a black box: this command needs a Glassbox transformer (e.g. --model spam)`,
    'on an ONNX text model use attribute --text ... --method occlusion, lime or kernel-shap');
  // Checked before loading, so the model is not read for nothing.
  if (modelPath && isOnnxTextFolder(modelPath)) throw blackBox();
  const model = await loadAnyTextModel(flags, warn);
  if (model.engine === 'tfjs') return model;
  model.dispose();
  throw blackBox();
}

/**
 * `--model <checkpoint.bin> --tokenizer <tok.bin>` (llama2.c), `--model <folder|spam>` (a Glassbox
 * text classifier), or `--model <folder|spam-onnx>` (a Hugging Face ONNX export: model.onnx and
 * tokenizer.json), and `--text`. Texts longer than the context are an error unless --truncate.
 */
export async function loadAnyTextModel(flags: ParsedOptions, warn: (line: string) => void): Promise<AnyTextModel> {
  const modelPath = stringOption(flags, 'model');
  if (!modelPath) throw new UsageError('--model is required', 'e.g. --model spam, or --model stories260K.bin --tokenizer tok512.bin');
  const text = stringOption(flags, 'text');
  if (text === undefined) throw new UsageError('--text is required', 'e.g. --text "Once upon a time"');
  if (text.trim() === '') throw new UsageError('the text is empty', 'give some words with --text "..."');
  const tokenizerPath = stringOption(flags, 'tokenizer');
  await useBackend(choiceOption(flags, 'backend', BACKENDS) ?? 'wasm');
  const truncate = flags.truncate === true;
  if (isOnnxTextFolder(modelPath)) {
    if (tokenizerPath) throw new UsageError('--tokenizer is for llama2.c checkpoints', 'an ONNX text model folder brings its own tokenizer.json: leave --tokenizer out');
    const model = await loadOnnxTextModel(modelPath);
    const full = model.tokenizer.encode(text);
    let encoding = full;
    if (full.ids.length > model.maxLength) {
      const message = `the text is ${full.ids.length} tokens (special tokens included), more than the model's context of ${model.maxLength}`;
      if (!truncate) {
        await model.dispose();
        throw new UsageError(message, 'shorten the text, or pass --truncate to explain its first tokens');
      }
      warn(`glassbox: ${message}: cut to the first ${model.maxLength} (--truncate)`);
      encoding = model.encode(text);
    }
    const unk = model.tokenizer.specials.unk;
    const unknown = encoding.ids.filter((id) => id === unk).length;
    if (unknown > 0) warn(`glassbox: ${unknown} word${unknown === 1 ? ' is' : 's are'} not in ${model.name}'s vocabulary and became ${model.tokenName(unk!)}`);
    return {
      engine: 'onnx', kind: model.kind, name: model.name, sequenceModel: model,
      specials: { pad: model.tokenizer.specials.pad, mask: model.tokenizer.specials.mask },
      tokens: encoding.ids, fixed: encoding.specialPositions, stopTokens: [], dispose: () => { void model.dispose(); },
    };
  }
  const isDirectory = (() => {
    try {
      return statSync(modelPath).isDirectory();
    } catch {
      return false;
    }
  })();
  if (isDirectory || (BUILT_IN_TEXT_CLASSIFIERS as readonly string[]).includes(modelPath)) {
    if (tokenizerPath) throw new UsageError('--tokenizer is for llama2.c checkpoints', `a text classifier folder brings its own tokenizer.json: leave --tokenizer out`);
    const model = await loadTextClassifier(modelPath);
    const full = model.tokenizer.encode(text);
    const max = model.maxLength;
    let encoding = full;
    if (full.ids.length > max) {
      const message = `the text is ${full.ids.length} tokens ([CLS] and [SEP] included), more than the model's context of ${max}`;
      if (!truncate) {
        model.dispose();
        throw new UsageError(message, 'shorten the text, or pass --truncate to explain its first tokens');
      }
      warn(`glassbox: ${message}: cut to the first ${max} (--truncate)`);
      encoding = model.encode(text);
    }
    const tok = model.tokenizer;
    const unknown = encoding.ids.filter((id) => id === tok.unkId).length;
    if (unknown > 0) warn(`glassbox: ${unknown} word${unknown === 1 ? ' is' : 's are'} not in ${model.name}'s vocabulary and became [UNK]`);
    const fixed = encoding.ids.flatMap((id, p) => (id === tok.clsId || id === tok.sepId ? [p] : []));
    return {
      engine: 'tfjs', kind: 'classifier', name: model.name, transformer: model.transformer, sequenceModel: transformerSequenceModel(model.transformer), specials: { pad: tok.padId, mask: tok.maskId },
      tokens: encoding.ids, fixed, stopTokens: [], dispose: () => model.dispose(),
    };
  }
  const builtInLm = isBuiltInLanguageModel(modelPath);
  if (builtInLm && tokenizerPath) throw new UsageError(`${modelPath} is a built-in language model with its own tokenizer`, 'leave --tokenizer out');
  if (!builtInLm && !modelPath.endsWith('.bin')) {
    throw new UsageError(`--model ${modelPath} is neither a text model folder nor a llama2.c .bin checkpoint`,
      `give a folder with config.json, weights.bin and tokenizer.json, an ONNX export folder (model.onnx, tokenizer.json), a built-in name (${[...BUILT_IN_TEXT_CLASSIFIERS, ...BUILT_IN_ONNX_TEXT_MODELS, ...BUILT_IN_LANGUAGE_MODELS].join(', ')}), or a .bin checkpoint with --tokenizer`);
  }
  if (!builtInLm && !tokenizerPath) throw new UsageError('a llama2.c checkpoint needs its tokenizer', 'add --tokenizer tok*.bin (the one exported with the model)');
  const model = builtInLm ? await loadBuiltinLanguageModel(modelPath) : await loadLlama2c(modelPath, tokenizerPath!);
  let tokens = model.encode(text);
  const max = model.transformer.config.maxLength;
  if (tokens.length > max) {
    const message = `the text is ${tokens.length} tokens (BOS included), more than the model's context of ${max}`;
    if (!truncate) {
      model.dispose();
      throw new UsageError(message, 'shorten the text, or pass --truncate to explain its first tokens');
    }
    warn(`glassbox: ${message}: cut to the first ${max} (--truncate)`);
    tokens = tokens.slice(0, max);
  }
  // llama2.c vocabularies have no pad or mask token: <unk> (id 0) stands in for an absent token.
  return {
    engine: 'tfjs', kind: 'language-model', name: model.transformer.name, transformer: model.transformer,
    sequenceModel: transformerSequenceModel(model.transformer), specials: { pad: 0, mask: 0 },
    tokens, fixed: tokens[0] === model.tokenizer.bos ? [0] : [], stopTokens: [model.tokenizer.bos], dispose: () => model.dispose(),
  };
}

/** A --layer or --head checked against the model. */
export function layerRange(what: 'layer' | 'head', value: number, count: number): void {
  if (!Number.isInteger(value) || value < 0 || value >= count) {
    throw new UsageError(`--${what} ${value} is out of range: the model has ${count} ${what}s`, `choose a ${what} from 0 to ${count - 1}`);
  }
}

/** Prints the output, or writes it to --out. */
export function emit(flags: ParsedOptions, text: string, out: (text: string) => void): void {
  const path = stringOption(flags, 'out');
  if (path) writeFileAtomic(path, text.endsWith('\n') ? text : `${text}\n`);
  else out(text);
}

/** JSON with non-finite numbers as null. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
}
