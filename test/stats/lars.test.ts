import assert from 'node:assert/strict';
import { test } from 'node:test';
import { larsPath } from '../../src/stats/lars.js';
import { lassoLarsIc } from '../../src/stats/lasso-lars-ic.js';
import { leastSquares } from '../../src/stats/least-squares.js';
import type { Matrix } from '../../src/tabular/matrix.js';
import { Random } from '../../src/util/random.js';

function problem(seed: number, n: number, p: number, correlated = false): { x: Matrix; y: Float64Array } {
  const r = new Random(seed);
  const x: Matrix = { rows: n, cols: p, data: new Float64Array(n * p) };
  for (let i = 0; i < n; i++) {
    const shared = r.normal();
    for (let j = 0; j < p; j++) x.data[i * p + j] = correlated ? 0.8 * shared + 0.6 * r.normal() : r.normal();
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = 3 * x.data[i * p] - 2 * x.data[i * p + 1] + 1.5 * x.data[i * p + 2] + 0.5 * r.normal();
  return { x, y };
}

/** X^T (y - X b) / n: the correlations the lasso's optimality conditions are about. */
function correlations(x: Matrix, y: Float64Array, b: ArrayLike<number>): Float64Array {
  const c = new Float64Array(x.cols);
  for (let i = 0; i < x.rows; i++) {
    let r = y[i];
    for (let j = 0; j < x.cols; j++) r -= x.data[i * x.cols + j] * b[j];
    for (let j = 0; j < x.cols; j++) c[j] += (x.data[i * x.cols + j] * r) / x.rows;
  }
  return c;
}

test('LAR path ends at the least-squares fit and starts at max |X^T y| / n', () => {
  const { x, y } = problem(1, 60, 7);
  const path = larsPath(x, y, { method: 'lar' });
  const ols = leastSquares(x, y).coef;
  const last = path.coefs[path.coefs.length - 1];
  for (let j = 0; j < 7; j++) assert.ok(Math.abs(last[j] - ols[j]) < 1e-10, `coef ${j}: ${last[j]} vs ${ols[j]}`);
  const c0 = correlations(x, y, new Float64Array(7));
  assert.ok(Math.abs(path.alphas[0] - Math.max(...c0.map(Math.abs))) < 1e-12);
  assert.equal(path.alphas[path.alphas.length - 1], 0);
  assert.deepEqual([...path.active].sort(), [0, 1, 2, 3, 4, 5, 6]);
  assert.equal(path.coefs.length, path.alphas.length);
});

test('every lasso step satisfies the lasso optimality conditions (active: |corr| = alpha with the sign of b; others: |corr| <= alpha)', () => {
  for (const seed of [2, 3, 4]) {
    const { x, y } = problem(seed, 40, 12, true);
    const path = larsPath(x, y, { method: 'lasso' });
    for (let k = 0; k < path.coefs.length; k++) {
      const alpha = path.alphas[k];
      const c = correlations(x, y, path.coefs[k]);
      for (let j = 0; j < 12; j++) {
        const b = path.coefs[k][j];
        if (Math.abs(b) > 1e-12) {
          assert.ok(Math.abs(c[j] - Math.sign(b) * alpha) < 1e-9, `seed ${seed} step ${k} feature ${j}: corr ${c[j]} alpha ${alpha}`);
        } else {
          assert.ok(Math.abs(c[j]) <= alpha + 1e-9, `seed ${seed} step ${k} feature ${j}: |corr| ${c[j]} > alpha ${alpha}`);
        }
      }
      if (k > 0) assert.ok(alpha <= path.alphas[k - 1] + 1e-12, 'alphas decrease');
    }
  }
});

/** x2 is nearly (x0 + x1) / 2 and enters first; its coefficient later crosses zero, so the lasso drops it. */
function dropProblem(seed: number): { x: Matrix; y: Float64Array } {
  const r = new Random(seed);
  const n = 40;
  const p = 5;
  const x: Matrix = { rows: n, cols: p, data: new Float64Array(n * p) };
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = r.normal();
    const b = r.normal();
    x.data.set([a, b, 0.5 * (a + b) + 0.1 * r.normal(), r.normal(), r.normal()], i * p);
    y[i] = a + b - 0.3 * x.data[i * p + 2] + 0.1 * r.normal();
  }
  return { x, y };
}

test('lasso drops a variable whose coefficient crosses zero (LAR keeps it), and the conditions still hold', () => {
  for (const seed of [2, 4, 6]) {
    const { x, y } = dropProblem(seed);
    const lasso = larsPath(x, y, { method: 'lasso' });
    const lar = larsPath(x, y, { method: 'lar' });
    assert.equal(lar.active.length, 5, 'LAR keeps every variable it adds');
    assert.ok(lasso.alphas.length > 6, `seed ${seed}: the lasso path has extra (drop) steps`);
    const nonzero = lasso.coefs.map((c) => c.filter((v) => Math.abs(v) > 1e-12).length);
    assert.ok(nonzero.some((k, i) => i > 0 && k <= nonzero[i - 1] && k < 5), `seed ${seed}: some step loses a variable (${nonzero})`);
    for (let k = 0; k < lasso.coefs.length; k++) {
      const c = correlations(x, y, lasso.coefs[k]);
      for (let j = 0; j < 5; j++) {
        const b = lasso.coefs[k][j];
        if (Math.abs(b) > 1e-12) assert.ok(Math.abs(c[j] - Math.sign(b) * lasso.alphas[k]) < 1e-9, `seed ${seed} step ${k} feature ${j}`);
        else assert.ok(Math.abs(c[j]) <= lasso.alphas[k] + 1e-9);
      }
    }
  }
});

test('maxIter bounds the steps', () => {
  const { x, y } = problem(5, 30, 6);
  const path = larsPath(x, y, { method: 'lar', maxIter: 2 });
  assert.equal(path.alphas.length, 3);
  assert.equal(path.active.length, 2);
});

test('lassoLarsIc: AIC and BIC pick the minimum of sklearn\'s criterion; BIC keeps no more features than AIC here', () => {
  const { x, y } = problem(6, 80, 10);
  const aic = lassoLarsIc(x, y, 'aic');
  const bic = lassoLarsIc(x, y, 'bic');
  for (const fit of [aic, bic]) {
    assert.equal(fit.criterion[fit.alphas.indexOf(fit.alpha)], Math.min(...fit.criterion));
    for (const j of [0, 1, 2]) assert.ok(fit.selected.includes(j), `true feature ${j} selected`);
  }
  assert.ok(bic.selected.length <= aic.selected.length);
  // The noise variance is the unbiased OLS residual variance with an intercept.
  const withOnes: Matrix = { rows: 80, cols: 11, data: new Float64Array(80 * 11) };
  for (let i = 0; i < 80; i++) {
    withOnes.data[i * 11] = 1;
    for (let j = 0; j < 10; j++) withOnes.data[i * 11 + 1 + j] = x.data[i * 10 + j];
  }
  const ols = leastSquares(withOnes, y);
  assert.ok(Math.abs(aic.noiseVariance - ols.residualSumSquares / (80 - 11)) < 1e-12);
});

test('bad input gets a usage error', () => {
  const { x, y } = problem(7, 10, 3);
  assert.throws(() => larsPath(x, y.subarray(0, 5)), /one y value per row/);
  assert.throws(() => lassoLarsIc({ rows: 4, cols: 3, data: new Float64Array(12) }, new Float64Array(4), 'aic'), /noise variance/);
});
