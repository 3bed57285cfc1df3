import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/backend.js';
import { FunctionModel } from '../../src/models/function.js';
import { loadModel } from '../../src/models/load.js';
import type { Model } from '../../src/models/model.js';
import { fgsm } from '../../src/adversarial/fgsm.js';
import { pgd } from '../../src/adversarial/pgd.js';
import { testDigits } from '../helpers/mnist.js';

const D = 8;
const W0 = [0.5, -1.0, 0.25, 2.0, -0.5, 0.1, 0.8, -0.3];
const W1 = [-0.3, 0.4, 1.25, -1.0, 0.5, -0.2, -0.1, 0.6];

/** A 2-class linear softmax model: its loss gradient always points along w_1 - w_0 (for label 0). */
function linear(): FunctionModel {
  const w = tf.tensor2d(W0.flatMap((v, i) => [v, W1[i]]), [D, 2]);
  return new FunctionModel((x) => tf.matMul(tf.reshape(x, [-1, D]), w), { inputShape: [D], numOutputs: 2, outputKind: 'logits' });
}

const rows = (n: number, f: (r: number, i: number) => number) => ({ shape: [n, D], data: Float32Array.from({ length: n * D }, (_, k) => f(Math.floor(k / D), k % D)) });

describe('pgd', () => {
  before(async () => useBackend('wasm'));

  it('with one step of epsilon and no random start is FGSM', async () => {
    const x = rows(3, (r, i) => 0.2 + 0.1 * r + 0.05 * i);
    for (const norm of ['linf', 'l2'] as const) {
      const a = await pgd(linear(), x, { epsilon: 0.15, norm, steps: 1, stepSize: 0.15, label: 0 });
      const b = await fgsm(linear(), x, { epsilon: 0.15, norm, label: 0 });
      assert.deepEqual(Array.from(a.adversarial), Array.from(b.adversarial));
    }
  });

  it('converges to the corner of the L-inf ball on a linear model, from a random start too', async () => {
    const x = rows(2, (r, i) => 0.3 + 0.05 * i - 0.1 * r);
    const eps = 0.1;
    // 2 * eps of travel is enough to cross the ball from any start.
    const result = await pgd(linear(), x, { epsilon: eps, steps: 30, stepSize: 0.01, randomStart: true, seed: 3, label: 0 });
    for (let r = 0; r < 2; r++) {
      for (let i = 0; i < D; i++) {
        const expected = x.data[r * D + i] + eps * Math.sign(W1[i] - W0[i]);
        assert.ok(Math.abs(result.adversarial[r * D + i] - expected) < 1e-6, `row ${r} value ${i}`);
      }
    }
    assert.deepEqual(result.params, { epsilon: eps, norm: 'linf', range: [0, 1], targeted: false, batchSize: 128, steps: 30, stepSize: 0.01, randomStart: true, seed: 3 });
  });

  it('L2: ends at epsilon along w_1 - w_0 on a linear model', async () => {
    const x = rows(1, (_, i) => 0.4 + 0.02 * i);
    const eps = 0.25;
    const result = await pgd(linear(), x, { epsilon: eps, norm: 'l2', steps: 10, stepSize: 0.05, label: 0 });
    const d = W1.map((v, i) => v - W0[i]);
    const length = Math.hypot(...d);
    d.forEach((di, i) => assert.ok(Math.abs(result.adversarial[i] - (x.data[i] + (eps * di) / length)) < 1e-6, `value ${i}`));
  });

  it('projects onto the ball and clips to the range whatever the step size', async () => {
    const x = rows(4, (r, i) => [0, 1, 0.5, 0.97][r] * (i % 2 ? 1 : 0.98));
    for (const norm of ['linf', 'l2'] as const) {
      const eps = norm === 'linf' ? 0.2 : 0.3;
      const result = await pgd(linear(), x, { epsilon: eps, norm, steps: 7, stepSize: 5, randomStart: true, seed: 1 });
      for (const v of result.adversarial) assert.ok(v >= 0 && v <= 1, `${v} outside [0, 1]`);
      for (let r = 0; r < 4; r++) {
        let max = 0;
        let sum = 0;
        for (let i = 0; i < D; i++) {
          const diff = Math.abs(result.adversarial[r * D + i] - x.data[r * D + i]);
          max = Math.max(max, diff);
          sum += diff * diff;
        }
        assert.ok((norm === 'linf' ? max : Math.sqrt(sum)) <= eps, `row ${r}: ${norm} ${norm === 'linf' ? max : Math.sqrt(sum)} > ${eps}`);
        assert.ok(Math.abs(result.perturbationNorms.linf[r] - max) < 1e-12);
      }
    }
  });

  it('is seeded: the same seed gives the same random start, another seed another', async () => {
    const x = rows(2, (r, i) => 0.5 + 0.01 * i * r);
    const run = (seed: number) => pgd(linear(), x, { epsilon: 0.1, steps: 1, stepSize: 1e-4, randomStart: true, seed, label: 0 });
    const [a, b, c] = [await run(7), await run(7), await run(8)];
    assert.deepEqual(Array.from(a.adversarial), Array.from(b.adversarial));
    assert.notDeepEqual(Array.from(a.adversarial), Array.from(c.adversarial));
  });

  it('refuses a bad step count or step size', async () => {
    const x = rows(1, () => 0.5);
    await assert.rejects(pgd(linear(), x, { epsilon: 0.1, steps: 0 }), /steps must be a whole number from 1 to 100000, got 0/);
    await assert.rejects(pgd(linear(), x, { epsilon: 0.1, stepSize: -1 }), /step size must be a number greater than 0/);
    await assert.rejects(pgd(linear(), x, { epsilon: 0.1, seed: -2 }), /seed must be an integer/);
  });

  describe('on the digit model', () => {
    let model: Model;
    before(async () => { model = await loadModel('digits'); });
    after(() => model.dispose());

    it('epsilon 0.3 (L-inf, 40 steps of 2.5 * eps / 40) brings the accuracy on 30 test digits from ~98% to at most 5%', async () => {
      const { inputs, labels } = testDigits(30);
      let calls = 0;
      let last = [0, 0];
      const result = await pgd(model, inputs, { epsilon: 0.3, label: labels, batchSize: 15, onProgress: (done, total) => { calls++; last = [done, total]; } });
      const clean = result.prediction.filter((p, i) => p === labels[i]).length / 30;
      const attacked = result.adversarialPrediction.filter((p, i) => p === labels[i]).length / 30;
      assert.ok(clean >= 0.95, `clean accuracy ${clean}`);
      assert.ok(attacked <= 0.05, `accuracy under attack ${attacked}`);
      assert.ok(Math.max(...result.perturbationNorms.linf) <= 0.3);
      for (const v of result.adversarial) assert.ok(v >= 0 && v <= 1);
      assert.equal(calls, 80);
      assert.deepEqual(last, [1200, 1200]);
    });

    it('targeted (random start) reaches the target on most digits', async () => {
      const { inputs, labels } = testDigits(16, 100);
      const target = labels.map((l) => (l + 3) % 10);
      const result = await pgd(model, inputs, { epsilon: 0.3, target, randomStart: true, seed: 5 });
      const reached = result.adversarialPrediction.filter((p, i) => p === target[i]).length;
      assert.ok(reached >= 14, `${reached} of 16 reached their target`);
      assert.deepEqual(result.success, result.adversarialPrediction.map((p, i) => p === target[i]));
      assert.deepEqual(result.classes, target);
    });

    it('leaves no tensors behind', async () => {
      const { inputs } = testDigits(4);
      await pgd(model, inputs, { epsilon: 0.1, steps: 2 });
      const before = tf.memory().numTensors;
      await pgd(model, inputs, { epsilon: 0.1, steps: 3, norm: 'l2', randomStart: true, batchSize: 3 });
      assert.equal(tf.memory().numTensors, before);
    });
  });
});
