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

/** What `Transformer.run` returns for one input sequence: plain data, no tensors. */
export interface TransformerRun {
  tokens: number[];
  /** The tokens as displayed. */
  tokenNames: string[];
  /** Next-token logits [position][vocab] for a language model; one row of class logits for a classifier. */
  logits: Float32Array[];
  attentions?: AttentionMaps;
  residuals?: ResidualStreams;
}

export interface RunOptions {
  /** Return every layer's attention weights per head. */
  attentions?: boolean;
  /** Return the residual stream after the embeddings and after every layer. */
  residuals?: boolean;
}
