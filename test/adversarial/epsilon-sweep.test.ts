import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/backend.js';
import { loadModel } from '../../src/models/load.js';
import type { Model } from '../../src/models/model.js';
import { epsilonSweep } from '../../src/adversarial/epsilon-sweep.js';
import { testDigits } from '../helpers/mnist.js';

describe('epsilonSweep on the digit model', () => {
  let model: Model;
  before(async () => {
    await useBackend('wasm');
    model = await loadModel('digits');
  });
  after(() => model.dispose());

  it('PGD: accuracy falls with epsilon (0.3 < 0.05 < 0), and epsilon 0 is the clean accuracy', async () => {
    const { inputs, labels } = testDigits(30, 200);
    const stages = new Set<string>();
    let last = [0, 0];
    const sweep = await epsilonSweep(model, inputs, labels, {
      method: 'pgd', epsilons: [0, 0.05, 0.3], steps: 20,
      onProgress: (done, total, stage) => { last = [done, total]; if (stage) stages.add(stage); },
    });
    const out = await model.forward(tf.tensor(inputs.data, inputs.shape));
    const predicted = Array.from(out.argMax(1).dataSync());
    out.dispose();
    const clean = predicted.filter((p, i) => p === labels[i]).length / 30;
    assert.equal(sweep.accuracy[0], clean);
    assert.ok(clean >= 0.9, `clean accuracy ${clean}`);
    assert.ok(sweep.accuracy[1] < sweep.accuracy[0], `accuracy ${sweep.accuracy.join(', ')}`);
    assert.ok(sweep.accuracy[2] < sweep.accuracy[1], `accuracy ${sweep.accuracy.join(', ')}`);
    assert.ok(sweep.accuracy[2] <= 0.05);
    assert.equal(sweep.flipRate[0], 0);
    assert.ok(sweep.flipRate[2] >= 0.95);
    assert.deepEqual(sweep.epsilons, [0, 0.05, 0.3]);
    assert.equal(sweep.count, 30);
    assert.deepEqual(last, [2 * 30 * 20, 2 * 30 * 20]);
    assert.deepEqual([...stages], ['epsilon 0.05', 'epsilon 0.3']);
    const json = JSON.parse(JSON.stringify(sweep)) as typeof sweep;
    assert.deepEqual(json.accuracy, sweep.accuracy);
    assert.equal(json.params.steps, 20);
  });

  it('FGSM, in any order of epsilons', async () => {
    const { inputs, labels } = testDigits(20, 300);
    const sweep = await epsilonSweep(model, inputs, labels, { epsilons: [0.3, 0] });
    assert.equal(sweep.method, 'fgsm');
    assert.ok(sweep.accuracy[0] < sweep.accuracy[1], `accuracy ${sweep.accuracy.join(', ')}`);
  });

  it('refuses bad epsilons and labels', async () => {
    const { inputs, labels } = testDigits(2);
    await assert.rejects(epsilonSweep(model, inputs, labels, { epsilons: [] }), /the sweep has no epsilons/);
    await assert.rejects(epsilonSweep(model, inputs, labels, { epsilons: [0, -0.1] }), /every epsilon of a sweep must be 0 or more, got -0.1/);
    await assert.rejects(epsilonSweep(model, inputs, labels, { epsilons: [0.1, 2] }), /an epsilon of 2 exceeds the input range \[0,1\]/);
    await assert.rejects(epsilonSweep(model, inputs, [1], { epsilons: [0.1] }), /1 labels given for 2 input rows/);
    await assert.rejects(epsilonSweep(model, inputs, labels, { epsilons: [0], range: [1, 0] }), /the input range \[1,0\] is empty/);
    await assert.rejects(epsilonSweep(model, inputs, labels, { method: 'pgd', epsilons: [0, 0.1], steps: 0 }), /steps must be a whole number/);
    await assert.rejects(epsilonSweep(model, inputs, [1, 10], { epsilons: [0.1] }), /label 10 of row 1 is out of range/);
  });
});
