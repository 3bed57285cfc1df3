import type { TokenAttribution } from '../attention/types.js';
import type { TokenBaseline } from '../attribution/text/baseline.js';
import { textInputXGradient } from '../attribution/text/input-x-gradient.js';
import { textIntegratedGradients } from '../attribution/text/integrated-gradients.js';
import { textKernelShap } from '../attribution/text/kernel-shap.js';
import { textLime } from '../attribution/text/lime.js';
import { textOcclusion } from '../attribution/text/occlusion.js';
import { textSaliency } from '../attribution/text/saliency.js';
import type { TextTarget } from '../attribution/text/target.js';
import { generationAttribution } from '../attribution/text/generation.js';
import type { TokenAbsence } from '../attribution/text/token-game.js';
import { INTEGRATION_METHODS, type IntegrationMethod } from '../attribution/integration.js';
import { UsageError } from '../errors.js';
import { choiceOption, intOption, stringOption, type OptionSpec, type ParsedOptions } from './args.js';
import type { CommandIo } from './attribute.js';
import { isOnnxTextFolder } from '../models/onnx-text/load.js';
import type { Transformer } from '../models/transformer/transformer.js';
import { emit, loadAnyTextModel, toJson, type AnyTextModel } from './text-model.js';

export const TEXT_METHOD_NAMES = ['saliency', 'input-x-gradient', 'integrated-gradients', 'occlusion', 'lime', 'kernel-shap'] as const;
export type TextMethodName = (typeof TEXT_METHOD_NAMES)[number];

/** Flags only `attribute --text` reads (the shared ones, --steps, --baseline, --samples, --seed, are the image methods'). */
export const TEXT_ATTRIBUTE_FLAGS: Record<string, OptionSpec> = {
  position: { type: 'string', placeholder: 'P', description: 'text: language models explain the next token at this position (default the last)' },
  contrast: { type: 'string', placeholder: 'ID', description: 'text: explain output(target) - output(contrast), "why this rather than that"' },
  span: { type: 'string', placeholder: 'K', description: 'text occlusion: tokens hidden together (default 1: leave one out)' },
  generate: { type: 'string', placeholder: 'N', description: 'language models: generate N tokens greedily and attribute each to the tokens before it (saliency, input-x-gradient, integrated-gradients)' },
};

/** The JSON of `attribute --text --generate N`: a generated x context matrix (row i has promptLength + i scores). */
export interface GenerationAttributeOutput {
  method: string;
  model: string;
  tokens: string[];
  promptLength: number;
  generated: number[];
  generatedText: string[];
  attributions: number[][];
  predictions: number[];
  convergenceDeltas?: number[];
}

/** The JSON that `attribute --text` prints. */
export interface TextAttributeOutput {
  method: string;
  model: string;
  tokens: string[];
  ids: number[];
  /** One score per token. */
  attributions: number[];
  target: number;
  targetName?: string;
  /** The explained output (logit, or probability with --output probability) of the target. */
  prediction: number;
  convergenceDelta?: number;
  params: Record<string, unknown>;
}

function baselineFlag(flags: ParsedOptions, model: AnyTextModel): TokenBaseline {
  const raw = stringOption(flags, 'baseline');
  // RMSNorm models without learned positions are flat in a zero baseline's direction except near 0:
  // a token baseline converges (see textIntegratedGradients); classifiers default to [PAD] likewise.
  if (raw === undefined) return 'pad';
  if (raw === 'zero' || raw === 'zeros') return 'zero';
  if (raw === 'pad' || raw === 'mask') return raw;
  const id = Number(raw);
  if (Number.isInteger(id) && id >= 0) return { tokenId: id };
  throw new UsageError(`--baseline must be zero, pad, mask or a token id for text, got "${raw}"`, `e.g. --baseline pad (id ${model.specials.pad ?? '?'})`);
}

function absenceFlag(flags: ParsedOptions, model: AnyTextModel): TokenAbsence {
  const raw = stringOption(flags, 'baseline');
  if (raw === undefined || raw === 'remove') return 'remove';
  if ((raw === 'pad' || raw === 'mask') && model.specials[raw] !== undefined) return { tokenId: model.specials[raw]! };
  const id = Number(raw);
  if (Number.isInteger(id) && id >= 0) return { tokenId: id };
  throw new UsageError(`--baseline for ${stringOption(flags, 'method')} must be remove, pad, mask or a token id, got "${raw}"`, 'e.g. --baseline remove (default) or --baseline pad');
}

