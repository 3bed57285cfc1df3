import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadLightGBMModel } from '../../../../src/models/tabular/trees/lightgbm.js';
import { TreeShap } from '../../../../src/attribution/tree/tree-shap.js';
import { fromRows, type Matrix } from '../../../../src/tabular/matrix.js';
import { LIGHTGBM_DIR as DIR, maxAbsDiff } from './fixtures.js';

/**
 * LightGBM's own 5-class model and predictions from leaves' test data (see
 * test/data/trees/lightgbm/README.md): the first 40 rows of LightGBM's multiclass.test, whose first
 * column is the label (LightGBM's predict skips it), with LightGBM's raw scores and probabilities.
 */
const MODEL = `${DIR}/lgmulticlass.model`;
const CLASSES = 5;

function table(file: string): number[][] {
  return readFileSync(`${DIR}/${file}`, 'utf8').trim().split('\n').map((l) => l.split('\t').map(Number));
}
function rows(): Matrix {
  return fromRows(table('multiclass_test_head40.tsv').map((r) => r.slice(1)));
}

describe('LightGBM multiclass model (LightGBM\'s own predictions)', () => {
  it('margins equal LightGBM\'s raw scores and probabilities its softmax output, to 1e-12', async () => {
    const X = rows();
    assert.equal(X.rows, 40);
    assert.equal(X.cols, 28);
    const margin = loadLightGBMModel(MODEL, { output: 'margin' });
    assert.equal(margin.info.numOutputs, CLASSES);
    assert.equal(margin.ensemble.trees.length, 50);
    const raw = table('lgmulticlass_true_raw_predictions_head40.txt');
    assert.equal(raw.length, 40);
    const gotRaw = (await margin.predict(X)).data;
    assert.ok(maxAbsDiff(gotRaw, raw.flat()) < 1e-12, `raw score gap ${maxAbsDiff(gotRaw, raw.flat())}`);
    const prob = loadLightGBMModel(MODEL);
    assert.equal(prob.info.output, 'probability');
    const gotProb = (await prob.predict(X)).data;
    const expected = table('lgmulticlass_true_predictions_head40.txt').flat();
    assert.ok(maxAbsDiff(gotProb, expected) < 1e-12, `probability gap ${maxAbsDiff(gotProb, expected)}`);
  });

  it('TreeSHAP (path-dependent and interventional) adds up to each class margin', async () => {
    const X = rows();
    const model = loadLightGBMModel(MODEL, { output: 'margin' });
    const margins = model.predictSync(X).data;
    const explainer = new TreeShap(model);
    for (let g = 0; g < CLASSES; g++) {
      const ex = explainer.explainSync(X, { target: g });
      ex.predictions.forEach((p, i) => assert.ok(Math.abs(p - margins[i * CLASSES + g]) < 1e-12));
      for (const gap of ex.efficiencyGaps()) assert.ok(Math.abs(gap) < 1e-10, `class ${g}: efficiency gap ${gap}`);
      // The expected margin is the cover-weighted mean: it cannot equal any one row's margin exactly,
      // and the attributions must not all vanish.
      assert.ok(ex.attributions.some((r) => r.some((v) => Math.abs(v) > 1e-3)));
    }
    const background = fromRows(Array.from({ length: 10 }, (_, i) => Array.from(X.data.subarray((i + 30) * 28, (i + 31) * 28))));
    const inter = explainer.explainSync(fromRows(Array.from({ length: 5 }, (_, i) => Array.from(X.data.subarray(i * 28, (i + 1) * 28)))), { target: 3, background });
    const bgMean = Array.from({ length: 10 }, (_, i) => margins[(i + 30) * CLASSES + 3]).reduce((s, v) => s + v, 0) / 10;
    inter.baseValues.forEach((b) => assert.ok(Math.abs(b - bgMean) < 1e-12));
    for (const gap of inter.efficiencyGaps()) assert.ok(Math.abs(gap) < 1e-10);
  });
});
