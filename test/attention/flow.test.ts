import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { attentionFlow, attentionFlowRows } from '../../src/attention/flow.js';
import { FlowNetwork } from '../../src/attention/max-flow.js';
import { residualAttention } from '../../src/attention/rollout.js';
import { HAND_CASE, assertClose, randomMaps } from './helpers.js';
import type { AttentionMaps } from '../../src/attention/types.js';

/** The row-normalised residual matrices Â_l as nested arrays. */
function hats(maps: AttentionMaps, r = 0.5): number[][][] {
  const n = maps.length;
  return Array.from({ length: maps.layers }, (_, l) => {
    const a = residualAttention(maps, l, 'mean', r, new Float64Array(n * n));
    return Array.from({ length: n }, (_, q) => Array.from(a.subarray(q * n, (q + 1) * n)));
  });
}

/** Edmonds-Karp on a dense capacity matrix: an independent max-flow to check Dinic against. */
function edmondsKarp(cap: number[][], s: number, t: number): number {
  const n = cap.length;
  const res = cap.map((r) => r.slice());
  let flow = 0;
  for (;;) {
    const parent = new Array<number>(n).fill(-1);
    parent[s] = s;
    const queue = [s];
    while (queue.length && parent[t] < 0) {
      const v = queue.shift()!;
      for (let w = 0; w < n; w++) if (parent[w] < 0 && res[v][w] > 1e-12) { parent[w] = v; queue.push(w); }
    }
    if (parent[t] < 0) return flow;
    let f = Infinity;
    for (let w = t; w !== s; w = parent[w]) f = Math.min(f, res[parent[w]][w]);
    for (let w = t; w !== s; w = parent[w]) { res[parent[w]][w] -= f; res[w][parent[w]] += f; }
    flow += f;
  }
}

function denseLayeredGraph(maps: AttentionMaps): number[][] {
  const n = maps.length;
  const V = (maps.layers + 1) * n;
  const cap = Array.from({ length: V }, () => new Array<number>(V).fill(0));
  hats(maps).forEach((a, l) => a.forEach((row, q) => row.forEach((c, k) => { cap[(l + 1) * n + q][l * n + k] = c; })));
  return cap;
}

