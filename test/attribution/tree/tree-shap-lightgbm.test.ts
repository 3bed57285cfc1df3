import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TreeShap } from '../../../src/attribution/tree/tree-shap.js';
import { loadLightGBMModel } from '../../../src/models/tabular/trees/lightgbm.js';
import { bruteForceTreeShap } from '../../helpers/tree-brute-force.js';
import { rowOf, sliceRows } from '../../../src/tabular/matrix.js';
import { LIGHTGBM_MODEL, lightgbmMargins, lightgbmRows, maxAbsDiff } from '../../models/tabular/trees/fixtures.js';

describe('TreeSHAP on a real LightGBM model (leaves\' breast cancer DART model)', () => {
  const model = loadLightGBMModel(LIGHTGBM_MODEL);
  const X = lightgbmRows();

  it('path-dependent values equal brute-force Shapley values of E[f | x_S] over every feature subset, tree by tree', async () => {
    const rows = sliceRows(X, 0, 3);
    const ex = await new TreeShap(model).explain(rows);
    for (let i = 0; i < rows.rows; i++) {
      const x = Float64Array.from(rowOf(rows, i));
      const expected = new Float64Array(30);
      for (const t of model.ensemble.trees) bruteForceTreeShap(t, x, 30).forEach((v, j) => { expected[j] += v; });
      assert.ok(maxAbsDiff(ex.attributions[i], expected) < 1e-10, `row ${i}`);
    }
  });

  it('is efficient against LightGBM\'s own raw scores on all 57 rows', async () => {
    const ex = await new TreeShap(model).explain(X, { interactions: true });
    const margins = lightgbmMargins();
    ex.attributions.forEach((a, i) => {
      assert.ok(Math.abs(a.reduce((s, v) => s + v, 0) + ex.baseValues[i] - margins[i]) < 1e-10, `row ${i}`);
      const m = ex.extras![i].interactions as number[][];
      m.forEach((r, j) => assert.ok(Math.abs(r.reduce((s, v) => s + v, 0) - a[j]) < 1e-10));
      // Interaction matrices are symmetric.
      for (let p = 0; p < 30; p++) for (let q = 0; q < p; q++) assert.ok(Math.abs(m[p][q] - m[q][p]) < 1e-10);
    });
  });

  it('interventional values are efficient against the mean margin of the background', async () => {
    const background = sliceRows(X, 40, 57);
    const ex = await new TreeShap(model).explain(sliceRows(X, 0, 5), { background });
    const meanMargin = lightgbmMargins().slice(40).reduce((s, v) => s + v, 0) / 17;
    assert.ok(Math.abs(ex.baseValues[0] - meanMargin) < 1e-12);
    for (const gap of ex.efficiencyGaps()) assert.ok(Math.abs(gap) < 1e-10);
  });
});
