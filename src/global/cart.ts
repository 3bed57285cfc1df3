/**
 * CART decision trees as sklearn's DecisionTreeRegressor (squared error) and DecisionTreeClassifier
 * (gini) grow them with the best splitter: depth first, at each node the split with the largest
 * impurity decrease over every feature and every threshold halfway between consecutive distinct values
 * (values closer than 1e-7 are not split, as in sklearn); a node stays a leaf at max depth, below 2 rows,
 * below 2 x minSamplesLeaf rows, when pure, or when no split leaves minSamplesLeaf rows on both sides.
 *
 * Where sklearn visits features in a random order (so exact ties between features are broken at
 * random), this visits them in order and keeps the first best. Rows with a missing value (NaN) in the
 * split feature are left out of that split's search and follow the larger side (recorded as `missing`);
 * sklearn 1.2 refuses NaN instead.
 */
import { UsageError } from '../errors.js';
import type { Matrix } from '../tabular/matrix.js';
import type { TreeNode } from './types.js';

export interface CartOptions {
  task: 'regression' | 'classification';
  /** Default 3. */
  maxDepth?: number;
  /** Default 1 (sklearn's). */
  minSamplesLeaf?: number;
  /** Classification: number of classes (labels are 0..numClasses-1). Default: largest label + 1. */
  numClasses?: number;
  featureNames?: string[];
}

/** sklearn's FEATURE_THRESHOLD: values closer than this are treated as equal. */
const FEATURE_THRESHOLD = 1e-7;
const EPSILON = 2.220446049250313e-16;