describe('attention flow', () => {
  it('matches the hand computation on 2 layers x 3 tokens', () => {
    // Two layers: the paths q -> j -> k are disjoint, so flow(q, k) = sum_j min(Â2[q][j], Â1[j][k]).
    // With Â1, Â2 from rollout.test.ts: row 1 raw [.375, .75, 0]; row 2 raw [.2, .2, .75].
    const raw = attentionFlow(HAND_CASE, { normalize: false });
    assertClose(raw.values, [1, 0, 0, 0.375, 0.75, 0, 0.2, 0.2, 0.75], 1e-6, 'raw flow');
    const normed = attentionFlow(HAND_CASE);
    assertClose(normed.values, [1, 0, 0, 1 / 3, 2 / 3, 0, 0.2 / 1.15, 0.2 / 1.15, 0.75 / 1.15], 1e-6, 'normalised flow');
  });

  it('one layer: the flow is the edge itself, Â', () => {
    const maps = randomMaps(1, 3, 6, { seed: 4 });
    assertClose(attentionFlow(maps, { normalize: false }).values, hats(maps)[0].flat(), 1e-6);
  });

  it('two random layers: sum over middle tokens of min(Â2[q][j], Â1[j][k]), which is at least the rollout', () => {
    const maps = randomMaps(2, 2, 6, { seed: 8 });
    const [a1, a2] = hats(maps);
    const expected = a2.flatMap((row) => a1[0].map((_, k) => row.reduce((s, v, j) => s + Math.min(v, a1[j][k]), 0)));
    const flow = attentionFlow(maps, { normalize: false }).values;
    assertClose(flow, expected, 1e-6, 'two-layer flow');
    const rollout = a2.flatMap((row) => a1[0].map((_, k) => row.reduce((s, v, j) => s + v * a1[j][k], 0)));
    flow.forEach((f, i) => assert.ok(f >= rollout[i] - 1e-6, `flow ${f} < rollout ${rollout[i]} at ${i}`));
  });

  it('agrees with Edmonds-Karp on 4 random layers x 5 tokens, and respects the cut bounds', () => {
    const maps = randomMaps(4, 2, 5, { seed: 11, sharpness: 1.5 });
    const cap = denseLayeredGraph(maps);
    const n = 5;
    const top = 4 * n;
    const raw = attentionFlow(maps, { normalize: false }).values;
    const a1 = hats(maps)[0];
    for (let q = 0; q < n; q++) {
      for (let k = 0; k < n; k++) {
        const f = raw[q * n + k];
        assert.ok(Math.abs(f - edmondsKarp(cap, top + q, k)) < 1e-6, `flow ${q} -> ${k}`);
        // Cuts: all of q's outgoing capacity (1), all capacity into input k (column k of Â1).
        assert.ok(f <= 1 + 1e-6 && f <= a1.reduce((s, row) => s + row[k], 0) + 1e-6);
      }
    }
    const rows = attentionFlowRows(maps, [3, 0]);
    for (const [i, q] of [3, 0].entries()) {
      const sum = raw.subarray(q * n, q * n + n).reduce((s, v) => s + v, 0);
      assertClose(rows.values.subarray(i * n, i * n + n), Array.from(raw.subarray(q * n, q * n + n), (v) => v / sum), 1e-6, `row ${q}`);
    }
  });

  it('causal maps: no flow from a later input, rows of the normalised flow sum to 1', () => {
    const n = 8;
    const flow = attentionFlow(randomMaps(3, 2, n, { causal: true, seed: 6 })).values;
    for (let q = 0; q < n; q++) {
      let s = 0;
      for (let k = 0; k < n; k++) {
        s += flow[q * n + k];
        if (k > q) assert.equal(flow[q * n + k], 0);
      }
      assert.ok(Math.abs(s - 1) < 1e-5);
    }
  });

  it('max-flow on the textbook network (CLRS figure 26.1): 23', () => {
    const edges: [number, number, number][] = [[0, 1, 16], [0, 2, 13], [1, 3, 12], [2, 1, 4], [2, 4, 14], [3, 2, 9], [3, 5, 20], [4, 3, 7], [4, 5, 4]];
    const net = new FlowNetwork(6, Int32Array.from(edges.map((e) => e[0])), Int32Array.from(edges.map((e) => e[1])), Float64Array.from(edges.map((e) => e[2])));
    assert.equal(net.maxFlow(0, 5), 23);
    assert.equal(net.maxFlow(5, 0), 0);
  });

  it('chosen rows are exactly the full matrix\'s rows, in the order asked, with progress over their max-flows', () => {
    for (const causal of [false, true]) {
      const n = 7;
      const maps = randomMaps(3, 2, n, { causal, seed: 21 });
      const full = attentionFlow(maps).values;
      const calls: [number, number][] = [];
      const rows = attentionFlowRows(maps, [6, 2, 0], { onProgress: (done, total) => calls.push([done, total]) });
      assert.deepEqual(rows.outputs, [6, 2, 0]);
      [6, 2, 0].forEach((q, i) => assert.deepEqual(Array.from(rows.values.subarray(i * n, (i + 1) * n)), Array.from(full.subarray(q * n, (q + 1) * n)), `row ${q}`));
      assert.equal(calls.length, 3 * n);
      assert.deepEqual(calls[calls.length - 1], [3 * n, 3 * n]);
    }
  });

  it('refuses an output position out of range', () => {
    assert.throws(() => attentionFlowRows(HAND_CASE, [3]), /output position 3 is out of range: the input has 3 tokens/);
    assert.throws(() => attentionFlowRows(HAND_CASE, []), /at least one position/);
  });
});
