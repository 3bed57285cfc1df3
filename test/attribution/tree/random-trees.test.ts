import { bruteForceTreeShap } from '../../helpers/tree-brute-force.js';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Random } from '../../../src/util/random.js';
import { depthOf, nextNode, SplitRule, type Tree } from '../../../src/models/tabular/trees/ensemble.js';
import { PathDependentTreeShap } from '../../../src/attribution/tree/path-dependent.js';
import { LeafPatternTables } from '../../../src/attribution/tree/leaf-patterns.js';
import { InterventionalTreeShap } from '../../../src/attribution/tree/interventional.js';
import { interactionValues } from '../../../src/attribution/tree/interactions.js';
import { nodeMeans } from '../../../src/models/tabular/trees/ensemble.js';

/** A random deep, unbalanced tree over few features (so paths split on the same feature again and again). */
function randomTree(rng: Random, numFeatures: number, maxDepth: number): Tree {
  const feature: number[] = [];
  const threshold: number[] = [];
  const left: number[] = [];
  const right: number[] = [];
  const cover: number[] = [];
  const value: number[] = [];
  const grow = (depth: number, weight: number): number => {
    const n = feature.length;
    feature.push(-1); threshold.push(0); left.push(-1); right.push(-1); cover.push(weight); value.push(0);
    if (depth < maxDepth && (depth < 3 || rng.uniform() < 0.8)) {
      feature[n] = rng.int(numFeatures);
      threshold[n] = rng.uniform();
      const share = 0.1 + 0.8 * rng.uniform();
      left[n] = grow(depth + 1, weight * share);
      right[n] = grow(depth + 1, weight * (1 - share));
    } else {
      value[n] = rng.normal();
    }
    return n;
  };
  grow(0, 1000);
  const n = feature.length;
  const t: Tree = {
    feature: Int32Array.from(feature), threshold: Float64Array.from(threshold), left: Int32Array.from(left), right: Int32Array.from(right),
    defaultLeft: new Uint8Array(n), rule: new Uint8Array(n).fill(SplitRule.LessEqualNanMissing), categories: [],
    cover: Float64Array.from(cover), value: Float64Array.from(value), group: 0, maxDepth: 0,
  };
  t.maxDepth = depthOf(t);
  return t;
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('TreeSHAP on random deep trees with repeated features', () => {
  const rng = new Random(7);
  const F = 7;
  const trees = Array.from({ length: 6 }, () => randomTree(rng, F, 12));
  const rows = Array.from({ length: 4 }, () => Float64Array.from({ length: F }, () => (rng.uniform() < 0.1 ? NaN : rng.uniform())));

  it('Algorithm 2 and the leaf tables both equal brute-force Shapley values of E[f | x_S]', () => {
    assert.ok(trees.some((t) => t.maxDepth >= 10), 'deep trees');
    for (const t of trees) {
      const recursion = new PathDependentTreeShap(t.maxDepth);
      const tables = LeafPatternTables.build(t);
      for (const x of rows) {
        const expected = bruteForceTreeShap(t, x, F);
        const a = new Float64Array(F);
        const b = new Float64Array(F);
        recursion.run(t, x, a);
        tables.run(x, b);
        assert.ok(maxDiff(a, expected) < 1e-10 && maxDiff(b, expected) < 1e-10);
        // Efficiency per tree: values add up to f(x) - E[f].
        let leaf = 0;
        while (t.feature[leaf] >= 0) leaf = nextNode(t, leaf, x[t.feature[leaf]]);
        assert.ok(Math.abs(a.reduce((s, v) => s + v, 0) - (t.value[leaf] - nodeMeans(t)[0])) < 1e-10);
      }
    }
  });

  it('interaction values equal half the change of brute-force values with a feature held present vs absent', () => {
    const recursion = new PathDependentTreeShap(Math.max(...trees.map((t) => t.maxDepth)));
    for (const t of trees.slice(0, 3)) {
      const used = [...new Set(Array.from(t.feature).filter((f) => f >= 0))];
      const x = rows[0];
      const phi = new Float64Array(F);
      recursion.run(t, x, phi);
      const prepared = { tree: t, means: nodeMeans(t), features: Int32Array.from(used) };
      const viaRecursion = interactionValues([{ ...prepared, patterns: null }], x, phi, F, recursion);
      const viaTables = interactionValues([{ ...prepared, patterns: LeafPatternTables.build(t) }], x, phi, F, recursion);
      assert.ok(maxDiff(viaRecursion, viaTables) < 1e-10);
      for (const i of used) {
        const on = bruteForceTreeShap(t, x, F, { feature: i, present: true });
        const off = bruteForceTreeShap(t, x, F, { feature: i, present: false });
        for (let k = 0; k < F; k++) if (k !== i) assert.ok(Math.abs(viaRecursion[i * F + k] - (on[k] - off[k]) / 2) < 1e-10);
      }
    }
  });

  it('interventional values equal brute-force Shapley values of f(x_S, r_rest)', () => {
    const shap = new InterventionalTreeShap(F, Math.max(...trees.map((t) => t.maxDepth)));
    const [x, r] = rows;
    for (const t of trees) {
      const phi = new Float64Array(F);
      shap.run(t, x, r, phi, 1);
      const hybrid = new Float64Array(F);
      const f = (mask: number) => {
        for (let j = 0; j < F; j++) hybrid[j] = (mask >> j) & 1 ? x[j] : r[j];
        let n = 0;
        while (t.feature[n] >= 0) n = nextNode(t, n, hybrid[t.feature[n]]);
        return t.value[n];
      };
      const fact = [1, 1, 2, 6, 24, 120, 720, 5040];
      const expected = new Float64Array(F);
      for (let mask = 0; mask < 1 << F; mask++) {
        let size = 0;
        for (let j = 0; j < F; j++) size += (mask >> j) & 1;
        for (let j = 0; j < F; j++) if (!((mask >> j) & 1)) expected[j] += (fact[size] * fact[F - size - 1] / fact[F]) * (f(mask | (1 << j)) - f(mask));
      }
      assert.ok(maxDiff(phi, expected) < 1e-10);
    }
  });
});
