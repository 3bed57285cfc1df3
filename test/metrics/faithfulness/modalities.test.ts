import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useBackend } from '../../../src/backend.js';
import { multiOutputFunctionModel } from '../../../src/models/tabular/function.js';
import { fromRows } from '../../../src/tabular/matrix.js';
import { loadTextClassifier } from '../../../src/models/text/load.js';
import type { TextClassifierModel } from '../../../src/models/text/text-classifier.js';
import { createTabularSubject } from '../../../src/metrics/subjects/tabular.js';
import { createTextSubject } from '../../../src/metrics/subjects/text.js';
import { Deletion } from '../../../src/metrics/faithfulness/deletion.js';
import { Insertion } from '../../../src/metrics/faithfulness/insertion.js';
import { FaithfulnessCorrelation } from '../../../src/metrics/faithfulness/faithfulness-correlation.js';
import { Infidelity } from '../../../src/metrics/faithfulness/infidelity.js';
import { Monotonicity } from '../../../src/metrics/faithfulness/monotonicity.js';
import { Random } from '../../../src/util/random.js';

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

describe('faithfulness metrics on tabular rows (the tabular subject)', () => {
  // f(x) = w . x + 0.4 over 12 columns; exact Shapley values are w_j (x_j - mean background_j).
  const random = new Random(11);
  const w = Array.from({ length: 12 }, () => random.normal());
  const model = multiOutputFunctionModel((rows) => rows.map((x) => [0.4 + w.reduce((s, v, j) => s + v * x[j], 0)]),
    { numFeatures: 12, numOutputs: 1, name: 'linear12' });
  const rows = fromRows(Array.from({ length: 6 }, () => Array.from({ length: 12 }, () => random.normal())));
  const background = fromRows(Array.from({ length: 5 }, () => Array.from({ length: 12 }, () => random.normal())));

  it('exact Shapley values of a linear model with the background-mean baseline: infidelity 0, correlation 1, deletion beats random', async () => {
    const subject = await createTabularSubject(model, rows, 'exact-shapley', { background, baseline: 'mean' });
    (await new Infidelity().evaluate(subject, { samples: 20 })).scores.forEach((v) => assert.ok(v < 1e-9, `infidelity ${v}`));
    (await new FaithfulnessCorrelation().evaluate(subject, { samples: 30 })).scores.forEach((v) => assert.ok(Math.abs(v - 1) < 1e-9, `correlation ${v}`));
    const exact = await new Deletion().evaluate(subject);
    const control = await new Deletion().evaluate(subject, { order: 'random' });
    exact.scores.forEach((v, r) => assert.ok(v < control.scores[r], `row ${r}: ${v} vs ${control.scores[r]}`));
    assert.deepEqual(exact.curves!.x, Array.from({ length: 13 }, (_, i) => i / 12), 'one step per column when columns < steps');
    // Against the zeros baseline the same attributions are no longer exact.
    const zeros = await new Infidelity().evaluate(subject, { samples: 20, baseline: 'zeros' });
    assert.ok(mean(zeros.scores) > 1e-3);
    // Noise works on tabular rows too: Gaussian noise of std 0.1, closed form 0.01 ||a - w||^2 per row (4000 draws: 2% error).
    const noise = await new Infidelity().evaluate(subject, { perturbation: 'noise', noiseStd: 0.1, samples: 4000 });
    noise.scores.forEach((v, r) => {
      const a = subject.attribution(r);
      const closed = 0.01 * w.reduce((s, wj, j) => s + (a[j] - wj) ** 2, 0);
      assert.ok(Math.abs(v - closed) < 0.1 * closed, `row ${r}: ${v} vs ${closed}`);
    });
  });
});

describe('faithfulness metrics on token sequences (the spam classifier)', () => {
  const TEXTS = [
    'WINNER!! You have won a free prize, call 09061701461 now to claim your cash',
    'URGENT! Your mobile number has been awarded a 2000 prize GUARANTEED. Call 09058094455 from land line',
    'ok see you at home later',
    'Are you coming to the party tonight? bring some food',
    'Free entry in 2 a wkly comp to win FA Cup final tkts 21st May 2005. Text FA to 87121 to receive entry',
    'Sorry, I will call you later when I get home',
  ];
  let model: TextClassifierModel;
  before(async () => {
    await useBackend('wasm');
    model = await loadTextClassifier('spam');
  });
  after(() => model.dispose());

  it('every metric runs on rows of different lengths; occlusion beats a random ordering on deletion', async () => {
    // Occlusion replaces a token by [PAD] (id 0), as the subject's removal does.
    const subject = await createTextSubject(model, TEXTS, 'occlusion', { methodOptions: { absence: { tokenId: 0 } } });
    const lengths = TEXTS.map((_, r) => subject.features(r));
    assert.ok(new Set(lengths).size > 2, `token counts ${lengths}`);
    const del = await new Deletion().evaluate(subject);
    const control = await new Deletion().evaluate(subject, { order: 'random' });
    assert.equal(del.details!.curvesInterpolated, true);
    assert.equal(del.curves!.x.length, Math.max(...lengths) + 1);
    assert.ok(mean(del.scores) < mean(control.scores), `occlusion ${mean(del.scores)} vs random ${mean(control.scores)}`);
    const ins = await new Insertion().evaluate(subject);
    const insControl = await new Insertion().evaluate(subject, { order: 'random' });
    assert.ok(mean(ins.scores) > mean(insControl.scores), `occlusion ${mean(ins.scores)} vs random ${mean(insControl.scores)}`);
    // Occlusion of one token is the exact output drop for single-token removals.
    const single = await new Infidelity().evaluate(subject, { subsetSize: 1, samples: 30 });
    single.scores.forEach((v) => assert.ok(v < 1e-8, `${v}`));
    const corr = await new FaithfulnessCorrelation().evaluate(subject, { samples: 40 });
    assert.equal(corr.scores.length, TEXTS.length);
    assert.ok(mean(corr.scores.filter((v) => !Number.isNaN(v))) > 0.2, `correlation ${corr.scores}`);
    const mono = await new Monotonicity().evaluate(subject);
    mono.scores.forEach((v) => assert.ok(v >= 0 && v <= 1));
    console.log(`spam, occlusion: deletion ${mean(del.scores).toFixed(3)} (random ${mean(control.scores).toFixed(3)}), insertion ${
      mean(ins.scores).toFixed(3)} (random ${mean(insControl.scores).toFixed(3)}), correlation ${mean(corr.scores).toFixed(3)}, monotonicity ${
      mean(mono.scores).toFixed(3)}`);
  });
});
