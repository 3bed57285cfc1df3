import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../../src/backend.js';
import { FunctionModel } from '../../../src/models/function.js';
import { createImageSubject } from '../../../src/metrics/subjects/image.js';
import { MonotonicityCorrelation } from '../../../src/metrics/faithfulness/monotonicity-correlation.js';
import { UsageError } from '../../../src/errors.js';
import { Random } from '../../../src/util/random.js';
import { LinearSubject } from './linear-subject.js';

describe('monotonicity correlation', () => {
  it('removal, one feature per group: the squared drop of a linear model is a_i^2, so |w * x| ranks it perfectly (1)', async () => {
    const random = new Random(2);
    const w = Array.from({ length: 30 }, () => random.normal());
    const inputs = Array.from({ length: 4 }, () => Float32Array.from({ length: 30 }, () => random.uniform()));
    const s = new LinearSubject(inputs, [w], [0.1], inputs.map((x) => Float64Array.from(x, (v, i) => w[i] * v)));
    const r = await new MonotonicityCorrelation().evaluate(s, { featuresPerStep: 1 });
    r.scores.forEach((v) => assert.ok(Math.abs(v - 1) < 1e-12, `${v}`));
    assert.equal(r.params.perturbation, 'removal', 'tabular rows default to removal');
    assert.equal(s.calls, 4 * 31);
    // Signed attributions rank negative contributions low although they move the output as much: below 1.
    const signed = await new MonotonicityCorrelation().evaluate(s, { featuresPerStep: 1, abs: false });
    signed.scores.forEach((v) => assert.ok(v < 0.9, `${v}`));
  });

  it('uniform values: E[(w_i (u - x_i))^2] = w_i^2 / 12 at x_i = 1/2, so |w| ranks it (about 1), a random ranking does not', async () => {
    const w = [1, -2, 3, -4, 5, 6, -7, 8];
    const x = new Float32Array(8).fill(0.5);
    const good = new LinearSubject([x], [w], [0], [Float64Array.from(w, Math.abs)]);
    const r = await new MonotonicityCorrelation().evaluate(good, { perturbation: 'uniform', range: [0, 1], samples: 300, featuresPerStep: 1 });
    assert.ok(r.scores[0] > 0.95, `${r.scores[0]}`);
    const random = new Random(9);
    const rows = Array.from({ length: 12 }, () => x);
    const noise = new LinearSubject(rows, [w], [0], rows.map(() => Float64Array.from(w, () => random.normal())));
    const n = await new MonotonicityCorrelation().evaluate(noise, { perturbation: 'uniform', range: [0, 1], samples: 50, featuresPerStep: 1 });
    const mean = n.scores.reduce((a, b) => a + b, 0) / n.scores.length;
    assert.ok(Math.abs(mean) < 0.35, `random attributions: mean ${mean}`);
  });

  it('is seeded, refuses random values for tokens, and checks its options', async () => {
    const w = [1, -2, 3, -4, 5, 6];
    const x = Float32Array.from([0.1, 0.5, 0.9, 0.3, 0.7, 0.2]);
    const s = new LinearSubject([x], [w], [0], [Float64Array.from(w)]);
    const a = await new MonotonicityCorrelation().evaluate(s, { perturbation: 'uniform', samples: 3, seed: 1 });
    assert.deepEqual(a.scores, (await new MonotonicityCorrelation().evaluate(s, { perturbation: 'uniform', samples: 3, seed: 1 })).scores);
    const seeds = await Promise.all([2, 3, 4].map((seed) => new MonotonicityCorrelation().evaluate(s, { perturbation: 'uniform', samples: 1, seed })));
    assert.ok(seeds.some((r) => r.scores[0] !== a.scores[0]), 'other seeds draw other values');
    const text = new LinearSubject([x], [w], [0], [Float64Array.from(w)], { modality: 'text' });
    await assert.rejects(new MonotonicityCorrelation().evaluate(text, { perturbation: 'uniform' }), (e: unknown) => e instanceof UsageError && /text/.test(e.message));
    assert.equal((await new MonotonicityCorrelation().evaluate(text)).params.perturbation, 'removal');
    await assert.rejects(new MonotonicityCorrelation().evaluate(s, { range: [1, 0] }), UsageError);
    await assert.rejects(new MonotonicityCorrelation().evaluate(s, { samples: 0, perturbation: 'uniform' }), UsageError);
  });

  it('through the image subject (three channels): uniform values per channel, scores in [-1, 1]', async () => {
    await useBackend('wasm');
    const D = 4 * 4 * 3;
    const weight = Float32Array.from({ length: D }, (_, i) => Math.sin(0.5 * i));
    const model = new FunctionModel((t) => tf.tanh(tf.matMul(t.reshape([-1, D]), tf.tensor2d(weight, [D, 1]))), { inputShape: [4, 4, 3], numOutputs: 1 });
    const data = Float32Array.from({ length: 2 * D }, (_, i) => ((i * 11) % 7) / 6);
    const subject = await createImageSubject(model, { shape: [2, 4, 4, 3], data }, 'saliency');
    const r = await new MonotonicityCorrelation().evaluate(subject, { samples: 4 });
    assert.equal(r.params.perturbation, 'uniform');
    r.scores.forEach((v) => assert.ok(v >= -1 && v <= 1, `${v}`));
  });
});
