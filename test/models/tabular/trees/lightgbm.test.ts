import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadLightGBMModel, parseLightGBMText } from '../../../../src/models/tabular/trees/lightgbm.js';
import { fromRows } from '../../../../src/tabular/matrix.js';
import { UsageError } from '../../../../src/errors.js';
import { LIGHTGBM_DIR as DIR, lightgbmMargins, lightgbmRows, maxAbsDiff } from './fixtures.js';


/** A hand-written model in LightGBM's text format: one tree per class, with a categorical and a NaN-aware split. */
function tinyModel(objective: string, numClass: number): string {
  const tree = (i: number, v: number) => [
    `Tree=${i}`, 'num_leaves=3', 'num_cat=1', 'split_feature=0 1', 'split_gain=1 1', 'threshold=0 2.5',
    // node 0: categorical (bit 0) on feature 0 with categories {1, 3, 33}; node 1: numeric, default left (bit 1), missing NaN (8)
    'decision_type=1 10', 'left_child=1 -1', 'right_child=-3 -2', `leaf_value=${v} ${v + 1} ${v + 2}`, 'leaf_count=5 6 9',
    'internal_value=0 0', 'internal_count=20 11', 'cat_boundaries=0 2', 'cat_threshold=10 2', 'shrinkage=1', '', '',
  ].join('\n');
  const trees = Array.from({ length: numClass }, (_, i) => tree(i, i * 10));
  return ['tree', 'version=v3', `num_class=${numClass}`, `num_tree_per_iteration=${numClass}`, 'label_index=0', 'max_feature_idx=1',
    `objective=${objective}`, 'feature_names=colour size', '', ...trees, 'end of trees', ''].join('\n');
}

describe('LightGBM text models', () => {
  it('breast cancer DART model: margins equal LightGBM\'s own raw scores (leaves\' test data) to 1e-12', async () => {
    const X = lightgbmRows();
    const margin = loadLightGBMModel(`${DIR}/lg_dart_breast_cancer.model`, { output: 'margin' });
    const expected = lightgbmMargins();
    assert.equal(X.rows, 57);
    assert.ok(maxAbsDiff((await margin.predict(X)).data, expected) < 1e-12);
    const prob = loadLightGBMModel(`${DIR}/lg_dart_breast_cancer.model`);
    assert.equal(prob.info.output, 'probability');
    assert.equal(prob.info.kind, 'lightgbm');
    assert.equal(prob.info.featureNames?.[29], 'Column_29');
    assert.ok(maxAbsDiff(prob.predictSync(X).data, expected.map((m) => 1 / (1 + Math.exp(-m)))) < 1e-12);
  });

  it('categorical bitsets, NaN default directions and softmax (hand-written model)', () => {
    const m = parseLightGBMText(tinyModel('multiclass num_class:2', 2), { output: 'margin' });
    // Categories 1 and 3 (word 0 = 10 = 0b1010) and 33 (word 1 = 2) go left; then size <= 2.5 or NaN goes left.
    const X = fromRows([[1, 2], [3, 9], [33, NaN], [2, 1], [0, 1], [-1, 1], [NaN, 1], [1.7, 1]]);
    const out = m.predictSync(X);
    const class0 = Array.from({ length: X.rows }, (_, i) => out.data[i * 2]);
    assert.deepEqual(class0, [0, 1, 0, 2, 2, 2, 2, 0]);
    assert.deepEqual(Array.from({ length: X.rows }, (_, i) => out.data[i * 2 + 1]), class0.map((v) => v + 10));
    const p = parseLightGBMText(tinyModel('multiclass num_class:2', 2)).predictSync(X);
    assert.ok(Math.abs(p.data[1] - 1 / (1 + Math.exp(-10))) < 1e-12);
  });

  it('binary sigmoid:k scales the margin; poisson exponentiates', () => {
    const X = fromRows([[1, 2]]);
    assert.ok(Math.abs(parseLightGBMText(tinyModel('binary sigmoid:2', 1)).predictSync(X).data[0] - 0.5) < 1e-12);
    const withLeaf = tinyModel('binary sigmoid:2', 1).replace('leaf_value=0 1 2', 'leaf_value=0.25 1 2');
    assert.ok(Math.abs(parseLightGBMText(withLeaf).predictSync(X).data[0] - 1 / (1 + Math.exp(-0.5))) < 1e-12);
    const poisson = tinyModel('poisson', 1).replace('leaf_value=0 1 2', 'leaf_value=0.25 1 2');
    assert.ok(Math.abs(parseLightGBMText(poisson).predictSync(X).data[0] - Math.exp(0.25)) < 1e-12);
  });

  it('rejects what it cannot read with a clear error', () => {
    assert.throws(() => parseLightGBMText('{"name": "tree"}'), (e: unknown) => e instanceof UsageError && /first line/.test(e.message));
    assert.throws(() => parseLightGBMText(tinyModel('lambdaloss', 1)), (e: unknown) => e instanceof UsageError && /lambdaloss/.test(e.message));
    assert.throws(() => parseLightGBMText(tinyModel('binary sigmoid:1', 1).replace('end of trees', '')), (e: unknown) => e instanceof UsageError && /cut short/.test(e.message));
    assert.throws(() => parseLightGBMText(tinyModel('binary sigmoid:1', 1).replace('split_feature=0 1', 'split_feature=0 7')), (e: unknown) => e instanceof UsageError && /feature 7/.test(e.message));
    assert.throws(() => loadLightGBMModel('missing.txt'), (e: unknown) => e instanceof UsageError && /cannot read/.test(e.message));
  });
});
