import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../../src/backend.js';
import { UsageError } from '../../../src/errors.js';
import { loadModel } from '../../../src/models/load.js';
import type { Model } from '../../../src/models/model.js';
import { multiOutputFunctionModel } from '../../../src/models/tabular/function.js';
import { tensorTabularModel } from '../../../src/models/tabular/tensor.js';
import { loadXGBoostModel } from '../../../src/models/tabular/trees/xgboost.js';
import { loadTabularData } from '../../../src/tabular/dataset.js';
import { fromRows, sliceRows } from '../../../src/tabular/matrix.js';
import { isModelBacked, maskOf } from '../../../src/metrics/subject.js';
import { createTabularSubject } from '../../../src/metrics/subjects/tabular.js';

/** Two linear outputs over four columns: f_k(x) = w_k . x + b_k. */
const w = [[0.5, -1, 2, 0.25], [-0.3, 0.8, -1.5, 1]];
const b = [0.1, -0.2];
const linear = multiOutputFunctionModel((rows) => rows.map((x) => w.map((wk, k) => b[k] + wk.reduce((s, v, j) => s + v * x[j], 0))),
  { numFeatures: 4, numOutputs: 2, name: 'linear2' });
const f = (x: number[], k: number) => b[k] + w[k].reduce((s, v, j) => s + v * x[j], 0);
const rows = fromRows([[1, 2, 3, 4], [-1, 0.5, -2, 3], [0, 0, 1, -1]]);
const background = fromRows([[0, 1, 0, 2], [2, 1, 1, 0], [1, -1, 2, 1]]);
const bgMean = [1, 1 / 3, 1, 1];

describe('tabular subject on a linear model', () => {
  it('exact Shapley values per column equal w_j (x_j - mean background_j) for the predicted output', async () => {
    const subject = await createTabularSubject(linear, rows, 'exact-shapley', { background });
    assert.equal(subject.modality, 'tabular');
    assert.equal(isModelBacked(subject), false);
    for (let r = 0; r < 3; r++) {
      const x = Array.from(rows.data.subarray(r * 4, r * 4 + 4));
      const top = f(x, 0) >= f(x, 1) ? 0 : 1;
      assert.equal(subject.targets[r], top, `row ${r}`);
      const a = subject.attribution(r);
      for (let j = 0; j < 4; j++) assert.ok(Math.abs(a[j] - w[top][j] * (x[j] - bgMean[j])) < 1e-9, `row ${r} col ${j}: ${a[j]}`);
    }
    assert.notDeepEqual(Array.from(subject.targets), [0, 0, 0], 'the rows should not all predict the same output');
  });

  it('score of remove masks equals f of the hand-edited row for zeros, mean (background column means) and number baselines', async () => {
    const subject = await createTabularSubject(linear, rows, 'kernel-shap', { background, baseline: 'mean', targets: [1, 0, 1] });
    const mask = maskOf(4, [1, 3]);
    const scores = await subject.score([
      { row: 0, kind: 'remove', mask },
      { row: 1, kind: 'remove', mask, baseline: 'zeros' },
      { row: 2, kind: 'remove', mask, baseline: -2.5 },
      { row: 2, kind: 'input', values: Float32Array.from([0.5, 0.25, -1, 2]) },
      { row: 1, kind: 'remove', mask: new Uint8Array(4) },
    ]);
    const expected = [
      f([1, bgMean[1], 3, bgMean[3]], 1),
      f([-1, 0, -2, 0], 0),
      f([0, -2.5, 1, -2.5], 1),
      f([0.5, 0.25, -1, 2], 1),
      f([-1, 0.5, -2, 3], 0),
    ];
    for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(scores[i] - expected[i]) < 1e-9, `${i}: ${scores[i]} vs ${expected[i]}`);
    const [again] = await subject.explain([{ row: 0, kind: 'remove', mask: new Uint8Array(4) }], Int32Array.from([0]));
    for (let j = 0; j < 4; j++) assert.ok(Math.abs(again[j] - w[0][j] * (rows.data[j] - bgMean[j])) < 1e-6);
  });

  it('bad input: blur, wrong masks and rows, unknown methods, wrong columns, groups', async () => {
    const subject = await createTabularSubject(linear, rows, 'exact-shapley', { background });
    await assert.rejects(subject.score([{ row: 0, kind: 'remove', mask: maskOf(4, [0]), baseline: 'blur' }]),
      (e: unknown) => e instanceof UsageError && /blur/.test(e.message));
    await assert.rejects(createTabularSubject(linear, rows, 'exact-shapley', { baseline: 'blur' }), UsageError);
    await assert.rejects(subject.score([{ row: 3, kind: 'remove', mask: maskOf(4, [0]) }]), (e: unknown) => e instanceof UsageError && /row 3/.test(e.message));
    await assert.rejects(subject.score([{ row: 0, kind: 'remove', mask: maskOf(5, [0]) }]), (e: unknown) => e instanceof UsageError && /5 values/.test(e.message));
    await assert.rejects(subject.score([{ row: 0, kind: 'input', values: new Float32Array(3) }]), UsageError);
    await assert.rejects(subject.score([{ row: 0, kind: 'input', values: Float32Array.from([0, 1, Infinity, 2]) }]),
      (e: unknown) => e instanceof UsageError && /infinite value at 2/.test(e.message));
    assert.throws(() => subject.attribution(7), UsageError);
    assert.throws(() => subject.features(-1), UsageError);
    await assert.rejects(createTabularSubject(linear, rows, 'deeplift' as never), (e: unknown) => e instanceof UsageError && /kernel-shap/.test(e.message));
    await assert.rejects(createTabularSubject(linear, fromRows([[1, 2, 3]]), 'kernel-shap'), (e: unknown) => e instanceof UsageError && /3 columns/.test(e.message));
    await assert.rejects(createTabularSubject(linear, rows, 'kernel-shap', { methodOptions: { groups: [] } as never }), UsageError);
    await assert.rejects(createTabularSubject(linear, rows, 'kernel-shap', { targets: [0, 1, 2] }), UsageError);
  });
});