/** `attribute --text`: token attributions of a text classifier's class or a language model's next token. */
export async function runTextAttribute(flags: ParsedOptions, io: CommandIo): Promise<number> {
  const method = stringOption(flags, 'method');
  if (!method) throw new UsageError('--method is required', `one of: ${TEXT_METHOD_NAMES.join(', ')}`);
  if (!(TEXT_METHOD_NAMES as readonly string[]).includes(method)) {
    throw new UsageError(`"${method}" is not a text method`, `for --text choose one of: ${TEXT_METHOD_NAMES.join(', ')}`);
  }
  if (stringOption(flags, 'input') !== undefined || stringOption(flags, 'data') !== undefined) {
    throw new UsageError('--text was given with --input or --data', 'give one input: --text for text models, --input for images, --data for tables');
  }
  const format = stringOption(flags, 'format') ?? 'json';
  if (format !== 'json') throw new UsageError(`unknown --format "${format}"`, 'use --format json');
  const output = choiceOption(flags, 'output', ['logit', 'probability'] as const);
  const targetSpec: TextTarget = {
    target: intOption(flags, 'target', { min: 0 }),
    position: intOption(flags, 'position', { min: 0 }),
    contrast: intOption(flags, 'contrast', { min: 0 }),
    output,
  };
  const steps = intOption(flags, 'steps', { min: 1 });
  const samples = intOption(flags, 'samples', { min: 2 });
  const seed = intOption(flags, 'seed', { min: 0 });
  const span = intOption(flags, 'span', { min: 1 });
  const stride = intOption(flags, 'stride', { min: 1 });
  const integration = choiceOption(flags, 'integration', INTEGRATION_METHODS) as IntegrationMethod | undefined;
  const modelPath = stringOption(flags, 'model');
  const gradientMethod = ['saliency', 'input-x-gradient', 'integrated-gradients'].includes(method);
  const blackBox = () => new UsageError(`${modelPath} is an ONNX text model, a black box: ${method} needs gradients, which it does not give`,
    'use --method occlusion, lime or kernel-shap');
  // Checked before loading, so the model is not read for nothing.
  if (gradientMethod && modelPath !== undefined && isOnnxTextFolder(modelPath)) throw blackBox();
  const model = await loadAnyTextModel(flags, io.warn);
  try {
    const { tokens, fixed, sequenceModel } = model;
    const gradientModel = (): Transformer => {
      if (!model.transformer) throw blackBox();
      return model.transformer;
    };
    if (targetSpec.position !== undefined && model.kind === 'classifier') {
      throw new UsageError('--position is for language models', 'a classifier explains its class for the whole text: leave --position out');
    }
    const generate = intOption(flags, 'generate', { min: 1 });
    if (generate !== undefined) {
      if (model.kind !== 'language-model') throw new UsageError('--generate needs a language model', 'a classifier does not generate: leave --generate out');
      if (!['saliency', 'input-x-gradient', 'integrated-gradients'].includes(method)) {
        throw new UsageError(`--generate works with the gradient methods, not ${method}`, 'use --method saliency, input-x-gradient or integrated-gradients');
      }
      if (targetSpec.target !== undefined || targetSpec.position !== undefined || targetSpec.contrast !== undefined) {
        throw new UsageError('--generate explains each generated token: --target, --position and --contrast do not apply', 'leave them out');
      }
      const transformer = gradientModel();
      const room = transformer.config.maxLength - tokens.length;
      if (room < 1) throw new UsageError(`the prompt fills the model's context of ${transformer.config.maxLength}`, 'shorten the prompt');
      const result = generationAttribution(transformer, tokens, {
        method: method as 'saliency' | 'input-x-gradient' | 'integrated-gradients', newTokens: Math.min(generate, room), stopTokens: model.stopTokens,
        integratedGradients: { steps, integration, baseline: baselineFlag(flags, model), specials: model.specials, keep: fixed },
      });
      if (generate > room) io.warn(`glassbox: only ${room} tokens fit in the context: generated ${result.generated.length}`);
      const json: GenerationAttributeOutput = {
        method: result.method, model: model.name, tokens: result.tokens, promptLength: result.promptLength, generated: result.generated,
        generatedText: result.tokens.slice(result.promptLength), attributions: result.rows, predictions: result.predictions,
        ...(result.convergenceDeltas ? { convergenceDeltas: result.convergenceDeltas } : {}),
      };
      emit(flags, toJson(json), io.out);
      return 0;
    }
    let result: TokenAttribution;
    switch (method as TextMethodName) {
      case 'saliency': result = textSaliency(gradientModel(), tokens, targetSpec); break;
      case 'input-x-gradient': result = textInputXGradient(gradientModel(), tokens, targetSpec); break;
      case 'integrated-gradients':
        result = textIntegratedGradients(gradientModel(), tokens, {
          ...targetSpec, steps, integration, baseline: baselineFlag(flags, model), specials: model.specials, keep: fixed,
        });
        break;
      case 'occlusion': result = await textOcclusion(sequenceModel, tokens, { ...targetSpec, span, stride, absence: absenceFlag(flags, model), fixed }); break;
      case 'lime': result = await textLime(sequenceModel, tokens, { ...targetSpec, numSamples: samples, seed, absence: absenceFlag(flags, model), fixed }); break;
      case 'kernel-shap': result = await textKernelShap(sequenceModel, tokens, { ...targetSpec, nsamples: samples, seed, absence: absenceFlag(flags, model), fixed }); break;
    }
    const json: TextAttributeOutput = {
      method: result.method, model: model.name, tokens: result.tokens, ids: tokens, attributions: result.scores,
      target: result.target, ...(result.targetName !== undefined ? { targetName: result.targetName } : {}),
      prediction: result.prediction,
      ...(result.convergenceDelta !== undefined ? { convergenceDelta: result.convergenceDelta } : {}),
      params: result.params,
    };
    emit(flags, toJson(json), io.out);
    return 0;
  } finally {
    model.dispose();
  }
}
