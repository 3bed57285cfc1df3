import assert from 'node:assert/strict';
import { test } from 'node:test';
import { meanConfidenceInterval, studentQuantile } from '../../src/stats/confidence.js';

// Reference values: scipy.stats.t.ppf and scipy.stats.t.interval(0.95, n - 1, mean, sem) (scipy 1.10).
test('Student t quantiles match scipy', () => {
  assert.ok(Math.abs(studentQuantile(0.975, 4) - 2.7764451051977987) < 1e-9);
  assert.ok(Math.abs(studentQuantile(0.975, 99) - 1.9842169515086827) < 1e-9);
  assert.ok(Math.abs(studentQuantile(0.995, 1) - 63.65674116287399) < 1e-7);
});

test('the mean with its 95% interval matches scipy, and NaN scores are counted, not used', () => {
  const r = meanConfidenceInterval([0.3, 0.5, NaN, 0.9, 0.1, 0.45]);
  assert.ok(Math.abs(r.mean - 0.45) < 1e-12);
  assert.ok(Math.abs(r.low - 0.08271083614120306) < 1e-9);
  assert.ok(Math.abs(r.high - 0.8172891638587971) < 1e-9);
  assert.equal(r.n, 5);
  assert.equal(r.skipped, 1);
  const one = meanConfidenceInterval([2]);
  assert.deepEqual([one.low, one.high], [2, 2]);
  assert.ok(Number.isNaN(meanConfidenceInterval([NaN]).mean));
});
