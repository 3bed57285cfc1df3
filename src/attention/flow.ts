import { UsageError } from '../errors.js';
import { checkFusion, type HeadFusion } from './aggregate.js';
import { checkAttentionMaps, checkPosition } from './check.js';
import { FlowNetwork } from './max-flow.js';
import { residualAttention } from './rollout.js';
import type { AttentionMaps, TokenMatrix } from './types.js';

/**
 * Attention flow (Abnar & Zuidema 2020, section 3): the layers as a flow network with one node per
 * token and layer (level 0 = the input tokens, level l + 1 = the output of layer l) and an edge from
 * node (l + 1, q) down to (l, k) whose capacity is Â_l[q][k], the same residual-mixed, row-normalised
 * matrix as rollout. The flow of output q to input k is the maximum flow from (L, q) to (0, k).
 * As in the authors' code, each output's flows are then divided by their sum (`normalize`).
 *
 * Cost: one Dinic max-flow per (output, input) pair on V = (L + 1) n nodes and E = L n^2 edges
 * (half that for causal maps): O(outputs x n x phases x E), phases being small here. A full matrix is
 * n^2 max-flows (about 23 s at 12 layers x 128 tokens); each row is independent of the others, so
 * ask `attentionFlowRows` for the rows you read (e.g. the class token, or the last position).
 */
export interface FlowOptions {
  /** Identity weight mixed into each layer, default 0.5 (as rollout). */
  residualWeight?: number;
  /** Head fusion per layer, default 'mean'. */
  headFusion?: HeadFusion;
  /** Divide each output's flows by their sum (default true, as in the authors' implementation). */
  normalize?: boolean;
  /** Called after each max-flow with (done, total) max-flows: a full matrix takes a while. */
  onProgress?: (done: number, total: number) => void;
}

/** Flows from some output positions: `values` holds one row of `length` input flows per output. */
export interface AttentionFlowRows {
  tokens: string[];
  length: number;
  outputs: number[];
  values: Float32Array;
  normalized: boolean;
}

/** The layered flow network of `maps` (nodes numbered level * n + token). */
export function attentionFlowNetwork(maps: AttentionMaps, residualWeight = 0.5, headFusion: HeadFusion = 'mean'): FlowNetwork {
  const n = maps.length;
  const L = maps.layers;
  const hats: Float64Array[] = [];
  let edges = 0;
  for (let l = 0; l < L; l++) {
    const a = residualAttention(maps, l, headFusion, residualWeight, new Float64Array(n * n));
    for (let i = 0; i < a.length; i++) if (a[i] > 0) edges++;
    hats.push(a);
  }
  const from = new Int32Array(edges);
  const to = new Int32Array(edges);
  const cap = new Float64Array(edges);
  let e = 0;
  hats.forEach((a, l) => {
    for (let q = 0; q < n; q++) {
      for (let k = 0; k < n; k++) {
        const c = a[q * n + k];
        if (c <= 0) continue; // masked keys: no edge at all, so causal maps cost half
        from[e] = (l + 1) * n + q;
        to[e] = l * n + k;
        cap[e++] = c;
      }
    }
  });
  return new FlowNetwork((L + 1) * n, from, to, cap);
}

/** Attention flow from the given output positions (after the last layer) to every input token. */
export function attentionFlowRows(maps: AttentionMaps, outputs: readonly number[], options: FlowOptions = {}): AttentionFlowRows {
  checkAttentionMaps(maps);
  const r = options.residualWeight ?? 0.5;
  if (!(r >= 0 && r < 1)) throw new UsageError(`residual weight ${r} is out of range`, 'use a weight in [0, 1), e.g. 0.5 as Abnar & Zuidema');
  const fusion = options.headFusion ?? 'mean';
  checkFusion(fusion);
  if (outputs.length === 0) throw new UsageError('no output positions to compute attention flow for', 'give at least one position');
  outputs.forEach((q) => checkPosition(maps.length, q, 'output position'));
  const normalize = options.normalize ?? true;
  const n = maps.length;
  const network = attentionFlowNetwork(maps, r, fusion);
  const top = maps.layers * n;
  // Every edge goes down one layer, so a node's distance from any top node is its depth below the top.
  const levels = new Int32Array((maps.layers + 1) * n);
  for (let v = 0; v < levels.length; v++) levels[v] = maps.layers - Math.floor(v / n);
  const values = new Float32Array(outputs.length * n);
  const row = new Float64Array(n);
  const total = outputs.length * n;
  outputs.forEach((q, i) => {
    let sum = 0;
    for (let k = 0; k < n; k++) {
      row[k] = network.maxFlow(top + q, k, levels);
      sum += row[k];
      options.onProgress?.(i * n + k + 1, total);
    }
    for (let k = 0; k < n; k++) values[i * n + k] = normalize && sum > 0 ? row[k] / sum : row[k];
  });
  return { tokens: [...maps.tokens], length: n, outputs: [...outputs], values, normalized: normalize };
}

/** Attention flow for every output position (n^2 max-flows): row q is output q's flow from each input token. */
export function attentionFlow(maps: AttentionMaps, options: FlowOptions = {}): TokenMatrix {
  checkAttentionMaps(maps);
  const rows = attentionFlowRows(maps, Array.from({ length: maps.length }, (_, q) => q), options);
  return { tokens: rows.tokens, length: rows.length, values: rows.values };
}
