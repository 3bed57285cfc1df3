import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../../src/backend.js';
import { loadModel } from '../../../src/models/load.js';
import type { Model } from '../../../src/models/model.js';
import { testDigits } from '../../helpers/mnist.js';
import { createImageSubject } from '../../../src/metrics/subjects/image.js';
import { MaxSensitivity } from '../../../src/metrics/robustness/max-sensitivity.js';
import { AvgSensitivity } from '../../../src/metrics/robustness/avg-sensitivity.js';
import { LocalLipschitzEstimate } from '../../../src/metrics/robustness/local-lipschitz.js';
import { ScaledOutputModel } from './scaled-output-model.js';

describe('robustness metrics on the digit model', () => {
  let model: Model;
  const rows = 4;
  const digits = testDigits(rows).inputs;
  before(async () => {
    await useBackend('wasm');
    model = await loadModel('digits');
  });

  it('under a rescaled model c f the normalised sensitivity is unchanged and the unnormalised one scales by c', async () => {
    const c = 3;
    const scaled = new ScaledOutputModel(model, c);
    // Input x gradient: its attributions scale by c with the model.
    const subject = await createImageSubject(model, digits, 'input-x-gradient');
    const scaledSubject = await createImageSubject(scaled, digits, 'input-x-gradient');
    const before = tf.memory().numTensors;
    for (const metric of [new MaxSensitivity(), new AvgSensitivity()]) {
      const options = { samples: 4, radius: 0.1, seed: 11 };
      const base = await metric.evaluate(subject, options);
      const same = await metric.evaluate(scaledSubject, options);
      const raw = await metric.evaluate(subject, { ...options, normalise: false });
      const rawScaled = await metric.evaluate(scaledSubject, { ...options, normalise: false });
      for (let r = 0; r < rows; r++) {
        assert.ok(base.scores[r] > 0.01, `${metric.info.name} row ${r}: ${base.scores[r]} (noise should move a ReLU net's gradients)`);
        assert.ok(Math.abs(same.scores[r] / base.scores[r] - 1) < 1e-4, `${metric.info.name} normalised row ${r}: ${same.scores[r]} vs ${base.scores[r]}`);
        assert.ok(Math.abs(rawScaled.scores[r] / raw.scores[r] - c) < 1e-3, `${metric.info.name} raw row ${r}: ${rawScaled.scores[r]} vs ${c} x ${raw.scores[r]}`);
      }
      // Max over the samples bounds their mean.
      if (metric instanceof AvgSensitivity) {
        const max = await new MaxSensitivity().evaluate(subject, options);
        base.scores.forEach((s, r) => assert.ok(s <= max.scores[r] + 1e-12));
      }
    }
    assert.equal(tf.memory().numTensors, before);
  });

  it('a larger noise radius moves saliency maps more, and the Lipschitz estimate is finite and positive', async () => {
    const subject = await createImageSubject(model, digits, 'saliency');
    const small = await new AvgSensitivity().evaluate(subject, { samples: 4, radius: 0.02 });
    const large = await new AvgSensitivity().evaluate(subject, { samples: 4, radius: 0.3 });
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    assert.ok(mean(large.scores) > mean(small.scores), `${mean(small.scores)} vs ${mean(large.scores)}`);
    const lipschitz = await new LocalLipschitzEstimate().evaluate(subject, { samples: 4 });
    lipschitz.scores.forEach((s) => assert.ok(Number.isFinite(s) && s > 0, `${lipschitz.scores}`));
  });
});
