import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { UsageError } from '../../../src/errors.js';
import {
  averageRanks, hogFeatures, hogSimilarity, pearsonCorrelation, similarity, spearmanCorrelation, structuralSimilarity,
  type HogBlockNorm,
} from '../../../src/metrics/similarity/index.js';

interface HogCase {
  orientations: number;
  pixels_per_cell: [number, number];
  cells_per_block: [number, number];
  block_norm: HogBlockNorm;
  similarity: number;
  featuresA?: number[];
}
interface Case {
  name: string;
  shape: number[];
  a: number[];
  b: number[];
  spearman: number;
  pearson: number;
  ssim: { dataRange: number; explicit: boolean; value: number }[];
  hog: HogCase[];
}
const reference = JSON.parse(readFileSync('test/data/reference/similarity/similarity.json', 'utf8')) as { cases: Case[] };

const close = (actual: number, expected: number, tol: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected} (tolerance ${tol})`);

describe('similarity measures against scipy / skimage (scripts/reference-similarity.py)', () => {
  for (const c of reference.cases) {
    it(`${c.name}: Spearman, Pearson and SSIM to 1e-9, HOG features and HOG similarity to 1e-6 (1e-3 on quantised maps with bin edges at 45 degrees)`, () => {
      close(spearmanCorrelation(c.a, c.b), c.spearman, 1e-9, 'spearman');
      close(pearsonCorrelation(c.a, c.b), c.pearson, 1e-9, 'pearson');
      for (const s of c.ssim) {
        const options = s.explicit ? { dataRange: s.dataRange } : {};
        close(structuralSimilarity(c.a, c.b, c.shape, options), s.value, 1e-9, `ssim (data range ${s.dataRange})`);
      }
      assert.equal(c.hog.length > 0, c.shape.length === 2);
      for (const h of c.hog) {
        const options = { orientations: h.orientations, pixelsPerCell: h.pixels_per_cell, cellsPerBlock: h.cells_per_block, blockNorm: h.block_norm };
        if (h.featuresA) {
          const f = hogFeatures(c.a, c.shape, options);
          assert.equal(f.length, h.featuresA.length);
          f.forEach((v, i) => close(v, h.featuresA![i], 1e-6, `hog feature ${i}`));
        }
        // numpy's vectorised arctan2 and JavaScript's differ in the last bit now and then; that moves a pixel to
        // the next bin only when its orientation sits on a bin edge, which happens on maps of quantised values
        // when an edge is a multiple of 45 degrees (8 bins: 22.5-degree edges hit 45 and 135 exactly).
        const onEdges = c.name.includes('ties') && 45 % (180 / h.orientations) === 0;
        close(hogSimilarity(c.a, c.b, c.shape, options), h.similarity, onEdges ? 1e-3 : 1e-6, `hog similarity ${JSON.stringify(options)}`);
      }
    });
  }

  it('the reference pairs span high, low and tied similarities (the test sees different regimes)', () => {
    const values = reference.cases.map((c) => c.spearman);
    assert.ok(Math.max(...values) > 0.8 && Math.min(...values) < 0.3, `spearman values ${values}`);
  });
});

describe('similarity measures by hand', () => {
  it('ranks ties by their average rank (scipy rankdata "average")', () => {
    assert.deepEqual([...averageRanks([3, 1, 2, 2, 3, 3])], [5, 1, 2.5, 2.5, 5, 5]);
    // spearmanr([1, 2, 2, 3], [1, 2, 3, 4]) = 3 / sqrt(10): ranks [1, 2.5, 2.5, 4] against [1, 2, 3, 4].
    close(spearmanCorrelation([1, 2, 2, 3], [1, 2, 3, 4]), 3 / Math.sqrt(10), 1e-15, 'tied spearman');
  });

  it('Spearman is 1 under a monotone transform and -1 when reversed; 1 for identical maps under every measure', () => {
    const a = Array.from({ length: 64 }, (_, i) => Math.sin(i * 1.7) + i / 50);
    close(spearmanCorrelation(a, a.map((v) => Math.exp(3 * v))), 1, 1e-12, 'monotone');
    close(spearmanCorrelation(a, a.map((v) => -v)), -1, 1e-12, 'reversed');
    for (const m of ['spearman', 'ssim', 'hog'] as const) {
      close(similarity(m, a, a, [8, 8], { hog: { pixelsPerCell: [4, 4], cellsPerBlock: [2, 2] } }), 1, 1e-12, m);
    }
  });

  it('a constant map has no ranking: NaN, as scipy gives', () => {
    assert.ok(Number.isNaN(spearmanCorrelation([1, 1, 1], [1, 2, 3])));
    // SSIM of two equal constant maps is 1 (the data range falls back to 1).
    close(structuralSimilarity(new Array(49).fill(0.5), new Array(49).fill(0.5), [7, 7]), 1, 1e-15, 'constant ssim');
  });

  it('bad input: clear errors that say what is wrong', () => {
    assert.throws(() => spearmanCorrelation([1, 2], [1, 2, 3]), (e: Error) => e instanceof UsageError && /same size, got 2 and 3/.test(e.message));
    assert.throws(() => spearmanCorrelation([1, Number.NaN], [1, 2]), (e: Error) => e instanceof UsageError && /non-finite/.test(e.message));
    assert.throws(() => structuralSimilarity(new Array(36).fill(0), new Array(36).fill(1), [6, 6]), (e: Error) => e instanceof UsageError && /window 7 exceeds/.test(e.message));
    assert.throws(() => structuralSimilarity(new Array(36).fill(0), new Array(36).fill(1), [5, 7]), (e: Error) => e instanceof UsageError && /shape \[height, width\]/.test(e.message));
    assert.throws(() => hogSimilarity(new Array(100).fill(0), new Array(100).fill(1), [10, 10]), (e: Error) => e instanceof UsageError && /no hog block/.test(e.message));
    assert.throws(() => similarity('cosine' as never, [1, 2], [1, 2], [2]), (e: Error) => e instanceof UsageError && /spearman, ssim, hog/.test(e.message));
  });
});
