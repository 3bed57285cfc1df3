import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useBackend } from '../../../src/backend.js';
import { multiOutputFunctionModel } from '../../../src/models/tabular/function.js';
import { fromRows } from '../../../src/tabular/matrix.js';
import { loadTextClassifier } from '../../../src/models/text/load.js';
import type { TextClassifierModel } from '../../../src/models/text/text-classifier.js';
import { createTabularSubject } from '../../../src/metrics/subjects/tabular.js';
import { createTextSubject } from '../../../src/metrics/subjects/text.js';
import { MaxSensitivity } from '../../../src/metrics/robustness/max-sensitivity.js';
import { AvgSensitivity } from '../../../src/metrics/robustness/avg-sensitivity.js';
import { LocalLipschitzEstimate } from '../../../src/metrics/robustness/local-lipschitz.js';
import { Sparseness } from '../../../src/metrics/complexity/sparseness.js';
import { Complexity } from '../../../src/metrics/complexity/complexity.js';
import { Completeness } from '../../../src/metrics/axioms/completeness.js';
import { InputInvariance } from '../../../src/metrics/axioms/input-invariance.js';
import { RandomLogit } from '../../../src/metrics/randomisation/random-logit.js';
import { UsageError } from '../../../src/errors.js';
import { Random } from '../../../src/util/random.js';

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

describe('robustness, complexity, axioms and random logit on tabular rows (the tabular subject)', () => {
  // Two linear outputs over 6 columns of very different scales; exact Shapley values are W_t,j (x_j - mean_j).
  const random = new Random(3);
  const columnScale = [1, 10, 100, 0.1, 1, 1000];
  const W = [0, 1].map(() => columnScale.map((s) => random.normal() / s));
  const model = multiOutputFunctionModel((rows) => rows.map((x) => W.map((w, k) => k + w.reduce((s, v, j) => s + v * x[j], 0))),
    { numFeatures: 6, numOutputs: 2, name: 'linear6' });
  const rows = fromRows(Array.from({ length: 8 }, () => columnScale.map((s) => s * random.normal())));

  it('completeness 0 and sensitivity bounded by the noise box for the exact Shapley values of a linear model', async () => {
    const subject = await createTabularSubject(model, rows, 'exact-shapley', { baseline: 'mean' });
    (await new Completeness().evaluate(subject)).scores.forEach((s) => assert.ok(s < 1e-9, `completeness ${s}`));
    // a(x + d) - a(x) = W_t (d - mean d over the background, which is the explained rows themselves): the
    // explanation moves by at most radius * ||W_t * std|| per row, in units of each column's spread.
    const radius = 0.1;
    const raw = await new MaxSensitivity().evaluate(subject, { samples: 10, radius, normalise: false });
    assert.equal(raw.params.noiseScale, 'feature-std');
    const std = columnScale.map((_, j) => {
      const values = Array.from({ length: 8 }, (_, r) => rows.data[r * 6 + j]);
      const m = mean(values);
      return Math.sqrt(mean(values.map((v) => (v - m) ** 2)));
    });
    raw.scores.forEach((s, r) => {
      const bound = radius * Math.hypot(...W[subject.targets[r]].map((w, j) => w * std[j]));
      assert.ok(s > 0.2 * bound && s <= bound * (1 + 1e-9), `row ${r}: ${s} vs bound ${bound}`);
    });
    const lipschitz = await new LocalLipschitzEstimate().evaluate(subject, { samples: 5, normalise: false });
    lipschitz.scores.forEach((s) => assert.ok(Number.isFinite(s) && s > 0));
    (await new AvgSensitivity().evaluate(subject, { samples: 3 })).scores.forEach((s) => assert.ok(Number.isFinite(s) && s > 0));
    const sparse = await new Sparseness().evaluate(subject);
    const complexity = await new Complexity().evaluate(subject);
    sparse.scores.forEach((s) => assert.ok(s >= 0 && s <= 5 / 6));
    complexity.scores.forEach((s) => assert.ok(s >= 0 && s <= Math.log(6) + 1e-12));
    // Two outputs: the other class is the one not explained, and its attributions use the other weights.
    const logit = await new RandomLogit().evaluate(subject);
    assert.deepEqual(logit.details!.otherClasses, Array.from(subject.targets, (t) => 1 - t));
    logit.scores.forEach((s) => assert.ok(s >= -1 && s <= 1));
    // No layered model behind a plain tabular function.
    await assert.rejects(new InputInvariance().evaluate(subject), (e: unknown) => e instanceof UsageError && /needs a layered model/.test(e.message));
  });
});

describe('complexity, completeness and random logit on token sequences (the spam classifier)', () => {
  const TEXTS = [
    'WINNER!! You have won a free prize, call 09061701461 now to claim your cash',
    'ok see you at home later',
    'Free entry in 2 a wkly comp to win FA Cup final tkts 21st May 2005. Text FA to 87121 to receive entry',
    'Sorry, I will call you later when I get home',
  ];
  let model: TextClassifierModel;
  before(async () => {
    await useBackend('wasm');
    model = await loadTextClassifier('spam');
  });
  after(() => model.dispose());

  it('rows of different lengths; noise metrics refuse token ids with the reason', async () => {
    const coarse = await createTextSubject(model, TEXTS, 'integrated-gradients', { methodOptions: { steps: 4 } });
    const fine = await createTextSubject(model, TEXTS, 'integrated-gradients', { methodOptions: { steps: 32 } });
    const gaps = [mean((await new Completeness().evaluate(coarse)).scores), mean((await new Completeness().evaluate(fine)).scores)];
    assert.ok(gaps[1] < gaps[0], `IG completeness gap by steps 4, 32: ${gaps}`);
    const sparse = await new Sparseness().evaluate(fine);
    const complexity = await new Complexity().evaluate(fine);
    TEXTS.forEach((_, r) => {
      const n = fine.features(r);
      assert.ok(sparse.scores[r] >= 0 && sparse.scores[r] <= (n - 1) / n + 1e-12);
      assert.ok(complexity.scores[r] >= 0 && complexity.scores[r] <= Math.log(n) + 1e-12);
    });
    const logit = await new RandomLogit().evaluate(fine);
    assert.deepEqual(logit.details!.otherClasses, Array.from(fine.targets, (t) => 1 - t));
    for (const metric of [new MaxSensitivity(), new AvgSensitivity(), new LocalLipschitzEstimate(), new InputInvariance()]) {
      await assert.rejects(metric.evaluate(fine), (e: unknown) => e instanceof UsageError && /does not apply to text inputs/.test(e.message), metric.info.name);
    }
  });
});
