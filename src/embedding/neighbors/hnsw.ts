import { UsageError } from '../../errors.js';
import { checkSeed, Random } from '../../util/random.js';
import type { Metric, Neighbors } from '../types.js';
import { checkPositiveInteger, checkVectors, type VectorSet } from './hnsw/check-vectors.js';
import { distanceKernel, reportDistance, unitRows, type DistanceKernel } from './hnsw/distance.js';
import { emptyGraph, linkBlock, VisitedSet, type HnswGraph } from './hnsw/graph.js';
import { PairHeap } from './hnsw/heap.js';
import { drainSorted, greedyStep, searchLayer, type LayerSearchContext } from './hnsw/search-layer.js';
import { selectNeighbors, sortByDistance } from './hnsw/select-neighbors.js';

export interface HnswBuildOptions {
  metric?: Metric;
  /** Links per node on the upper layers (layer 0 gets 2M). Default 16. */
  m?: number;
  /** Candidates kept while linking a new node. Default 200, as hnswlib. */
  efConstruction?: number;
  /** Seeds the random levels; the same seed and points give the same index. Default 0. */
  seed?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface HnswSearchOptions {
  /** Candidates kept during the search (at least k). Larger is slower and more exact. Default max(k, 64). */
  ef?: number;
}

/** The parameters an index was built with, as stored with it. */
export interface HnswParameters {
  metric: Metric;
  count: number;
  dim: number;
  m: number;
  efConstruction: number;
  seed: number;
}

/** The parts of an index, as `serializeHnsw` writes them. */
export interface HnswParts {
  parameters: HnswParameters;
  /** The searched points (unit rows for cosine). */
  data: Float32Array;
  graph: HnswGraph;
}

const MAX_LEVEL = 255;

/**
 * Approximate nearest neighbours by a hierarchical navigable small world graph (Malkov & Yashunin, 2016),
 * on float32 rows, with euclidean, cosine or dot-product comparison. Built once, searched many times;
 * `serializeHnsw` / `deserializeHnsw` store it.
 */
export class HnswIndex {
  readonly parameters: HnswParameters;
  private readonly data: Float32Array;
  private readonly graph: HnswGraph;
  private readonly distance: DistanceKernel;

  private constructor(parts: HnswParts) {
    this.parameters = parts.parameters;
    this.data = parts.data;
    this.graph = parts.graph;
    this.distance = distanceKernel(parts.parameters.metric);
  }

  /** Builds an index over the rows of `points` (row-major [count, dim]). */
  static build(points: VectorSet, options: HnswBuildOptions = {}): HnswIndex {
    checkVectors(points, 'hnsw');
    const metric = checkMetric(options.metric ?? 'euclidean');
    const m = options.m ?? 16;
    const efConstruction = options.efConstruction ?? 200;
    const seed = checkSeed(options.seed ?? 0);
    checkPositiveInteger(m, 'm', 'use e.g. m: 16 (12-48 is usual)');
    if (m < 2 || m > 1024) throw new UsageError(`m must be from 2 to 1024, got ${m}`, 'use e.g. m: 16');
    checkPositiveInteger(efConstruction, 'efConstruction', 'use e.g. efConstruction: 200');
    const { count, dim } = points;
    const data = metric === 'cosine' ? unitRows(points.vectors, count, dim) : points.vectors.slice();
    const index = new HnswIndex({
      parameters: { metric, count, dim, m, efConstruction, seed },
      data,
      graph: emptyGraph(count, m),
    });
    index.insertAll(options.onProgress);
    return index;
  }

  /** Rebuilds an index from its stored parts (see deserializeHnsw). */
  static fromParts(parts: HnswParts): HnswIndex {
    return new HnswIndex(parts);
  }

  /** The stored parts, for serializeHnsw. The arrays are the index's own: do not change them. */
  parts(): HnswParts {
    return { parameters: this.parameters, data: this.data, graph: this.graph };
  }

  /** The k nearest indexed points to each query row (row-major [queries, dim]), nearest first. */
  search(queries: VectorSet, k: number, options: HnswSearchOptions = {}): Neighbors {
    checkVectors(queries, 'hnsw search');
    const { dim, count, metric } = this.parameters;
    if (queries.dim !== dim) {
      throw new UsageError(`queries have ${queries.dim} dimensions but the index has ${dim}`, 'search with vectors of the indexed dimension');
    }
    this.checkK(k, count);
    const ef = this.checkEf(options.ef, k);
    const query = metric === 'cosine' ? unitRows(queries.vectors, queries.count, dim) : queries.vectors;
    const context = this.searchContext(ef);
    const indices = new Int32Array(queries.count * k);
    const distances = new Float32Array(queries.count * k);
    for (let q = 0; q < queries.count; q++) {
      const found = this.searchOne(context, query, q * dim, ef);
      for (let j = 0; j < k; j++) {
        indices[q * k + j] = found.ids[j]!;
        distances[q * k + j] = reportDistance(metric, found.distances[j]!);
      }
    }
    return { k, queries: queries.count, metric, indices, distances };
  }

  /** The k nearest other indexed points of every indexed point (each point itself left out). */
  searchIndexed(k: number, options: HnswSearchOptions = {}): Neighbors {
    const { dim, count, metric } = this.parameters;
    if (Number.isInteger(k) && k >= count) {
      throw new UsageError(`k = ${k} neighbours asked, but each point has only ${count - 1} others`, `use k <= ${count - 1}`);
    }
    this.checkK(k, count);
    const ef = this.checkEf(options.ef, k + 1);
    const context = this.searchContext(ef);
    const indices = new Int32Array(count * k);
    const distances = new Float32Array(count * k);
    for (let q = 0; q < count; q++) {
      const found = this.searchOne(context, this.data, q * dim, ef);
      let j = 0;
      for (let r = 0; r < found.ids.length && j < k; r++) {
        if (found.ids[r] === q) continue;
        indices[q * k + j] = found.ids[r]!;
        distances[q * k + j] = reportDistance(metric, found.distances[r]!);
        j++;
      }
    }
    return { k, queries: count, metric, indices, distances };
  }