export function fitCart(x: Matrix, y: ArrayLike<number>, options: CartOptions): TreeNode {
  const maxDepth = options.maxDepth ?? 3;
  const minLeaf = options.minSamplesLeaf ?? 1;
  if (!Number.isInteger(maxDepth) || maxDepth < 0) throw new UsageError(`maxDepth must be a non-negative integer, got ${maxDepth}`, 'pass e.g. maxDepth: 3');
  if (!Number.isInteger(minLeaf) || minLeaf < 1) throw new UsageError(`minSamplesLeaf must be a positive integer, got ${minLeaf}`, 'pass e.g. minSamplesLeaf: 5');
  if (y.length !== x.rows || x.rows === 0) throw new UsageError(`${y.length} targets for ${x.rows} rows`, 'give one target per row, and at least one row');
  const classification = options.task === 'classification';
  let numClasses = 0;
  if (classification) {
    for (let i = 0; i < y.length; i++) {
      if (!Number.isInteger(y[i]) || y[i] < 0) throw new UsageError(`class label ${y[i]} of row ${i} is not a class index`, 'give labels 0, 1, ...');
      numClasses = Math.max(numClasses, y[i] + 1);
    }
    numClasses = Math.max(numClasses, options.numClasses ?? 0);
  }
  const names = options.featureNames ?? Array.from({ length: x.cols }, (_, j) => `x${j}`);
  const total = x.rows;
  const d = x.cols;

  /** Node value (mean, or class fractions) and impurity (variance, or gini) of some rows. */
  const stats = (rows: Int32Array): { value: number[]; impurity: number } => {
    const n = rows.length;
    if (classification) {
      const counts = new Array<number>(numClasses).fill(0);
      for (const i of rows) counts[y[i]]++;
      const value = counts.map((c) => c / n);
      return { value, impurity: 1 - value.reduce((s, p) => s + p * p, 0) };
    }
    let sum = 0;
    let sq = 0;
    for (const i of rows) {
      sum += y[i];
      sq += y[i] * y[i];
    }
    const mean = sum / n;
    return { value: [mean], impurity: sq / n - mean * mean };
  };

  // Each node keeps its rows sorted by every feature (rows missing that feature left out): children get
  // their lists by a stable partition, so nothing is sorted after the root.
  const grow = (rows: Int32Array, sorted: Int32Array[], depth: number): TreeNode => {
    const n = rows.length;
    const { value, impurity } = stats(rows);
    const leaf: TreeNode = { kind: 'leaf', samples: n, value };
    if (depth >= maxDepth || n < 2 || n < 2 * minLeaf || impurity <= EPSILON) return leaf;
    const split = bestSplit(sorted);
    if (!split) return leaf;
    const missingGoesLeft = split.leftCount >= split.rightCount;
    const left: number[] = [];
    const right: number[] = [];
    for (const i of rows) {
      const v = x.data[i * d + split.feature];
      const toLeft = Number.isNaN(v) ? missingGoesLeft : v <= split.threshold;
      goesLeft[i] = toLeft ? 1 : 0;
      (toLeft ? left : right).push(i);
    }
    const l = Int32Array.from(left);
    const r = Int32Array.from(right);
    const sortedLeft: Int32Array[] = [];
    const sortedRight: Int32Array[] = [];
    for (const list of sorted) {
      const a = new Int32Array(list.length);
      const b = new Int32Array(list.length);
      let na = 0;
      let nb = 0;
      for (const i of list) {
        if (goesLeft[i]) a[na++] = i;
        else b[nb++] = i;
      }
      sortedLeft.push(a.subarray(0, na));
      sortedRight.push(b.subarray(0, nb));
    }
    const gain = (n * impurity - l.length * stats(l).impurity - r.length * stats(r).impurity) / total;
    return {
      kind: 'split', feature: split.feature, featureName: names[split.feature], threshold: split.threshold,
      missing: missingGoesLeft ? 'left' : 'right', samples: n, value, gain,
      left: grow(l, sortedLeft, depth + 1), right: grow(r, sortedRight, depth + 1),
    };
  };

  interface Split { feature: number; threshold: number; leftCount: number; rightCount: number }

  const goesLeft = new Uint8Array(x.rows);
  const leftCounts = new Float64Array(numClasses);
  const totalCounts = new Float64Array(numClasses);
  const bestSplit = (sorted: Int32Array[]): Split | undefined => {
    let best: Split | undefined;
    let bestProxy = -Infinity;
    for (let f = 0; f < d; f++) {
      const present = sorted[f];
      const m = present.length;
      if (m < 2 * minLeaf) continue;
      const at = (p: number) => x.data[present[p] * d + f];
      if (at(m - 1) <= at(0) + FEATURE_THRESHOLD) continue; // constant feature
      // Running sums over the left part; the proxy is what sklearn maximises (same argmax as the impurity decrease).
      let sumAll = 0;
      totalCounts.fill(0);
      leftCounts.fill(0);
      for (const i of present) {
        if (classification) totalCounts[y[i]]++;
        else sumAll += y[i];
      }
      let sumLeft = 0;
      for (let p = 1; p < m; p++) {
        const moved = present[p - 1];
        if (classification) leftCounts[y[moved]]++;
        else sumLeft += y[moved];
        const lo = at(p - 1);
        const hi = at(p);
        if (hi <= lo + FEATURE_THRESHOLD) continue;
        if (p < minLeaf || m - p < minLeaf) continue;
        let proxy: number;
        if (classification) {
          // -(nL * giniL + nR * giniR), up to a constant: sum_k cL^2 / nL + sum_k cR^2 / nR.
          let l2 = 0;
          let r2 = 0;
          for (let k = 0; k < numClasses; k++) {
            l2 += leftCounts[k] * leftCounts[k];
            const rk = totalCounts[k] - leftCounts[k];
            r2 += rk * rk;
          }
          proxy = l2 / p + r2 / (m - p);
        } else {
          const sumRight = sumAll - sumLeft;
          proxy = (sumLeft * sumLeft) / p + (sumRight * sumRight) / (m - p);
        }
        if (proxy > bestProxy) {
          bestProxy = proxy;
          let threshold = lo / 2 + hi / 2;
          if (threshold === hi || !Number.isFinite(threshold)) threshold = lo;
          best = { feature: f, threshold, leftCount: p, rightCount: m - p };
        }
      }
    }
    return best;
  };

  const rootSorted = Array.from({ length: d }, (_, f) => {
    const present: number[] = [];
    for (let i = 0; i < x.rows; i++) if (!Number.isNaN(x.data[i * d + f])) present.push(i);
    const keys = Float64Array.from(present, (i) => x.data[i * d + f]);
    const order = Int32Array.from(present.keys()).sort((a, b) => keys[a] - keys[b] || a - b);
    return Int32Array.from(order, (k) => present[k]);
  });

  return grow(Int32Array.from({ length: x.rows }, (_, i) => i), rootSorted, 0);
}

/** The leaf a row falls in. */
export function leafFor(root: TreeNode, row: ArrayLike<number>): Extract<TreeNode, { kind: 'leaf' }> {
  let node = root;
  while (node.kind === 'split') {
    const v = row[node.feature];
    node = (Number.isNaN(v) ? node.missing === 'left' : v <= node.threshold) ? node.left : node.right;
  }
  return node;
}

/** Predictions [rows]: the leaf mean (regression) or the leaf's majority class (classification, lowest index on ties). */
export function predictCart(root: TreeNode, x: Matrix, task: CartOptions['task']): Float64Array {
  const out = new Float64Array(x.rows);
  for (let i = 0; i < x.rows; i++) {
    const value = leafFor(root, x.data.subarray(i * x.cols, (i + 1) * x.cols)).value;
    if (task === 'regression') out[i] = value[0];
    else out[i] = value.reduce((best, p, k) => (p > value[best] ? k : best), 0);
  }
  return out;
}
