import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { attentionRollout, attentionRolloutLayers } from '../../src/attention/rollout.js';
import { aggregateHeads, aggregateAllHeads, meanAttention } from '../../src/attention/aggregate.js';
import { headAttention, queryAttention, selectAttention, attentionToNested } from '../../src/attention/raw.js';
import { attentionRowError } from '../../src/attention/check.js';
import { UsageError } from '../../src/errors.js';
import { HAND_CASE, assertClose, randomMaps, rowsOf } from './helpers.js';

/*
 * Hand computation for HAND_CASE (mean of the two heads per layer):
 *   A1 = [[1,0,0],[.5,.5,0],[.2,.3,.5]]        A2 = [[1,0,0],[.25,.75,0],[.1,.1,.8]]
 *   Â1 = .5 A1 + .5 I = [[1,0,0],[.25,.75,0],[.1,.15,.75]]
 *   Â2 = [[1,0,0],[.125,.875,0],[.05,.05,.9]]
 *   R = Â2 Â1: row 1 = .125 [1,0,0] + .875 [.25,.75,0] = [.34375, .65625, 0]
 *              row 2 = .05 [1,0,0] + .05 [.25,.75,0] + .9 [.1,.15,.75] = [.1525, .1725, .675]
 */
const HAND_ROLLOUT = [1, 0, 0, 0.34375, 0.65625, 0, 0.1525, 0.1725, 0.675];

/** Plain nested-array rollout, written independently of the implementation. */
function naiveRollout(maps: ReturnType<typeof randomMaps>, r: number): number[][] {
  const n = maps.length;
  const nested = attentionToNested(maps);
  let joint: number[][] | undefined;
  for (const layer of nested) {
    const a = Array.from({ length: n }, (_, q) => Array.from({ length: n }, (_, k) => {
      const mean = layer.reduce((s, head) => s + head[q][k], 0) / layer.length;
      return (1 - r) * mean + (q === k ? r : 0);
    }));
    const normed = a.map((row) => { const s = row.reduce((x, y) => x + y, 0); return row.map((v) => v / s); });
    joint = joint === undefined ? normed : normed.map((row) => joint!.map((_, j) => row.reduce((s, v, k) => s + v * joint![k][j], 0)));
  }
  return joint!;
}

describe('attention rollout', () => {
  it('matches the hand computation on 2 layers x 3 tokens', () => {
    assertClose(attentionRollout(HAND_CASE).values, HAND_ROLLOUT, 1e-6, 'rollout');
  });

  it('after each layer: Â1 then Â2 Â1', () => {
    const layers = attentionRolloutLayers(HAND_CASE);
    assert.equal(layers.length, 2);
    assertClose(layers[0].values, [1, 0, 0, 0.25, 0.75, 0, 0.1, 0.15, 0.75], 1e-6, 'layer 0');
    assertClose(layers[1].values, HAND_ROLLOUT, 1e-6, 'layer 1');
  });

  it('matches a nested-array rollout on random maps, for several residual weights', () => {
    const maps = randomMaps(4, 3, 7, { seed: 3 });
    for (const r of [0, 0.3, 0.5, 0.9]) {
      assertClose(attentionRollout(maps, { residualWeight: r }).values, naiveRollout(maps, r).flat(), 1e-5, `rollout r=${r}`);
    }
  });

  it('rows sum to 1 for every fusion; causal maps stay lower-triangular', () => {
    const maps = randomMaps(6, 4, 12, { causal: true, seed: 5 });
    for (const headFusion of ['mean', 'max', 'min'] as const) {
      const m = attentionRollout(maps, { headFusion });
      for (const row of rowsOf(m.values, 12)) assert.ok(Math.abs(row.reduce((s, v) => s + v, 0) - 1) < 1e-5, `${headFusion} row sum`);
      for (let q = 0; q < 12; q++) for (let k = q + 1; k < 12; k++) assert.equal(m.values[q * 12 + k], 0, `future key ${k} of query ${q}`);
    }
  });

  it('max fusion takes the elementwise max of the heads before the identity and renormalisation', () => {
    // Layer 0 max = [[1,0,0],[1,1,0],[.4,.4,.6]] -> +I/2 mixing -> rows normalised.
    const m = attentionRollout(HAND_CASE, { headFusion: 'max', toLayer: 0 });
    const raw = [[1, 0, 0], [1, 1, 0], [0.4, 0.4, 0.6]].map((row, q) => row.map((v, k) => 0.5 * v + (q === k ? 0.5 : 0)));
    assertClose(m.values, raw.flatMap((row) => row.map((v) => v / row.reduce((s, x) => s + x, 0))), 1e-6, 'max fusion');
  });

  it('fromLayer/toLayer pick the product; one layer with r = 0 is the mean attention', () => {
    const maps = randomMaps(3, 2, 5, { seed: 9 });
    assertClose(attentionRollout(maps, { residualWeight: 0, fromLayer: 1, toLayer: 1 }).values, aggregateHeads(maps, 1).values, 1e-6, 'single layer');
    const sub = selectAttention(maps, { layers: [1, 2] });
    assertClose(attentionRollout(maps, { fromLayer: 1 }).values, attentionRollout(sub).values, 1e-6, 'from layer 1');
  });

  it('refuses bad options and inconsistent maps with a fix', () => {
    assert.throws(() => attentionRollout(HAND_CASE, { residualWeight: 1 }), UsageError);
    assert.throws(() => attentionRollout(HAND_CASE, { toLayer: 2 }), /layer 2 is out of range: the model has 2 layers/);
    assert.throws(() => attentionRollout(HAND_CASE, { fromLayer: 1, toLayer: 0 }), /backwards/);
    assert.throws(() => attentionRollout({ ...HAND_CASE, weights: HAND_CASE.weights.slice(1) }), /expected layers x heads x length x length = 36/);
    const bad = HAND_CASE.weights.slice();
    bad[4] = Number.NaN;
    assert.throws(() => attentionRollout({ ...HAND_CASE, weights: bad }), /NaN at layer 0, head 0, query 1, key 1/);
    assert.throws(() => attentionRollout(HAND_CASE, { headFusion: 'median' as 'mean' }), /unknown head fusion/);
  });
});

