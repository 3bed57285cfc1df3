import { UsageError } from '../errors.js';
import { checkAttentionMaps, checkHead, checkLayer } from './check.js';
import type { AttentionMaps, TokenMatrix } from './types.js';

/*
 * Raw attention: slicing the [layer][head][query][key] block into the pieces the methods, the CLI and
 * the pictures use. Slices copy, so a result never aliases the model's buffer.
 */

/** Offset of map (layer, head) in `maps.weights`. */
export function mapOffset(maps: AttentionMaps, layer: number, head: number): number {
  return (layer * maps.heads + head) * maps.length * maps.length;
}

/** The attention of one head as a query x key matrix. */
export function headAttention(maps: AttentionMaps, layer: number, head: number): TokenMatrix {
  checkLayer(maps, layer);
  checkHead(maps, head);
  const n = maps.length;
  const start = mapOffset(maps, layer, head);
  return { tokens: [...maps.tokens], length: n, values: maps.weights.slice(start, start + n * n) };
}

/** One query's distribution over keys in one head. */
export function queryAttention(maps: AttentionMaps, layer: number, head: number, query: number): Float32Array {
  checkLayer(maps, layer);
  checkHead(maps, head);
  if (!Number.isInteger(query) || query < 0 || query >= maps.length) {
    throw new UsageError(`query ${query} is out of range: the input has ${maps.length} tokens`, `pick a query from 0 to ${maps.length - 1}`);
  }
  const start = mapOffset(maps, layer, head) + query * maps.length;
  return maps.weights.slice(start, start + maps.length);
}

export interface AttentionSelection {
  /** Layers kept, in this order; default all. */
  layers?: readonly number[];
  /** Heads kept in every kept layer; default all. */
  heads?: readonly number[];
}

/** A sub-block of the maps (some layers, some heads), still an AttentionMaps (`--layer L --head H`). */
export function selectAttention(maps: AttentionMaps, selection: AttentionSelection = {}): AttentionMaps {
  checkAttentionMaps(maps);
  const layers = selection.layers ?? Array.from({ length: maps.layers }, (_, i) => i);
  const heads = selection.heads ?? Array.from({ length: maps.heads }, (_, i) => i);
  if (layers.length === 0 || heads.length === 0) throw new UsageError('the selection keeps no layer or no head', 'select at least one layer and one head');
  layers.forEach((l) => checkLayer(maps, l));
  heads.forEach((h) => checkHead(maps, h));
  const n2 = maps.length * maps.length;
  const weights = new Float32Array(layers.length * heads.length * n2);
  let at = 0;
  for (const l of layers) {
    for (const h of heads) {
      const start = mapOffset(maps, l, h);
      weights.set(maps.weights.subarray(start, start + n2), at);
      at += n2;
    }
  }
  return { tokens: [...maps.tokens], layers: layers.length, heads: heads.length, length: maps.length, causal: maps.causal, weights };
}

/** The maps as nested arrays [layer][head][query][key] (the CLI's JSON contract). */
export function attentionToNested(maps: AttentionMaps): number[][][][] {
  const n = maps.length;
  const out: number[][][][] = [];
  for (let l = 0; l < maps.layers; l++) {
    const layer: number[][][] = [];
    for (let h = 0; h < maps.heads; h++) {
      const start = mapOffset(maps, l, h);
      const rows: number[][] = [];
      for (let q = 0; q < n; q++) rows.push(Array.from(maps.weights.subarray(start + q * n, start + (q + 1) * n)));
      layer.push(rows);
    }
    out.push(layer);
  }
  return out;
}

/** A token matrix as nested rows [query][key]. */
export function matrixToNested(m: TokenMatrix): number[][] {
  return Array.from({ length: m.length }, (_, q) => Array.from(m.values.subarray(q * m.length, (q + 1) * m.length)));
}
