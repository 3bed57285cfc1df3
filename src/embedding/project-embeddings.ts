import { UsageError } from '../errors.js';
import { exactNeighbors } from './neighbors/exact.js';
import { HnswIndex } from './neighbors/hnsw.js';
import { pca } from './projection/pca.js';
import { tsne } from './projection/tsne.js';
import { umap } from './projection/umap.js';
import { continuity } from './quality/continuity.js';
import { trustworthiness } from './quality/trustworthiness.js';
import type { Embeddings, Metric, Neighbors, Projection } from './types.js';

export const PROJECTION_METHODS = ['pca', 'tsne', 'umap'] as const;
export type ProjectionMethod = (typeof PROJECTION_METHODS)[number];

export interface ProjectEmbeddingsOptions {
  methods: readonly ProjectionMethod[];
  dims?: 2 | 3;
  seed?: number;
  /** t-SNE's perplexity (default 30, lowered to (N - 1) / 3 for small sets, as a user would have to). */
  perplexity?: number;
  /** UMAP's n_neighbors (default 15). */
  nNeighbors?: number;
  /** UMAP's min_dist (default 0.1). */
  minDist?: number;
  /** t-SNE iterations (default 1000). */
  iterations?: number;
  /** Neighbours counted by trustworthiness and continuity (default 5, sklearn's default for trustworthiness). */
  qualityK?: number;
  /** Above this many points, the quality measures are estimated on this many sampled points (default 2,000). */
  qualitySample?: number;
  onProgress?: (method: ProjectionMethod, done: number, total: number) => void;
}

/** One projection with its quality figures and its time. */
export interface ProjectedEmbeddings {
  projection: Projection;
  trustworthiness: number;
  continuity: number;
  qualityK: number;
  /** Set when the quality figures are estimates over sampled points. */
  qualitySample?: number;
  seconds: number;
}

/** Runs each projection method on the embeddings and measures how well it keeps neighbourhoods. */
export async function projectEmbeddings(embeddings: Embeddings, options: ProjectEmbeddingsOptions): Promise<ProjectedEmbeddings[]> {
  if (options.methods.length === 0) throw new UsageError('no projection method given', `choose from ${PROJECTION_METHODS.join(', ')}`);
  for (const m of options.methods) {
    if (!(PROJECTION_METHODS as readonly string[]).includes(m)) throw new UsageError(`unknown projection method "${m}"`, `choose from ${PROJECTION_METHODS.join(', ')}`);
  }
  const n = embeddings.count;
  const qualityK = options.qualityK ?? 5;
  if (!Number.isInteger(qualityK) || qualityK < 1 || qualityK >= n / 2) {
    throw new UsageError(`the quality measures need k below half the ${n} points, got ${qualityK}`, n > 4 ? `use a k from 1 to ${Math.ceil(n / 2) - 1}` : 'project more points');
  }
  const sampleLimit = options.qualitySample ?? 2_000;
  const quality = n > sampleLimit ? { sample: sampleLimit, seed: options.seed ?? 0 } : {};
  const dims = options.dims ?? 2;
  const seed = options.seed ?? 0;
  const results: ProjectedEmbeddings[] = [];
  for (const method of options.methods) {
    const progress = (done: number, total: number) => options.onProgress?.(method, done, total);
    const start = performance.now();
    let projection: Projection;
    if (method === 'pca') {
      projection = pca(embeddings, { components: dims, seed });
    } else if (method === 'tsne') {
      if (dims !== 2) throw new UsageError('t-SNE here lays points out in 2-D only', 'use --dims 2 with tsne, or pca / umap for 3-D');
      const perplexity = options.perplexity ?? Math.min(30, Math.max(1, Math.floor((n - 1) / 3)));
      projection = await tsne(embeddings, { perplexity, seed, onProgress: progress, ...(options.iterations ? { iterations: options.iterations } : {}) });
    } else {
      projection = await umap(embeddings, { dims, seed, onProgress: progress, ...(options.nNeighbors ? { nNeighbors: options.nNeighbors } : {}), ...(options.minDist !== undefined ? { minDist: options.minDist } : {}) });
    }
    const seconds = (performance.now() - start) / 1000;
    results.push({
      projection,
      trustworthiness: trustworthiness(embeddings, projection, qualityK, quality),
      continuity: continuity(embeddings, projection, qualityK, quality),
      qualityK,
      ...(quality.sample ? { qualitySample: quality.sample } : {}),
      seconds,
    });
  }
  return results;
}

/** Each point's k nearest neighbours in the original space: exact up to 20,000 points, HNSW above. */
export function neighborsOfEveryPoint(embeddings: Embeddings, k: number, metric: Metric = 'euclidean'): Neighbors {
  if (embeddings.count <= 20_000) return exactNeighbors(embeddings, undefined, { k, metric });
  return HnswIndex.build(embeddings, { metric, seed: 0 }).searchIndexed(k);
}
