import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { exactNeighbors } from '../../src/embedding/neighbors/exact.js';
import type { Embeddings, Metric } from '../../src/embedding/types.js';
import { UsageError } from '../../src/errors.js';
import { Random } from '../../src/util/random.js';

function points(count: number, dim: number, seed: number): Embeddings {
  const random = new Random(seed);
  const vectors = new Float32Array(count * dim);
  // Integer grid values make exact ties, which test the lower-index rule.
  for (let i = 0; i < vectors.length; i++) vectors[i] = Math.round(random.normal() * 2);
  return { count, dim, vectors, metadata: {} };
}

/** The plainest brute force: every pair's value in float64, then a full stable sort. */
function bruteForce(data: Embeddings, queries: Embeddings, k: number, metric: Metric, excludeSelf: boolean) {
  const out: { index: number; value: number }[][] = [];
  for (let i = 0; i < queries.count; i++) {
    const q = queries.vectors.subarray(i * queries.dim, (i + 1) * queries.dim);
    const all: { index: number; value: number; key: number }[] = [];
    for (let j = 0; j < data.count; j++) {
      if (excludeSelf && i === j) continue;
      const x = data.vectors.subarray(j * data.dim, (j + 1) * data.dim);
      let dot = 0, qq = 0, xx = 0, sq = 0;
      for (let c = 0; c < q.length; c++) { dot += q[c] * x[c]; qq += q[c] ** 2; xx += x[c] ** 2; sq += (q[c] - x[c]) ** 2; }
      const value = metric === 'euclidean' ? Math.sqrt(sq) : metric === 'dot' ? dot : (qq > 0 && xx > 0 ? 1 - dot / Math.sqrt(qq * xx) : 1);
      all.push({ index: j, value, key: metric === 'dot' ? -value : value });
    }
    all.sort((a, b) => a.key - b.key || a.index - b.index);
    out.push(all.slice(0, k));
  }
  return out;
}

describe('exactNeighbors', () => {
  for (const metric of ['euclidean', 'cosine', 'dot'] as const) {
    it(`${metric}: same indices and distances as a full sort of every pair (with ties, across block edges)`, () => {
      // 700 data rows span two data blocks; 37 queries span three query blocks.
      const data = points(700, 7, 1);
      const queries = points(37, 7, 2);
      const k = 12;
      const got = exactNeighbors(data, queries, { k, metric });
      const want = bruteForce(data, queries, k, metric, false);
      assert.equal(got.queries, 37);
      for (let i = 0; i < 37; i++) {
        for (let r = 0; r < k; r++) {
          const value = got.distances[i * k + r];
          assert.ok(Math.abs(value - want[i][r].value) <= 1e-5 * Math.max(1, Math.abs(want[i][r].value)), `query ${i} rank ${r}: ${value} vs ${want[i][r].value}`);
          // Cosine values of different pairs may agree to float64 rounding only; compare indices where values are distinct.
          const tiedWithNext = r + 1 < want[i].length && Math.abs(want[i][r + 1].value - want[i][r].value) < 1e-12;
          const tiedWithPrev = r > 0 && Math.abs(want[i][r - 1].value - want[i][r].value) < 1e-12;
          if (metric !== 'cosine' || (!tiedWithNext && !tiedWithPrev)) assert.equal(got.indices[i * k + r], want[i][r].index, `query ${i} rank ${r}`);
        }
      }
    });
  }

  it('excludes each point from its own neighbours when the queries are the data', () => {
    const data = points(300, 5, 3);
    const got = exactNeighbors(data, undefined, { k: 5 });
    const want = bruteForce(data, data, 5, 'euclidean', true);
    for (let i = 0; i < 300; i++) {
      assert.deepEqual(Array.from(got.indices.subarray(i * 5, i * 5 + 5)), want[i].map((w) => w.index));
      assert.ok(!got.indices.subarray(i * 5, i * 5 + 5).includes(i));
    }
    // Without exclusion each point is its own nearest, at distance 0 (no duplicates among the first rows here).
    const withSelf = exactNeighbors(data, undefined, { k: 1, excludeSelf: false });
    let selfFirst = 0;
    for (let i = 0; i < 300; i++) if (withSelf.distances[i] === 0) selfFirst++;
    assert.equal(selfFirst, 300);
  });

  it('bad input: k larger than N, NaN rows, mismatched dimensions, unknown metric', () => {
    const data = points(10, 3, 4);
    assert.throws(() => exactNeighbors(data, undefined, { k: 10 }), (e: unknown) => e instanceof UsageError && /k = 10 is larger than the 9 points/.test(e.message) && /at most 9/.test(e.message));
    assert.throws(() => exactNeighbors(data, points(2, 3, 5), { k: 11 }), (e: unknown) => e instanceof UsageError && /at most 10/.test(e.message));
    const bad = points(10, 3, 4);
    bad.vectors[3 * 3 + 1] = NaN;
    assert.throws(() => exactNeighbors(bad, undefined, { k: 2 }), (e: unknown) => e instanceof UsageError && /row 3 has a non-finite value/.test(e.message));
    assert.throws(() => exactNeighbors(data, points(2, 4, 5), { k: 2 }), (e: unknown) => e instanceof UsageError && /4 dimensions but the data has 3/.test(e.message));
    assert.throws(() => exactNeighbors(data, undefined, { k: 2, metric: 'manhattan' as Metric }), UsageError);
    assert.throws(() => exactNeighbors({ ...data, count: 11 }, undefined, { k: 2 }), (e: unknown) => e instanceof UsageError && /count x dim/.test(e.message));
  });
});

describe("t-SNE's neighbour search on onnxruntime", () => {
  it('finds the same neighbours and distances as exactNeighbors', async () => {
    const { neighborsWithOnnx } = await import('../../src/embedding/projection/tsne-neighbors-onnx.js');
    const random = new Random(8);
    const count = 1500, dim = 20, k = 31;
    // In shared memory, as t-SNE keeps its points.
    const vectors = new Float32Array(new SharedArrayBuffer(4 * count * dim));
    for (let i = 0; i < vectors.length; i++) vectors[i] = random.normal() + (i % 3);
    const data: Embeddings = { count, dim, vectors, metadata: {} };
    const want = exactNeighbors(data, undefined, { k });
    const indices = new Int32Array(count * k);
    const distances = new Float32Array(count * k);
    let batches = 0;
    await neighborsWithOnnx(vectors, count, dim, k, indices, distances, () => { batches++; });
    assert.equal(batches, 6);
    assert.deepEqual(indices, want.indices);
    for (let i = 0; i < distances.length; i++) assert.ok(Math.abs(distances[i] - want.distances[i]) < 1e-5 * want.distances[i]);
  });
});
