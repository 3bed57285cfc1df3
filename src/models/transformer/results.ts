import type { AttentionMaps } from '../../attention/types.js';

/** The residual stream of one input after the embeddings and after each layer. */
export interface ResidualStreams {
  /** "embed", then "layer 0" ... "layer L-1" (the output of each block). */
  layerNames: string[];
  length: number;
  dim: number;
  /** layerNames.length * length * dim values, laid out [layer][position][dim]. */
  values: Float32Array;
}

/**
 * What each block writes into the residual stream, for direct logit attribution: the final residual
 * is the embeddings (with learned positions) plus, over layers, the heads' outputs, the attention
 * bias bo and the MLP output.
 */
export interface ResidualComponents {
  layers: number;
  heads: number;
  length: number;
  dim: number;
  /** [layer][head][position][dim] */
  headOutputs: Float32Array;
  /** [layer][dim]: the attention output bias bo (zeros when the model has none). */
  attentionBiases: Float32Array;
  /** [layer][position][dim] */
  mlpOutputs: Float32Array;
}

/** What `Transformer.run` returns for one input sequence: plain data, no tensors. */
export interface TransformerRun {
  tokens: number[];
  /** The tokens as displayed. */
  tokenNames: string[];
  /** Next-token logits [position][vocab] for a language model; one row of class logits for a classifier. */
  logits: Float32Array[];
  attentions?: AttentionMaps;
  residuals?: ResidualStreams;
  components?: ResidualComponents;
}

export interface RunOptions {
  /** Return every layer's attention weights per head. */
  attentions?: boolean;
  /** Return the residual stream after the embeddings and after every layer. */
  residuals?: boolean;
  /** Return each head's and each MLP's write to the residual stream (direct logit attribution). */
  components?: boolean;
}
