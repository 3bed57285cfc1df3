import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../../src/backend.js';
import { FunctionModel } from '../../../src/models/function.js';
import { createImageSubject } from '../../../src/metrics/subjects/image.js';
import { FaithfulnessCorrelation } from '../../../src/metrics/faithfulness/faithfulness-correlation.js';
import { pearsonCorrelation as pearson } from '../../../src/metrics/similarity/pearson.js';
import { UsageError } from '../../../src/errors.js';
import { Random } from '../../../src/util/random.js';
import { LinearSubject } from './linear-subject.js';

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

/** Rows of a random linear model and attributions made from its inputs by `attribute(w, x)`. */
function linear(rows: number, features: number, attribute: (w: number[], x: Float32Array, r: Random) => Float64Array, seed = 4,
  baseline?: 'mean'): LinearSubject {
  const random = new Random(seed);
  const w = Array.from({ length: features }, () => random.normal());
  const inputs = Array.from({ length: rows }, () => Float32Array.from({ length: features }, () => random.uniform()));
  return new LinearSubject(inputs, [w], [0.5], inputs.map((x) => attribute(w, x, random)), { baseline });
}
const exact = (w: number[], x: Float32Array) => Float64Array.from(x, (v, i) => w[i] * v);

describe('faithfulness correlation', () => {
  it('pearson matches a hand computation and is undefined for a constant sample', () => {
    // a = (1, 2, 3), b = (2, 4, 7): sab = 5, saa = 2, sbb = 114 / 9.
    close(pearson([1, 2, 3], [2, 4, 7]), 5 / Math.sqrt(2 * 114 / 9), 1e-12);
    assert.ok(Number.isNaN(pearson([1, 1, 1], [1, 2, 3])));
  });

  it('is 1 for the exact attribution w * x of a linear model (zero baseline), for every row', async () => {
    const s = linear(6, 40, exact);
    const r = await new FaithfulnessCorrelation().evaluate(s, { samples: 30 });
    r.scores.forEach((v) => close(v, 1, 1e-9));
    assert.equal(r.higherIsBetter, true);
    assert.deepEqual(r.details!.subsetSizes, [11, 11, 11, 11, 11, 11]);
    assert.equal(s.calls, 6 * 31);
  });

  it('with the mean baseline, w * (x - mean) is exact and scores 1, w * x does not', async () => {
    const centred = linear(4, 30, (w, x) => {
      const m = x.reduce((a, v) => a + v, 0) / x.length;
      return Float64Array.from(x, (v, i) => w[i] * (v - m));
    }, 4, 'mean');
    (await new FaithfulnessCorrelation().evaluate(centred, { samples: 40 })).scores.forEach((v) => close(v, 1, 1e-9));
    const plain = linear(4, 30, exact);
    const shifted = await new FaithfulnessCorrelation().evaluate(plain, { samples: 40, baseline: 'mean' });
    shifted.scores.forEach((v) => assert.ok(v < 0.999, `${v}`));
    assert.equal(shifted.params.baseline, 'mean');
  });

  it('is invariant to scaling the attribution, flips sign with it, and is near 0 for random attributions', async () => {
    const scaled = await new FaithfulnessCorrelation().evaluate(linear(3, 40, (w, x) => exact(w, x).map((v) => 3 * v)), { samples: 30 });
    scaled.scores.forEach((v) => close(v, 1, 1e-9));
    const negated = await new FaithfulnessCorrelation().evaluate(linear(3, 40, (w, x) => exact(w, x).map((v) => -v)), { samples: 30 });
    negated.scores.forEach((v) => close(v, -1, 1e-9));
    const noise = await new FaithfulnessCorrelation().evaluate(
      linear(20, 40, (_w, x, random) => Float64Array.from(x, () => random.normal())), { samples: 100 });
    const mean = noise.scores.reduce((a, b) => a + b, 0) / noise.scores.length;
    assert.ok(Math.abs(mean) < 0.15, `mean correlation of random attributions ${mean}`);
  });

  it('is seeded: the same seed gives the same scores, another seed other subsets', async () => {
    const s = linear(3, 40, (_w, x, random) => Float64Array.from(x, () => random.normal()));
    const a = await new FaithfulnessCorrelation().evaluate(s, { samples: 20, seed: 1 });
    const b = await new FaithfulnessCorrelation().evaluate(s, { samples: 20, seed: 1 });
    const c = await new FaithfulnessCorrelation().evaluate(s, { samples: 20, seed: 2 });
    assert.deepEqual(a.scores, b.scores);
    assert.notDeepEqual(a.scores, c.scores);
  });

  it('a subset as large as the row is undefined (NaN), larger is a usage error', async () => {
    const s = linear(2, 5, exact);
    const all = await new FaithfulnessCorrelation().evaluate(s, { samples: 5, subsetSize: 5 });
    assert.ok(all.scores.every(Number.isNaN));
    assert.equal(all.details!.undefinedRows, 2);
    const withNaN = linear(2, 5, (w, x) => Float64Array.from(x, (v, i) => (i === 0 ? NaN : w[i] * v)));
    const partial = await new FaithfulnessCorrelation().evaluate(withNaN, { samples: 20, subsetSize: 2 });
    assert.ok(partial.scores.every(Number.isNaN), 'a NaN attribution in every subset: undefined, not an error');
    await assert.rejects(new FaithfulnessCorrelation().evaluate(s, { subsetSize: 6 }), (e: unknown) => e instanceof UsageError && /subsetSize 6/.test(e.message));
    await assert.rejects(new FaithfulnessCorrelation().evaluate(s, { samples: 0 }), UsageError);
    await assert.rejects(new FaithfulnessCorrelation().evaluate(s, { samples: 1 }), (e: unknown) => e instanceof UsageError && /at least 2/.test(e.message));
  });

  it('through the image subject: integrated gradients of a linear image model score 1', async () => {
    await useBackend('wasm');
    const H = 5, W = 5, C = 3, D = H * W * C;
    const weight = Float32Array.from({ length: D }, (_, i) => Math.cos(0.7 * i + 0.4));
    const model = new FunctionModel((x) => tf.add(tf.matMul(x.reshape([-1, D]), tf.tensor2d(weight, [D, 1])), tf.scalar(0.2)),
      { inputShape: [H, W, C], numOutputs: 1, name: 'linear' });
    const data = Float32Array.from({ length: 2 * D }, (_, i) => ((i * 17) % 10) / 9);
    const subject = await createImageSubject(model, { shape: [2, H, W, C], data }, 'integrated-gradients', { methodOptions: { steps: 4 } });
    const r = await new FaithfulnessCorrelation().evaluate(subject, { samples: 25 });
    r.scores.forEach((v) => close(v, 1, 1e-5));
    assert.deepEqual(r.details!.subsetSizes, [7, 7]);
  });
});
