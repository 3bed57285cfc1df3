import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RandomLogit, spearmanCorrelation } from '../../src/metrics/randomisation/random-logit.js';
import { FunctionSubject } from './robustness/function-subject.js';

describe('random-logit test', () => {
  it("Spearman's rho matches scipy.stats.spearmanr, ties included", () => {
    // scipy.stats.spearmanr(a, b)[0]
    assert.ok(Math.abs(spearmanCorrelation([3, 1, 2, 2, 5], [1, 2, 2, 4, 3]) - 0.026315789473684213) < 1e-12);
    assert.ok(Math.abs(spearmanCorrelation([0.1, 0.4, -0.3, 0.4, 0.2, 0.9], [0.2, -0.1, 0.0, 0.5, 0.3, 0.8]) - 0.550782483869826) < 1e-12);
    assert.equal(spearmanCorrelation([1, 2, 3], [10, 20, 30]), 1);
    assert.equal(spearmanCorrelation([1, 2, 3], [3, 2, 1]), -1);
    assert.ok(Number.isNaN(spearmanCorrelation([1, 1, 1], [1, 2, 3])));
  });

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

  it('refuses a model with one output', async () => {
    const subject = new FunctionSubject({ inputs: [[1]], numOutputs: 1, targets: [0], forward: () => [0], explain: (x) => x });
    await assert.rejects(new RandomLogit().evaluate(subject), /compares the explanations of two classes/);
  });
});
