import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { larsPath, type LarsPath } from '../../src/stats/lars.js';
import { lassoLarsIc } from '../../src/stats/lasso-lars-ic.js';
import { fromRows } from '../../src/tabular/matrix.js';

/** scikit-learn 1.2.1's own numbers (scripts/stats-reference.py). */
interface PathJson { alphas: number[]; active: number[]; coefs: number[][] }
const fixture = JSON.parse(readFileSync(new URL('fixtures/lars-sklearn.json', import.meta.url), 'utf8')) as {
  paths: { name: string; x: number[][]; y: number[]; lar: PathJson; lasso: PathJson; lar_max_iter_3: PathJson }[];
  ic: { name: string; criterion: 'aic' | 'bic'; x: number[][]; y: number[]; scaled: boolean; scale?: number[]; coef: number[]; alpha: number; intercept: number; noise_variance: number; criterion_values: number[] }[];
};

/**
 * Compares two paths step by step. With more columns than rows, LAR keeps adding columns after the
 * residual is in their span; those steps (more active columns than rows) are rounding noise in both
 * implementations, so only the steps before are compared there.
 */
function assertPath(actual: LarsPath, expected: PathJson, label: string, rows: number): void {
  const nonzero = expected.coefs.map((c) => c.filter((v) => v !== 0).length);
  const trusted = nonzero.findIndex((k) => k > rows);
  const steps = trusted < 0 ? expected.alphas.length : trusted;
  if (trusted < 0) {
    assert.deepEqual(actual.active, expected.active, `${label}: active set and order`);
    assert.equal(actual.alphas.length, expected.alphas.length, `${label}: number of steps`);
  }
  for (let k = 0; k < steps; k++) {
    assert.ok(Math.abs(actual.alphas[k] - expected.alphas[k]) <= 1e-10 * Math.max(1, expected.alphas[0]), `${label}: alpha ${k} ${actual.alphas[k]} vs ${expected.alphas[k]}`);
    actual.coefs[k].forEach((v, j) => assert.ok(Math.abs(v - expected.coefs[k][j]) <= 1e-9, `${label}: coef step ${k} feature ${j}: ${v} vs ${expected.coefs[k][j]}`));
  }
}

for (const c of fixture.paths) {
  test(`larsPath matches sklearn lars_path on '${c.name}' (lar, lasso, max_iter 3)`, () => {
    const x = fromRows(c.x);
    const y = Float64Array.from(c.y);
    assertPath(larsPath(x, y, { method: 'lar' }), c.lar, `${c.name} lar`, x.rows);
    assertPath(larsPath(x, y, { method: 'lasso' }), c.lasso, `${c.name} lasso`, x.rows);
    assertPath(larsPath(x, y, { method: 'lar', maxIter: 3 }), c.lar_max_iter_3, `${c.name} lar maxIter 3`, x.rows);
  });
}

for (const c of fixture.ic) {
  test(`lassoLarsIc matches sklearn LassoLarsIC(${c.criterion}) on '${c.name}'${c.scaled ? ' after StandardScaler(with_mean=False), as shap' : ''}`, () => {
    const x = fromRows(c.x);
    if (c.scaled) {
      // shap scales the columns by their standard deviation first.
      const scale = c.scale as number[];
      for (let i = 0; i < x.rows; i++) for (let j = 0; j < x.cols; j++) x.data[i * x.cols + j] /= scale[j];
    }
    const fit = lassoLarsIc(x, Float64Array.from(c.y), c.criterion);
    assert.ok(Math.abs(fit.noiseVariance - c.noise_variance) <= 1e-10 * c.noise_variance, `noise variance ${fit.noiseVariance} vs ${c.noise_variance}`);
    assert.equal(fit.criterion.length, c.criterion_values.length);
    fit.criterion.forEach((v, k) => assert.ok(Math.abs(v - c.criterion_values[k]) <= 1e-8 * Math.max(1, Math.abs(c.criterion_values[k])), `criterion ${k}: ${v} vs ${c.criterion_values[k]}`));
    assert.ok(Math.abs(fit.alpha - c.alpha) <= 1e-12, `alpha ${fit.alpha} vs ${c.alpha}`);
    assert.deepEqual(fit.selected, c.coef.flatMap((v, j) => (v !== 0 ? [j] : [])));
    fit.coef.forEach((v, j) => assert.ok(Math.abs(v - c.coef[j]) <= 1e-9, `coef ${j}: ${v} vs ${c.coef[j]}`));
    assert.ok(Math.abs(fit.intercept - c.intercept) <= 1e-9);
  });
}

test("shap's num_features(5) selection: the active set of a 5-step LAR path on the augmented KernelSHAP regression", () => {
  const c = fixture.ic.find((k) => k.name === 'kernel-shap-augmented') as (typeof fixture.ic)[number];
  const expected = (fixture as unknown as { num_features: { r: number; active: number[] } }).num_features;
  assert.deepEqual(larsPath(fromRows(c.x), Float64Array.from(c.y), { maxIter: expected.r }).active, expected.active);
});
