import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderAttackReport, sweepChart } from '../../src/viz/report/attack.js';
import type { EpsilonSweep } from '../../src/adversarial/epsilon-sweep.js';
import type { AttackResultData } from '../../src/adversarial/types.js';

const sweep: EpsilonSweep = {
  method: 'pgd', model: 'm', norm: 'linf', range: [0, 1], count: 10, epsilons: [0.3, 0, 0.1], accuracy: [0, 1, 0.5],
  flipRate: [1, 0, 0.5], params: {}, timeMs: 1,
};

describe('attack report', () => {
  it('draws accuracy against increasing epsilon, 0 to 100% from the bottom to the top of the plot', () => {
    const svg = sweepChart(sweep, { width: 520, height: 320 });
    const points = /<polyline[^>]*points="([^"]+)"[^>]*class="accuracy"/.exec(svg)?.[1].split(' ').map((p) => p.split(',').map(Number));
    assert.ok(points, svg.slice(0, 300));
    // Sorted by epsilon: (0, 1), (0.1, 0.5), (0.3, 0); x from 64 to 500, y from 270 (0%) to 20 (100%).
    assert.deepEqual(points, [[64, 20], [64 + (436 * 0.1) / 0.3, 145], [500, 270]].map(([x, y]) => [Number(x.toFixed(2)), y]));
  });

  it('shows a 2 x 2 grey image attack with its perturbation, and refuses to draw without the clean input', () => {
    const attack: AttackResultData = {
      method: 'fgsm', model: 'm', epsilon: 0.5, norm: 'linf', range: [0, 1], targeted: false, params: { epsilon: 0.5 },
      shape: [1, 2, 2, 1], adversarial: Float32Array.from([0.5, 0, 1, 0.25]), classes: [0], prediction: [0], adversarialPrediction: [1],
      probabilities: [[0.9, 0.1]], adversarialProbabilities: [[0.2, 0.8]], success: [true], perturbationNorms: { linf: [0.5], l2: [0.5590169943749475] }, timeMs: 1,
    };
    const html = renderAttackReport({ attack, clean: Float32Array.from([0, 0, 1, 0.5]), model: 'm', classNames: ['cat', 'dog'], date: new Date(0) });
    assert.match(html, /<h2>row 0: 0 \(cat\) &rarr; 1 \(dog\)<\/h2>/);
    assert.match(html, /class changed/);
    assert.match(html, /grey is 0, black and white are -\/\+ 0\.500/);
    assert.match(html, /changed class<\/th><td class="num">1 of 1</);
    assert.throws(() => renderAttackReport({ attack, model: 'm' }), /needs the clean inputs/);
  });
});