describe('tabular subject on the demo models', () => {
  let net: Model;
  const data = loadTabularData('data/tabular/german_credit.csv', { schema: 'models/credit/schema.json' });
  before(async () => {
    await useBackend('wasm');
    net = await loadModel('models/credit/tfjs/model.json', { engine: 'tfjs' });
  });
  after(() => net.dispose());

  it('credit (TF.js): kernel-shap sums to f(x) - E[f(background)], scores equal predictions, explainWith re-explains', async () => {
    const model = tensorTabularModel(net);
    const explained = sliceRows(data.x, 0, 4);
    const bg = sliceRows(data.x, 100, 112);
    const stages = new Set<string>();
    const subject = await createTabularSubject(model, explained, 'kernel-shap', {
      background: bg, sourceModel: net, methodOptions: { samples: 400, seed: 3 }, onProgress: (_d, _t, s) => { if (s) stages.add(s); },
    });
    assert.ok(stages.has('explain'));
    assert.ok(isModelBacked(subject));
    assert.equal(subject.features(0), 61);
    const p = await model.predict(explained);
    const pb = await model.predict(bg);
    const scores = await subject.score(Array.from({ length: 4 }, (_, row) => ({ row, kind: 'remove' as const, mask: new Uint8Array(61) })));
    for (let r = 0; r < 4; r++) {
      const t: number = subject.targets[r];
      assert.equal(t, p.data[2 * r] >= p.data[2 * r + 1] ? 0 : 1);
      assert.ok(Math.abs(scores[r] - p.data[2 * r + t]) < 1e-6);
      let mean = 0;
      for (let i = 0; i < bg.rows; i++) mean += pb.data[2 * i + t] / bg.rows;
      const sum = subject.attribution(r).reduce((s, v) => s + v, 0);
      assert.ok(Math.abs(sum - (p.data[2 * r + t] - mean)) < 1e-5, `row ${r}: sum ${sum} vs ${p.data[2 * r + t] - mean}`);
    }
    const before = tf.memory().numTensors;
    const again = isModelBacked(subject) ? await subject.explainWith(net) : [];
    assert.equal(tf.memory().numTensors, before);
    for (let r = 0; r < 4; r++) for (let j = 0; j < 61; j++) assert.ok(Math.abs(again[r][j] - subject.attribution(r)[j]) < 1e-9);
  });

  it('cancer-xgb: tree-shap attributions, and removing the most relevant column moves the score as the model says', async () => {
    const model = loadXGBoostModel('models/cancer-xgb/model.json');
    const lines = (await import('node:fs')).readFileSync('data/tabular/breast_cancer.csv', 'utf8').trim().split('\n').slice(1, 6);
    const x = fromRows(lines.map((l) => l.split(',').slice(0, 30).map(Number)));
    const subject = await createTabularSubject(model, x, 'tree-shap', { baseline: 'mean', background: sliceRows(x, 0, 5) });
    assert.deepEqual(Array.from(subject.targets), [0, 0, 0, 0, 0]);
    const a = subject.attribution(0);
    const top = a.reduce((best, v, j) => (Math.abs(v) > Math.abs(a[best]) ? j : best), 0);
    const [clean, removed] = await subject.score([
      { row: 0, kind: 'remove', mask: new Uint8Array(30) },
      { row: 0, kind: 'remove', mask: maskOf(30, [top]) },
    ]);
    const edited = x.data.slice(0, 30);
    let mean = 0;
    for (let r = 0; r < 5; r++) mean += x.data[r * 30 + top] / 5;
    edited[top] = mean;
    const expected = await model.predict(fromRows([Array.from(edited)]));
    assert.ok(Math.abs(removed - expected.data[0]) < 1e-9);
    assert.notEqual(clean, removed);
  });
});
