import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fitAB } from '../../src/embedding/projection/umap/fit-ab.js';
import { fuzzySimplicialSet, smoothKnnDistances } from '../../src/embedding/projection/umap/fuzzy-graph.js';
import { exactKnn } from '../../src/embedding/projection/umap/knn.js';
import { optimizeLayout } from '../../src/embedding/projection/umap/optimize-layout.js';
import { spectralLayout } from '../../src/embedding/projection/umap/spectral-init.js';
import { componentLabels } from '../../src/embedding/projection/umap/component-layout.js';
import { Random } from '../../src/util/random.js';
import { bruteNeighbors } from '../helpers/brute-neighbors.js';

test('umap a/b: the fit matches the values umap-learn documents for min_dist 0.1, spread 1', () => {
  // umap-learn's find_ab_params(1.0, 0.1) = (1.5769434603113077, 0.8950608779109733).
  const { a, b } = fitAB(0.1, 1);
  assert.ok(Math.abs(a - 1.5769434603113077) < 1e-3, `a ${a}`);
  assert.ok(Math.abs(b - 0.8950608779109733) < 1e-3, `b ${b}`);
});

test('umap a/b: the fitted curve is a least-squares optimum (no small step lowers the loss)', () => {
  for (const [minDist, spread] of [[0.5, 1], [0.01, 2]] as const) {
    const { a, b } = fitAB(minDist, spread);
    const loss = (pa: number, pb: number): number => {
      let s = 0;
      for (let i = 0; i < 300; i++) {
        const x = (3 * spread * i) / 299;
        const y = x < minDist ? 1 : Math.exp(-(x - minDist) / spread);
        s += (1 / (1 + pa * x ** (2 * pb)) - y) ** 2;
      }
      return s;
    };
    const best = loss(a, b);
    for (const [da, db] of [[1e-3, 0], [-1e-3, 0], [0, 1e-3], [0, -1e-3]]) assert.ok(loss(a + da!, b + db!) >= best, `min_dist ${minDist}`);
  }
});

function cloud(count: number, dim: number, seed: number): Float32Array {
  const random = new Random(seed);
  return Float32Array.from({ length: count * dim }, (_, i) => random.normal() + (Math.floor(i / dim) % 3) * 6);
}

test('umap kNN: exact neighbours list the point itself first, then the brute-force neighbours', () => {
  const vectors = cloud(200, 8, 1);
  const knn = exactKnn({ count: 200, dim: 8, vectors }, 6, 'euclidean');
  const truth = bruteNeighbors(vectors, 200, vectors, 200, 8, 5, 'euclidean', true);
  for (let i = 0; i < 200; i++) {
    assert.equal(knn.indices[i * 6], i);
    assert.equal(knn.distances[i * 6], 0);
    assert.deepEqual(Array.from(knn.indices.subarray(i * 6 + 1, i * 6 + 6)), Array.from(truth.subarray(i * 5, i * 5 + 5)));
  }
});

test('umap smoothing: each point sums to log2(k) and its nearest neighbour gets membership 1', () => {
  const vectors = cloud(150, 5, 2);
  const k = 10;
  const knn = exactKnn({ count: 150, dim: 5, vectors }, k, 'euclidean');
  const { rho, sigma } = smoothKnnDistances(knn, 150, 1);
  for (let i = 0; i < 150; i++) {
    assert.equal(rho[i], knn.distances[i * k + 1]);
    let sum = 0;
    for (let j = 1; j < k; j++) sum += Math.exp(-Math.max(0, knn.distances[i * k + j]! - rho[i]!) / sigma[i]!);
    assert.ok(Math.abs(sum - Math.log2(k)) < 1e-4, `point ${i}: ${sum}`);
  }
});

test('umap fuzzy set: symmetric, in (0, 1], and the fuzzy union of the two directions', () => {
  // Four points on a line, k = 3: hand-computable memberships.
  const vectors = Float32Array.from([0, 1, 3, 7]);
  const knn = exactKnn({ count: 4, dim: 1, vectors }, 3, 'euclidean');
  const { rho, sigma } = smoothKnnDistances(knn, 4, 1);
  const directed = (i: number, j: number): number => {
    for (let c = 1; c < 3; c++) {
      if (knn.indices[i * 3 + c] === j) return Math.exp(-Math.max(0, knn.distances[i * 3 + c]! - rho[i]!) / sigma[i]!);
    }
    return 0;
  };
  const graph = fuzzySimplicialSet(knn, 4);
  const weight = new Map<string, number>();
  for (let e = 0; e < graph.heads.length; e++) weight.set(`${graph.heads[e]},${graph.tails[e]}`, graph.weights[e]!);
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      if (i === j) continue;
      const p = directed(i, j);
      const q = directed(j, i);
      const expected = p + q - p * q;
      const got = weight.get(`${i},${j}`) ?? 0;
      assert.ok(Math.abs(got - expected) < 1e-12, `${i},${j}: ${got} vs ${expected}`);
      assert.equal(got, weight.get(`${j},${i}`) ?? 0);
      if (got) assert.ok(got > 0 && got <= 1);
    }
  }
  // Point 3 (at 7) lists 2 and 1; 1 lists 0 and 2: the edge 1-3 exists from 3's side only.
  assert.ok((weight.get('1,3') ?? 0) > 0);
});

