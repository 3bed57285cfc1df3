import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TreeShap } from '../../../src/attribution/tree/tree-shap.js';
import { loadXGBoostModel } from '../../../src/models/tabular/trees/xgboost.js';
import { rowOf, sliceRows } from '../../../src/tabular/matrix.js';
import { PathDependentTreeShap } from '../../../src/attribution/tree/path-dependent.js';
import { LeafPatternTables } from '../../../src/attribution/tree/leaf-patterns.js';
import { ensurePatternTables, prepareEnsemble } from '../../../src/attribution/tree/prepared.js';
import { interactionValues } from '../../../src/attribution/tree/interactions.js';
import { prepareRow } from '../../../src/models/tabular/trees/ensemble.js';
import { UsageError } from '../../../src/errors.js';
import { XGBOOST_CASES, forGroup, maxAbsDiff, modelPath, rowsMatrix, xgboostCase } from '../../models/tabular/trees/fixtures.js';

describe('TreeSHAP (path-dependent) against XGBoost pred_contribs and pred_interactions', () => {
  for (const name of XGBOOST_CASES) {
    it(`${name}: SHAP values, expected value and interaction values to 1e-5; efficiency`, async () => {
      const c = xgboostCase(name);
      const model = loadXGBoostModel(modelPath(name));
      const X = rowsMatrix(c.rows);
      const F = model.info.numFeatures;
      const groups = model.info.numOutputs;
      for (let g = 0; g < groups; g++) {
        const ex = await new TreeShap(model).explain(X, { target: g, interactions: true });
        assert.equal(ex.method, 'tree-shap');
        assert.equal(ex.output, 'margin');
        assert.deepEqual(ex.featureNames, c.featureNames);
        for (let i = 0; i < X.rows; i++) {
          const ref = forGroup<number[]>(c.contribs[i], groups, g);
          assert.ok(maxAbsDiff(ex.attributions[i], ref.slice(0, F)) < 1e-5, `${name} row ${i} class ${g} contribs`);
          assert.ok(Math.abs(ex.baseValues[i] - ref[F]) < 1e-5, `${name} expected value`);
          const margin = forGroup<number>(c.margins[i], groups, g);
          assert.ok(Math.abs(ex.predictions[i] - margin) < 1e-6, 'prediction is the margin');
          if (i < c.interactionRows) {
            const R = forGroup<number[][]>(c.interactions[i], groups, g);
            const mine = ex.extras![i].interactions as number[][];
            assert.equal(mine.length, F);
            assert.ok(maxAbsDiff(mine.flat(), R.slice(0, F).flatMap((r) => r.slice(0, F))) < 1e-5, `${name} row ${i} interactions`);
            // Each row of the interaction matrix sums to that feature's SHAP value.
            mine.forEach((r, j) => assert.ok(Math.abs(r.reduce((s, v) => s + v, 0) - ex.attributions[i][j]) < 1e-9));
          }
        }
        // Shapley efficiency: the values add up to the margin minus the expected value.
        for (const gap of ex.efficiencyGaps()) assert.ok(Math.abs(gap) < 1e-5, `${name} efficiency gap ${gap}`);
      }
    });
  }

  it('Algorithm 2 (the recursion used for deep trees and interactions) and the leaf tables agree with XGBoost alike', () => {
    const c = xgboostCase('adult');
    const model = loadXGBoostModel(modelPath('adult'));
    const prepared = prepareEnsemble(model.ensemble);
    const recursion = new PathDependentTreeShap(prepared.maxDepth);
    const x = new Float64Array(14);
    for (let i = 0; i < c.rows.length; i++) {
      prepareRow(model.ensemble, rowOf(rowsMatrix(c.rows), i), x);
      const slow = new Float64Array(14);
      const fast = new Float64Array(14);
      for (const t of prepared.byGroup[0]) {
        recursion.run(t.tree, x, slow);
        LeafPatternTables.build(t.tree).run(x, fast);
      }
      const ref = (c.contribs[i] as number[]).slice(0, 14);
      assert.ok(maxAbsDiff(slow, ref) < 1e-5 && maxAbsDiff(fast, ref) < 1e-5 && maxAbsDiff(slow, fast) < 1e-12, `row ${i}`);
    }
  });

  it('interaction values from leaf pair tables equal those of the conditioned recursion', () => {
    const c = xgboostCase('german_credit');
    const model = loadXGBoostModel(modelPath('german_credit'));
    const F = model.info.numFeatures;
    const prepared = prepareEnsemble(model.ensemble);
    ensurePatternTables(prepared, 1);
    const trees = prepared.byGroup[0];
    assert.ok(trees.every((t) => t.patterns), 'shallow trees get tables');
    const recursion = new PathDependentTreeShap(prepared.maxDepth);
    const x = new Float64Array(F);
    for (let i = 0; i < 5; i++) {
      prepareRow(model.ensemble, rowOf(rowsMatrix(c.rows), i), x);
      const phi = new Float64Array(F);
      for (const t of trees) recursion.run(t.tree, x, phi);
      const fromTables = interactionValues(trees, x, phi, F, recursion);
      const fromRecursion = interactionValues(trees.map((t) => ({ ...t, patterns: null })), x, phi, F, recursion);
      assert.ok(maxAbsDiff(fromTables, fromRecursion) < 1e-12, `row ${i}`);
      assert.ok(fromTables.some((v, j) => v !== 0 && j % (F + 1) !== 0), 'has off-diagonal interactions');
    }
  });

  it('serialises each row in the CLI contract', async () => {
    const model = loadXGBoostModel(modelPath('breast_cancer'));
    const ex = await new TreeShap(model).explain(sliceRows(rowsMatrix(xgboostCase('breast_cancer').rows), 0, 2), { interactions: true });
    const row = JSON.parse(JSON.stringify(ex.row(1))) as { attributions: number[]; interactions: number[][]; baseValue: number };
    assert.equal(row.attributions.length, 30);
    assert.equal(row.interactions.length, 30);
    assert.equal(typeof row.baseValue, 'number');
  });
});

