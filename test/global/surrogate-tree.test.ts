import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../src/errors.js';
import { fitCart, predictCart } from '../../src/global/cart.js';
import { surrogateTree } from '../../src/global/surrogate-tree.js';
import { renderTreeText } from '../../src/global/tree-text.js';
import type { TreeNode } from '../../src/global/types.js';
import { loadTabularModel } from '../../src/models/tabular/load.js';
import { functionModel } from '../../src/models/tabular/function.js';
import { fromRows, sliceRows } from '../../src/tabular/matrix.js';
import { loadTabularData } from '../../src/tabular/dataset.js';
import { Random } from '../../src/util/random.js';
import { close, reference, type TreeCase } from './reference.js';

const usage = (pattern: RegExp) => (e: unknown) => e instanceof UsageError && pattern.test(e.message);

function preorder(node: TreeNode, out: TreeNode[] = []): TreeNode[] {
  out.push(node);
  if (node.kind === 'split') {
    preorder(node.left, out);
    preorder(node.right, out);
  }
  return out;
}

/** sklearn's feature_importances_: the gains per feature, normalised to sum 1. */
function importances(root: TreeNode, d: number): number[] {
  const sums = new Array<number>(d).fill(0);
  for (const n of preorder(root)) if (n.kind === 'split') sums[n.feature] += n.gain;
  const total = sums.reduce((a, b) => a + b, 0);
  return sums.map((s) => s / total);
}

describe('CART against sklearn 1.2 DecisionTreeRegressor / DecisionTreeClassifier', () => {
  const X = fromRows(reference.trees.X);
  const cases: [string, 'regression' | 'classification', TreeCase][] = [
    ['regression (squared error, depth 3, min 5 per leaf)', 'regression', reference.trees.regression],
    ['classification (gini, 3 classes, depth 3, min 3 per leaf)', 'classification', reference.trees.classification],
  ];
  for (const [label, task, c] of cases) {
    it(`grows the same tree: ${label}`, () => {
      const root = fitCart(X, c.y, { task, maxDepth: c.max_depth, minSamplesLeaf: c.min_samples_leaf });
      const nodes = preorder(root);
      assert.equal(nodes.length, c.nodes.length);
      nodes.forEach((n, k) => {
        const ref = c.nodes[k];
        assert.equal(n.samples, ref.samples, `node ${k} samples`);
        n.value.forEach((v, j) => assert.ok(close(v, ref.value[j], 1e-9), `node ${k} value ${v} vs ${ref.value[j]}`));
        assert.equal(n.kind === 'split', ref.feature !== undefined, `node ${k} kind`);
        if (n.kind === 'split') {
          assert.equal(n.feature, ref.feature, `node ${k} feature`);
          assert.equal(n.threshold, ref.threshold, `node ${k} threshold`);
        }
      });
      importances(root, 4).forEach((v, j) => assert.ok(close(v, c.feature_importances[j], 1e-9), `importance ${j}: ${v} vs ${c.feature_importances[j]}`));
    });
  }
});

