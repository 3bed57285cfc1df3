import { UsageError } from '../../errors.js';
import { checkSeed, Random } from '../../util/random.js';
import { checkPositiveInteger, checkVectors, type VectorSet } from '../neighbors/hnsw/check-vectors.js';
import type { Projection } from '../types.js';
import { fitAB } from './umap/fit-ab.js';
import { fuzzySimplicialSet } from './umap/fuzzy-graph.js';
import { exactKnn, hnswKnn, type UmapMetric } from './umap/knn.js';
import { optimizeLayout } from './umap/optimize-layout.js';
import { componentLabels, componentLayout } from './umap/component-layout.js';
import { spectralLayout } from './umap/spectral-init.js';

export interface UmapOptions {
  /** Neighbours per point, the point itself included (umap-learn's n_neighbors). Default 15. */
  nNeighbors?: number;
  /** How tightly points may pack in the layout. Default 0.1. */
  minDist?: number;
  /** The scale of the layout's distances. Default 1. */
  spread?: number;
  /** Default 500 for up to 10,000 points, else 200 (umap-learn). */
  nEpochs?: number;
  dims?: 2 | 3;
  metric?: UmapMetric;
  /** 'spectral' (default; a graph in pieces is laid out piece by piece, as umap-learn does) or 'random'. */
  init?: 'spectral' | 'random';
  /** Neighbour search: exact (every pair) or HNSW; 'auto' (default) is exact up to 5,000 points. */
  neighbors?: 'auto' | 'exact' | 'hnsw';
  negativeSampleRate?: number;
  learningRate?: number;
  repulsionStrength?: number;
  localConnectivity?: number;
  seed?: number;
  /** Called after each epoch (and once for the neighbour graph, as epoch 0). */
  onProgress?: (epoch: number, nEpochs: number) => void;
}

/**
 * Above this many points HNSW finds the neighbours: at 5,000 x 64 both take the same CPU time (about
 * 0.9 s), and comparing every pair grows with the square (umap-learn switches at 4,096).
 */
const EXACT_NEIGHBORS_LIMIT = 5_000;

/**
 * UMAP (McInnes, Healy & Melville 2018) with umap-learn's semantics: a fuzzy graph of each point's
 * nearest neighbours, laid out in 2-D or 3-D by sampled attraction along its edges and repulsion from
 * random points. Seeded: the same points, options and seed give the same coordinates.
 */