describe('raw attention and head aggregation', () => {
  it('slices one head, one query, and a selection', () => {
    assert.deepEqual(Array.from(headAttention(HAND_CASE, 1, 1).values), [1, 0, 0, 0, 1, 0, 0.2, 0, 0.8].map(Math.fround));
    assert.deepEqual(Array.from(queryAttention(HAND_CASE, 0, 0, 2)), [0.4, 0.2, 0.4].map(Math.fround));
    const sel = selectAttention(HAND_CASE, { layers: [1], heads: [1, 0] });
    assert.equal(sel.layers, 1);
    assert.deepEqual(Array.from(sel.weights.subarray(9)), Array.from(headAttention(HAND_CASE, 1, 0).values));
    assert.throws(() => headAttention(HAND_CASE, 0, 2), /head 2 is out of range: each layer has 2 heads/);
    assert.deepEqual(attentionToNested(HAND_CASE)[0][1][2], [0, 0.4, 0.6].map(Math.fround));
  });

  it('mean, max and min over heads; the mean keeps rows stochastic and the mask', () => {
    assertClose(aggregateHeads(HAND_CASE, 0, 'mean').values, [1, 0, 0, 0.5, 0.5, 0, 0.2, 0.3, 0.5], 1e-7);
    assertClose(aggregateHeads(HAND_CASE, 0, 'max').values, [1, 0, 0, 1, 1, 0, 0.4, 0.4, 0.6], 1e-7);
    assertClose(aggregateHeads(HAND_CASE, 0, 'min').values, [1, 0, 0, 0, 0, 0, 0, 0.2, 0.4], 1e-7);
    const maps = randomMaps(2, 5, 9, { causal: true, seed: 2 });
    const { maxRowError, maxFutureWeight } = attentionRowError(aggregateAllHeads(maps));
    assert.ok(maxRowError < 1e-6);
    assert.equal(maxFutureWeight, 0);
    const mean = meanAttention(maps);
    assertClose(mean.values, Array.from(aggregateHeads(maps, 0).values, (v, i) => (v + aggregateHeads(maps, 1).values[i]) / 2), 1e-6);
  });
});

describe('rollout rows', () => {
  it('equal the rows of the full rollout (odd length exercises the 4-row kernel tail)', async () => {
    const { attentionRolloutRows } = await import('../../src/attention/rollout.js');
    const maps = randomMaps(5, 3, 11, { seed: 12 });
    const full = attentionRollout(maps, { residualWeight: 0.4 });
    const rows = attentionRolloutRows(maps, [10, 0, 5], { residualWeight: 0.4 });
    [10, 0, 5].forEach((q, i) => assertClose(rows.values.subarray(i * 11, (i + 1) * 11), full.values.subarray(q * 11, (q + 1) * 11), 1e-6, `row ${q}`));
    assertClose(attentionRolloutRows(HAND_CASE, [2]).values, HAND_ROLLOUT.slice(6), 1e-6, 'hand row 2');
  });
});

describe('matrix product kernel', () => {
  it('matches a plain triple loop for dense and lower-triangular matrices of every size mod 4', async () => {
    const { multiplySquare } = await import('../../src/attention/rollout.js');
    for (const n of [1, 3, 4, 6, 9, 13]) {
      for (const lower of [false, true]) {
        const a = Float64Array.from({ length: n * n }, (_, i) => (lower && i % n > Math.floor(i / n) ? 0 : Math.sin(i + 1)));
        const b = Float64Array.from({ length: n * n }, (_, i) => (lower && i % n > Math.floor(i / n) ? 0 : Math.cos(3 * i)));
        const c = new Float64Array(n * n);
        multiplySquare(a, b, c, n);
        const expected = Array.from({ length: n * n }, (_, x) => {
          const [i, j] = [Math.floor(x / n), x % n];
          let s = 0;
          for (let k = 0; k < n; k++) s += a[i * n + k] * b[k * n + j];
          return s;
        });
        assertClose(c, expected, 1e-12, `n=${n} lower=${lower}`);
      }
    }
  });
});
