import type { Random } from '../../../util/random.js';
import type { VectorSet } from '../../neighbors/hnsw/check-vectors.js';
import { principalComponents } from '../principal-components.js';
import type { FuzzyGraph } from './fuzzy-graph.js';
import { spectralLayout } from './spectral-init.js';

/** Each point's connected piece of the graph (0-based, in order of first point), and how many there are. */
export function componentLabels(graph: FuzzyGraph): { labels: Int32Array; components: number } {
  const parent = Int32Array.from({ length: graph.count }, (_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]!]!;
      x = parent[x]!;
    }
    return x;
  };
  for (let e = 0; e < graph.heads.length; e++) {
    const a = find(graph.heads[e]!);
    const b = find(graph.tails[e]!);
    if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
  }
  const labels = new Int32Array(graph.count);
  const byRoot = new Map<number, number>();
  for (let i = 0; i < graph.count; i++) {
    const root = find(i);
    let label = byRoot.get(root);
    if (label === undefined) byRoot.set(root, (label = byRoot.size));
    labels[i] = label;
  }
  return { labels, components: byRoot.size };
}

/**
 * umap-learn's multi_component_layout for a graph in pieces: each piece gets its own spectral layout
 * (random if too small), scaled to half the gap to the nearest other piece and placed at the piece's
 * spot. Spots are +-unit vectors while there are at most 2 * dims pieces; beyond that umap-learn lays
 * the pieces' centroids out spectrally, here by their principal components (scaled to [-1, 1]).
 */
export function componentLayout(points: VectorSet, graph: FuzzyGraph, dims: number, random: Random): Float64Array {
  const { labels, components } = componentLabels(graph);
  const spots = componentSpots(points, labels, components, dims);
  const layout = new Float64Array(graph.count * dims);
  for (let c = 0; c < components; c++) {
    let gap = Infinity;
    for (let o = 0; o < components; o++) {
      let d = 0;
      for (let k = 0; k < dims; k++) d += (spots[c * dims + k]! - spots[o * dims + k]!) ** 2;
      if (d > 0) gap = Math.min(gap, Math.sqrt(d));
    }
    const range = Number.isFinite(gap) ? gap / 2 : 1;
    const members: number[] = [];
    for (let i = 0; i < graph.count; i++) if (labels[i] === c) members.push(i);
    const local = new Float64Array(members.length * dims);
    if (members.length < 2 * dims || members.length <= dims + 1) {
      for (let i = 0; i < local.length; i++) local[i] = range * (2 * random.uniform() - 1);
    } else {
      const { layout: piece } = spectralLayout(subgraph(graph, labels, c, members), dims, random);
      let largest = 0;
      for (const v of piece) largest = Math.max(largest, Math.abs(v));
      for (let i = 0; i < local.length; i++) local[i] = largest > 0 ? (piece[i]! * range) / largest : 0;
    }
    members.forEach((point, m) => {
      for (let k = 0; k < dims; k++) layout[point * dims + k] = local[m * dims + k]! + spots[c * dims + k]!;
    });
  }
  return layout;
}

function componentSpots(points: VectorSet, labels: Int32Array, components: number, dims: number): Float64Array {
  const spots = new Float64Array(components * dims);
  if (components <= 2 * dims) {
    const half = Math.ceil(components / 2);
    for (let c = 0; c < components; c++) spots[c * dims + (c % half)] = c < half ? 1 : -1;
    return spots;
  }
  const { count, dim, vectors } = points;
  const centroids = new Float32Array(components * dim);
  const sizes = new Float64Array(components);
  for (let i = 0; i < count; i++) {
    sizes[labels[i]!]++;
    for (let d = 0; d < dim; d++) centroids[labels[i]! * dim + d] += vectors[i * dim + d]!;
  }
  for (let c = 0; c < components; c++) for (let d = 0; d < dim; d++) centroids[c * dim + d]! /= sizes[c]!;
  const k = Math.min(dims, dim, components);
  const { scores } = principalComponents({ count: components, dim, vectors: centroids, metadata: {} }, { components: k, method: 'exact' });
  let largest = 0;
  for (const v of scores) largest = Math.max(largest, Math.abs(v));
  for (let c = 0; c < components; c++) for (let j = 0; j < k; j++) spots[c * dims + j] = largest > 0 ? scores[c * k + j]! / largest : 0;
  return spots;
}

function subgraph(graph: FuzzyGraph, labels: Int32Array, component: number, members: number[]): FuzzyGraph {
  const local = new Int32Array(graph.count).fill(-1);
  members.forEach((point, m) => (local[point] = m));
  const heads: number[] = [];
  const tails: number[] = [];
  const weights: number[] = [];
  for (let e = 0; e < graph.heads.length; e++) {
    if (labels[graph.heads[e]!] !== component) continue;
    heads.push(local[graph.heads[e]!]!);
    tails.push(local[graph.tails[e]!]!);
    weights.push(graph.weights[e]!);
  }
  return { count: members.length, heads: Int32Array.from(heads), tails: Int32Array.from(tails), weights: Float64Array.from(weights) };
}
