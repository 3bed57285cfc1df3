import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExactShapley } from '../../../src/attribution/coalition/exact-shapley.js';
import { PermutationShap, permutationCount, permutationShapGame } from '../../../src/attribution/coalition/permutation-shap.js';
import { fromRows } from '../../../src/tabular/matrix.js';
import { goldenBackground, logisticModel, mlpTabular, tabular } from './models.js';

const groups = Array.from({ length: 10 }, (_, k) => [3 * k, 3 * k + 1, 3 * k + 2]);

test('efficiency holds exactly for every row, whatever the permutations', async () => {
  const { background, weights } = goldenBackground();
  const rows = fromRows(tabular.test_idx.slice(0, 3).map((i) => tabular.X[i]));
  const e = await new PermutationShap(logisticModel('probability')).explain(rows, { background, backgroundWeights: weights, permutations: 3, seed: 2 });
  for (const gap of e.efficiencyGaps()) assert.ok(Math.abs(gap) < 1e-12, `gap ${gap}`);
  assert.equal(e.method, 'permutation-shap');
  assert.deepEqual(e.params.permutations, 3);
});

test('antithetic sampling: with two players one permutation and its reverse are every order, so the values are exact', async () => {
  const game = {
    players: 2,
    playerNames: ['a', 'b'],
    async value(masks: Uint8Array, n: number) {
      return Float64Array.from({ length: n }, (_, c) => 3 * masks[2 * c] + 5 * masks[2 * c + 1] + 7 * masks[2 * c] * masks[2 * c + 1]);
    },
  };
  const r = await permutationShapGame(game, { permutations: 1, seed: 9 });
  assert.deepEqual(Array.from(r.values), [3 + 3.5, 5 + 3.5]);
  assert.equal(r.standardErrors, undefined, 'one permutation cannot estimate its own error');
});

test('converges to exact Shapley values on a nonlinear model, errors within 4 standard errors; the errors cover over seeds', async () => {
  const model = logisticModel('probability');
  const { background, weights } = goldenBackground();
  const rows = fromRows([tabular.X[tabular.test_idx[7]]]);
  const options = { background, backgroundWeights: weights, groups };
  const exact = (await new ExactShapley(model).explain(rows, options)).attributions[0];
  const z: number[] = [];
  let seSmall = 0;
  for (let seed = 0; seed < 30; seed++) {
    const e = await new PermutationShap(model).explain(rows, { ...options, permutations: 8, seed });
    e.attributions[0].forEach((v, j) => {
      const se = (e.standardErrors as number[][])[0][j];
      z.push((v - exact[j]) / se);
      seSmall += se / 300;
    });
  }
  const inside = z.filter((v) => Math.abs(v) < 1.96).length / z.length;
  assert.ok(inside > 0.85 && inside < 0.995, `${(inside * 100).toFixed(1)}% of |z| < 1.96`);
  const many = await new PermutationShap(model).explain(rows, { ...options, permutations: 400, seed: 1 });
  let seMany = 0;
  many.attributions[0].forEach((v, j) => {
    const se = (many.standardErrors as number[][])[0][j];
    assert.ok(Math.abs(v - exact[j]) <= 4 * se + 1e-12, `group ${j}: error ${v - exact[j]} se ${se}`);
    seMany += se / 10;
  });
  // Standard errors shrink like 1 / sqrt(permutations): sqrt(400 / 8) = 7.1.
  assert.ok(seSmall / seMany > 5 && seSmall / seMany < 10, `se ratio ${seSmall / seMany}`);
});

test("budget as shap counts it: maxEvals // (2M + 1) permutations, default 500, 'auto' = 20M evaluations; too small a budget is a clear error", async () => {
  assert.equal(permutationCount(30, { maxEvals: 'auto' }), 9);
  assert.equal(permutationCount(30, {}), 8, 'shap: 500 // 61');
  assert.equal(permutationCount(4, {}), 55);
  assert.equal(permutationCount(200, {}), 9, 'beyond 124 players 500 evaluations buy one permutation: auto instead');
  assert.equal(permutationCount(4, { maxEvals: 100 }), 11);
  assert.equal(permutationCount(4, { permutations: 3 }), 3);
  assert.throws(() => permutationCount(30, { maxEvals: 40 }), /at least 61/);
  const e = await new PermutationShap(mlpTabular()).explain(fromRows([[1, -0.5, 0.25, 2]]), { background: fromRows([[0, 0, 0, 0]]), target: 2, maxEvals: 90, seed: 0 });
  assert.equal(e.extras?.[0].permutations, 10);
  // 10 permutations x (2M - 2) inner coalitions, plus the two ends.
  assert.equal(e.extras?.[0].evaluations, 10 * 6 + 2);
});

test('seeded and reproducible', async () => {
  const model = mlpTabular();
  const options = { background: fromRows([[0, 0, 0, 0], [1, 1, 1, 1]]), target: 0, permutations: 4 };
  const row = fromRows([[1, -0.5, 0.25, 2]]);
  const a = await new PermutationShap(model).explain(row, { ...options, seed: 11 });
  const b = await new PermutationShap(model).explain(row, { ...options, seed: 11 });
  const c = await new PermutationShap(model).explain(row, { ...options, seed: 12 });
  assert.deepEqual(a.attributions, b.attributions);
  assert.notDeepEqual(a.attributions, c.attributions);
});
