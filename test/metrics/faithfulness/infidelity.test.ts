import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../../src/backend.js';
import { FunctionModel } from '../../../src/models/function.js';
import { createImageSubject } from '../../../src/metrics/subjects/image.js';
import { Infidelity } from '../../../src/metrics/faithfulness/infidelity.js';
import { UsageError } from '../../../src/errors.js';
import { Random } from '../../../src/util/random.js';
import { LinearSubject } from './linear-subject.js';

const close = (a: number, b: number, tol: number) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

/** f(x) = 4 x0 - x1 + 2 x2 + 0.5 x3 + 1 at x = (1, 2, 3, 4): contributions w * x = (4, -2, 6, 2). */
function fourFeatures(attribution: number[], modality: 'tabular' | 'text' = 'tabular'): LinearSubject {
  return new LinearSubject([Float32Array.from([1, 2, 3, 4])], [[4, -1, 2, 0.5]], [1], [Float64Array.from(attribution)], { modality });
}

function randomLinear(rows: number, features: number, seed: number, attribute: (w: number[], x: Float32Array) => Float64Array): LinearSubject {
  const random = new Random(seed);
  const w = Array.from({ length: features }, () => random.normal());
  const inputs = Array.from({ length: rows }, () => Float32Array.from({ length: features }, () => random.uniform()));
  return new LinearSubject(inputs, [w], [0.3], inputs.map((x) => attribute(w, x)));
}

describe('infidelity, removal variant', () => {
  it('is 0 for the exact attribution w * x of a linear model, and the squared sum error when everything is removed', async () => {
    const exact = await new Infidelity().evaluate(randomLinear(5, 30, 1, (w, x) => Float64Array.from(x, (v, i) => w[i] * v)));
    exact.scores.forEach((v) => assert.ok(v < 1e-10, `${v}`));
    assert.equal(exact.higherIsBetter, false);
    assert.equal(exact.params.perturbation, 'removal');
    // Removing all four features: I^T a = sum a = 11 instead of f(x) - f(0) = 10, so (11 - 10)^2 = 1 for every sample.
    const all = await new Infidelity().evaluate(fourFeatures([4, -2, 6, 3]), { subsetSize: 4, samples: 7 });
    close(all.scores[0], 1, 1e-9);
    // One feature per sample: errors 0, 0, 0, 1 (feature 3 over by 1); the mean over many draws nears 1/4.
    const one = await new Infidelity().evaluate(fourFeatures([4, -2, 6, 3]), { subsetSize: 1, samples: 4000 });
    close(one.scores[0], 0.25, 0.03);
  });

  it('works on token rows, and refuses Gaussian noise there', async () => {
    const text = fourFeatures([4, -2, 6, 2], 'text');
    (await new Infidelity().evaluate(text, { samples: 10 })).scores.forEach((v) => assert.ok(v < 1e-12));
    await assert.rejects(new Infidelity().evaluate(text, { perturbation: 'noise' }),
      (e: unknown) => e instanceof UsageError && /does not apply to text/.test(e.message) && /removal/.test(e.message));
    await assert.rejects(new Infidelity().evaluate(text, { subsetSize: 5 }), (e: unknown) => e instanceof UsageError && /subsetSize 5/.test(e.message));
    await assert.rejects(new Infidelity().evaluate(text, { noiseStd: 0 }), UsageError);
    await assert.rejects(new Infidelity().evaluate(text, { perturbation: 'blur' as never }), UsageError);
  });

  it('normalised (best scale beta first): any positive rescaling of the attribution scores the same, never above the plain score', async () => {
    const base = (w: number[], x: Float32Array) => Float64Array.from(x, (v, i) => w[i] * v + 0.3 * Math.sin(i));
    const a = await new Infidelity().evaluate(randomLinear(3, 20, 2, base), { normalise: true });
    const b = await new Infidelity().evaluate(randomLinear(3, 20, 2, (w, x) => base(w, x).map((v) => 5 * v)), { normalise: true });
    const plain = await new Infidelity().evaluate(randomLinear(3, 20, 2, base));
    a.scores.forEach((v, r) => {
      close(v, b.scores[r], 1e-9 * Math.max(1, v));
      assert.ok(v <= plain.scores[r] + 1e-12);
    });
    (b.details!.beta as number[]).forEach((beta, r) => close(beta, (a.details!.beta as number[])[r] / 5, 1e-9));
  });

  it('is seeded', async () => {
    const s = randomLinear(2, 20, 3, (w, x) => Float64Array.from(x, (v, i) => w[i] * v + Math.cos(i)));
    const a = await new Infidelity().evaluate(s, { seed: 4 });
    assert.deepEqual(a.scores, (await new Infidelity().evaluate(s, { seed: 4 })).scores);
    assert.notDeepEqual(a.scores, (await new Infidelity().evaluate(s, { seed: 5 })).scores);
  });
});

