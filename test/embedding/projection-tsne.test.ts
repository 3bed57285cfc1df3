import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readIdx } from '../../src/io/idx.js';
import { exactNeighbors } from '../../src/embedding/neighbors/exact.js';
import { jointProbabilities } from '../../src/embedding/projection/tsne-affinities.js';
import { shutdownHelper } from '../../src/embedding/projection/tsne-helper.js';
import { tsne } from '../../src/embedding/projection/tsne.js';
import type { Embeddings } from '../../src/embedding/types.js';
import { UsageError } from '../../src/errors.js';

interface PFixture { count: number; dim: number; x: number[]; cases: { perplexity: number; rows: number[]; cols: number[]; values: number[] }[] }
const pFixture = JSON.parse(readFileSync('test/data/reference/embedding/tsne-p.json', 'utf8')) as PFixture;

describe('t-SNE', () => {
  after(() => shutdownHelper());

  for (const c of pFixture.cases) {
    it(`joint probabilities P equal sklearn's _joint_probabilities_nn (perplexity ${c.perplexity})`, () => {
      const x: Embeddings = { count: pFixture.count, dim: pFixture.dim, vectors: Float32Array.from(pFixture.x), metadata: {} };
      const k = Math.min(x.count - 1, Math.floor(3 * c.perplexity + 1));
      const nn = exactNeighbors(x, undefined, { k });
      const d2 = Float64Array.from(nn.distances, (d) => d * d);
      const p = jointProbabilities(nn.indices, d2, x.count, k, c.perplexity);
      const want = new Map<number, number>();
      c.rows.forEach((r, e) => want.set(r * x.count + c.cols[e], c.values[e]));
      let entries = 0;
      let sum = 0;
      for (let i = 0; i < x.count; i++) {
        for (let e = p.rowStart[i]; e < p.rowStart[i + 1]; e++) {
          const w = want.get(i * x.count + p.cols[e]);
          assert.ok(w !== undefined, `entry (${i}, ${p.cols[e]}) is not in sklearn's P`);
          // sklearn computes in float32.
          assert.ok(Math.abs(p.values[e] - w) <= 1e-5 * w + 1e-9, `P(${i}, ${p.cols[e]}) = ${p.values[e]} vs ${w}`);
          entries++;
          sum += p.values[e];
        }
      }
      assert.equal(entries, c.values.length);
      assert.ok(Math.abs(sum - 1) < 1e-12);
    });
  }

  it('is seeded and gives the same layout with the helper thread as without', async () => {
    const n = 300;
    const images = readIdx('data/mnist/t10k-images-idx3-ubyte.gz');
    const pixels: Embeddings = { count: n, dim: 784, vectors: Float32Array.from(images.data.subarray(0, n * 784), (v) => v / 255), metadata: {} };
    const options = { perplexity: 20, iterations: 200, init: 'random' as const, seed: 5 };
    // The first run starts the helper, which may load too late to take part; the last one has it ready.
    await tsne(pixels, { ...options, iterations: 1, workers: 2 });
    const progress: [number, number][] = [];
    const alone = await tsne(pixels, { ...options, workers: 1, onProgress: (done, total) => progress.push([done, total]) });
    // Two neighbour chunks of 256 points, then every tenth of 200 iterations, then the end.
    assert.deepEqual(progress.at(-1), [202, 202]);
    assert.ok(progress.every(([done], i) => i === 0 || done >= progress[i - 1][0]));
    assert.equal(alone.diagnostics.iterationsRun, 200);
    const helped = await tsne(pixels, { ...options, workers: 2 });
    assert.equal(alone.parameters.workers, 1);
    assert.equal(helped.parameters.workers, 2);
    assert.deepEqual(helped.coordinates, alone.coordinates);
    const other = await tsne(pixels, { ...options, seed: 6, workers: 1 });
    assert.notDeepEqual(other.coordinates, alone.coordinates);
  });

  it('bad input: perplexity too large for the number of points, NaN rows, bad options', async () => {
    const x: Embeddings = { count: 20, dim: 3, vectors: Float32Array.from({ length: 60 }, (_, i) => Math.sin(i)), metadata: {} };
    await assert.rejects(tsne(x, { perplexity: 20 }), (e: unknown) => e instanceof UsageError && /perplexity must be above 0 and below the number of points \(20\), got 20/.test(e.message) && /at most 6/.test(e.message));
    const bad = { ...x, vectors: Float32Array.from(x.vectors) };
    bad.vectors[13] = NaN;
    await assert.rejects(tsne(bad, { perplexity: 5 }), (e: unknown) => e instanceof UsageError && /row 4 has a non-finite value/.test(e.message));
    await assert.rejects(tsne(x, { perplexity: 5, learningRate: -1 }), UsageError);
    await assert.rejects(tsne(x, { perplexity: 5, workers: 3 }), UsageError);
    await assert.rejects(tsne(x, { perplexity: 5, init: 'spectral' as 'pca' }), UsageError);
  });
});
