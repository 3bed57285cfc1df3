import assert from 'node:assert/strict';
import { test } from 'node:test';
import { umap } from '../../src/embedding/projection/umap.js';
import { trustworthiness } from '../../src/embedding/quality/trustworthiness.js';
import type { Embeddings } from '../../src/embedding/types.js';
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