test('umap spectral init: two loosely joined rings separate on the first Laplacian eigenvector', () => {
  // Two 20-cycles joined by one weak edge: the Fiedler vector has opposite signs on the two rings.
  const heads: number[] = [];
  const tails: number[] = [];
  const weights: number[] = [];
  const link = (a: number, b: number, w: number): void => {
    heads.push(a, b);
    tails.push(b, a);
    weights.push(w, w);
  };
  for (let r = 0; r < 2; r++) for (let i = 0; i < 20; i++) link(r * 20 + i, r * 20 + ((i + 1) % 20), 1);
  link(0, 20, 0.05);
  const graph = { count: 40, heads: Int32Array.from(heads), tails: Int32Array.from(tails), weights: Float64Array.from(weights) };
  assert.equal(componentLabels(graph).components, 1);
  const { layout } = spectralLayout(graph, 2, new Random(0), 2000, 1e-8);
  const first = Array.from({ length: 40 }, (_, i) => layout[i * 2]!);
  const signA = Math.sign(first.slice(0, 20).reduce((s, v) => s + v, 0));
  assert.ok(signA !== 0);
  for (let i = 0; i < 20; i++) assert.equal(Math.sign(first[i]!), signA, `ring A point ${i}`);
  for (let i = 20; i < 40; i++) assert.equal(Math.sign(first[i]!), -signA, `ring B point ${i}`);
  assert.equal(componentLabels({ ...graph, heads: graph.heads.slice(0, -2), tails: graph.tails.slice(0, -2), weights: graph.weights.slice(0, -2) }).components, 2);
});

test('umap layout: the two-dimensional fast path moves points exactly as the general one does', async () => {
  // A 3-D layout whose third coordinate is 0 everywhere takes the general path and must match the 2-D one.
  const random = new Random(9);
  const count = 60;
  const heads = Int32Array.from({ length: 300 }, () => random.int(count));
  const tails = Int32Array.from({ length: 300 }, () => random.int(count));
  const epochsPerSample = Float64Array.from({ length: 300 }, () => 1 / (0.05 + random.uniform()));
  const flat = Float64Array.from({ length: count * 2 }, () => 10 * random.uniform());
  const start = flat.slice();
  const deep = new Float64Array(count * 3);
  for (let i = 0; i < count; i++) deep.set(flat.subarray(2 * i, 2 * i + 2), 3 * i);
  const settings = { a: 1.58, b: 0.9, nEpochs: 40, learningRate: 1, negativeSampleRate: 5, repulsionStrength: 1 };
  await optimizeLayout(flat, count, 2, { heads, tails, epochsPerSample }, settings, new Random(4));
  await optimizeLayout(deep, count, 3, { heads, tails, epochsPerSample }, settings, new Random(4));
  for (let i = 0; i < count; i++) {
    assert.equal(deep[3 * i], flat[2 * i]);
    assert.equal(deep[3 * i + 1], flat[2 * i + 1]);
    assert.equal(deep[3 * i + 2], 0);
  }
  assert.ok(flat.some((v, i) => Math.abs(v - start[i]!) > 1e-3), 'the layout moved');
});

interface UmapLearnReference {
  ab: { spread: number; minDist: number; a: number; b: number }[];
  graph: { count: number; dim: number; k: number; points: number[]; indices: number[]; sigmas: number[]; rhos: number[]; rows: number[]; cols: number[]; values: number[] };
}

const reference = JSON.parse(readFileSync('test/data/reference/umap/umap-learn.json', 'utf8')) as UmapLearnReference;

test('umap a/b: matches umap-learn 0.5.3 find_ab_params for three settings', () => {
  for (const { spread, minDist, a, b } of reference.ab) {
    const fit = fitAB(minDist, spread);
    assert.ok(Math.abs(fit.a - a) < 1e-4 * a && Math.abs(fit.b - b) < 1e-4 * b, `min_dist ${minDist}, spread ${spread}: ${fit.a}, ${fit.b} vs ${a}, ${b}`);
  }
});

test('umap fuzzy graph: neighbours, sigmas, rhos and the symmetric graph match umap-learn 0.5.3', () => {
  const { count, dim, k, points, indices, sigmas, rhos, rows, cols, values } = reference.graph;
  const knn = exactKnn({ count, dim, vectors: Float32Array.from(points) }, k, 'euclidean');
  assert.deepEqual(Array.from(knn.indices), indices);
  const smoothed = smoothKnnDistances(knn, count, 1);
  for (let i = 0; i < count; i++) {
    assert.ok(Math.abs(smoothed.rho[i]! - rhos[i]!) < 1e-6, `rho ${i}`);
    assert.ok(Math.abs(smoothed.sigma[i]! - sigmas[i]!) < 1e-5 * sigmas[i]!, `sigma ${i}: ${smoothed.sigma[i]} vs ${sigmas[i]}`);
  }
  const graph = fuzzySimplicialSet(knn, count);
  const expected = new Map<string, number>();
  rows.forEach((r, e) => expected.set(`${r},${cols[e]}`, values[e]!));
  assert.equal(graph.heads.length, expected.size);
  for (let e = 0; e < graph.heads.length; e++) {
    const want = expected.get(`${graph.heads[e]},${graph.tails[e]}`);
    assert.ok(want !== undefined && Math.abs(graph.weights[e]! - want) < 1e-5, `edge ${graph.heads[e]}-${graph.tails[e]}: ${graph.weights[e]} vs ${want}`);
  }
});
