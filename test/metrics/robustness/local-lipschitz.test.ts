import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
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
});
