import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../src/errors.js';
import { accuracy, negLogLoss, negMse, r2 } from '../../src/global/metrics.js';
import { groupsByColumn, permutationImportance } from '../../src/global/permutation-importance.js';
import { loadTabularModel } from '../../src/models/tabular/load.js';
import { functionModel, multiOutputFunctionModel } from '../../src/models/tabular/function.js';
import { fromRows } from '../../src/tabular/matrix.js';
import { loadTabularData } from '../../src/tabular/dataset.js';
import { Random } from '../../src/util/random.js';
import { close, reference } from './reference.js';

const usage = (pattern: RegExp) => (e: unknown) => e instanceof UsageError && pattern.test(e.message);

describe('scores against sklearn 1.2', () => {
  const s = reference.scores;
  it('accuracy_score, r2_score, mean_squared_error, log_loss (with a zero probability clipped)', () => {
    const proba = fromRows(s.proba);
    const argmax = s.proba.map((p) => p.indexOf(Math.max(...p)));
    assert.ok(close(accuracy(s.y_true, argmax), s.accuracy));
    assert.ok(close(r2(s.y_reg, s.y_hat), s.r2));
    assert.ok(close(-negMse(s.y_reg, s.y_hat), s.mse));
    assert.ok(close(-negLogLoss(s.y_true, proba), s.log_loss, 1e-12), `${-negLogLoss(s.y_true, proba)} vs ${s.log_loss}`);
  });
});

describe('permutationImportance', () => {
  // y = 4 x0 + x1 exactly; the model ignores x2 and x3.
  const random = new Random(5);
  const rows = fromRows(Array.from({ length: 300 }, () => [random.normal(), random.normal(), random.normal(), random.normal()]));
  const y = Array.from({ length: 300 }, (_, i) => 4 * rows.data[i * 4] + rows.data[i * 4 + 1]);
  const model = functionModel((r) => r.map((v) => 4 * v[0] + v[1]), { numFeatures: 4, featureNames: ['a', 'b', 'c', 'd'] });

  it('is exactly 0 for features the model ignores and large for the one it uses most', async () => {
    const pi = await permutationImportance(model, rows, y, { repeats: 10, seed: 1 });
    assert.equal(pi.metric, 'r2');
    assert.equal(pi.baseline, 1);
    assert.deepEqual(pi.featureNames, ['a', 'b', 'c', 'd']);
    assert.deepEqual([pi.mean[2], pi.mean[3], pi.std[2], pi.std[3]], [0, 0, 0, 0]);
    assert.ok(pi.mean[0] > 1.5 && pi.mean[1] > 0.05 && pi.mean[0] > 10 * pi.mean[1], `${pi.mean}`);
    assert.equal(pi.drops.length, 10);
    assert.equal(pi.drops[0].length, 4);
  });

  it('matches the expected drop for squared error: shuffling x gives E[(x - x\')^2] = 2 var(x) n / (n - 1)', async () => {
    const pi = await permutationImportance(model, rows, y, { repeats: 200, seed: 2, metric: 'neg-mse' });
    // Only x0 is shuffled: the error is 16 (x0 - x0')^2.
    let mean = 0;
    for (let i = 0; i < 300; i++) mean += rows.data[i * 4] / 300;
    let variance = 0;
    for (let i = 0; i < 300; i++) variance += (rows.data[i * 4] - mean) ** 2 / 300;
    const expected = 16 * 2 * variance * 300 / 299;
    // 200 repeats: the standard error of the mean drop is std / sqrt(200).
    assert.ok(Math.abs(pi.mean[0] - expected) < 4 * pi.std[0] / Math.sqrt(200), `${pi.mean[0]} vs ${expected} (std ${pi.std[0]})`);
  });

  it('is reproducible by seed, and differs across seeds', async () => {
    const a = await permutationImportance(model, rows, y, { seed: 7 });
    const b = await permutationImportance(model, rows, y, { seed: 7, maxBatchRows: 300 });
    const c = await permutationImportance(model, rows, y, { seed: 8 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.drops, c.drops);
  });

  it('scores classifiers by accuracy by default and log-loss on request, and shuffles groups together', async () => {
    const clf = multiOutputFunctionModel((r) => r.map((v) => {
      const p = 1 / (1 + Math.exp(-3 * (v[0] + v[1])));
      return [1 - p, p];
    }), { numFeatures: 4, numOutputs: 2, output: 'probability' });
    const labels = Array.from({ length: 300 }, (_, i) => (rows.data[i * 4] + rows.data[i * 4 + 1] > 0 ? 1 : 0));
    const acc = await permutationImportance(clf, rows, labels, { seed: 0 });
    assert.equal(acc.metric, 'accuracy');
    assert.equal(acc.baseline, 1);
    assert.ok(acc.mean[0] > 0.1 && acc.mean[2] === 0);
    const ll = await permutationImportance(clf, rows, labels, { seed: 0, metric: 'neg-log-loss', groups: [{ name: 'ab', features: [0, 1] }, { name: 'cd', features: [2, 3] }] });
    assert.deepEqual(ll.featureNames, ['ab', 'cd']);
    assert.ok(ll.mean[0] > 0.5 && ll.mean[1] === 0);
    assert.deepEqual(groupsByColumn(['a', 'b=x', 'b=x', 'c']).map((g) => g.features), [[0], [1, 2], [3]]);
    assert.deepEqual(groupsByColumn(['a', 'b', 'b', 'c']).map((g) => g.name), ['a', 'b', 'c']);
  });

  it('finds the checking account the most important column of the credit model', async () => {
    const data = loadTabularData('data/tabular/german_credit.csv', { schema: 'models/credit/schema.json' });
    const credit = await loadTabularModel('models/credit/model.onnx');
    const progress: number[] = [];
    const pi = await permutationImportance(credit, data.x, data.y!, { groups: groupsByColumn(data.featureColumns), seed: 0, onProgress: (done) => progress.push(done) });
    credit.dispose?.();
    assert.equal(pi.featureNames.length, 20);
    assert.deepEqual(progress, Array.from({ length: 20 }, (_, i) => i + 1));
    const top = pi.featureNames[pi.mean.indexOf(Math.max(...pi.mean))];
    assert.equal(top, 'checking_account_status');
  });

  it('names bad input', async () => {
    await assert.rejects(permutationImportance(model, rows, y.slice(1)), usage(/299 labels for 300 rows/));
    await assert.rejects(permutationImportance(model, rows, y, { metric: 'f1' as 'r2' }), usage(/unknown metric "f1"/));
    await assert.rejects(permutationImportance(model, rows, y, { repeats: 0 }), usage(/repeats must be a positive integer/));
    await assert.rejects(permutationImportance(model, rows, y, { groups: [{ name: 'z', features: [9] }] }), usage(/group "z" has feature indices outside/));
    await assert.rejects(permutationImportance(model, rows, y, { metric: 'neg-log-loss' }), usage(/gives values, not class scores/));
  });
});
