import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../../src/backend.js';
import { loadModel } from '../../../src/models/load.js';
import type { Model } from '../../../src/models/model.js';
import { testDigits } from '../../helpers/mnist.js';
import { createImageSubject, type ImageSubject } from '../../../src/metrics/subjects/image.js';
import { Deletion } from '../../../src/metrics/faithfulness/deletion.js';
import { FaithfulnessCorrelation } from '../../../src/metrics/faithfulness/faithfulness-correlation.js';
import { Infidelity } from '../../../src/metrics/faithfulness/infidelity.js';
import { Monotonicity } from '../../../src/metrics/faithfulness/monotonicity.js';
import { MonotonicityCorrelation } from '../../../src/metrics/faithfulness/monotonicity-correlation.js';
import { ScaledOutputModel } from '../robustness/scaled-output-model.js';

describe('faithfulness metrics under a rescaled digit model (c f, so integrated gradients scale by c)', () => {
  const c = 3;
  const rows = 4;
  const digits = testDigits(rows).inputs;
  let model: Model;
  let subject: ImageSubject;
  let scaled: ImageSubject;
  before(async () => {
    await useBackend('wasm');
    model = await loadModel('digits');
    subject = await createImageSubject(model, digits, 'integrated-gradients', { methodOptions: { steps: 16 } });
    scaled = await createImageSubject(new ScaledOutputModel(model, c), digits, 'integrated-gradients', { methodOptions: { steps: 16 } });
  });
  after(() => model.dispose());

  const ratio = (a: number[], b: number[]) => a.map((v, r) => v / b[r]);

  it('infidelity scales by c^2, with removal and with Gaussian noise; the normalised one does not move', async () => {
    for (const options of [{ samples: 20 }, { perturbation: 'noise' as const, samples: 20 }]) {
      const base = await new Infidelity().evaluate(subject, options);
      const big = await new Infidelity().evaluate(scaled, options);
      base.scores.forEach((v) => assert.ok(v > 1e-3, `IG is not exact on a CNN (${v})`));
      ratio(big.scores, base.scores).forEach((q) => assert.ok(Math.abs(q - c * c) < 1e-2, `${options.perturbation ?? 'removal'}: ratio ${q}`));
    }
    const base = await new Infidelity().evaluate(subject, { samples: 20, normalise: true });
    const big = await new Infidelity().evaluate(scaled, { samples: 20, normalise: true });
    ratio(big.scores, base.scores).forEach((q) => assert.ok(Math.abs(q - c * c) < 1e-2, `normalised: ${q} (beta fits the scale, the error stays in output units)`));
  });

  it('deletion AUC scales by c; correlations and monotonicity do not change', async () => {
    const del = ratio((await new Deletion().evaluate(scaled)).scores, (await new Deletion().evaluate(subject)).scores);
    del.forEach((q) => assert.ok(Math.abs(q - c) < 1e-3, `deletion ratio ${q}`));
    for (const metric of [new FaithfulnessCorrelation(), new Monotonicity(), new MonotonicityCorrelation()]) {
      const options = { samples: 4 };
      const base = await metric.evaluate(subject, options);
      const big = await metric.evaluate(scaled, options);
      base.scores.forEach((v, r) => assert.ok(Math.abs(v - big.scores[r]) < 1e-5, `${metric.info.name} row ${r}: ${v} vs ${big.scores[r]}`));
    }
  });

  it('metrics leave tf.memory().numTensors where it was', async () => {
    await new Infidelity().evaluate(subject, { samples: 4, perturbation: 'noise' });
    const before = tf.memory().numTensors;
    await new Deletion().evaluate(subject, { steps: 10 });
    await new Infidelity().evaluate(subject, { samples: 4, perturbation: 'noise' });
    await new MonotonicityCorrelation().evaluate(subject, { samples: 2, steps: 10 });
    assert.equal(tf.memory().numTensors, before);
  });
});
