import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { headStatistics, specialTokenPositions } from '../../src/attention/head-statistics.js';
import { mapsFrom } from './helpers.js';

const n = 4;
const uniform = Array.from({ length: n }, () => new Array<number>(n).fill(1 / n));
const identity = Array.from({ length: n }, (_, q) => Array.from({ length: n }, (_, k) => (k === q ? 1 : 0)));
// Previous-token head (query 0 looks at itself), and a head parked on the last token ([SEP]).
const previous = Array.from({ length: n }, (_, q) => Array.from({ length: n }, (_, k) => (k === Math.max(0, q - 1) ? 1 : 0)));
const onLast = Array.from({ length: n }, () => Array.from({ length: n }, (_, k) => (k === n - 1 ? 1 : 0)));

describe('head statistics', () => {
  const stats = headStatistics(mapsFrom([[uniform, identity], [previous, onLast]]), { specialPositions: [0, n - 1] });

  it('entropy: log n for a uniform head, 0 for one-hot heads; normalised to [0, 1]', () => {
    assert.ok(Math.abs(stats.entropy[0][0] - Math.log(n)) < 1e-6);
    assert.ok(Math.abs(stats.normalizedEntropy[0][0] - 1) < 1e-6);
    for (const [l, h] of [[0, 1], [1, 0], [1, 1]]) assert.ok(Math.abs(stats.entropy[l][h]) < 1e-9);
  });

  it('mean distance, self and previous-token attention', () => {
    // Uniform over 4: distances per query 1.5, 1, 1, 1.5 -> mean 1.25. Previous-token: 0,1,1,1 -> 0.75.
    assert.ok(Math.abs(stats.meanDistance[0][0] - 1.25) < 1e-6);
    assert.equal(stats.meanDistance[0][1], 0);
    assert.ok(Math.abs(stats.meanDistance[1][0] - 0.75) < 1e-9);
    // On-last: |q - 3| = 3, 2, 1, 0 -> 1.5.
    assert.ok(Math.abs(stats.meanDistance[1][1] - 1.5) < 1e-9);
    assert.equal(stats.selfAttention[0][1], 1);
    assert.equal(stats.previousTokenAttention[1][0], 1);
    assert.ok(Math.abs(stats.selfAttention[0][0] - 0.25) < 1e-6);
  });

  it('attention to special positions', () => {
    assert.deepEqual(stats.specialPositions, [0, 3]);
    assert.equal(stats.specialAttention[1][1], 1);
    assert.ok(Math.abs(stats.specialAttention[0][0] - 0.5) < 1e-6);
    assert.ok(Math.abs(stats.specialAttention[0][1] - 0.5) < 1e-6);
    assert.ok(Math.abs(stats.specialAttention[1][0] - 0.5) < 1e-6); // queries 0 and 1 look at position 0
    assert.deepEqual(specialTokenPositions(['[CLS]', 'hi', '[SEP]']), [0, 2]);
    assert.throws(() => headStatistics(mapsFrom([[uniform]]), { specialPositions: [4] }), /special position 4 is out of range/);
  });

  it('causal normalised entropy divides by the keys each query may see', () => {
    // Query q uniform over q + 1 keys: entropy log(q + 1), normalised 1 for q >= 1 (query 0 left out).
    const causalUniform = Array.from({ length: n }, (_, q) => Array.from({ length: n }, (_, k) => (k <= q ? 1 / (q + 1) : 0)));
    const s = headStatistics(mapsFrom([[causalUniform]], true));
    assert.ok(Math.abs(s.normalizedEntropy[0][0] - 1) < 1e-6);
    assert.ok(Math.abs(s.entropy[0][0] - (Math.log(2) + Math.log(3) + Math.log(4)) / 4) < 1e-6);
  });
});
