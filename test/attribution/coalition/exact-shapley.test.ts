import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExactShapley, exactShapleyGame } from '../../../src/attribution/coalition/exact-shapley.js';
import { UsageError } from '../../../src/errors.js';
import { fromRows } from '../../../src/tabular/matrix.js';
import { goldenBackground, logisticModel, tabular } from './models.js';

test('the Shapley axioms on a game with interactions: efficiency, symmetry, dummy, and the known values', async () => {
  // v(S) = 6 [a, b in S] + 2 [c in S] + [a, b, c in S]; d is a dummy (v ignores it).
  const game = {
    players: 4,
    playerNames: ['a', 'b', 'c', 'd'],
    async value(masks: Uint8Array, n: number) {
      return Float64Array.from({ length: n }, (_, k) => {
        const [a, b, c] = [masks[4 * k], masks[4 * k + 1], masks[4 * k + 2]];
        return 6 * a * b + 2 * c + (a + b + c === 3 ? 1 : 0);
      });
    },
  };
  const r = await exactShapleyGame(game, { batchCoalitions: 3 });
  // a and b split the pair term 3 + 3 and, with c, the triple term 1/3 each; c gets 2 + 1/3; d gets 0.
  [3 + 1 / 3, 3 + 1 / 3, 2 + 1 / 3, 0].forEach((v, i) => assert.ok(Math.abs(r.values[i] - v) < 1e-12, `player ${i}: ${r.values[i]}`));
  assert.ok(Math.abs(r.values.reduce((s, v) => s + v, 0) - (r.fullValue - r.baseValue)) < 1e-12);
  assert.equal(r.evaluations, 16);
});

test('breast cancer over 10 feature groups: efficiency per row, group names, grouped values and display strings', async () => {
  const { background, weights } = goldenBackground();
  const groups = Array.from({ length: 10 }, (_, k) => [3 * k, 3 * k + 1, 3 * k + 2]);
  const rows = fromRows(tabular.test_idx.slice(0, 2).map((i) => tabular.X[i]));
  const e = await new ExactShapley(logisticModel('probability')).explain(rows, { background, backgroundWeights: weights, groups });
  for (const gap of e.efficiencyGaps()) assert.ok(Math.abs(gap) < 1e-12);
  assert.equal(e.featureNames[0], `${tabular.feature_names[0]} + ${tabular.feature_names[1]} + ${tabular.feature_names[2]}`);
  assert.ok(Number.isNaN(e.values[0][0]));
  assert.equal(e.displayValues?.[0][0], tabular.X[tabular.test_idx[0]].slice(0, 3).map(String).join(', '));
  assert.deepEqual(e.toJSON().params.groups, groups);
});

test('more than 20 players is a usage error that suggests groups or sampling', async () => {
  const { background } = goldenBackground();
  await assert.rejects(
    new ExactShapley(logisticModel('margin')).explain(fromRows([tabular.X[0]]), { background }),
    (e: unknown) => e instanceof UsageError && /2\^30/.test(e.message) && /groups/.test(e.message) && /kernel-shap or permutation-shap/.test(e.message),
  );
  await assert.rejects(exactShapleyGame({ players: 21, playerNames: [], value: async () => new Float64Array(0) }), /limit is 20 players/);
});
