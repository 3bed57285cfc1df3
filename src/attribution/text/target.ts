import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../../errors.js';
import { Transformer, argmax } from '../../models/transformer/transformer.js';
import type { TokenModel } from './transformer-sequence-model.js';

/**
 * What a token attribution explains. For a classifier: a class. For a language model: the next token
 * predicted at one position (default the last), i.e. the logit of token `target` in row `position`.
 * With `contrast`, the explained output is the difference target - contrast ("why this token rather
 * than that one", Yin & Neubig 2022), so every method attributes the margin between the two.
 */
export interface TextTarget {
  /** Class or next-token id; default the model's prediction (the argmax at `position`). */
  target?: number;
  /** Language models: the position whose next-token distribution is explained; default the last. */
  position?: number;
  /** A second class or token: explain output(target) - output(contrast). */
  contrast?: number;
  /** Explain the logit (default: additive, what direct logit attribution decomposes) or the softmax probability. */
  output?: 'logit' | 'probability';
}

/** A target checked against the model and one input. */
export interface ResolvedTarget {
  target: number;
  position: number;
  contrast?: number;
  output: 'logit' | 'probability';
  /** Class or token names when the model has them. */
  targetName?: string;
  contrastName?: string;
  /** Whether the model is a classifier (one output row per input) rather than a language model. */
  classifier: boolean;
}

export function resolveTarget(transformer: Transformer, tokens: readonly number[], spec: TextTarget = {}): ResolvedTarget {
  const classifier = transformer.config.classifier !== undefined;
  const name = (id: number) => (classifier ? transformer.config.classifier!.classNames?.[id] : transformer.vocabulary?.[id]);
  return checkTarget({ classifier, outputs: transformer.numOutputs, name }, tokens, spec,
    (position) => transformer.run([...tokens]).logits[classifier ? 0 : position]);
}

/** `resolveTarget` for any token model (a black box such as an ONNX export): the prediction is asynchronous. */
export async function resolveSequenceTarget(model: TokenModel, tokens: readonly number[], spec: TextTarget = {}): Promise<ResolvedTarget> {
  if (model instanceof Transformer) return resolveTarget(model, tokens, spec);
  const classifier = model.kind === 'classifier';
  const shape = { classifier, outputs: model.numOutputs, name: (id: number) => model.outputName(id) };
  if (spec.target !== undefined) return checkTarget(shape, tokens, spec);
  // A bad position fails before the model runs.
  const position = checkPosition(classifier, tokens, spec);
  const [rows] = await model.outputs([tokens]);
  return checkTarget(shape, tokens, { ...spec, target: argmax(rows[classifier ? 0 : position]) });
}

interface OutputShape {
  classifier: boolean;
  outputs: number;
  name: (id: number) => string | undefined;
}

/** The explained position (language models; a classifier's is irrelevant), checked against the tokens. */
function checkPosition(classifier: boolean, tokens: readonly number[], spec: TextTarget): number {
  if (tokens.length === 0) throw new UsageError('there are no tokens to explain', 'give a non-empty text');
  const position = spec.position ?? tokens.length - 1;
  if (!classifier && (!Number.isInteger(position) || position < 0 || position >= tokens.length)) {
    throw new UsageError(`position ${spec.position} is outside the ${tokens.length} tokens`, `choose a position from 0 to ${tokens.length - 1}`);
  }
  return position;
}

/** The target (the prediction at `position` when not given) checked against the model's outputs. */
function checkTarget(model: OutputShape, tokens: readonly number[], spec: TextTarget, predict?: (position: number) => Float32Array): ResolvedTarget {
  const { classifier, outputs } = model;
  const position = checkPosition(classifier, tokens, spec);
  const checkOutput = (value: number, what: string) => {
    if (!Number.isInteger(value) || value < 0 || value >= outputs) {
      throw new UsageError(`${what} ${value} is out of range: the model has ${outputs} ${classifier ? 'classes' : 'tokens in its vocabulary'}`,
        `choose a ${what} from 0 to ${outputs - 1}`);
    }
  };
  const target = spec.target ?? argmax(predict!(position));
  checkOutput(target, 'target');
  if (spec.contrast !== undefined) {
    checkOutput(spec.contrast, 'contrast');
    if (spec.contrast === target) throw new UsageError(`the contrast ${spec.contrast} is the target itself`, 'contrast the target with a different class or token');
  }
  const output = spec.output ?? 'logit';
  if (output !== 'logit' && output !== 'probability') throw new UsageError(`unknown output "${String(output)}"`, 'use logit or probability');
  return {
    target, position: classifier ? 0 : position, contrast: spec.contrast, output, classifier,
    targetName: model.name(target), ...(spec.contrast !== undefined ? { contrastName: model.name(spec.contrast) } : {}),
  };
}

/**
 * The explained scalar per input from the model's logits: [batch, classes] for a classifier, or
 * [batch, length, vocab] for a language model (row `position` is read).
 */
export function explainedOutput(logits: tf.Tensor, resolved: ResolvedTarget): tf.Tensor1D {
  return tf.tidy(() => {
    let rows = logits;
    if (!resolved.classifier) {
      const [batch, , vocab] = logits.shape;
      rows = tf.reshape(tf.slice(logits, [0, resolved.position, 0], [batch, 1, vocab]), [batch, vocab]);
    }
    const scores = resolved.output === 'probability' ? tf.softmax(rows) : rows;
    const pick = (id: number) => tf.squeeze(tf.slice(scores, [0, id], [-1, 1]), [1]);
    const value = pick(resolved.target);
    return (resolved.contrast === undefined ? value : tf.sub(value, pick(resolved.contrast))) as tf.Tensor1D;
  });
}

/** The same scalar from one row of plain logits (perturbation methods). */
export function explainedValue(row: Float32Array, resolved: ResolvedTarget): number {
  if (resolved.output === 'logit') {
    return row[resolved.target] - (resolved.contrast === undefined ? 0 : row[resolved.contrast]);
  }
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) max = Math.max(max, row[i]);
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += Math.exp(row[i] - max);
  const p = (id: number) => Math.exp(row[id] - max) / sum;
  return p(resolved.target) - (resolved.contrast === undefined ? 0 : p(resolved.contrast));
}

/** What the method's `params` record about the target. */
export function targetParams(resolved: ResolvedTarget): Record<string, unknown> {
  return {
    output: resolved.output,
    ...(resolved.classifier ? {} : { position: resolved.position }),
    ...(resolved.contrast !== undefined ? { contrast: resolved.contrast, contrastName: resolved.contrastName } : {}),
  };
}