describe('surrogateTree', () => {
  const random = new Random(1);
  const rows = fromRows(Array.from({ length: 400 }, () => [random.uniform() * 10, random.uniform() * 10, random.uniform()]));
  // A piecewise-constant function of x0 and x1 that a depth-2 tree represents exactly.
  const step = functionModel((r) => r.map((v) => (v[0] <= 3 ? (v[1] <= 6 ? 1 : 2) : 5)), { numFeatures: 3, featureNames: ['a', 'b', 'c'] });

  it('recovers a piecewise-constant function exactly, with splits between the data points around the true cuts', async () => {
    const tree = await surrogateTree(step, sliceRows(rows, 0, 300), { maxDepth: 2, heldOut: sliceRows(rows, 300, 400) });
    assert.equal(tree.task, 'regression');
    assert.equal(tree.fidelity, 1);
    assert.equal(tree.heldOutFidelity, 1);
    const root = tree.root;
    assert.ok(root.kind === 'split' && root.featureName === 'a');
    const sortedA = Array.from({ length: 300 }, (_, i) => rows.data[i * 3]).sort((p, q) => p - q);
    const below = sortedA.filter((v) => v <= 3).at(-1)!;
    const above = sortedA.find((v) => v > 3)!;
    assert.equal(root.threshold, below / 2 + above / 2);
    const sortedB = Array.from({ length: 300 }, (_, i) => i).filter((i) => rows.data[i * 3] <= 3).map((i) => rows.data[i * 3 + 1]).sort((p, q) => p - q);
    const bBelow = sortedB.filter((v) => v <= 6).at(-1)!;
    const bAbove = sortedB.find((v) => v > 6)!;
    assert.ok(root.left.kind === 'split' && root.left.featureName === 'b');
    assert.equal(root.left.threshold, bBelow / 2 + bAbove / 2);
    assert.ok(root.right.kind === 'leaf' && root.right.value[0] === 5);
  });

  it('loses fidelity when the tree is too shallow, and says so on held-out rows', async () => {
    const tree = await surrogateTree(step, sliceRows(rows, 0, 300), { maxDepth: 1, heldOut: sliceRows(rows, 300, 400) });
    // One split on a leaves the b step (values 1 and 2 on the left) unexplained.
    assert.ok(tree.fidelity < 0.99 && tree.fidelity > 0.5, `${tree.fidelity}`);
    assert.ok(tree.heldOutFidelity! < 0.99);
    assert.ok(tree.root.kind === 'split' && tree.root.left.kind === 'leaf' && tree.root.right.kind === 'leaf');
  });

  it('fits the credit model\'s predicted class, with fidelity against the model and a readable rendering', async () => {
    const data = loadTabularData('data/tabular/german_credit.csv', { schema: 'models/credit/schema.json' });
    const credit = await loadTabularModel('models/credit/model.onnx');
    const steps: number[] = [];
    const tree = await surrogateTree(credit, sliceRows(data.x, 0, 800), { maxDepth: 3, minSamplesLeaf: 10, heldOut: sliceRows(data.x, 800, 1000), onProgress: (d) => steps.push(d) });
    const predicted = await credit.predict(data.x);
    credit.dispose?.();
    assert.deepEqual(steps, [1, 2, 3]);
    assert.equal(tree.task, 'classification');
    assert.deepEqual(tree.classNames, ['good', 'bad']);
    // Fidelity is the tree's agreement with the model's own classes, recomputed here.
    const fromTree = predictCart(tree.root, sliceRows(data.x, 800, 1000), 'classification');
    const agree = fromTree.reduce((s, c, i) => s + (c === (predicted.data[2 * (800 + i) + 1] > predicted.data[2 * (800 + i)] ? 1 : 0) ? 1 : 0), 0);
    assert.equal(tree.heldOutFidelity, agree / 200);
    assert.ok(tree.fidelity > 0.8, `fidelity ${tree.fidelity}`);
    const text = renderTreeText(tree);
    assert.match(text, /^\|--- checking_account_status=A14 <= 0\.50 {2}\(\d+ samples\)\n\|   \|--- /);
    assert.match(text, /class: (good|bad) \(0\.\d\d, \d+ samples\)/);
    assert.match(text, /fidelity \(accuracy against the model\): 0\.\d{3}, held out 0\.\d{3}\n$/);
  });

  it('sends missing values to the larger side', () => {
    const x = fromRows([[1], [2], [3], [NaN], [10], [11]]);
    const root = fitCart(x, [0, 0, 0, 0, 1, 1], { task: 'classification', maxDepth: 1 });
    assert.ok(root.kind === 'split' && root.threshold === 6.5 && root.missing === 'left');
    assert.deepEqual([root.left.samples, root.right.samples], [4, 2]);
  });

  it('names bad options', async () => {
    await assert.rejects(surrogateTree(step, rows, { maxDepth: -1 }), usage(/maxDepth must be a non-negative integer/));
    await assert.rejects(surrogateTree(step, rows, { minSamplesLeaf: 0 }), usage(/minSamplesLeaf must be a positive integer/));
    await assert.rejects(surrogateTree(step, rows, { heldOut: fromRows([[1, 2]]) }), usage(/held-out rows have 2 features/));
  });
});
