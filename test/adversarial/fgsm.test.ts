import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/backend.js';
import { FunctionModel } from '../../src/models/function.js';
import { fgsm } from '../../src/adversarial/fgsm.js';
import { UsageError } from '../../src/errors.js';
import { loadModel } from '../../src/models/load.js';
import { testDigits } from '../helpers/mnist.js';

const D = 6;
/** Class weights (rows) of a linear softmax model; w1 - w0 has no zero, so every sign is defined. */
const W = [
  [0.5, -1.0, 0.25, 2.0, -0.5, 0.1],
  [-0.3, 0.4, 1.25, -1.0, 0.5, -0.2],
  [0.2, 0.9, -0.6, 0.3, -1.5, 0.7],
];
const B = [0.1, -0.2, 0.05];

function linear(classes: number, outputKind: 'logits' | 'probabilities' = 'logits'): FunctionModel {
  const w = tf.tensor2d(W.slice(0, classes).flatMap((row) => row).map((_, i) => W[i % classes][Math.floor(i / classes)]), [D, classes]);
  const b = tf.tensor1d(B.slice(0, classes));
  return new FunctionModel((x) => {
    const z = tf.add(tf.matMul(tf.reshape(x, [-1, D]), w), b);
    return outputKind === 'logits' ? z : tf.softmax(z);
  }, { inputShape: [D], numOutputs: classes, outputKind });
}

function logits(x: number[], classes: number): number[] {
  return Array.from({ length: classes }, (_, k) => B[k] + x.reduce((s, v, i) => s + v * W[k][i], 0));
}

/** d CE(y) / dx for the linear softmax model, in float64: sum_k p_k w_k - w_y. */
function lossGradient(x: number[], y: number, classes: number): number[] {
  const z = logits(x, classes);
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const p = e.map((v) => v / e.reduce((a, b) => a + b, 0));
  return x.map((_, i) => p.reduce((s, pk, k) => s + pk * W[k][i], 0) - W[y][i]);
}

const X = [0.5, 0.45, 0.55, 0.5, 0.6, 0.4];
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-6) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `at ${i}: ${a[i]} vs ${b[i]}`);
};

