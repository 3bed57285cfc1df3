import { UsageError } from '../../errors.js';

/**
 * The architecture of a pre-norm transformer (GPT-2 / Llama layout: x + attn(norm(x)), then
 * x + mlp(norm(x)), and a final norm before the unembedding or the classifier).
 */
export interface TransformerConfig {
  vocabSize: number;
  /** Width of the residual stream. */
  dim: number;
  layers: number;
  heads: number;
  /** Key/value heads (grouped-query attention); defaults to `heads`. Must divide `heads`. */
  kvHeads?: number;
  /** Width of the MLP's hidden layer. */
  hiddenDim: number;
  /** Longest sequence the positional scheme covers. */
  maxLength: number;
  norm: 'layernorm' | 'rmsnorm';
  /** Added to the variance (layernorm) or the mean square (rmsnorm); 1e-5 by default. */
  normEps?: number;
  /** `gelu`: w2(gelu(w1 x + b1)) + b2 with the exact (erf) GELU; `swiglu`: w2(silu(w1 x) * w3 x) as Llama. */
  mlp: 'gelu' | 'swiglu';
  /** Whether position q attends only to keys <= q (a decoder). */
  causal: boolean;
  /** `learned`: a position embedding table added to the token embeddings; `rotary`: RoPE on queries and keys. */
  positional: 'learned' | 'rotary';
  /** RoPE base; 10000 by default. Rotary pairs are adjacent dimensions (2i, 2i+1) of each head, as Meta's Llama and llama2.c. */
  ropeTheta?: number;
  /** Whether the unembedding is the token embedding table (tied) or a matrix of its own. */
  tiedUnembedding: boolean;
  /**
   * A classification head instead of next-token logits: `first` pools the first position (a class
   * token), `mean` averages all positions, `last` takes the last one.
   */
  classifier?: { classes: number; pooling: 'first' | 'mean' | 'last'; classNames?: string[] };
}

export function headDim(config: TransformerConfig): number {
  return config.dim / config.heads;
}

export function kvHeads(config: TransformerConfig): number {
  return config.kvHeads ?? config.heads;
}

/** Checks that the sizes fit together, so a bad config fails here and not deep inside a matmul. */
export function validateConfig(config: TransformerConfig): void {
  const positive = ['vocabSize', 'dim', 'layers', 'heads', 'hiddenDim', 'maxLength'] as const;
  for (const key of positive) {
    const value = config[key];
    if (!Number.isInteger(value) || value <= 0) {
      throw new UsageError(`transformer config: ${key} is ${value}`, `${key} must be a positive integer`);
    }
  }
  if (config.dim % config.heads !== 0) {
    throw new UsageError(`transformer config: dim ${config.dim} is not divisible by heads ${config.heads}`,
      'choose heads that divide dim (the head size is dim / heads)');
  }
  const kv = kvHeads(config);
  if (!Number.isInteger(kv) || kv <= 0 || config.heads % kv !== 0) {
    throw new UsageError(`transformer config: kvHeads ${kv} does not divide heads ${config.heads}`,
      'kvHeads must be a positive divisor of heads (equal to heads for plain multi-head attention)');
  }
  if (config.positional === 'rotary' && headDim(config) % 2 !== 0) {
    throw new UsageError(`transformer config: rotary positions need an even head size, got ${headDim(config)}`,
      'choose dim and heads so that dim / heads is even');
  }
  if (!['layernorm', 'rmsnorm'].includes(config.norm)) {
    throw new UsageError(`transformer config: unknown norm "${config.norm}"`, 'use layernorm or rmsnorm');
  }
  if (!['gelu', 'swiglu'].includes(config.mlp)) {
    throw new UsageError(`transformer config: unknown mlp "${config.mlp}"`, 'use gelu or swiglu');
  }
  if (!['learned', 'rotary'].includes(config.positional)) {
    throw new UsageError(`transformer config: unknown positional scheme "${config.positional}"`, 'use learned or rotary');
  }
  const classifier = config.classifier;
  if (classifier) {
    if (!Number.isInteger(classifier.classes) || classifier.classes <= 0) {
      throw new UsageError(`transformer config: classifier.classes is ${classifier.classes}`, 'give a positive number of classes');
    }
    if (classifier.classNames && classifier.classNames.length !== classifier.classes) {
      throw new UsageError(`transformer config: ${classifier.classNames.length} class names for ${classifier.classes} classes`,
        'give one name per class');
    }
  }
}
