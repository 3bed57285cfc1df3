import { UsageError } from '../../errors.js';
import { exactNeighbors } from '../neighbors/exact.js';
import type { Embeddings, Metric } from '../types.js';

export interface NearestExamplesOptions {
  k: number;
  /** Default 'euclidean'. */
  metric?: Metric;
  /** Skip a training row with the query's own index (when the queries are the training set); default false. */
  excludeSelf?: boolean;
}

/** One neighbour: its row in the training set, distance (similarity for 'dot') and metadata (its label...). */
export interface ExampleNeighbor {
  index: number;
  distance: number;
  metadata: Record<string, string | number>;
}

export interface NearestExamples {
  k: number;
  metric: Metric;
  /** Per query, nearest first. */
  queries: { query: number; examples: ExampleNeighbor[] }[];
}

/**
 * Explanation by example: the k training examples nearest to each query in a layer's activation space,
 * with their metadata (label, prediction, file name...). Exact search, every pair compared.
 */
export function nearestExamples(training: Embeddings, queries: Embeddings, options: NearestExamplesOptions): NearestExamples {
  if (queries.dim !== training.dim) {
    throw new UsageError(`the queries have ${queries.dim} dimensions, but the training examples have ${training.dim}`,
      `embed both with the same model and layer${training.source?.layer ? ` (the training examples come from layer ${training.source.layer})` : ''}`);
  }
  const metric = options.metric ?? 'euclidean';
  const found = exactNeighbors(training, queries, { k: options.k, metric, excludeSelf: options.excludeSelf ?? false });
  const columns = Object.entries(training.metadata);
  return {
    k: found.k,
    metric,
    queries: Array.from({ length: found.queries }, (_, q) => ({
      query: q,
      examples: Array.from({ length: found.k }, (_, j) => {
        const index = found.indices[q * found.k + j];
        return { index, distance: found.distances[q * found.k + j], metadata: Object.fromEntries(columns.map(([name, column]) => [name, column[index]])) };
      }),
    })),
  };
}
