import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../../src/backend.js';
import { FunctionModel } from '../../../src/models/function.js';
import { loadModel } from '../../../src/models/load.js';
import { testDigits } from '../../helpers/mnist.js';
import { createImageSubject } from '../../../src/metrics/subjects/image.js';
import { Deletion } from '../../../src/metrics/faithfulness/deletion.js';
import { Insertion } from '../../../src/metrics/faithfulness/insertion.js';
import { trapezoidArea } from '../../../src/metrics/faithfulness/trapezoid-area.js';
import { removalCounts } from '../../../src/metrics/faithfulness/removal-counts.js';
import { UsageError } from '../../../src/errors.js';
import { Random } from '../../../src/util/random.js';
import { LinearSubject } from './linear-subject.js';

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

/** f(x) = 4 x0 - x1 + 2 x2 + 0.5 x3 + 1 at x = (1, 2, 3, 4): contributions w * x = (4, -2, 6, 2), f(x) = 11. */
function fourFeatures(attribution = [4, -2, 6, 2]): LinearSubject {
  return new LinearSubject([Float32Array.from([1, 2, 3, 4])], [[4, -1, 2, 0.5]], [1], [Float64Array.from(attribution)]);
}

/** Rows of a random linear model with the exact attribution w * x (zero baseline). */
function randomLinear(rows: number, features: number, seed: number): LinearSubject {
  const random = new Random(seed);
  const w = Array.from({ length: features }, () => random.normal());
  const inputs = Array.from({ length: rows }, () => Float32Array.from({ length: features }, () => random.uniform()));
  const exact = inputs.map((x) => Float64Array.from(x, (v, i) => w[i] * v));
  return new LinearSubject(inputs, [w], [0.3], exact);
}

