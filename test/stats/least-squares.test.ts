import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GlassboxError } from '../../src/errors.js';
import { solveSpd } from '../../src/stats/linalg.js';
import { eliminateSumConstraint, leastSquares } from '../../src/stats/least-squares.js';
import type { Matrix } from '../../src/tabular/matrix.js';
import { Random } from '../../src/util/random.js';

function randomProblem(seed: number, n: number, p: number) {
  const r = new Random(seed);
  const x: Matrix = { rows: n, cols: p, data: new Float64Array(n * p) };
  for (let i = 0; i < x.data.length; i++) x.data[i] = r.normal();
  const y = Float64Array.from({ length: n }, () => r.normal());
  const w = Float64Array.from({ length: n }, () => 0.1 + r.uniform());
  return { x, y, w };
}

/** Weighted normal equations X^T W X b = X^T W y, solved independently by Cholesky. */
function normalEquations(x: Matrix, y: Float64Array, w: Float64Array): Float64Array {
  const p = x.cols;
  const a = new Float64Array(p * p);
  const b = new Float64Array(p);
  for (let i = 0; i < x.rows; i++) {
    for (let j = 0; j < p; j++) {
      b[j] += w[i] * x.data[i * p + j] * y[i];
      for (let k = 0; k < p; k++) a[j * p + k] += w[i] * x.data[i * p + j] * x.data[i * p + k];
    }
  }
  return solveSpd(a, p, b);
}

test('weighted QR least squares solves the weighted normal equations; residuals are orthogonal to the columns', () => {
  const { x, y, w } = randomProblem(1, 40, 6);
  const fit = leastSquares(x, y, { weights: w });
  const ref = normalEquations(x, y, w);
  fit.coef.forEach((v, j) => assert.ok(Math.abs(v - ref[j]) < 1e-10, `coef ${j}`));
  let rss = 0;
  const grad = new Float64Array(6);
  for (let i = 0; i < 40; i++) {
    let r = y[i];
    for (let j = 0; j < 6; j++) r -= x.data[i * 6 + j] * fit.coef[j];
    rss += w[i] * r * r;
    for (let j = 0; j < 6; j++) grad[j] += w[i] * r * x.data[i * 6 + j];
  }
  assert.ok(Math.abs(rss - fit.residualSumSquares) < 1e-10);
  for (const g of grad) assert.ok(Math.abs(g) < 1e-10);
  assert.equal(fit.rank, 6);
});

test('dependent columns: a clear error, or with allowRankDeficient the same residual as the full-rank fit', () => {
  const { x, y } = randomProblem(2, 30, 4);
  const dup: Matrix = { rows: 30, cols: 5, data: new Float64Array(150) };
  for (let i = 0; i < 30; i++) {
    for (let j = 0; j < 4; j++) dup.data[i * 5 + j] = x.data[i * 4 + j];
    dup.data[i * 5 + 4] = x.data[i * 4] + 2 * x.data[i * 4 + 1];
  }
  assert.throws(() => leastSquares(dup, y), (e: unknown) => e instanceof GlassboxError && /singular/.test(e.message) && /fix:/.test(e.message));
  const deficient = leastSquares(dup, y, { allowRankDeficient: true });
  assert.equal(deficient.rank, 4);
  assert.ok(Math.abs(deficient.residualSumSquares - leastSquares(x, y).residualSumSquares) < 1e-10);
  assert.throws(() => solveSpd(new Float64Array([1, 1, 1, 1]), 2, [1, 2]), /singular/);
});

test('eliminateSumConstraint: the restored solution sums to the total and minimises the weighted residual among such solutions', () => {
  const { x, y, w } = randomProblem(3, 50, 5);
  const total = 1.7;
  for (const k of [4, 0, 2]) {
    const reduced = eliminateSumConstraint(x, y, total, k);
    const coef = reduced.restore(leastSquares(reduced.x, reduced.y, { weights: w }).coef);
    assert.ok(Math.abs(coef.reduce((s, v) => s + v, 0) - total) < 1e-12);
    // Lagrange condition: X^T W (y - X b) is the same in every coordinate.
    const g = new Float64Array(5);
    for (let i = 0; i < 50; i++) {
      let r = y[i];
      for (let j = 0; j < 5; j++) r -= x.data[i * 5 + j] * coef[j];
      for (let j = 0; j < 5; j++) g[j] += w[i] * r * x.data[i * 5 + j];
    }
    for (let j = 1; j < 5; j++) assert.ok(Math.abs(g[j] - g[0]) < 1e-10, `eliminating ${k}: gradient ${Array.from(g)}`);
  }
});