describe('infidelity, Gaussian noise', () => {
  it('on a linear model equals the closed form sigma^2 ||a - w||^2 (0 for the gradient a = w)', async () => {
    const w = [0.5, -1, 2, 0.25, -0.75, 1.5];
    const x = Float32Array.from([0.2, 0.9, 0.4, 0.1, 0.7, 0.5]);
    const gradient = new LinearSubject([x], [w], [0.1], [Float64Array.from(w)]);
    const zero = await new Infidelity().evaluate(gradient, { perturbation: 'noise', samples: 20 });
    assert.ok(zero.scores[0] < 1e-10, `${zero.scores[0]}`);
    const a = Float64Array.from(x, (v, i) => w[i] * v);
    const r = await new Infidelity().evaluate(new LinearSubject([x], [w], [0.1], [a]), { perturbation: 'noise', samples: 4000, noiseStd: 0.3 });
    const closed = 0.09 * w.reduce((s, wi, i) => s + (a[i] - wi) ** 2, 0);
    // Each sample is sigma^2 ||d||^2 chi^2_1, so the mean of 4000 has a relative standard error of sqrt(2 / 4000) = 2.2%.
    close(r.scores[0], closed, 0.1 * closed);
    assert.equal(r.params.noiseStd, 0.3);
  });

  let model: (c: number) => FunctionModel;
  before(async () => {
    await useBackend('wasm');
    // A small nonlinear image model, c * (tanh(x W1) W2): integrated gradients are not exact on it.
    const w1 = tf.tensor2d(Float32Array.from({ length: 48 * 5 }, (_, i) => Math.sin(0.9 * i + 0.1)), [48, 5]);
    const w2 = tf.tensor2d(Float32Array.from({ length: 10 }, (_, i) => Math.cos(1.1 * i)), [5, 2]);
    model = (c) => new FunctionModel((x) => tf.mul(tf.matMul(tf.tanh(tf.matMul(x.reshape([-1, 48]), w1)), w2), c),
      { inputShape: [4, 4, 3], numOutputs: 2, name: `tanh x ${c}`, outputKind: 'logits' });
  });

  it('through the image subject: pixels of three channels get one noise value, closed form for a linear model', async () => {
    const H = 4, W = 4, C = 3, D = H * W * C;
    const weight = Float32Array.from({ length: D }, (_, i) => Math.cos(0.7 * i + 0.4));
    const linear = new FunctionModel((x) => tf.matMul(x.reshape([-1, D]), tf.tensor2d(weight, [D, 1])), { inputShape: [H, W, C], numOutputs: 1 });
    const data = Float32Array.from({ length: D }, (_, i) => ((i * 17) % 10) / 9);
    const subject = await createImageSubject(linear, { shape: [1, H, W, C], data }, 'integrated-gradients', { methodOptions: { steps: 4 } });
    const r = await new Infidelity().evaluate(subject, { perturbation: 'noise', samples: 3000, noiseStd: 0.1 });
    // f(x) - f(x - I) = sum_p I_p (sum_c w_pc), and the attribution of pixel p is sum_c w_pc x_pc.
    let closed = 0;
    for (let p = 0; p < H * W; p++) {
      let wp = 0;
      let ap = 0;
      for (let c = 0; c < C; c++) {
        wp += weight[p * C + c];
        ap += weight[p * C + c] * data[p * C + c];
      }
      closed += 0.01 * (ap - wp) ** 2;
    }
    close(r.scores[0], closed, 0.1 * closed);
    const removal = await new Infidelity().evaluate(subject, { patchSize: 2 });
    assert.ok(removal.scores[0] < 1e-9, `exact IG, removal: ${removal.scores[0]}`);
    assert.equal(removal.params.patchSize, 2);
  });

  it('scales by c^2 when the model is rescaled by c (the attributions scale by c), for both perturbations', async () => {
    const data = Float32Array.from({ length: 2 * 48 }, (_, i) => ((i * 13) % 7) / 6);
    const inputs = { shape: [2, 4, 4, 3], data };
    const subject1 = await createImageSubject(model(1), inputs, 'integrated-gradients', { methodOptions: { steps: 8 }, targets: [0, 1] });
    const subject3 = await createImageSubject(model(3), inputs, 'integrated-gradients', { methodOptions: { steps: 8 }, targets: [0, 1] });
    for (const perturbation of ['removal', 'noise'] as const) {
      const one = await new Infidelity().evaluate(subject1, { perturbation, patchSize: 2, samples: 30 });
      const three = await new Infidelity().evaluate(subject3, { perturbation, patchSize: 2, samples: 30 });
      one.scores.forEach((v, r) => {
        assert.ok(v > 1e-6, `${perturbation}: IG is not exact here (${v})`);
        close(three.scores[r] / v, 9, 9e-3);
      });
    }
  });
});
