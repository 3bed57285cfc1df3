import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { kernelL1Selection, type L1Reg } from '../../../src/attribution/coalition/kernel-shap.js';

/** shap's selection step run through scikit-learn 1.2.1 on a KernelSHAP-like regression (scripts/stats-reference.py). */
const fixture = JSON.parse(readFileSync(new URL('fixtures/kernel-l1-sklearn.json', import.meta.url), 'utf8')) as {
  m: number; masks: number[][]; weights: number[]; eyAdj: number[]; total: number; selections: Record<string, number[]>;
};

const regression = {
  m: fixture.m,
  count: fixture.masks.length,
  masks: Uint8Array.from(fixture.masks.flat()),
  weights: Float64Array.from(fixture.weights),
  eyAdj: Float64Array.from(fixture.eyAdj),
  total: fixture.total,
  fractionEvaluated: fixture.masks.length / (2 ** fixture.m - 2),
};

for (const [name, expected] of Object.entries(fixture.selections)) {
  test(`l1 selection '${name}' picks the same players, in the same order, as shap's solve() with sklearn`, () => {
    const l1: L1Reg = name.startsWith('num_features(') ? { numFeatures: Number(name.slice(13, -1)) } : (name as 'aic' | 'bic');
    assert.deepEqual(kernelL1Selection(regression, l1), expected);
  });
}

test("'auto' is AIC below 20% of the coalitions evaluated and no selection above", () => {
  assert.deepEqual(kernelL1Selection(regression, 'auto'), fixture.selections.aic);
  assert.deepEqual(kernelL1Selection({ ...regression, fractionEvaluated: 0.5 }, 'auto'), Array.from({ length: fixture.m }, (_, j) => j));
});
