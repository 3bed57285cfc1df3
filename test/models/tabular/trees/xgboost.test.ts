import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadXGBoostModel, parseXGBoostJson } from '../../../../src/models/tabular/trees/xgboost.js';
import { fromRows } from '../../../../src/tabular/matrix.js';
import { SplitRule } from '../../../../src/models/tabular/trees/ensemble.js';
import { UsageError } from '../../../../src/errors.js';
import { XGBOOST_CASES, XGBOOST_DIR, maxAbsDiff, modelPath, rowsMatrix, xgboostCase } from './fixtures.js';

describe('XGBoost JSON models', () => {
  for (const name of XGBOOST_CASES) {
    it(`${name}: margins and predictions match XGBoost's to 1e-6`, async () => {
      const c = xgboostCase(name);
      const X = rowsMatrix(c.rows);
      const margin = loadXGBoostModel(modelPath(name), { output: 'margin' });
      const groups = margin.info.numOutputs;
      const expectedMargins = c.margins.map((m) => (groups > 1 ? (m as number[]) : [m as number])).flat();
      assert.ok(maxAbsDiff(margin.predictSync(X).data, expectedMargins) < 1e-6);
      const prob = loadXGBoostModel(modelPath(name));
      const out = await prob.predict(X);
      assert.equal(out.cols, groups);
      const expected = c.predictions.map((m) => (groups > 1 ? (m as number[]) : [m as number])).flat();
      assert.ok(maxAbsDiff(out.data, expected) < 1e-6, `${name} predictions`);
      assert.deepEqual(prob.info.featureNames, c.featureNames);
      assert.equal(prob.info.acceptsMissing, true);
      assert.equal(prob.info.kind, 'xgboost');
    });
  }

  it('reads missing values (adult has "?" as NaN) and follows default directions', () => {
    const c = xgboostCase('adult');
    assert.ok(c.rows.some((r) => r.includes(null)), 'the adult fixture has missing values');
    const m = loadXGBoostModel(modelPath('adult'), { output: 'margin' });
    const withNaN = c.rows.findIndex((r) => r.includes(null));
    const one = rowsMatrix([c.rows[withNaN]]);
    assert.ok(Math.abs(m.predictSync(one).data[0] - (c.margins[withNaN] as number)) < 1e-6);
  });

  it('reads categorical splits (enable_categorical): sets of categories that go right, NaN conditions in the JSON', () => {
    const m = loadXGBoostModel(modelPath('german_credit_categorical'));
    const categorical = m.ensemble.trees.flatMap((t) => Array.from(t.rule).filter((r, n) => t.feature[n] >= 0 && r === SplitRule.XGBoostCategoryRight));
    assert.ok(categorical.length > 10, `${categorical.length} categorical splits`);
    assert.ok(readFileSync(modelPath('german_credit_categorical'), 'utf8').includes('NaN'));
  });

  it('reports what its outputs are', () => {
    assert.equal(loadXGBoostModel(modelPath('breast_cancer')).info.output, 'probability');
    assert.equal(loadXGBoostModel(modelPath('breast_cancer'), { output: 'margin' }).info.output, 'margin');
    assert.equal(loadXGBoostModel(modelPath('california_housing')).info.output, 'value');
    assert.equal(loadXGBoostModel(modelPath('wine')).info.numOutputs, 3);
  });

  const objectives = JSON.parse(readFileSync(`${XGBOOST_DIR}/objectives.json`, 'utf8')) as {
    rows: number[][]; cases: { name: string; objective: string; model: unknown; margins: number[][]; predictions: number[][] }[];
  };
  for (const c of objectives.cases) {
    it(`${c.name}: base_score, link and tree weights as XGBoost applies them`, () => {
      const X = fromRows(objectives.rows);
      const text = JSON.stringify(c.model);
      assert.ok(maxAbsDiff(parseXGBoostJson(text, { output: 'margin' }).predictSync(X).data, c.margins.flat()) < 1e-6);
      const p = parseXGBoostJson(text).predictSync(X);
      if (c.objective === 'multi:softmax') {
        // XGBoost's predict gives the class; Glassbox gives the softmax probabilities behind it.
        for (let i = 0; i < X.rows; i++) {
          const row = Array.from(p.data.subarray(i * 3, i * 3 + 3));
          assert.equal(row.indexOf(Math.max(...row)), c.predictions[i][0]);
          assert.ok(Math.abs(row.reduce((s, v) => s + v, 0) - 1) < 1e-12);
        }
      } else {
        assert.ok(maxAbsDiff(p.data, c.predictions.flat()) < 1e-6, c.objective);
      }
    });
  }

  it('rejects what it cannot read with a clear error', () => {
    const base = JSON.parse(readFileSync(modelPath('breast_cancer'), 'utf8')) as { learner: { objective: { name: string } } };
    base.learner.objective.name = 'rank:pairwise';
    assert.throws(() => parseXGBoostJson(JSON.stringify(base)), (e: unknown) => e instanceof UsageError && /rank:pairwise/.test(e.message) && /binary:logistic/.test(e.message));
    assert.throws(() => parseXGBoostJson('binary junk'), (e: unknown) => e instanceof UsageError && /not JSON/.test(e.message));
    assert.throws(() => parseXGBoostJson('{"learner": {}}'), (e: unknown) => e instanceof UsageError && /learner_model_param/.test(e.message));
    assert.throws(() => loadXGBoostModel('no/such/model.json'), (e: unknown) => e instanceof UsageError && /cannot read/.test(e.message));
    const m = loadXGBoostModel(modelPath('breast_cancer'));
    assert.throws(() => m.predictSync(fromRows([[1, 2, 3]])), (e: unknown) => e instanceof UsageError && /30 features/.test(e.message));
    assert.throws(() => loadXGBoostModel(modelPath('breast_cancer'), { output: 'logits' as 'margin' }), UsageError);
  });
});