export async function umap(embeddings: VectorSet, options: UmapOptions = {}): Promise<Projection> {
  checkVectors(embeddings, 'umap');
  const { count } = embeddings;
  const nNeighbors = options.nNeighbors ?? 15;
  const minDist = options.minDist ?? 0.1;
  const spread = options.spread ?? 1;
  const nEpochs = options.nEpochs ?? (count <= 10_000 ? 500 : 200);
  const dims = options.dims ?? 2;
  const metric = options.metric ?? 'euclidean';
  const initChoice = options.init ?? 'spectral';
  const negativeSampleRate = options.negativeSampleRate ?? 5;
  const learningRate = options.learningRate ?? 1;
  const repulsionStrength = options.repulsionStrength ?? 1;
  const localConnectivity = options.localConnectivity ?? 1;
  const seed = checkSeed(options.seed ?? 0);
  const neighborsChoice = options.neighbors ?? 'auto';
  checkOptions({ count, nNeighbors, minDist, spread, nEpochs, dims, metric, initChoice, negativeSampleRate, learningRate, repulsionStrength, localConnectivity, neighborsChoice });

  const started = performance.now();
  const random = new Random(seed);
  const useHnsw = neighborsChoice === 'hnsw' || (neighborsChoice === 'auto' && count > EXACT_NEIGHBORS_LIMIT);
  const knn = useHnsw ? hnswKnn(embeddings, nNeighbors, metric, seed) : exactKnn(embeddings, nNeighbors, metric);
  const neighborsMs = performance.now() - started;
  options.onProgress?.(0, nEpochs);

  const graph = fuzzySimplicialSet(knn, count, localConnectivity);
  // Edges too weak to be sampled even once in nEpochs are dropped, as umap-learn does (which, for 10
  // epochs or fewer, prunes as for its default number instead).
  let maxWeight = 0;
  for (const w of graph.weights) maxWeight = Math.max(maxWeight, w);
  const pruneEpochs = nEpochs > 10 ? nEpochs : count <= 10_000 ? 500 : 200;
  const keep: number[] = [];
  for (let e = 0; e < graph.weights.length; e++) if (graph.weights[e]! >= maxWeight / pruneEpochs) keep.push(e);
  const pruned = {
    count,
    heads: Int32Array.from(keep, (e) => graph.heads[e]!),
    tails: Int32Array.from(keep, (e) => graph.tails[e]!),
    weights: Float64Array.from(keep, (e) => graph.weights[e]!),
  };
  const { components } = componentLabels(pruned);

  let embedding: Float64Array;
  let spectralIterations = 0;
  if (initChoice === 'spectral' && count > dims + 1) {
    if (components === 1) {
      const spectral = spectralLayout(pruned, dims, random);
      spectralIterations = spectral.iterations;
      embedding = spectral.layout;
    } else {
      embedding = componentLayout(embeddings, pruned, dims, random);
    }
    let largest = 0;
    for (const v of embedding) largest = Math.max(largest, Math.abs(v));
    const expansion = largest > 0 ? 10 / largest : 1;
    for (let i = 0; i < embedding.length; i++) embedding[i] = embedding[i]! * expansion + 1e-4 * random.normal();
  } else {
    embedding = Float64Array.from({ length: count * dims }, () => 20 * random.uniform() - 10);
  }
  const init = initChoice === 'spectral' && count > dims + 1 ? (components === 1 ? 'spectral' : 'spectral per component') : 'random';
  rescaleColumns(embedding, count, dims);

  const { a, b } = fitAB(minDist, spread);
  const epochsPerSample = Float64Array.from(pruned.weights, (w) => maxWeight / w);
  const optimizeStarted = performance.now();
  let lastYield = optimizeStarted;
  await optimizeLayout(embedding, count, dims, { heads: pruned.heads, tails: pruned.tails, epochsPerSample }, {
    a, b, nEpochs, learningRate, negativeSampleRate, repulsionStrength,
    onEpoch: async (epoch) => {
      options.onProgress?.(epoch, nEpochs);
      // Hand the event loop a turn now and then, so progress draws and timers fire during long layouts.
      if (performance.now() - lastYield > 100) {
        await new Promise((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
    },
  }, random);
  const finished = performance.now();

  return {
    method: 'umap',
    count,
    dims,
    coordinates: Float32Array.from(embedding),
    parameters: {
      nNeighbors, minDist, spread, nEpochs, metric, init, neighbors: useHnsw ? 'hnsw' : 'exact',
      negativeSampleRate, learningRate, repulsionStrength, localConnectivity, seed, a, b,
    },
    diagnostics: {
      edges: pruned.heads.length,
      components,
      spectralIterations,
      neighborsMs,
      optimizeMs: finished - optimizeStarted,
      totalMs: finished - started,
    },
  };
}

/** Scales each coordinate to [0, 10], as umap-learn does before optimising. */
function rescaleColumns(embedding: Float64Array, count: number, dims: number): void {
  for (let d = 0; d < dims; d++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < count; i++) {
      lo = Math.min(lo, embedding[i * dims + d]!);
      hi = Math.max(hi, embedding[i * dims + d]!);
    }
    const range = hi - lo || 1;
    for (let i = 0; i < count; i++) embedding[i * dims + d] = (10 * (embedding[i * dims + d]! - lo)) / range;
  }
}

interface CheckedOptions {
  count: number;
  nNeighbors: number;
  minDist: number;
  spread: number;
  nEpochs: number;
  dims: number;
  metric: string;
  initChoice: string;
  negativeSampleRate: number;
  learningRate: number;
  repulsionStrength: number;
  localConnectivity: number;
  neighborsChoice: string;
}

function checkOptions(o: CheckedOptions): void {
  if (o.count < 3) throw new UsageError(`umap needs at least 3 points, got ${o.count}`, 'project more points');
  checkPositiveInteger(o.nNeighbors, 'nNeighbors', 'use e.g. nNeighbors: 15');
  if (o.nNeighbors < 2) throw new UsageError(`nNeighbors must be at least 2 (it counts the point itself), got ${o.nNeighbors}`, 'use e.g. nNeighbors: 15');
  if (o.nNeighbors > o.count) {
    throw new UsageError(`nNeighbors = ${o.nNeighbors} is larger than the ${o.count} points`, `use nNeighbors <= ${o.count} (it counts the point itself), or project more points`);
  }
  checkPositiveInteger(o.nEpochs, 'nEpochs', 'use e.g. nEpochs: 500');
  if (o.dims !== 2 && o.dims !== 3) throw new UsageError(`dims must be 2 or 3, got ${o.dims}`, 'use dims: 2 or 3');
  if (o.metric !== 'euclidean' && o.metric !== 'cosine') throw new UsageError(`umap metric must be 'euclidean' or 'cosine', got '${o.metric}'`, "a dot product is no distance: use 'cosine' for directions");
  if (o.initChoice !== 'spectral' && o.initChoice !== 'random') throw new UsageError(`unknown init '${o.initChoice}'`, "use 'spectral' or 'random'");
  if (!['auto', 'exact', 'hnsw'].includes(o.neighborsChoice)) throw new UsageError(`unknown neighbour search '${o.neighborsChoice}'`, "use 'auto', 'exact' or 'hnsw'");
  if (!(o.spread > 0) || !Number.isFinite(o.spread)) throw new UsageError(`spread must be positive, got ${o.spread}`, 'use e.g. spread: 1');
  if (!(o.minDist >= 0) || o.minDist > o.spread) throw new UsageError(`minDist must be from 0 to spread (${o.spread}), got ${o.minDist}`, 'use e.g. minDist: 0.1');
  for (const [name, value] of [['negativeSampleRate', o.negativeSampleRate], ['learningRate', o.learningRate], ['repulsionStrength', o.repulsionStrength], ['localConnectivity', o.localConnectivity]] as const) {
    if (!(value > 0) || !Number.isFinite(value)) throw new UsageError(`${name} must be a positive number, got ${value}`, `leave ${name} at its default`);
  }
  if (o.localConnectivity > o.nNeighbors - 1) throw new UsageError(`localConnectivity ${o.localConnectivity} exceeds nNeighbors - 1`, 'use localConnectivity: 1');
}
