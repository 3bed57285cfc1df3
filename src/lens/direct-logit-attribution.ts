import { UsageError } from '../errors.js';
import type { Transformer } from '../models/transformer/transformer.js';
import { argmax } from '../models/transformer/transformer.js';
import { normScale, readout } from './readout.js';

export interface DirectLogitAttributionOptions {
  /** Language models: the position whose next-token logit is decomposed; default the last. (A classifier reads its pooled position.) */
  position?: number;
  /** Token (language model) or class (classifier) whose logit is decomposed; default the model's prediction. */
  target?: number;
  /** Decompose logit(target) - logit(contrast) instead. */
  contrast?: number;
}

/** One write into the residual stream and its share of the logit. */
export interface LogitComponent {
  /** "embed", "L0H2", "L0 attn bias", "L0 mlp". */
  name: string;
  kind: 'embed' | 'head' | 'attention-bias' | 'mlp';
  layer?: number;
  head?: number;
  value: number;
}

export interface DirectLogitAttribution {
  /** What the logit is: a next-token logit of a language model, or a class logit of a classifier. */
  readout: 'next-token' | 'class';
  tokens: string[];
  /** The position decomposed: a language model's chosen position, a classifier's pooled one. */
  position: number;
  target: number;
  targetName?: string;
  contrast?: number;
  contrastName?: string;
  /** The model's logit of the target (minus the contrast's) at the position. */
  logit: number;
  /** Embeddings, then per layer each head, the attention output bias and the MLP. */
  components: LogitComponent[];
  /**
   * The terms that belong to no component: the final LayerNorm's shift b . U_t (0 for RMSNorm), plus
   * for a classifier the class bias (each minus the contrast's).
   */
  constant: number;
  /** The final norm's scale at this position, frozen (1/sqrt(mean(x^2)+eps), or of the variance for LayerNorm). */
  normScale: number;
  /** sum(components) + constant - logit: float32 rounding only. */
  error: number;
}

/**
 * Direct logit attribution (as TransformerLens' decompose_resid / logit attributions): the final
 * residual at a position is the sum of the embeddings (with learned positions), every head's output,
 * every attention output bias and every MLP output. The final norm is linear once its scale is frozen
 * at its value on this input (the centring of LayerNorm is linear anyway), so
 *   logit_t = sum_c s (c - mean(c)) . (g * U_t) + b . U_t + bias_t
 * with c each component, s the frozen scale, g and b the norm's gain and shift, U_t the readout row
 * of t and bias_t its bias. The components add up to the logit minus the constant b . U_t + bias_t.
 * For a language model U is the unembedding (no bias here) and the position is chosen; for a
 * classifier U is the classifier matrix and the position is the one it pools ([CLS] / first, or last).
 * Mean pooling mixes every position, each through its own norm scale, and is refused.
 */
export function directLogitAttribution(transformer: Transformer, tokens: readonly number[], options: DirectLogitAttributionOptions = {}): DirectLogitAttribution {
  const config = transformer.config;
  if (tokens.length === 0) throw new UsageError('there are no tokens', 'give a non-empty text');
  const n = tokens.length;
  const position = decomposedPosition(transformer, n, options.position);
  const run = transformer.run([...tokens], { residuals: true, components: true });
  const outputs = transformer.numOutputs;
  const classifier = config.classifier;
  const checkId = (id: number, what: string) => {
    if (!Number.isInteger(id) || id < 0 || id >= outputs) {
      throw new UsageError(classifier ? `${what} class ${id} is out of range: the model has ${outputs} classes` : `${what} ${id} is outside the vocabulary of ${outputs}`,
        classifier ? `choose a class from 0 to ${outputs - 1}` : `choose a token id from 0 to ${outputs - 1}`);
    }
  };
  const logits = run.logits[classifier ? 0 : position];
  const target = options.target ?? argmax(logits);
  checkId(target, 'target');
  if (options.contrast !== undefined) checkId(options.contrast, 'contrast');
  const r = readout(transformer, options.contrast === undefined ? [target] : [target, options.contrast]);
  const { dim } = config;
  // The direction a component is read along: g * (U_target - U_contrast).
  const direction = new Float64Array(dim);
  for (let i = 0; i < dim; i++) direction[i] = r.gain[i] * (r.rows[0][i] - (r.rows[1]?.[i] ?? 0));
  let constant = r.biases[0] - (r.biases[1] ?? 0);
  for (let i = 0; i < dim; i++) constant += r.shift[i] * (r.rows[0][i] - (r.rows[1]?.[i] ?? 0));
  const residuals = run.residuals!;
  const finalStart = ((residuals.layerNames.length - 1) * n + position) * dim;
  const scale = normScale(r, residuals.values, finalStart);
  const centre = r.kind === 'layernorm';
  const read = (values: ArrayLike<number>, start: number): number => {
    let mean = 0;
    if (centre) {
      for (let i = 0; i < dim; i++) mean += values[start + i];
      mean /= dim;
    }
    let s = 0;
    for (let i = 0; i < dim; i++) s += (values[start + i] - mean) * direction[i];
    return scale * s;
  };
  const c = run.components!;
  const components: LogitComponent[] = [{ name: 'embed', kind: 'embed', value: read(residuals.values, position * dim) }];
  for (let l = 0; l < c.layers; l++) {
    for (let h = 0; h < c.heads; h++) {
      components.push({ name: `L${l}H${h}`, kind: 'head', layer: l, head: h, value: read(c.headOutputs, ((l * c.heads + h) * n + position) * dim) });
    }
    components.push({ name: `L${l} attn bias`, kind: 'attention-bias', layer: l, value: read(c.attentionBiases, l * dim) });
    components.push({ name: `L${l} mlp`, kind: 'mlp', layer: l, value: read(c.mlpOutputs, (l * n + position) * dim) });
  }
  const logit = logits[target] - (options.contrast === undefined ? 0 : logits[options.contrast]);
  const total = components.reduce((a, x) => a + x.value, 0) + constant;
  const name = (id: number) => (classifier ? classifier.classNames?.[id] : transformer.vocabulary?.[id]);
  return {
    readout: classifier ? 'class' : 'next-token',
    tokens: tokens.map((id) => transformer.tokenName(id)), position, target,
    ...(name(target) !== undefined ? { targetName: name(target) } : {}),
    ...(options.contrast !== undefined ? { contrast: options.contrast, contrastName: name(options.contrast) } : {}),
    logit, components, constant, normScale: scale, error: total - logit,
  };
}

/** A language model's chosen position (default the last); a classifier's pooled position. */
function decomposedPosition(transformer: Transformer, n: number, requested: number | undefined): number {
  const pooling = transformer.config.classifier?.pooling;
  if (pooling === 'mean') {
    throw new UsageError(`${transformer.name} is a classifier that averages every position (mean pooling): its logit has no single residual stream to decompose`,
      'direct logit attribution of a classifier needs first ([CLS]) or last pooling; use glassbox attribute --text for token attributions');
  }
  if (pooling !== undefined) {
    const pooled = pooling === 'first' ? 0 : n - 1;
    if (requested !== undefined && requested !== pooled) {
      throw new UsageError(`${transformer.name} is a classifier that reads position ${pooled} only (${pooling} pooling), not ${requested}`,
        'leave the position out for a classifier');
    }
    return pooled;
  }
  const position = requested ?? n - 1;
  if (!Number.isInteger(position) || position < 0 || position >= n) throw new UsageError(`position ${position} is outside the ${n} tokens`, `choose a position from 0 to ${n - 1}`);
  return position;
}
