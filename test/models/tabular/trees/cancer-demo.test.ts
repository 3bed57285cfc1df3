import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadXGBoostModel } from '../../../../src/models/tabular/trees/xgboost.js';
import { TreeShap } from '../../../../src/attribution/tree/tree-shap.js';
import { fromRows } from '../../../../src/tabular/matrix.js';

interface Metadata { featureNames: string[]; classNames: string[]; accuracy: number; heldOutRows: number[] }

describe('demo model models/cancer-xgb', () => {
  it('reaches the held-out accuracy its metadata states, computed here from its trees', async () => {
    const meta = JSON.parse(readFileSync('models/cancer-xgb/metadata.json', 'utf8')) as Metadata;
    const lines = readFileSync('data/tabular/breast_cancer.csv', 'utf8').trim().split('\n');
    const header = lines[0].split(',');
    assert.deepEqual(header.slice(0, 30), meta.featureNames);
    const rows = lines.slice(1).map((l) => l.split(','));
    const held = meta.heldOutRows.map((i) => rows[i]);
    const X = fromRows(held.map((r) => r.slice(0, 30).map(Number)));
    const labels = held.map((r) => Number(r[30]));
    const model = loadXGBoostModel('models/cancer-xgb/model.json');
    assert.deepEqual(model.info.featureNames, meta.featureNames);
    const p = await model.predict(X);
    const correct = labels.filter((y, i) => (p.data[i] > 0.5 ? 1 : 0) === y).length;
    assert.equal(Math.round((correct / labels.length) * 1e4) / 1e4, meta.accuracy);
    assert.ok(meta.accuracy > 0.93, `accuracy ${meta.accuracy}`);
    assert.deepEqual(meta.classNames, ['malignant', 'benign']);
    const ex = await new TreeShap(model).explain(X);
    for (const gap of ex.efficiencyGaps()) assert.ok(Math.abs(gap) < 1e-5);
  });
});

describe('tree model names', () => {
  it('come from the file, or from its folder for model.json', () => {
    assert.equal(loadXGBoostModel('models/cancer-xgb/model.json').info.name, 'cancer-xgb');
    assert.equal(loadXGBoostModel('models/cancer-xgb/model.json', { name: 'mine' }).info.name, 'mine');
    assert.deepEqual(loadXGBoostModel('models/cancer-xgb/model.json', { outputNames: ['benign'] }).info.outputNames, ['benign']);
    assert.throws(() => loadXGBoostModel('models/cancer-xgb/model.json', { outputNames: ['malignant', 'benign'] }), /one output/);
  });
});
