import type { DistanceKernel } from './distance.js';
import { linkBlock, type HnswGraph, type VisitedSet } from './graph.js';
import type { PairHeap } from './heap.js';

/** What one layer search needs besides the query: the graph, its points and reusable scratch space. */
export interface LayerSearchContext {
  graph: HnswGraph;
  data: Float32Array;
  dim: number;
  distance: DistanceKernel;
  visited: VisitedSet;
  candidates: PairHeap;
  /** Ends holding the best `ef` nodes, as a max-heap (keys negated): the worst found is on top. */
  results: PairHeap;
}

/** Algorithm 2 of Malkov & Yashunin: best-first search on one layer, keeping the `ef` nearest found. */
export function searchLayer(
  context: LayerSearchContext,
  query: Float32Array,
  queryOffset: number,
  entry: number,
  entryDistance: number,
  ef: number,
  layer: number,
): void {
  const { graph, data, dim, distance, visited, candidates, results } = context;
  visited.next();
  const marks = visited.marks;
  const generation = visited.generation;
  candidates.clear();
  results.clear();
  visited.visit(entry);
  candidates.push(entryDistance, entry);
  results.push(-entryDistance, entry);
  while (candidates.size > 0) {
    const nearest = candidates.topKey();
    if (nearest > -results.topKey() && results.size >= ef) break;
    const node = candidates.topId();
    candidates.pop();
    const block = layer === 0 ? graph.links0 : graph.upperLinks[node]!;
    const offset = layer === 0 ? node * (graph.maxLinks0 + 1) : (layer - 1) * (graph.maxLinks + 1);
    const used = block[offset]!;
    for (let l = 1; l <= used; l++) {
      const neighbour = block[offset + l]!;
      if (marks[neighbour] === generation) continue;
      marks[neighbour] = generation;
      const d = distance(query, queryOffset, data, neighbour * dim, dim);
      if (results.size < ef || d < -results.topKey()) {
        candidates.push(d, neighbour);
        results.push(-d, neighbour);
        if (results.size > ef) results.pop();
      }
    }
  }
}

/** Greedy descent on one layer (ef = 1): moves to a nearer neighbour until none is nearer. */
export function greedyStep(
  context: LayerSearchContext,
  query: Float32Array,
  queryOffset: number,
  start: number,
  startDistance: number,
  layer: number,
): { node: number; distance: number } {
  const { graph, data, dim, distance } = context;
  let node = start;
  let best = startDistance;
  for (let moved = true; moved; ) {
    moved = false;
    const { block, offset } = linkBlock(graph, node, layer);
    const used = block[offset]!;
    for (let l = 1; l <= used; l++) {
      const neighbour = block[offset + l]!;
      const d = distance(query, queryOffset, data, neighbour * dim, dim);
      if (d < best) {
        best = d;
        node = neighbour;
        moved = true;
      }
    }
  }
  return { node, distance: best };
}

/** Empties the results max-heap into ids and distances, nearest first. */
export function drainSorted(results: PairHeap): { ids: Int32Array; distances: Float64Array } {
  const n = results.size;
  const ids = new Int32Array(n);
  const distances = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    ids[i] = results.topId();
    distances[i] = -results.topKey();
    results.pop();
  }
  return { ids, distances };
}