describe('TreeSHAP (interventional) against brute-force Shapley values over a background', () => {
  for (const name of ['adult', 'california_housing']) {
    it(`${name}: every subset enumerated in Python with XGBoost's predict, to 1e-5`, async () => {
      const c = xgboostCase(name);
      const ref = c.interventional!;
      const model = loadXGBoostModel(modelPath(name));
      const X = sliceRows(rowsMatrix(c.rows), 0, ref.rows);
      const background = rowsMatrix(ref.background);
      const ex = await new TreeShap(model).explain(X, { background });
      assert.equal(ex.params.featurePerturbation, 'interventional');
      assert.equal(ex.params.backgroundRows, background.rows);
      ref.values.forEach((v, i) => assert.ok(maxAbsDiff(ex.attributions[i], v) < 1e-5, `${name} row ${i}`));
      assert.ok(Math.abs(ex.baseValues[0] - ref.baseValue) < 1e-5);
      for (const gap of ex.efficiencyGaps()) assert.ok(Math.abs(gap) < 1e-5);
      if (name === 'adult') assert.ok(ref.background.some((r) => r.includes(null)) && c.rows.slice(0, 3).every((r) => r.includes(null)), 'missing values on both sides');
    });
  }

  it('with a single background row, is the exact Shapley value of the two-point game (dummy features get 0)', async () => {
    const c = xgboostCase('german_credit');
    const model = loadXGBoostModel(modelPath('german_credit'));
    const X = rowsMatrix(c.rows);
    const x = sliceRows(X, 0, 1);
    const r = sliceRows(X, 1, 2);
    const ex = await new TreeShap(model).explain(x, { background: r });
    const fx = model.marginsSync(x).data[0];
    const fr = model.marginsSync(r).data[0];
    assert.ok(Math.abs(ex.attributions[0].reduce((s, v) => s + v, 0) - (fx - fr)) < 1e-5);
    c.rows[0].forEach((v, j) => { if (v === c.rows[1][j]) assert.equal(ex.attributions[0][j], 0, `feature ${j} is equal in x and r`); });
  });
});

describe('TreeShap usage errors', () => {
  const model = loadXGBoostModel(modelPath('wine'));
  const X = rowsMatrix(xgboostCase('wine').rows);
  it('asks for a target on multi-output models and checks its range', async () => {
    await assert.rejects(new TreeShap(model).explain(X), (e: unknown) => e instanceof UsageError && /target/.test(e.message));
    await assert.rejects(new TreeShap(model).explain(X, { target: 3 }), (e: unknown) => e instanceof UsageError && /out of range/.test(e.message));
  });
  it('needs a background for interventional, no interactions there, and rows of the right width', async () => {
    await assert.rejects(new TreeShap(model).explain(X, { target: 0, featurePerturbation: 'interventional' }), (e: unknown) => e instanceof UsageError && /background/.test(e.message));
    await assert.rejects(new TreeShap(model).explain(X, { target: 0, background: X, interactions: true }), (e: unknown) => e instanceof UsageError && /interaction/.test(e.message));
    await assert.rejects(new TreeShap(model).explain({ rows: 1, cols: 2, data: new Float64Array(2) }, { target: 0 }), UsageError);
    await assert.rejects(new TreeShap(model).explain(X, { target: 0, featureNames: ['a'] }), UsageError);
  });
});
