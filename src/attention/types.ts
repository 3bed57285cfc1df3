/**
 * Plain-data results of the text and attention side, shared by the transformer models that produce
 * them, the methods that transform them (rollout, flow, lenses) and the renderers (head view, token
 * highlights, lens grid). Everything is typed arrays and strings, and serialises to JSON.
 */

/** Attention weights of every layer and head for one input: row q of a map is query q's distribution over keys. */
export interface AttentionMaps {
  /** The input's tokens as displayed (one per position). */
  tokens: string[];
  layers: number;
  heads: number;
  /** Sequence length: queries = keys = tokens.length. */
  length: number;
  /** Whether position q may attend only to keys <= q. */
  causal: boolean;
  /** layers * heads * length * length weights, laid out [layer][head][query][key]. */
  weights: Float32Array;
}

/** One attention map over the sequence ([query][key], length x length), e.g. a rollout or an aggregate. */
export interface TokenMatrix {
  tokens: string[];
  length: number;
  /** length * length values, row = query. */
  values: Float32Array;
}

/** Attributions of one explained output to the input tokens. */
export interface TokenAttribution {
  method: string;
  tokens: string[];
  /** One score per token. */
  scores: number[];
  /** The explained output (class or next-token id) and its name when known. */
  target: number;
  targetName?: string;
  /** The model output being explained (logit or probability of the target). */
  prediction: number;
  /** Sum of scores minus (f(x) - f(baseline)) where the method defines it. */
  convergenceDelta?: number;
  params: Record<string, unknown>;
}

/** The logit lens: each layer's residual stream decoded through the final norm and the unembedding. */
export interface LogitLens {
  tokens: string[];
  /** Layer labels, from the embeddings ("embed") to the last layer's output. */
  layerNames: string[];
  /** [layer][position] the top-k next tokens with their probabilities. */
  top: { token: string; id: number; probability: number }[][][];
  /** [layer][position] the probability of the token the model finally predicts (or of a chosen token). */
  chosenProbability: number[][];
  /** The chosen token per position (the model's final prediction unless one was given). */
  chosen: { token: string; id: number }[];
}
