import { UsageError } from '../../errors.js';
import type { Transformer } from '../../models/transformer/transformer.js';
import type { TokenAttribution } from '../../attention/types.js';
import { checkTokens } from './embedding-gradients.js';
import { textInputXGradient } from './input-x-gradient.js';
import { textIntegratedGradients, type TextIntegratedGradientsOptions } from './integrated-gradients.js';
import { textSaliency } from './saliency.js';

/** Each generated token attributed to the prompt and the tokens generated before it. */
export interface GenerationAttribution {
  method: string;
  /** Prompt then generated tokens, as displayed. */
  tokens: string[];
  promptLength: number;
  /** The generated ids (the greedy continuation unless given). */
  generated: number[];
  /**
   * Row i explains generated token i (sequence position promptLength + i) and has promptLength + i
   * scores, one per context token before it: a lower-triangular generated x context matrix.
   */
  rows: number[][];
  /** The explained output of each step (the generated token's logit). */
  predictions: number[];
  convergenceDeltas?: number[];
  params: Record<string, unknown>;
}

export interface GenerationAttributionOptions {
  /** Gradient method per step; default input-x-gradient (one backward pass per generated token). */
  method?: 'saliency' | 'input-x-gradient' | 'integrated-gradients';
  /** New tokens when `generated` is not given (greedy); default 10. */
  newTokens?: number;
  /** Explain this continuation instead of the greedy one (e.g. a sampled text). */
  generated?: number[];
  /** Options of integrated gradients. */
  integratedGradients?: Omit<TextIntegratedGradientsOptions, 'target' | 'position' | 'contrast'>;
  stopTokens?: number[];
}

/**
 * Attribution of a generation as Inseq's attribute for decoder-only models: at each step the
 * generated token's logit at the position before it is explained over all tokens so far.
 */
export function generationAttribution(transformer: Transformer, prompt: readonly number[], options: GenerationAttributionOptions = {}): GenerationAttribution {
  if (transformer.config.classifier) throw new UsageError(`${transformer.name} is a classifier`, 'attributing a generation needs a language model');
  checkTokens(transformer, prompt);
  const method = options.method ?? 'input-x-gradient';
  if (!['saliency', 'input-x-gradient', 'integrated-gradients'].includes(method)) {
    throw new UsageError(`unknown method "${method}" for a generation`, 'use saliency, input-x-gradient or integrated-gradients');
  }
  const generated = options.generated ?? transformer.generate([...prompt], options.newTokens ?? 10, { stopTokens: options.stopTokens });
  const all = [...prompt, ...generated];
  checkTokens(transformer, all);
  const rows: number[][] = [];
  const predictions: number[] = [];
  const deltas: number[] = [];
  generated.forEach((id, i) => {
    const context = all.slice(0, prompt.length + i);
    const target = { target: id };
    let result: TokenAttribution;
    if (method === 'saliency') result = textSaliency(transformer, context, target);
    else if (method === 'input-x-gradient') result = textInputXGradient(transformer, context, target);
    else result = textIntegratedGradients(transformer, context, { ...options.integratedGradients, ...target });
    rows.push(result.scores);
    predictions.push(result.prediction);
    if (result.convergenceDelta !== undefined) deltas.push(result.convergenceDelta);
  });
  return {
    method, tokens: all.map((id) => transformer.tokenName(id)), promptLength: prompt.length, generated: [...generated], rows, predictions,
    ...(deltas.length > 0 ? { convergenceDeltas: deltas } : {}),
    params: { greedy: options.generated === undefined },
  };
}