  private checkK(k: number, count: number): void {
    checkPositiveInteger(k, 'k', 'ask for at least one neighbour');
    if (k > count) throw new UsageError(`k = ${k} neighbours asked, but the index holds only ${count} points`, `use k <= ${count}`);
  }

  private checkEf(ef: number | undefined, k: number): number {
    if (ef === undefined) return Math.max(k, 64);
    checkPositiveInteger(ef, 'ef', 'use e.g. ef: 64');
    return Math.max(ef, k);
  }

  private searchContext(ef: number): LayerSearchContext {
    return {
      graph: this.graph,
      data: this.data,
      dim: this.parameters.dim,
      distance: this.distance,
      visited: new VisitedSet(this.parameters.count),
      candidates: new PairHeap(Math.max(64, 2 * ef)),
      results: new PairHeap(ef + 1),
    };
  }

  private searchOne(context: LayerSearchContext, query: Float32Array, offset: number, ef: number): { ids: Int32Array; distances: Float64Array } {
    const { graph, data, dim } = context;
    let node = graph.entryPoint;
    let best = this.distance(query, offset, data, node * dim, dim);
    for (let layer = graph.maxLevel; layer > 0; layer--) {
      ({ node, distance: best } = greedyStep(context, query, offset, node, best, layer));
    }
    searchLayer(context, query, offset, node, best, ef, 0);
    return drainSorted(context.results);
  }

  /** Algorithm 1 of the paper, one point after another in row order (so a seed fixes the index). */
  private insertAll(onProgress: ((done: number, total: number) => void) | undefined): void {
    const { count, dim, m, efConstruction, seed } = this.parameters;
    const graph = this.graph;
    const data = this.data;
    const random = new Random(seed);
    const levelScale = 1 / Math.log(m);
    const context = this.searchContext(efConstruction);
    const capacity = Math.max(efConstruction, graph.maxLinks0) + 1;
    const ids = new Int32Array(capacity);
    const dists = new Float64Array(capacity);
    const chosen = new Int32Array(capacity);
    const step = Math.max(1, Math.floor(count / 100));
    for (let q = 0; q < count; q++) {
      const level = Math.min(MAX_LEVEL, Math.floor(-Math.log(1 - random.uniform()) * levelScale));
      graph.levels[q] = level;
      if (level > 0) graph.upperLinks[q] = new Int32Array(level * (m + 1));
      if (graph.entryPoint < 0) {
        graph.entryPoint = q;
        graph.maxLevel = level;
        continue;
      }
      const offset = q * dim;
      let node = graph.entryPoint;
      let best = this.distance(data, offset, data, node * dim, dim);
      for (let layer = graph.maxLevel; layer > level; layer--) {
        ({ node, distance: best } = greedyStep(context, data, offset, node, best, layer));
      }
      for (let layer = Math.min(level, graph.maxLevel); layer >= 0; layer--) {
        searchLayer(context, data, offset, node, best, efConstruction, layer);
        const found = drainSorted(context.results);
        node = found.ids[0]!;
        best = found.distances[0]!;
        const kept = selectNeighbors(found.ids, found.distances, found.ids.length, m, data, dim, this.distance, chosen);
        const own = linkBlock(graph, q, layer);
        own.block[own.offset] = kept;
        for (let l = 0; l < kept; l++) own.block[own.offset + 1 + l] = chosen[l]!;
        const maxLinks = layer === 0 ? graph.maxLinks0 : m;
        for (let l = 0; l < kept; l++) this.linkBack(chosen[l]!, q, layer, maxLinks, ids, dists);
      }
      if (level > graph.maxLevel) {
        graph.entryPoint = q;
        graph.maxLevel = level;
      }
      if (onProgress && (q % step === 0 || q === count - 1)) onProgress(q + 1, count);
    }
  }

  /** Adds a link from `neighbour` to the new node; a full list is re-pruned by the same heuristic. */
  private linkBack(neighbour: number, added: number, layer: number, maxLinks: number, ids: Int32Array, dists: Float64Array): void {
    const { block, offset } = linkBlock(this.graph, neighbour, layer);
    const used = block[offset]!;
    if (used < maxLinks) {
      block[offset + 1 + used] = added;
      block[offset] = used + 1;
      return;
    }
    const { dim } = this.parameters;
    const data = this.data;
    const base = neighbour * dim;
    for (let l = 0; l < used; l++) {
      ids[l] = block[offset + 1 + l]!;
      dists[l] = this.distance(data, base, data, ids[l]! * dim, dim);
    }
    ids[used] = added;
    dists[used] = this.distance(data, base, data, added * dim, dim);
    sortByDistance(ids, dists, used + 1);
    const kept = selectNeighbors(ids, dists, used + 1, maxLinks, data, dim, this.distance, block.subarray(offset + 1, offset + 1 + maxLinks));
    block[offset] = kept;
  }
}

function checkMetric(metric: Metric): Metric {
  if (metric !== 'euclidean' && metric !== 'cosine' && metric !== 'dot') {
    throw new UsageError(`unknown metric '${String(metric)}'`, "use 'euclidean', 'cosine' or 'dot'");
  }
  return metric;
}
