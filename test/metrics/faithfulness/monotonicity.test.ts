import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../../src/backend.js';
import { FunctionModel } from '../../../src/models/function.js';
import { createImageSubject } from '../../../src/metrics/subjects/image.js';
import { Monotonicity } from '../../../src/metrics/faithfulness/monotonicity.js';
import { UsageError } from '../../../src/errors.js';
import { Random } from '../../../src/util/random.js';
import { LinearSubject } from './linear-subject.js';

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

function linear(rows: number, features: number, weight: (r: Random) => number, seed = 6): LinearSubject {
  const random = new Random(seed);
  const w = Array.from({ length: features }, () => weight(random));
  const inputs = Array.from({ length: rows }, () => Float32Array.from({ length: features }, () => random.uniform()));
  return new LinearSubject(inputs, [w], [-0.2], inputs.map((x) => Float64Array.from(x, (v, i) => w[i] * v)));
}

describe('monotonicity', () => {
  it('a linear model with positive weights rises at every step (score 1), with the exact or any other ordering', async () => {
    const s = linear(4, 50, (r) => 0.1 + r.uniform());
    for (const options of [{}, { steps: 7 }, { featuresPerStep: 1 }, { abs: false }, { score: 'all' as const }]) {
      const r = await new Monotonicity().evaluate(s, options);
      r.scores.forEach((v) => assert.equal(v, 1));
    }
    const r = await new Monotonicity().evaluate(s);
    assert.deepEqual(r.details!.monotone, [true, true, true, true]);
    assert.equal(r.higherIsBetter, true);
    assert.equal(r.curves!.y[0].length, 51);
  });

  it('by hand: f = 4 x0 - x1 + 2 x2 + 0.5 x3 + 1 at (1, 2, 3, 4), features added least relevant first', async () => {
    const s = new LinearSubject([Float32Array.from([1, 2, 3, 4])], [[4, -1, 2, 0.5]], [1], [Float64Array.from([4, -7, 6, 2])]);
    // |a| ascending: x3, x0, x2, x1: outputs 1, 3, 7, 13, 11; the last step falls.
    const byMagnitude = await new Monotonicity().evaluate(s);
    byMagnitude.curves!.y[0].forEach((v, i) => close(v, [1, 3, 7, 13, 11][i]));
    close(byMagnitude.scores[0], 3 / 4);
    // Signed ascending: x1, x3, x0, x2: outputs 1, -1, 1, 5, 11; the first step falls.
    const signed = await new Monotonicity().evaluate(s, { abs: false });
    signed.curves!.y[0].forEach((v, i) => close(v, [1, -1, 1, 5, 11][i]));
    close(signed.scores[0], 3 / 4);
    assert.deepEqual((await new Monotonicity().evaluate(s, { score: 'all' })).scores, [0]);
    assert.equal(signed.params.score, 'fraction');
    assert.equal(signed.params.abs, false);
  });

  it('mixed-sign weights fall at some steps; bad options are usage errors', async () => {
    const s = linear(6, 60, (r) => r.normal());
    const r = await new Monotonicity().evaluate(s, { steps: 60 });
    r.scores.forEach((v) => assert.ok(v < 1 && v > 0, `${v}`));
    await assert.rejects(new Monotonicity().evaluate(s, { score: 'some' as never }), UsageError);
    await assert.rejects(new Monotonicity().evaluate(s, { steps: -2 }), UsageError);
  });

  it('through the image subject: integrated gradients of a positive linear image model score 1', async () => {
    await useBackend('wasm');
    const D = 6 * 6;
    const weight = Float32Array.from({ length: D }, (_, i) => 0.2 + ((i * 7) % 5) / 5);
    const model = new FunctionModel((x) => tf.matMul(x.reshape([-1, D]), tf.tensor2d(weight, [D, 1])), { inputShape: [6, 6, 1], numOutputs: 1 });
    const data = Float32Array.from({ length: 2 * D }, (_, i) => ((i * 31) % 9) / 8);
    const subject = await createImageSubject(model, { shape: [2, 6, 6, 1], data }, 'integrated-gradients', { methodOptions: { steps: 4 } });
    const r = await new Monotonicity().evaluate(subject, { steps: 12 });
    assert.deepEqual(r.scores, [1, 1]);
  });
});
