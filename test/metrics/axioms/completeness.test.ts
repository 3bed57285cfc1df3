import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../../src/backend.js';
import { loadModel } from '../../../src/models/load.js';
import type { Model } from '../../../src/models/model.js';
import { testDigits } from '../../helpers/mnist.js';
import { createImageSubject } from '../../../src/metrics/subjects/image.js';
import { Completeness } from '../../../src/metrics/axioms/completeness.js';
import { FunctionSubject } from '../robustness/function-subject.js';

describe('completeness', () => {
  it('is 0 for the exact attribution of a linear model and the gap otherwise, by hand', async () => {
    const w = [2, -1, 0.5];
    const b = 0.7;
    const rows = [[1, 2, 3], [0.5, -1, 4]];
    const forward = (x: Float32Array) => [x.reduce((s, v, i) => s + w[i] * v, b)];
    const exact = new FunctionSubject({ inputs: rows, numOutputs: 1, targets: [0, 0], forward, explain: (x) => Array.from(x, (v, i) => w[i] * v) });
    const result = await new Completeness().evaluate(exact);
    result.scores.forEach((s) => assert.ok(s < 1e-6, `${result.scores}`));
    // f(x) - f(0) = w.x: 2 - 2 + 1.5 = 1.5 and 1 + 1 + 2 = 4.
    (result.details!.outputChanges as number[]).forEach((c, row) => assert.ok(Math.abs(c - [1.5, 4][row]) < 1e-6, `${c}`));
    // Twice the exact attribution misses by w.x.
    const doubled = new FunctionSubject({ inputs: rows, numOutputs: 1, targets: [0, 0], forward, explain: (x) => Array.from(x, (v, i) => 2 * w[i] * v) });
    const off = await new Completeness().evaluate(doubled);
    assert.ok(Math.abs(off.scores[0] - 1.5) < 1e-6 && Math.abs(off.scores[1] - 4) < 1e-6, `${off.scores}`);
    // Against another baseline (every feature 1), w*(x - 1) is exact and w*x is off by w.1 = 1.5.
    const shiftedExact = new FunctionSubject({ inputs: rows, numOutputs: 1, targets: [0, 0], forward, explain: (x) => Array.from(x, (v, i) => w[i] * (v - 1)) });
    const shifted = await new Completeness().evaluate(shiftedExact, { baseline: 1 });
    shifted.scores.forEach((s) => assert.ok(s < 1e-6, `${shifted.scores}`));
    const wrongBaseline = await new Completeness().evaluate(exact, { baseline: 1 });
    wrongBaseline.scores.forEach((s) => assert.ok(Math.abs(s - 1.5) < 1e-6, `${wrongBaseline.scores}`));
    assert.match(String(result.details!.note), /by construction only/);
    assert.equal(result.params.baseline, 'zeros');
  });

  it('works on token sequences of different lengths', async () => {
    const subject = new FunctionSubject({
      inputs: [[3, 1], [2, 2, 2, 5]], numOutputs: 2, modality: 'text', targets: [1, 1],
      forward: (x) => [0, x.reduce((a, v) => a + v, 0)], explain: (x) => x,
    });
    const result = await new Completeness().evaluate(subject);
    assert.deepEqual(result.scores, [0, 0]);
  });
});

describe('completeness on the digit model', () => {
  let model: Model;
  const rows = 4;
  const digits = testDigits(rows).inputs;
  before(async () => {
    await useBackend('wasm');
    model = await loadModel('digits');
  });

  it("integrated gradients' gap shrinks with more steps, while saliency's stays large", async () => {
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const gaps: number[] = [];
    for (const steps of [2, 8, 32]) {
      const subject = await createImageSubject(model, digits, 'integrated-gradients', { methodOptions: { steps, integration: 'riemann-middle' } });
      const result = await new Completeness().evaluate(subject);
      // The gap is the method's own convergence delta: the subject's f(x) - f(0) is the model's.
      const x = tf.tensor(digits.data, digits.shape);
      const zero = tf.zerosLike(x);
      const [fx, f0] = [await model.forward(x), await model.forward(zero)];
      const [fxData, f0Data] = [await fx.array(), await f0.array()];
      tf.dispose([x, zero, fx, f0]);
      (result.details!.outputChanges as number[]).forEach((change, r) => {
        const t = subject.targets[r];
        assert.ok(Math.abs(change - (fxData[r][t] - f0Data[r][t])) < 1e-4, `row ${r}: ${change}`);
      });
      gaps.push(mean(result.scores));
    }
    assert.ok(gaps[1] < gaps[0] && gaps[2] < gaps[1], `IG gaps by steps 2, 8, 32: ${gaps}`);
    const saliency = await new Completeness().evaluate(await createImageSubject(model, digits, 'saliency'));
    assert.ok(mean(saliency.scores) > 10 * gaps[2], `saliency ${mean(saliency.scores)} vs IG(32) ${gaps[2]}`);
  });
});
