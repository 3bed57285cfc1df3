import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MaxSensitivity } from '../../../src/metrics/robustness/max-sensitivity.js';
import { AvgSensitivity } from '../../../src/metrics/robustness/avg-sensitivity.js';
import { UsageError } from '../../../src/errors.js';
import { FunctionSubject } from './function-subject.js';

/** One row whose explanation is [3, 4] (norm 5) and then, explain call by explain call, the given maps. */
function scriptedSubject(maps: number[][]): FunctionSubject {
  return new FunctionSubject({
    inputs: [[0.5, 0.5]], numOutputs: 1, targets: [0], modality: 'image', forward: () => [0],
    explain: (_x, _t, call) => (call === 0 ? [3, 4] : maps[call - 1]),
  });
}

describe('max- and average sensitivity', () => {
  it('reduce ||a(x) - a(x+d)|| / ||a(x)|| over the samples as computed by hand', async () => {
    // Distances to [3, 4]: 0.5, 3, 1 -> relative 0.1, 0.6, 0.2.
    const maps = [[3.3, 4.4], [0, 4], [3, 5]];
    const max = await new MaxSensitivity().evaluate(scriptedSubject(maps), { samples: 3 });
    const avg = await new AvgSensitivity().evaluate(scriptedSubject(maps), { samples: 3 });
    assert.ok(Math.abs(max.scores[0] - 0.6) < 1e-12, `${max.scores}`);
    assert.ok(Math.abs(avg.scores[0] - 0.3) < 1e-12, `${avg.scores}`);
    const maxRaw = await new MaxSensitivity().evaluate(scriptedSubject(maps), { samples: 3, normalise: false });
    const avgRaw = await new AvgSensitivity().evaluate(scriptedSubject(maps), { samples: 3, normalise: false });
    assert.ok(Math.abs(maxRaw.scores[0] - 3) < 1e-12, `${maxRaw.scores}`);
    assert.ok(Math.abs(avgRaw.scores[0] - 1.5) < 1e-12, `${avgRaw.scores}`);
    assert.deepEqual(max.params, { samples: 3, radius: 0.2, normalise: true, denominator: 'attribution', noiseScale: 'absolute', seed: 0 });
    // Quantus divides by ||x|| = ||[0.5, 0.5]|| instead.
    const quantus = await new MaxSensitivity().evaluate(scriptedSubject(maps), { samples: 3, denominator: 'input' });
    assert.ok(Math.abs(quantus.scores[0] - 3 / Math.SQRT1_2) < 1e-12, `${quantus.scores}`);
    assert.equal(max.higherIsBetter, false);
  });

  it('draws noise uniformly from the L-infinity ball of the radius, seeded per row, and scores a linear model exactly', async () => {
    const w = [2, -1, 0.5, 3];
    const rows = [[0.1, 0.9, 0.4, 0.7], [0.6, 0.2, 0.8, 0.3], [0.5, 0.5, 0.5, 0.5]];
    // The exact attribution of a linear model: a(x) = w * x.
    const make = () => new FunctionSubject({
      inputs: rows, numOutputs: 1, targets: [0, 0, 0], modality: 'image',
      forward: (x) => [x.reduce((s, v, i) => s + w[i] * v, 0)], explain: (x) => Array.from(x, (v, i) => w[i] * v),
    });
    const subject = make();
    const radius = 0.05;
    const result = await new AvgSensitivity().evaluate(subject, { samples: 200, radius, seed: 7 });
    const noise: number[] = [];
    const byRow: number[][] = [[], [], []];
    for (const { perturbation, input } of subject.explained) {
      const x = rows[perturbation.row];
      const d = Array.from(input, (v, i) => v - x[i]);
      for (const v of d) {
        assert.ok(Math.abs(v) <= radius + 1e-6, `noise ${v} outside the ball`);
        noise.push(v);
      }
      const a = x.map((v, i) => w[i] * v);
      byRow[perturbation.row].push(Math.hypot(...d.map((v, i) => w[i] * v)) / Math.hypot(...a));
    }
    // Uniform on [-r, r]: mean 0, variance r^2 / 3, and the extremes are reached.
    const mean = noise.reduce((a, b) => a + b, 0) / noise.length;
    const variance = noise.reduce((a, b) => a + (b - mean) ** 2, 0) / noise.length;
    assert.ok(Math.abs(mean) < 0.003, `mean ${mean}`);
    assert.ok(Math.abs(variance / (radius * radius / 3) - 1) < 0.1, `variance ${variance}`);
    assert.ok(Math.max(...noise.map(Math.abs)) > 0.98 * radius);
    byRow.forEach((values, row) => {
      const expected = values.reduce((a, b) => a + b, 0) / values.length;
      assert.ok(Math.abs(result.scores[row] - expected) < 1e-6, `row ${row}: ${result.scores[row]} vs ${expected}`);
    });
    // Progress per sample, the metric named as the stage.
    assert.deepEqual(subject.progress.at(-1), { done: 200, total: 200, stage: 'avg-sensitivity' });
    // The same seed gives the same scores; a row's noise does not depend on the other rows.
    const again = await new AvgSensitivity().evaluate(make(), { samples: 200, radius, seed: 7 });
    assert.deepEqual(again.scores, result.scores);
    const other = await new AvgSensitivity().evaluate(make(), { samples: 200, radius, seed: 8 });
    assert.notDeepEqual(other.scores, result.scores);
  });

  it('refuses token sequences and bad options with what to do', async () => {
    const text = new FunctionSubject({ inputs: [[1, 2]], numOutputs: 2, modality: 'text', forward: () => [0, 1], explain: (x) => x });
    await assert.rejects(new MaxSensitivity().evaluate(text), (e: unknown) => e instanceof UsageError && /does not apply to text/.test(e.message));
    const tabular = new FunctionSubject({ inputs: [[1, 2], [2, 4]], numOutputs: 1, forward: () => [0], explain: (x) => x });
    await assert.rejects(new MaxSensitivity().evaluate(tabular, { samples: 0 }), /samples must be a whole number >= 1/);
    await assert.rejects(new MaxSensitivity().evaluate(tabular, { radius: -1 }), /radius must be a finite number > 0/);
    await assert.rejects(new MaxSensitivity().evaluate(tabular, { seed: -3 }), /seed must be an integer/);
  });

  it("measures tabular noise in each column's standard deviation by default", async () => {
    // Column spreads 1 and 100 (std over the two rows 0.5 and 50).
    const subject = new FunctionSubject({ inputs: [[0, 0], [1, 100]], numOutputs: 1, targets: [0, 0], forward: () => [0], explain: (x) => x });
    const result = await new MaxSensitivity().evaluate(subject, { samples: 50, radius: 0.1 });
    assert.equal(result.params.noiseScale, 'feature-std');
    const d = subject.explained.map(({ perturbation, input }) => [0, 1].map((j) => Math.abs(input[j] - [[0, 0], [1, 100]][perturbation.row][j])));
    assert.ok(Math.max(...d.map((v) => v[0])) <= 0.05 + 1e-6 && Math.max(...d.map((v) => v[0])) > 0.04);
    assert.ok(Math.max(...d.map((v) => v[1])) <= 5 + 1e-4 && Math.max(...d.map((v) => v[1])) > 4);
  });
});