describe('deletion and insertion curves, by hand', () => {
  it('removes most relevant first: curve (11, 5, 1, -1, 1), AUC 2.75', async () => {
    const r = await new Deletion().evaluate(fourFeatures(), { steps: 4 });
    assert.deepEqual(r.curves!.x, [0, 0.25, 0.5, 0.75, 1]);
    r.curves!.y[0].forEach((v, i) => close(v, [11, 5, 1, -1, 1][i]));
    close(r.scores[0], 2.75);
    assert.equal(r.higherIsBetter, false);
    assert.equal(r.curves!.xLabel, 'fraction of features removed');
    assert.deepEqual(r.details!.unperturbedScores, [11]);
  });

  it('inserts most relevant first: curve (1, 7, 11, 13, 11), AUC 9.25', async () => {
    const r = await new Insertion().evaluate(fourFeatures(), { steps: 4 });
    r.curves!.y[0].forEach((v, i) => close(v, [1, 7, 11, 13, 11][i]));
    close(r.scores[0], 9.25);
    assert.equal(r.higherIsBetter, true);
  });

  it('least relevant first, fewer steps, features per step, normalised, by |a|', async () => {
    const least = await new Deletion().evaluate(fourFeatures(), { steps: 4, order: 'least-relevant-first' });
    least.curves!.y[0].forEach((v, i) => close(v, [11, 13, 11, 7, 1][i]));
    close(least.scores[0], 9.25);
    const two = await new Deletion().evaluate(fourFeatures(), { steps: 2 });
    assert.deepEqual(two.curves!.x, [0, 0.5, 1]);
    close(two.scores[0], 0.5 * (11 + 1) / 2 + 0.5 * (1 + 1) / 2);
    const perStep = await new Deletion().evaluate(fourFeatures(), { featuresPerStep: 3 });
    assert.deepEqual(perStep.curves!.x, [0, 0.75, 1]);
    close(perStep.scores[0], 0.75 * (11 - 1) / 2 + 0.25 * (-1 + 1) / 2);
    const normalised = await new Deletion().evaluate(fourFeatures(), { steps: 4, normalise: 'unperturbed' });
    close(normalised.scores[0], 2.75 / 11);
    // |a| ranks x1 (-2) with x3 (2): the tie keeps index order, so x2, x0, x1, x3: (11, 5, 1, 3, 1).
    const byMagnitude = await new Deletion().evaluate(fourFeatures(), { steps: 4, abs: true });
    byMagnitude.curves!.y[0].forEach((v, i) => close(v, [11, 5, 1, 3, 1][i]));
  });

  it('step counts and the trapezoid rule', () => {
    assert.deepEqual(Array.from(removalCounts(784, { steps: 50 })).slice(0, 4), [0, 16, 31, 47]);
    assert.equal(removalCounts(784, { steps: 50 }).length, 51);
    assert.deepEqual(Array.from(removalCounts(5, { steps: 50 })), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(Array.from(removalCounts(10, { steps: 50, featuresPerStep: 4 })), [0, 4, 8, 10]);
    close(trapezoidArea([0, 0.5, 1], [0, 1, 0]), 0.5);
    close(trapezoidArea([0, 1], [2, 2]), 2);
  });

  it('bad options are usage errors that name the option', async () => {
    const s = fourFeatures();
    await assert.rejects(new Deletion().evaluate(s, { steps: 0 }), (e: unknown) => e instanceof UsageError && /steps/.test(e.message));
    await assert.rejects(new Deletion().evaluate(s, { order: 'best' as never }), (e: unknown) => e instanceof UsageError && /order "best"/.test(e.message));
    await assert.rejects(new Insertion().evaluate(s, { featuresPerStep: 1.5 }), UsageError);
    await assert.rejects(new Insertion().evaluate(s, { baseline: 'noise' as never }), UsageError);
    await assert.rejects(new Insertion().evaluate(s, { seed: -1 }), UsageError);
  });

  it('token rows of different lengths: each AUC from its own points, curves on one grid', async () => {
    const s = new LinearSubject([Float32Array.from([1, 2, 3, 4]), Float32Array.from([1, 1])], [[4, -1, 2, 0.5]], [1],
      [Float64Array.from([4, -2, 6, 2]), Float64Array.from([4, -1])], { modality: 'text' });
    const r = await new Deletion().evaluate(s, { steps: 4 });
    close(r.scores[0], 2.75);
    // Row 1: f = 4 x0 - x1 + 1 at (1, 1) = 4; remove x0 -> 0; remove x1 -> 1: (4, 0, 1) over (0, .5, 1).
    close(r.scores[1], 0.5 * 2 + 0.5 * 0.5);
    assert.equal(r.details!.curvesInterpolated, true);
    assert.deepEqual(r.curves!.x, [0, 0.25, 0.5, 0.75, 1]);
    r.curves!.y[1].forEach((v, i) => close(v, [4, 2, 0, 0.5, 1][i]));
  });
});

describe('deletion and insertion on linear models rank the exact attribution first', () => {
  it('w * x beats a random ordering and the least-relevant-first one, for deletion and insertion', async () => {
    const s = randomLinear(8, 64, 3);
    const del = new Deletion();
    const exact = await del.evaluate(s, { steps: 16 });
    const random = await del.evaluate(s, { steps: 16, order: 'random', seed: 1 });
    const least = await del.evaluate(s, { steps: 16, order: 'least-relevant-first' });
    for (let r = 0; r < s.rows; r++) {
      assert.ok(exact.scores[r] < random.scores[r], `row ${r}: exact ${exact.scores[r]} vs random ${random.scores[r]}`);
      assert.ok(random.scores[r] < least.scores[r], `row ${r}: random ${random.scores[r]} vs least ${least.scores[r]}`);
    }
    const ins = new Insertion();
    const insExact = await ins.evaluate(s, { steps: 16 });
    const insRandom = await ins.evaluate(s, { steps: 16, order: 'random', seed: 1 });
    for (let r = 0; r < s.rows; r++) assert.ok(insExact.scores[r] > insRandom.scores[r]);
  });

  it('random orderings: the same seed gives the same scores, another seed other draws', async () => {
    const s = randomLinear(4, 32, 5);
    const a = await new Deletion().evaluate(s, { order: 'random', seed: 7 });
    const b = await new Deletion().evaluate(s, { order: 'random', seed: 7 });
    const c = await new Deletion().evaluate(s, { order: 'random', seed: 8 });
    assert.deepEqual(a.scores, b.scores);
    assert.notDeepEqual(a.scores, c.scores);
    assert.equal(a.params.seed, 7);
  });

  it('through the image subject: integrated gradients on a linear image model beat random', async () => {
    await useBackend('wasm');
    const H = 6, W = 6, C = 3, D = H * W * C;
    const weight = Float32Array.from({ length: D * 2 }, (_, i) => Math.sin(1.3 * i + 0.2));
    const model = new FunctionModel((x) => tf.add(tf.matMul(x.reshape([-1, D]), tf.tensor2d(weight, [D, 2])), tf.tensor1d([0.1, -0.2])),
      { inputShape: [H, W, C], numOutputs: 2, name: 'linear', outputKind: 'logits' });
    const data = Float32Array.from({ length: 3 * D }, (_, i) => ((i * 29) % 13) / 12);
    const subject = await createImageSubject(model, { shape: [3, H, W, C], data }, 'integrated-gradients',
      { methodOptions: { steps: 8 }, targets: [0, 1, 0] });
    const progress: [number, number, string | undefined][] = [];
    const own = (done: number, total: number, stage?: string) => { progress.push([done, total, stage]); };
    subject.onProgress = own;
    const exact = await new Deletion().evaluate(subject, { steps: 12 });
    // Progress counts the metric's model evaluations (3 rows x 13 points) under the metric's name, and ends complete.
    assert.ok(progress.length > 0 && progress.every(([done, total, stage], i) => total === 39 && stage === 'deletion' && (i === 0 || done >= progress[i - 1][0])));
    assert.deepEqual(progress[progress.length - 1], [39, 39, 'deletion']);
    assert.equal(subject.onProgress, own, 'the subject gets its own progress callback back');
    subject.onProgress = undefined;
    const random = await new Deletion().evaluate(subject, { steps: 12, order: 'random' });
    // The curve of the exact ranking starts at the logit and ends at the bias (every pixel at zero).
    exact.curves!.y.forEach((y, r) => close(y[y.length - 1], r === 1 ? -0.2 : 0.1, 1e-5));
    for (let r = 0; r < 3; r++) assert.ok(exact.scores[r] < random.scores[r], `row ${r}`);
    assert.equal(exact.modality, 'image');
    assert.equal(exact.method, 'integrated-gradients');
  });
});

describe('deletion and insertion on the digit model', () => {
  before(async () => { await useBackend('wasm'); });

  it('integrated gradients beat a random ordering on 12 test digits, with the zeros, mean and blur baselines', async () => {
    const model = await loadModel('digits');
    try {
      const n = 12;
      const subject = await createImageSubject(model, testDigits(n).inputs, 'integrated-gradients', { methodOptions: { steps: 16 } });
      for (const baseline of ['zeros', 'mean', 'blur'] as const) {
        const ig = await new Deletion().evaluate(subject, { steps: 20, baseline });
        const random = await new Deletion().evaluate(subject, { steps: 20, baseline, order: 'random' });
        const igIns = await new Insertion().evaluate(subject, { steps: 20, baseline });
        const randomIns = await new Insertion().evaluate(subject, { steps: 20, baseline, order: 'random' });
        assert.equal(ig.params.baseline, baseline);
        assert.ok(mean(ig.scores) < mean(random.scores) - 1, `${baseline} deletion: IG ${mean(ig.scores)} vs random ${mean(random.scores)}`);
        assert.ok(mean(igIns.scores) > mean(randomIns.scores) + 1, `${baseline} insertion: IG ${mean(igIns.scores)} vs random ${mean(randomIns.scores)}`);
        const better = ig.scores.filter((v, r) => v < random.scores[r]).length;
        const betterIns = igIns.scores.filter((v, r) => v > randomIns.scores[r]).length;
        assert.ok(better >= 10 && betterIns >= 10, `${baseline}: IG beats random on ${better} (deletion) and ${betterIns} (insertion) of ${n} digits`);
        console.log(`digits, ${baseline}: deletion AUC IG ${mean(ig.scores).toFixed(3)} random ${mean(random.scores).toFixed(3)}; insertion IG ${
          mean(igIns.scores).toFixed(3)} random ${mean(randomIns.scores).toFixed(3)}`);
      }
    } finally {
      model.dispose();
    }
  });
});
