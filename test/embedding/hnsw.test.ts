import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HnswIndex } from '../../src/embedding/neighbors/hnsw.js';
import { deserializeHnsw, serializeHnsw } from '../../src/embedding/neighbors/hnsw/serialize.js';
import { GlassboxError, UsageError } from '../../src/errors.js';
import { Random } from '../../src/util/random.js';
import { bruteNeighbors, clusteredPoints, recallAtK } from '../helpers/brute-neighbors.js';

const dim = 32;
const count = 3000;
const queryCount = 150;
const random = new Random(7);
const uniform = Float32Array.from({ length: count * dim }, () => random.uniform());
// Queries are fresh points from the same distribution, not indexed ones, so finding the query itself cannot inflate recall.
const uniformQueries = Float32Array.from({ length: queryCount * dim }, () => random.uniform());
const clusteredAll = clusteredPoints(count + queryCount, dim, 12, () => random.uniform(), () => random.normal());
const clustered = clusteredAll.slice(0, count * dim);
const clusteredQueries = clusteredAll.slice(count * dim);

function recall(data: Float32Array, queries: Float32Array, metric: 'euclidean' | 'cosine' | 'dot', k = 10): number {
  const index = HnswIndex.build({ count, dim, vectors: data }, { metric, m: 16, efConstruction: 100, seed: 3 });
  const found = index.search({ count: queryCount, dim, vectors: queries }, k, { ef: 64 });
  return recallAtK(found.indices, bruteNeighbors(data, count, queries, queryCount, dim, k, metric), queryCount, k);
}

test('hnsw: recall@10 >= 0.95 against brute force on uniform and clustered data, euclidean and cosine', () => {
  const figures = {
    uniformEuclidean: recall(uniform, uniformQueries, 'euclidean'),
    clusteredEuclidean: recall(clustered, clusteredQueries, 'euclidean'),
    uniformCosine: recall(uniform, uniformQueries, 'cosine'),
    clusteredCosine: recall(clustered, clusteredQueries, 'cosine'),
  };
  for (const [name, value] of Object.entries(figures)) assert.ok(value >= 0.95, `${name} recall@10 ${value}`);
});

test('hnsw: dot-product search finds the largest inner products', () => {
  // Inner product is no metric, so graph search is weaker there: a lower, stated bound.
  const value = recall(clustered, clusteredQueries, 'dot');
  assert.ok(value >= 0.9, `dot recall@10 ${value}`);
});

test('hnsw: distances are the metric values of the returned points, nearest first', () => {
  const index = HnswIndex.build({ count, dim, vectors: clustered }, { metric: 'euclidean', efConstruction: 64 });
  const found = index.search({ count: 5, dim, vectors: clusteredQueries.subarray(0, 5 * dim) }, 4);
  for (let q = 0; q < 5; q++) {
    for (let j = 0; j < 4; j++) {
      const id = found.indices[q * 4 + j]!;
      let s = 0;
      for (let d = 0; d < dim; d++) s += (clusteredQueries[q * dim + d]! - clustered[id * dim + d]!) ** 2;
      assert.ok(Math.abs(found.distances[q * 4 + j]! - Math.sqrt(s)) < 1e-4);
      if (j > 0) assert.ok(found.distances[q * 4 + j]! >= found.distances[q * 4 + j - 1]!);
    }
  }
});

test('hnsw: the same seed gives the same index, another seed another one', () => {
  const points = { count: 800, dim, vectors: uniform.subarray(0, 800 * dim) };
  const a = serializeHnsw(HnswIndex.build(points, { seed: 11, efConstruction: 40 }));
  const b = serializeHnsw(HnswIndex.build(points, { seed: 11, efConstruction: 40 }));
  const c = serializeHnsw(HnswIndex.build(points, { seed: 12, efConstruction: 40 }));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test('hnsw: a serialised index searches exactly like the original; corrupt bytes are refused', () => {
  const index = HnswIndex.build({ count: 1000, dim, vectors: clustered.subarray(0, 1000 * dim) }, { metric: 'cosine', efConstruction: 50 });
  const bytes = serializeHnsw(index);
  const copy = deserializeHnsw(bytes);
  const queries = { count: 20, dim, vectors: clusteredQueries.subarray(0, 20 * dim) };
  assert.deepEqual(copy.search(queries, 5), index.search(queries, 5));
  assert.deepEqual(copy.parameters, index.parameters);
  assert.throws(() => deserializeHnsw(bytes.subarray(0, bytes.length - 8)), GlassboxError);
  assert.throws(() => deserializeHnsw(new Uint8Array(40)), /not a Glassbox HNSW index/);
});

test('hnsw: searchIndexed leaves each point out of its own neighbours', () => {
  const points = { count: 500, dim, vectors: clustered.subarray(0, 500 * dim) };
  const found = HnswIndex.build(points, { efConstruction: 60 }).searchIndexed(10);
  const truth = bruteNeighbors(points.vectors, 500, points.vectors, 500, dim, 10, 'euclidean', true);
  for (let q = 0; q < 500; q++) assert.ok(!found.indices.subarray(q * 10, q * 10 + 10).includes(q));
  assert.ok(recallAtK(found.indices, truth, 500, 10) >= 0.95);
});

test('hnsw: bad input gets a usage error saying what to fix', () => {
  const vectors = Float32Array.from({ length: 20 * 4 }, (_, i) => i);
  const points = { count: 20, dim: 4, vectors };
  const withNaN = vectors.slice();
  withNaN[4 * 7 + 2] = NaN;
  assert.throws(() => HnswIndex.build({ count: 20, dim: 4, vectors: withNaN }), (e: unknown) => e instanceof UsageError && /row 7 has a non-finite value/.test(e.message));
  assert.throws(() => HnswIndex.build({ count: 21, dim: 4, vectors }), /80 values do not make 21 rows of 4/);
  assert.throws(() => HnswIndex.build(points, { m: 1 }), UsageError);
  assert.throws(() => HnswIndex.build(points, { metric: 'manhattan' as 'euclidean' }), /unknown metric 'manhattan'/);
  const index = HnswIndex.build(points);
  assert.throws(() => index.search({ count: 1, dim: 4, vectors: vectors.subarray(0, 4) }, 21), (e: unknown) => e instanceof UsageError && /only 20 points/.test(e.message) && /k <= 20/.test(e.message));
  assert.throws(() => index.searchIndexed(20), /only 19 others/);
  assert.throws(() => index.search({ count: 1, dim: 3, vectors: vectors.subarray(0, 3) }, 2), /3 dimensions but the index has 4/);
  assert.throws(() => index.search({ count: 1, dim: 4, vectors: vectors.subarray(0, 4) }, 0), /k must be a positive integer/);
});

test('hnsw: progress reaches the number of points', () => {
  const calls: number[] = [];
  HnswIndex.build({ count: 300, dim, vectors: uniform.subarray(0, 300 * dim) }, { efConstruction: 20, onProgress: (done) => calls.push(done) });
  assert.equal(calls.at(-1), 300);
});
