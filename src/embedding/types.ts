/**
 * Shared data types of the embedding-space tools (activations, projections, neighbours, concepts).
 * Plain data: typed arrays plus small JSON-able fields, so results serialise and cross worker threads.
 */

/** How two vectors are compared. 'dot' is a similarity (larger is nearer); the others are distances. */
export type Metric = 'euclidean' | 'cosine' | 'dot';

/** A metadata column: one value per point (label, prediction, text, file name, ...). */
export type MetadataColumn = (string | number)[];

/** Points in a vector space: row-major float32 [count, dim] with per-point metadata. */
export interface Embeddings {
  count: number;
  dim: number;
  vectors: Float32Array;
  /** Columns in display order; each has `count` values. */
  metadata: Record<string, MetadataColumn>;
  /** Where the vectors came from, when Glassbox collected them. */
  source?: { model?: string; layer?: string; data?: string };
}

/** 2-D or 3-D coordinates of a projection, with what the method reports about itself. */
export interface Projection {
  method: 'pca' | 'tsne' | 'umap';
  count: number;
  dims: 2 | 3;
  /** Row-major float32 [count, dims]. */
  coordinates: Float32Array;
  /** Method parameters actually used (perplexity, learning rate, seed, ...). */
  parameters: Record<string, number | string | boolean>;
  /** Method-specific figures: explained variance (PCA), final KL divergence (t-SNE), ... */
  diagnostics: Record<string, number | number[]>;
}

/** The k nearest neighbours of each query, nearest first. */
export interface Neighbors {
  k: number;
  queries: number;
  metric: Metric;
  /** Row-major int32 [queries, k]: indices into the searched set. */
  indices: Int32Array;
  /** Row-major float32 [queries, k]: distances (or, for 'dot', similarities). */
  distances: Float32Array;
}
