import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../../src/backend.js';
import { FunctionModel } from '../../../src/models/function.js';
import { createImageSubject } from '../../../src/metrics/subjects/image.js';
import { LocalLipschitzEstimate } from '../../../src/metrics/robustness/local-lipschitz.js';
import { FunctionSubject } from './function-subject.js';

describe('local Lipschitz estimate', () => {
  it('is the largest ||a(x) - a(x\')|| / ||x - x\'|| over the Gaussian neighbours, computed by hand', async () => {
    const rows = [[0.2, 0.7, 0.1], [0.9, 0.3, 0.5]];
    // A nonlinear "explanation" so that the ratio varies from neighbour to neighbour.
    const explain = (x: Float32Array) => Array.from(x, (v) => v * v * v);
    const subject = new FunctionSubject({ inputs: rows, numOutputs: 1, targets: [0, 0], modality: 'image', forward: () => [0], explain });
    const result = await new LocalLipschitzEstimate().evaluate(subject, { samples: 20, std: 0.1, normalise: false, seed: 3 });
    const expected = [0, 0];
    const noise: number[] = [];
    for (const { perturbation, input } of subject.explained) {
      const x = rows[perturbation.row];
      const a = x.map((v) => v ** 3);
      const a2 = Array.from(input, (v) => v ** 3);
      const ratio = Math.hypot(...a.map((v, i) => v - a2[i])) / Math.hypot(...x.map((v, i) => v - input[i]));
      expected[perturbation.row] = Math.max(expected[perturbation.row], ratio);
      noise.push(...x.map((v, i) => input[i] - v));
    }
    assert.equal(subject.explained.length, 40);
    result.scores.forEach((s, row) => assert.ok(Math.abs(s - expected[row]) < 1e-5, `row ${row}: ${s} vs ${expected[row]}`));
    // Gaussian neighbours of standard deviation std.
    const sd = Math.sqrt(noise.reduce((a, b) => a + b * b, 0) / noise.length);
    assert.ok(Math.abs(sd - 0.1) < 0.02, `noise sd ${sd}`);
    assert.equal(result.metric, 'local-lipschitz');
    assert.equal(result.higherIsBetter, false);
  });

  it('is 0 for the saliency of a linear model (a constant gradient) and positive for a nonlinear one', async () => {
    const w = [0.5, -2, 1];
    const linear = new FunctionSubject({
      inputs: [[1, 2, 3], [0, 0, 1]], numOutputs: 1, targets: [0, 0], modality: 'image',
      forward: (x) => [x.reduce((s, v, i) => s + w[i] * v, 0)], explain: () => w.map(Math.abs),
    });
    const zero = await new LocalLipschitzEstimate().evaluate(linear, { samples: 10 });
    assert.deepEqual(zero.scores, [0, 0]);
    // Saliency of sum(x^2) is |2x|: Lipschitz constant 2 in x, 2/max|2x| after Quantus's normalisation by the max.
    const quadratic = new FunctionSubject({
      inputs: [[1, 2, 3]], numOutputs: 1, targets: [0], modality: 'image',
      forward: (x) => [x.reduce((s, v) => s + v * v, 0)], explain: (x) => Array.from(x, (v) => Math.abs(2 * v)),
    });
    const raw = await new LocalLipschitzEstimate().evaluate(quadratic, { samples: 10, normalise: false });
    assert.ok(raw.scores[0] > 1.9 && raw.scores[0] <= 2 + 1e-5, `${raw.scores}`);
  });

  it('is 0 for saliency on a linear image model through the image subject, and not for input x gradient', async () => {
    await useBackend('wasm');
    const weights = tf.tensor2d(Float32Array.from({ length: 16 * 2 }, (_, i) => Math.sin(0.7 * i + 0.2)), [16, 2]);
    const linear = new FunctionModel((x) => tf.matMul(x.reshape([x.shape[0], 16]), weights), { inputShape: [4, 4, 1], numOutputs: 2 });
    const images = { shape: [3, 4, 4, 1], data: Float32Array.from({ length: 48 }, (_, i) => (i * 0.37) % 1) };
    const saliency = await createImageSubject(linear, images, 'saliency');
    const zero = await new LocalLipschitzEstimate().evaluate(saliency, { samples: 5 });
    zero.scores.forEach((s) => assert.ok(s < 1e-6, `${zero.scores}`));
    // Input x gradient of a linear model is w * x: after normalising by the max it still moves with x.
    const ixg = await createImageSubject(linear, images, 'input-x-gradient');
    const moving = await new LocalLipschitzEstimate().evaluate(ixg, { samples: 5, normalise: false });
    // Unnormalised, ||w * d|| / ||d|| lies between min |w| and max |w| of the explained class.
    moving.scores.forEach((s) => assert.ok(s > 0.05 && s <= 1 + 1e-6, `${moving.scores}`));
    weights.dispose();
  });
});
