import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Sparseness } from '../../../src/metrics/complexity/sparseness.js';
import { Complexity } from '../../../src/metrics/complexity/complexity.js';
import { FunctionSubject } from '../robustness/function-subject.js';

/** A subject whose explanations are the given maps (the inputs themselves). */
function subjectOf(maps: number[][]): FunctionSubject {
  return new FunctionSubject({ inputs: maps, numOutputs: 1, targets: maps.map(() => 0), forward: () => [0], explain: (x) => x });
}

const close = (actual: number, expected: number, message: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-12, `${message}: ${actual} vs ${expected}`);

describe('sparseness (Gini index of |a|)', () => {
  it('is (n-1)/n for a one-hot map, 0 for a constant one, and matches numpy by hand', async () => {
    const result = await new Sparseness().evaluate(subjectOf([
      [0, 0, 7, 0, 0],
      [-3, -3, -3, -3],
      [1, 2, 3, 4],
      // Signs do not matter: |a| is what the Gini index is taken of.
      [-4, 1, -2, 3],
      [0.5, -2, 0, 1.5, 3, -1],
      [0, 0, 0],
    ]));
    close(result.scores[0], 4 / 5, 'one-hot');
    close(result.scores[1], 0, 'constant');
    // Sorted ascending 1,2,3,4 with weights 2k-n-1 = -3,-1,1,3: (-3-2+3+12)/(4*10).
    close(result.scores[2], 0.25, 'hand case');
    close(result.scores[3], 0.25, 'signs');
    // numpy: s=np.sort(|a|); np.sum((2*np.arange(1,n+1)-n-1)*s)/(n*np.sum(s))
    close(result.scores[4], 0.4166666666666667, 'numpy reference');
    close(result.scores[5], 0, 'all zero');
    assert.equal(result.higherIsBetter, true);
    assert.equal(result.metric, 'sparseness');
    assert.doesNotThrow(() => JSON.stringify(result));
  });

  it('grows as the mass concentrates', async () => {
    const result = await new Sparseness().evaluate(subjectOf([[1, 1, 1, 1], [1, 1, 1, 5], [0, 0, 1, 5], [0, 0, 0, 5]]));
    for (let i = 1; i < 4; i++) assert.ok(result.scores[i] > result.scores[i - 1], `${result.scores}`);
  });
});

describe('complexity (entropy of |a| / sum |a|)', () => {
  it('is log n for a uniform map, 0 for a one-hot one, and matches scipy.stats.entropy', async () => {
    const result = await new Complexity().evaluate(subjectOf([
      Array(784).fill(0.3),
      [0, 0, -2, 0],
      [1, 2, 3, 4],
      [0.5, -2, 0, 1.5, 3, -1],
      [0, 0, 0, 0, 0, 0, 0],
    ]));
    close(result.scores[0], Math.log(784), 'uniform');
    close(result.scores[1], 0, 'one-hot');
    // scipy.stats.entropy([1, 2, 3, 4])
    close(result.scores[2], 1.2798542258336676, 'scipy 1..4');
    // scipy.stats.entropy(|a| / sum |a|)
    close(result.scores[3], 1.4614721293040243, 'scipy signed');
    close(result.scores[4], Math.log(7), 'all zero: the uniform limit');
    assert.equal(result.higherIsBetter, false);
  });
});