describe('fgsm', () => {
  before(async () => useBackend('wasm'));

  it('on a 2-class linear softmax model moves each value by epsilon * sign(w_other - w_label) (L-inf)', async () => {
    const model = linear(2);
    const eps = 0.1;
    const result = await fgsm(model, { shape: [1, D], data: Float32Array.from(X) }, { epsilon: eps, label: 0 });
    // The loss gradient is p_1 (w_1 - w_0), so its sign is -sign(w_0 - w_1).
    const expected = X.map((v, i) => v - eps * Math.sign(W[0][i] - W[1][i]));
    close(result.adversarial, expected);
    assert.deepEqual(result.classes, [0]);
    assert.equal(result.targeted, false);
    assert.ok(Math.abs(result.perturbationNorms.linf[0] - eps) < 1e-6);
    // The attack lowers the label's margin by eps * ||w_0 - w_1||_1, exactly, on a linear model.
    const before = logits(X, 2);
    const after = logits(Array.from(result.adversarial), 2);
    const l1 = W[0].reduce((s, v, i) => s + Math.abs(v - W[1][i]), 0);
    assert.ok(Math.abs((before[0] - before[1]) - (after[0] - after[1]) - eps * l1) < 1e-5);
  });

  it('L2: moves by epsilon along (w_other - w_label) / ||w_other - w_label||', async () => {
    const model = linear(2);
    const eps = 0.2;
    const result = await fgsm(model, { shape: [D], data: Float32Array.from(X) }, { epsilon: eps, norm: 'l2', label: 0 });
    const diff = W[1].map((v, i) => v - W[0][i]);
    const length = Math.hypot(...diff);
    close(result.adversarial, X.map((v, i) => v + (eps * diff[i]) / length));
    assert.ok(Math.abs(result.perturbationNorms.l2[0] - eps) < 1e-6);
  });

  it('targeted on 3 classes steps down the target\'s loss gradient, computed by hand', async () => {
    const model = linear(3);
    const eps = 0.05;
    const result = await fgsm(model, { shape: [1, D], data: Float32Array.from(X) }, { epsilon: eps, target: 2 });
    const g = lossGradient(X, 2, 3);
    close(result.adversarial, X.map((v, i) => v - eps * Math.sign(g[i])));
    assert.equal(result.targeted, true);
    assert.deepEqual(result.classes, [2]);
    assert.equal(result.success[0], result.adversarialPrediction[0] === 2);
  });

  it('gives the same step for a model that outputs probabilities (loss -log p)', async () => {
    const x = { shape: [1, D], data: Float32Array.from(X) };
    const a = await fgsm(linear(3), x, { epsilon: 0.05, label: 1 });
    const b = await fgsm(linear(3, 'probabilities'), x, { epsilon: 0.05, label: 1 });
    close(a.adversarial, b.adversarial);
    close(a.probabilities[0], b.probabilities[0]);
  });

  it('defaults the label to the model\'s prediction and clips to the range, within epsilon', async () => {
    const model = linear(3);
    const rows = [X, X.map((v) => 1 - v / 20), X.map((v) => v / 20)];
    const x = { shape: [3, D], data: Float32Array.from(rows.flat()) };
    const eps = 0.1;
    const result = await fgsm(model, x, { epsilon: eps });
    const predicted = rows.map((r) => { const z = logits(r, 3); return z.indexOf(Math.max(...z)); });
    assert.deepEqual(result.classes, predicted);
    assert.deepEqual(result.prediction, predicted);
    rows.forEach((r, k) => {
      const g = lossGradient(r, predicted[k], 3);
      close(result.row(k), r.map((v, i) => Math.min(1, Math.max(0, v + eps * Math.sign(g[i])))));
      assert.ok(result.perturbationNorms.linf[k] <= eps);
    });
    for (const v of result.adversarial) assert.ok(v >= 0 && v <= 1);
    // Rows near the edges were clipped: the L-inf norm is below epsilon somewhere in them, but never above.
    assert.ok(result.perturbationNorms.l2[1] < eps * Math.sqrt(D));
    const json = JSON.parse(JSON.stringify(result)) as { adversarial: number[]; method: string; shape: number[] };
    assert.equal(json.method, 'fgsm');
    assert.deepEqual(json.shape, [3, D]);
    assert.equal(json.adversarial.length, 3 * D);
  });

  it('a custom range: clips to [lo, hi]', async () => {
    const model = linear(2);
    const x = { shape: [1, D], data: Float32Array.from(X.map((v) => v * 2 - 1)) };
    const result = await fgsm(model, x, { epsilon: 0.5, range: [-1, 1], label: 0 });
    for (const v of result.adversarial) assert.ok(v >= -1 && v <= 1);
    assert.deepEqual(result.range, [-1, 1]);
    assert.ok(result.perturbationNorms.linf[0] <= 0.5 + 1e-7);
  });

  it('moves a confidently classified input by the full epsilon, though its loss gradient is ~1e-17', async () => {
    // Logits 15x the base model's: margin 42, p(other) ~ 1e-18, so every gradient value is far below float32's 1e-7 of 1.
    const w = tf.tensor2d(W[0].flatMap((v, i) => [15 * v, 15 * W[1][i]]), [D, 2]);
    const model = new FunctionModel((x) => tf.matMul(tf.reshape(x, [-1, D]), w), { inputShape: [D], numOutputs: 2, outputKind: 'logits' });
    const x = { shape: [1, D], data: Float32Array.from([0.9, 0.1, 0.5, 0.9, 0.1, 0.5]) };
    for (const norm of ['linf', 'l2'] as const) {
      const result = await fgsm(model, x, { epsilon: 0.05, norm, label: 0 });
      assert.equal(result.prediction[0], 0);
      assert.ok(Math.abs(result.perturbationNorms[norm][0] - 0.05) < 1e-6, `${norm}: ${result.perturbationNorms[norm][0]}`);
    }
  });

  it('refuses bad input with a clear message', async () => {
    const model = linear(3);
    const x = { shape: [1, D], data: Float32Array.from(X) };
    const refuses = async (options: Parameters<typeof fgsm>[2], pattern: RegExp, input = x) => {
      await assert.rejects(fgsm(model, input, options), (err: unknown) => err instanceof UsageError && pattern.test(err.message));
    };
    await refuses({ epsilon: 0 }, /epsilon must be a number greater than 0, got 0/);
    await refuses({ epsilon: -0.1 }, /greater than 0/);
    await refuses({ epsilon: 2 }, /^an epsilon of 2 exceeds the input range \[0,1\]/);
    await refuses({ epsilon: 5, norm: 'l2' }, /an epsilon of 5 exceeds the L2 diameter 2\.449 of the input range/);
    await refuses({ epsilon: 0.1, range: [1, 0] }, /the input range \[1,0\] is empty/);
    await refuses({ epsilon: 0.1, range: [0, 0] }, /is empty/);
    await refuses({ epsilon: 0.1 }, /input row 0 holds 1\.5 .*outside the input range \[0,1\]/, { shape: [1, D], data: Float32Array.from([1.5, 0, 0, 0, 0, 0]) });
    await refuses({ epsilon: 0.1, label: 3 }, /label 3 is out of range: model function has 3 classes \(0 to 2\)/);
    await refuses({ epsilon: 0.1, target: -1 }, /target -1 is out of range/);
    await refuses({ epsilon: 0.1, label: [0, 1] }, /2 labels given for 1 input rows/);
    await refuses({ epsilon: 0.1, label: 0, target: 1 }, /both a label and a target were given/);
    await refuses({ epsilon: 0.1 }, /does not fit model/, { shape: [1, 5], data: new Float32Array(5) });
    const single = new FunctionModel((t) => tf.sum(t, 1, true), { inputShape: [D], numOutputs: 1 });
    await assert.rejects(fgsm(single, x, { epsilon: 0.1 }), /has one output/);
  });

  it('gives the same adversarial digits on the native and the TF.js engine', async () => {
    const { inputs, labels } = testDigits(4);
    const results = [];
    for (const engine of ['native', 'tfjs'] as const) {
      const model = await loadModel('digits', { engine });
      results.push(await fgsm(model, inputs, { epsilon: 0.1, label: labels }));
      model.dispose();
    }
    close(results[0].adversarial, results[1].adversarial, 1e-6);
    assert.deepEqual(results[0].adversarialPrediction, results[1].adversarialPrediction);
  });

  it('leaves no tensors behind', async () => {
    const model = linear(3);
    const x = { shape: [1, D], data: Float32Array.from(X) };
    await fgsm(model, x, { epsilon: 0.1 });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) await fgsm(model, x, { epsilon: 0.1, norm: i % 2 ? 'l2' : 'linf' });
    assert.equal(tf.memory().numTensors, before);
  });
});
