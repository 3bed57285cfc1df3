import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TabularGame } from '../../../src/attribution/coalition/tabular-game.js';
import type { TabularModel } from '../../../src/models/tabular/model.js';
import { fromRows, matrix, type Matrix } from '../../../src/tabular/matrix.js';

/** f(x) = [x0 * x1 + x2, x2 - x0] and a record of every call's row count. */
function spyModel(): TabularModel & { calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    info: { name: 'spy', kind: 'function', numFeatures: 3, numOutputs: 2, output: 'value', acceptsMissing: false },
    async predict(rows: Matrix) {
      calls.push(rows.rows);
      const out = matrix(rows.rows, 2);
      for (let i = 0; i < rows.rows; i++) {
        const [a, b, c] = rows.data.subarray(i * 3, i * 3 + 3);
        out.data[2 * i] = a * b + c;
        out.data[2 * i + 1] = c - a;
      }
      return out;
    },
  };
}

test('v(S) is the weighted mean over background rows of f(x on S, background elsewhere)[target]', async () => {
  const model = spyModel();
  const x = [2, 3, 5];
  const background = fromRows([[1, 1, 1], [0, -1, 4]]);
  const game = new TabularGame(model, x, { background, backgroundWeights: [1, 3], target: 0 });
  const masks = Uint8Array.from([0, 0, 0, 1, 0, 0, 1, 1, 0, 1, 1, 1]);
  const v = await game.value(masks, 4);
  const f = (r: number[]) => r[0] * r[1] + r[2];
  const expected = [
    0.25 * f([1, 1, 1]) + 0.75 * f([0, -1, 4]),
    0.25 * f([2, 1, 1]) + 0.75 * f([2, -1, 4]),
    0.25 * f([2, 3, 1]) + 0.75 * f([2, 3, 4]),
    f(x),
  ];
  expected.forEach((e, i) => assert.ok(Math.abs(v[i] - e) < 1e-12, `coalition ${i}: ${v[i]} vs ${e}`));
  assert.equal(game.rowsEvaluated, 8);
});

test('groups are players; model calls stay within maxRowsPerCall and give the same values', async () => {
  const background = fromRows([[1, 1, 1], [0, -1, 4], [2, 2, 2]]);
  const x = [2, 3, 5];
  const masks = new Uint8Array(2 * 50);
  for (let c = 0; c < 50; c++) { masks[2 * c] = c & 1; masks[2 * c + 1] = (c >> 1) & 1; }
  const wide = spyModel();
  const narrow = spyModel();
  const options = { background, target: 1, groups: [[0, 2], [1]] };
  const a = await new TabularGame(wide, x, options).value(masks, 50);
  const b = await new TabularGame(narrow, x, { ...options, maxRowsPerCall: 7 }).value(masks, 50);
  assert.deepEqual(Array.from(a), Array.from(b));
  assert.deepEqual(wide.calls, [150]);
  assert.ok(narrow.calls.every((n) => n <= 7) && narrow.calls.reduce((s, n) => s + n, 0) === 150, `calls ${narrow.calls}`);
  // Player 0 (features 0 and 2) present: x0 and x2 from x.
  assert.ok(Math.abs(a[1] - (5 - 2)) < 1e-12);
  assert.deepEqual(new TabularGame(wide, x, options).playerNames, ['group 0', 'x1']);
});

test('varyingPlayers: a feature equal (to numpy.allclose tolerance) in every background row cannot change v', () => {
  const background = fromRows([[1, 7, 0], [2, 7.000000001, 0]]);
  const game = new TabularGame(spyModel(), [1, 7, 0], { background, target: 0 });
  assert.deepEqual(game.varyingPlayers(), [true, false, false]);
});

test('clear errors for a wrong row, background, target or weights', () => {
  const background = fromRows([[1, 1, 1]]);
  assert.throws(() => new TabularGame(spyModel(), [1, 2], { background, target: 0 }), /takes 3 features/);
  assert.throws(() => new TabularGame(spyModel(), [1, 2, 3], { background: fromRows([[1, 1]]), target: 0 }), /background has 2 columns/);
  assert.throws(() => new TabularGame(spyModel(), [1, 2, 3], { background, target: 2 }), /target 2/);
  assert.throws(() => new TabularGame(spyModel(), [1, 2, 3], { background, target: 0, backgroundWeights: [0] }), /sum to 0/);
  assert.throws(() => new TabularGame(spyModel(), [1, 2, 3], { background, target: 0, backgroundWeights: [1, 2] }), /2 background weights for 1/);
});
