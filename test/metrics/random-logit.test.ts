import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useBackend } from '../../src/backend.js';
import { loadModel } from '../../src/models/load.js';
import type { Model } from '../../src/models/model.js';
import { testDigits } from '../helpers/mnist.js';
import { createImageSubject } from '../../src/metrics/subjects/image.js';
import { RandomLogit } from '../../src/metrics/randomisation/random-logit.js';
import { spearmanCorrelation } from '../../src/metrics/similarity/index.js';
import { FunctionSubject } from './robustness/function-subject.js';

describe('random-logit test', () => {
  it('compares the explanation of the target with that of a random other class (seeded, never the target)', async () => {
    // A linear 3-class model explained by its exact attribution W[t] * x.
    const W = [[1, 2, 3, 4], [4, 3, 2, 1], [1, -1, 1, -1]];
    const rows = Array.from({ length: 30 }, (_, r) => [1 + (r % 3), 2, 1 + (r % 5), 3]);
    const make = () => new FunctionSubject({
      inputs: rows, numOutputs: 3, targets: rows.map((_, r) => r % 3), modality: 'image',
      forward: (x) => W.map((w) => x.reduce((s, v, i) => s + w[i] * v, 0)),
      explain: (x, t) => Array.from(x, (v, i) => W[t][i] * v),
    });
    const subject = make();
    const result = await new RandomLogit().evaluate(subject, { seed: 5 });
    const others = result.details!.otherClasses as number[];
    others.forEach((c, r) => assert.notEqual(c, r % 3));
    // Every other class is drawn for some row.
    for (let t = 0; t < 3; t++) assert.ok(others.some((c, r) => r % 3 === t && c === (t + 1) % 3) && others.some((c, r) => r % 3 === t && c === (t + 2) % 3));
    // The explained targets are the drawn classes, on the unperturbed rows.
    subject.explained.forEach(({ input, target, perturbation }) => {
      assert.equal(target, others[perturbation.row]);
      assert.deepEqual(Array.from(input), rows[perturbation.row]);
    });
    result.scores.forEach((s, r) => {
      const x = rows[r];
      const expected = spearmanCorrelation(x.map((v, i) => W[r % 3][i] * v), x.map((v, i) => W[others[r]][i] * v));
      assert.equal(s, expected);
    });
    // Row 0: x = [1, 2, 1, 3], target 0: [1, 4, 3, 12]; class 1 gives [4, 6, 2, 3] (scipy rho 0), class 2 [1, -2, 1, -3] (scipy rho -0.9486832980505139).
    assert.ok(Math.abs(result.scores[0] - (others[0] === 1 ? 0 : -0.9486832980505139)) < 1e-12, `${result.scores[0]}`);
    const again = await new RandomLogit().evaluate(make(), { seed: 5 });
    assert.deepEqual(again.details, result.details);
    const other = await new RandomLogit().evaluate(make(), { seed: 6 });
    assert.notDeepEqual(other.details, result.details);
  });

  it('refuses a model with one output, and picture measures on maps that are not pictures', async () => {
    const subject = new FunctionSubject({ inputs: [[1]], numOutputs: 1, targets: [0], forward: () => [0], explain: (x) => x });
    await assert.rejects(new RandomLogit().evaluate(subject), /compares the explanations of two classes/);
    const tabular = new FunctionSubject({ inputs: [[1, 2, 3]], numOutputs: 2, targets: [0], forward: () => [0, 1], explain: (x) => x });
    await assert.rejects(new RandomLogit().evaluate(tabular, { similarity: 'ssim' }), /compares maps as pictures/);
    await assert.rejects(new RandomLogit().evaluate(tabular, { similarity: 'cosine' as never }), /unknown similarity measure "cosine"/);
  });
});

describe('random-logit test on the digit model (Sixt et al. 2020)', () => {
  let model: Model;
  const rows = 8;
  const digits = testDigits(rows).inputs;
  before(async () => {
    await useBackend('wasm');
    model = await loadModel('digits');
  });

  it('guided backprop explains any class alike, while signed gradients and grad-cam depend on the class', async () => {
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const measured: Record<string, number> = {};
    for (const [label, method, methodOptions] of [
      ['guided-backprop', 'guided-backprop', {}],
      ['gradient (signed)', 'saliency', { abs: false }],
      ['grad-cam', 'grad-cam', { layer: 'conv2' }],
    ] as const) {
      const subject = await createImageSubject(model, digits, method, { methodOptions });
      measured[label] = mean((await new RandomLogit().evaluate(subject)).scores);
      if (label === 'guided-backprop') {
        const ssim = await new RandomLogit().evaluate(subject, { similarity: 'ssim' });
        assert.equal(ssim.params.similarity, 'ssim');
        assert.ok(mean(ssim.scores) > 0.5, `guided backprop SSIM ${mean(ssim.scores)}`);
      }
    }
    assert.ok(measured['guided-backprop'] > 0.5, JSON.stringify(measured));
    assert.ok(measured['gradient (signed)'] < 0.2 && measured['grad-cam'] < 0.2, JSON.stringify(measured));
  });
});
