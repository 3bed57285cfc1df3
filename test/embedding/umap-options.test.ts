import assert from 'node:assert/strict';
import { test } from 'node:test';
import { umap } from '../../src/embedding/projection/umap.js';
import { trustworthiness } from '../../src/embedding/quality/trustworthiness.js';
import type { Embeddings } from '../../src/embedding/types.js';
import { Random } from '../../src/util/random.js';
import { clusters, knnAccuracy } from '../helpers/umap-data.js';

test('umap: HNSW neighbours, cosine, random init and 3-D all lay well-separated clusters apart', async () => {
  const { vectors, classes } = clusters(400, 16, 2);
  const points: Embeddings = { count: 400, dim: 16, vectors, metadata: {} };
  for (const options of [{ neighbors: 'hnsw' as const }, { metric: 'cosine' as const }, { init: 'random' as const }, { dims: 3 as const }]) {
    const projection = await umap(points, { seed: 1, nEpochs: 150, ...options });
    const trust = trustworthiness(points, projection, 5);
    assert.ok(trust >= 0.9, `${JSON.stringify(options)}: trustworthiness ${trust}`);
    assert.ok(knnAccuracy(projection, classes) >= 0.98, JSON.stringify(options));
  }
});


test('umap: a neighbour graph in pieces is laid out piece by piece, and the pieces stay apart', async () => {
  // Three tight groups 1000 apart: with 10 neighbours no edge joins two groups.
  const random = new Random(8);
  const classes = Uint8Array.from({ length: 150 }, (_, i) => i % 3);
  const vectors = Float32Array.from({ length: 150 * 5 }, (_, i) => 1000 * classes[Math.floor(i / 5)]! + random.normal());
  const projection = await umap({ count: 150, dim: 5, vectors }, { nNeighbors: 10, nEpochs: 100, seed: 2 });
  assert.equal(projection.diagnostics.components, 3);
  assert.equal(projection.parameters.init, 'spectral per component');
  assert.equal(knnAccuracy(projection, classes), 1);
});
