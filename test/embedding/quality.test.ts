import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { continuity } from '../../src/embedding/quality/continuity.js';
import { knnPreservation } from '../../src/embedding/quality/knn-preservation.js';
import { trustworthiness } from '../../src/embedding/quality/trustworthiness.js';
import type { Embeddings } from '../../src/embedding/types.js';
import { UsageError } from '../../src/errors.js';
import { Random } from '../../src/util/random.js';

interface Case {
  count: number; dim: number; high: number[]; low: number[];
  entries: { k: number; trustworthiness: number; continuity: number; knnPreservation: number }[];
}
const fixture = JSON.parse(readFileSync('test/data/reference/embedding/trustworthiness.json', 'utf8')) as { cases: Case[] };
const points = (count: number, dim: number, v: ArrayLike<number>): Embeddings => ({ count, dim, vectors: Float32Array.from(v), metadata: {} });

describe('projection quality', () => {
  fixture.cases.forEach((c, n) => {
    it(`case ${n} (${c.count} points, ${c.dim}-D to 2-D): sklearn's trustworthiness and continuity, k-NN preservation, k = 1, 5, 10`, () => {
      const high = points(c.count, c.dim, c.high);
      const low = points(c.count, 2, c.low);
      for (const e of c.entries) {
        assert.ok(Math.abs(trustworthiness(high, low, e.k) - e.trustworthiness) < 1e-12, `trustworthiness k=${e.k}: ${trustworthiness(high, low, e.k)} vs ${e.trustworthiness}`);
        assert.ok(Math.abs(continuity(high, low, e.k) - e.continuity) < 1e-12, `continuity k=${e.k}`);
        assert.ok(Math.abs(knnPreservation(high, low, e.k) - e.knnPreservation) < 1e-12, `knn preservation k=${e.k}`);
      }
    });
  });

  it('axioms: a projection that keeps every distance scores 1; a sample estimates the full value', () => {
    const random = new Random(1);
    const n = 400;
    const low = new Float32Array(n * 2);
    for (let i = 0; i < low.length; i++) low[i] = random.normal();
    // The same points embedded in 5-D (extra coordinates zero) have the same neighbourhoods.
    const high = new Float32Array(n * 5);
    for (let i = 0; i < n; i++) { high[i * 5] = low[i * 2]; high[i * 5 + 1] = low[i * 2 + 1]; }
    const h = points(n, 5, high), l = points(n, 2, low);
    assert.equal(trustworthiness(h, l, 7), 1);
    assert.equal(continuity(h, l, 7), 1);
    assert.equal(knnPreservation(h, l, 7), 1);
    // Shuffled low coordinates: a poor projection; its sampled estimate is near the full value.
    const shuffled = Float32Array.from(low);
    for (let i = n - 1; i > 0; i--) {
      const j = random.int(i + 1);
      for (let c = 0; c < 2; c++) [shuffled[i * 2 + c], shuffled[j * 2 + c]] = [shuffled[j * 2 + c], shuffled[i * 2 + c]];
    }
    const s = points(n, 2, shuffled);
    const full = trustworthiness(h, s, 7);
    assert.ok(full < 0.7, `${full}`);
    const sampled = trustworthiness(h, s, 7, { sample: 200, seed: 3 });
    assert.ok(Math.abs(sampled - full) < 0.03, `${sampled} vs ${full}`);
    assert.notEqual(sampled, full);
  });

  it('bad input: k of half the points or more, mismatched sizes, NaN', () => {
    const h = points(10, 3, Array.from({ length: 30 }, (_, i) => i % 7));
    const l = points(10, 2, Array.from({ length: 20 }, (_, i) => i % 5));
    assert.throws(() => trustworthiness(h, l, 5), (e: unknown) => e instanceof UsageError && /below half the points/.test(e.message) && /at most 4/.test(e.message));
    assert.throws(() => trustworthiness(h, points(9, 2, new Float32Array(18)), 2), (e: unknown) => e instanceof UsageError && /differ in size \(10 and 9\)/.test(e.message));
    const bad = points(10, 2, Array.from({ length: 20 }, (_, i) => i % 5));
    bad.vectors[7] = NaN;
    assert.throws(() => continuity(h, bad, 2), (e: unknown) => e instanceof UsageError && /row 3 has a non-finite/.test(e.message));
  });
});
