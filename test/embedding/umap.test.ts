import assert from 'node:assert/strict';
import { test } from 'node:test';
import { umap } from '../../src/embedding/projection/umap.js';
import { trustworthiness } from '../../src/embedding/quality/trustworthiness.js';
import type { Embeddings } from '../../src/embedding/types.js';
import { UsageError } from '../../src/errors.js';
import { readIdx } from '../../src/io/idx.js';
import { clusters, knnAccuracy } from '../helpers/umap-data.js';

const digitCount = 800;
const images = readIdx('data/mnist/t10k-images-idx3-ubyte.gz');
const labels = readIdx('data/mnist/t10k-labels-idx1-ubyte.gz').data.subarray(0, digitCount);
const digits: Embeddings = {
  count: digitCount,
  dim: 784,
  vectors: Float32Array.from(images.data.subarray(0, digitCount * 784), (v) => v / 255),
  metadata: { label: Array.from(labels) },
};

test('umap: MNIST test digits keep their neighbourhoods (trustworthiness) and separate by class', async () => {
  const projection = await umap(digits, { seed: 0 });
  assert.equal(projection.count, digitCount);
  assert.equal(projection.coordinates.length, digitCount * 2);
  assert.equal(projection.parameters.init, 'spectral');
  assert.equal(projection.parameters.nEpochs, 500);
  // On these 800 digits: Glassbox 0.953 and 0.816; umap-learn 0.5.3 0.953 and 0.821 (test/data/reference/umap);
  // umap-js 1.4.0 0.949 and 0.821. The bounds leave room for other seeds.
  const trust = trustworthiness(digits, projection, 5);
  assert.ok(trust >= 0.93, `trustworthiness ${trust}`);
  const accuracy = knnAccuracy(projection, labels);
  assert.ok(accuracy >= 0.75, `5-NN accuracy in 2-D ${accuracy}`);
  // Pixels of random labels would give about 0.1: the layout carries the classes.
});

test('umap: the same seed gives the same coordinates, another seed other ones', async () => {
  const { vectors } = clusters(300, 10, 1);
  const points = { count: 300, dim: 10, vectors };
  const a = await umap(points, { seed: 5, nEpochs: 100 });
  const b = await umap(points, { seed: 5, nEpochs: 100 });
  const c = await umap(points, { seed: 6, nEpochs: 100 });
  assert.deepEqual(a.coordinates, b.coordinates);
  assert.notDeepEqual(a.coordinates, c.coordinates);
});

test('umap: progress goes from the neighbour graph (0) to the last epoch', async () => {
  const { vectors } = clusters(100, 4, 3);
  const seen: number[] = [];
  await umap({ count: 100, dim: 4, vectors }, { nEpochs: 30, onProgress: (epoch, total) => { assert.equal(total, 30); seen.push(epoch); } });
  assert.deepEqual(seen, Array.from({ length: 31 }, (_, i) => i));
});

test('umap: bad input gets a usage error saying what to fix', async () => {
  const { vectors } = clusters(30, 4, 4);
  const points = { count: 30, dim: 4, vectors };
  const nan = vectors.slice();
  nan[4 * 12 + 1] = NaN;
  const rejects = (promise: Promise<unknown>, pattern: RegExp): Promise<void> =>
    assert.rejects(promise, (e: unknown) => e instanceof UsageError && pattern.test(e.message));
  await rejects(umap({ count: 30, dim: 4, vectors: nan }), /row 12 has a non-finite value/);
  await rejects(umap(points, { nNeighbors: 31 }), /nNeighbors = 31 is larger than the 30 points[\s\S]*fix: use nNeighbors <= 30/);
  await rejects(umap(points, { nNeighbors: 1 }), /at least 2/);
  await rejects(umap({ count: 2, dim: 4, vectors: vectors.subarray(0, 8) }), /at least 3 points/);
  await rejects(umap(points, { dims: 4 as 2 }), /dims must be 2 or 3/);
  await rejects(umap(points, { metric: 'dot' as 'cosine' }), /'euclidean' or 'cosine'/);
  await rejects(umap(points, { minDist: 2 }), /minDist must be from 0 to spread/);
  await rejects(umap(points, { seed: -1 }), /seed must be an integer/);
  await rejects(umap({ count: 30, dim: 5, vectors }), /120 values do not make 30 rows of 5/);
});
