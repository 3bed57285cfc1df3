import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useBackend } from '../../src/backend.js';
import { loadModel } from '../../src/models/load.js';
import type { Model } from '../../src/models/model.js';
import { explanationShift, normalisedDistance, topKIntersection } from '../../src/adversarial/explanation-shift.js';
import { pgd } from '../../src/adversarial/pgd.js';
import { testDigits } from '../helpers/mnist.js';

describe('explanation shift measures', () => {
  it('top-k intersection and the scale-free L2 distance, by hand', () => {
    assert.equal(topKIntersection([5, -4, 1, 0], [-9, 0, 3, 8], 2), 0.5);
    assert.equal(topKIntersection([1, 2, 3], [3, 2, 1], 3), 1);
    assert.equal(normalisedDistance([1, 2, 3], [2, 4, 6]), 0);
    assert.ok(Math.abs(normalisedDistance([1, 0], [0, 1]) - Math.SQRT2) < 1e-15);
    assert.ok(Math.abs(normalisedDistance([1, 0], [-1, 0]) - 2) < 1e-15);
    assert.ok(Number.isNaN(normalisedDistance([0, 0], [1, 2])));
  });
});

describe('explanationShift on the digit model', () => {
  let model: Model;
  before(async () => {
    await useBackend('wasm');
    model = await loadModel('digits');
  });
  after(() => model.dispose());

  it('is 1 (spearman, top-k) and 0 (distance) for identical inputs', async () => {
    const { inputs } = testDigits(3);
    for (const method of ['saliency', 'integrated-gradients']) {
      const shift = await explanationShift(model, inputs, inputs, { method, methodOptions: { steps: 16 } });
      assert.deepEqual(shift.spearman, [1, 1, 1], method);
      assert.deepEqual(shift.topKIntersection, [1, 1, 1], method);
      assert.deepEqual(shift.l2Distance, [0, 0, 0], method);
      assert.deepEqual(shift.featureShape, [28, 28]);
      assert.equal(shift.topK, 78);
      assert.deepEqual(shift.cleanTargets, shift.adversarialTargets);
    }
  });

  it('moves under a PGD attack: saliency of the new class correlates less than a copy does', async () => {
    const { inputs, labels } = testDigits(6, 20);
    const attack = await pgd(model, inputs, { epsilon: 0.2, label: labels, steps: 20 });
    const shift = await explanationShift(model, inputs, { shape: attack.shape, data: attack.adversarial });
    assert.deepEqual(shift.cleanTargets, attack.prediction);
    assert.deepEqual(shift.adversarialTargets, attack.adversarialPrediction);
    assert.ok(shift.mean.spearman < 0.9, `mean spearman ${shift.mean.spearman}`);
    assert.ok(shift.mean.topKIntersection < 0.9, `mean top-k ${shift.mean.topKIntersection}`);
    assert.ok(shift.mean.l2Distance > 0.2, `mean distance ${shift.mean.l2Distance}`);
    // Explaining the clean class on both: the same measures, other targets.
    const same = await explanationShift(model, inputs, { shape: attack.shape, data: attack.adversarial }, { explain: 'clean', topK: 10 });
    assert.deepEqual(same.adversarialTargets, attack.prediction);
    assert.equal(same.topK, 10);
    const json = JSON.parse(JSON.stringify(shift)) as { clean: number[][]; spearman: number[] };
    assert.equal(json.clean.length, 6);
    assert.equal(json.clean[0].length, 784);
  });

  it('refuses an unknown method and mismatched inputs', async () => {
    const { inputs } = testDigits(2);
    await assert.rejects(explanationShift(model, inputs, inputs, { method: 'magic' }), /unknown method "magic"/);
    await assert.rejects(explanationShift(model, inputs, testDigits(1).inputs), /2 clean and 1 adversarial inputs/);
    await assert.rejects(explanationShift(model, inputs, inputs, { topK: 0 }), /topK must be a whole number from 1 to 784/);
  });
});
