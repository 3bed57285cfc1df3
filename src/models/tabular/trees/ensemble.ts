/**
 * The internal form of a tree ensemble, shared by the XGBoost and LightGBM loaders, the predictor and
 * TreeSHAP. Each tree is a set of flat typed arrays indexed by node (node 0 is the root), so the hot
 * loops read numbers, not objects.
 */

/** How a split node sends a value left or right. */
export const enum SplitRule {
  /** XGBoost: inputs rounded to float32, `x < threshold` goes left, NaN follows defaultLeft. */
  XGBoostLess = 0,
  /** LightGBM, missing type None: NaN counts as 0, `x <= threshold` goes left. */
  LessEqualNoMissing = 1,
  /** LightGBM, missing type Zero: NaN and |x| <= 1e-35 follow defaultLeft, else `x <= threshold`. */
  LessEqualZeroMissing = 2,
  /** LightGBM, missing type NaN: NaN follows defaultLeft, else `x <= threshold`. */
  LessEqualNanMissing = 3,
  /** LightGBM categorical: the integer category in the node's bitset goes left; NaN and negatives go right. */
  CategoryIn = 4,
  /** XGBoost categorical: NaN follows defaultLeft; a category in the node's set goes right, any other left. */
  XGBoostCategoryRight = 5,
}

export interface Tree {
  /** Split feature per node; -1 marks a leaf. */
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  /** 1 where a missing value goes left. */
  defaultLeft: Uint8Array;
  /** A SplitRule per node (unused at leaves). */
  rule: Uint8Array;
  /** For categorical nodes, the bitset of the node's categories (bit c of word c >> 5). */
  categories: (Uint32Array | undefined)[];
  /** Training weight through each node (XGBoost's sum_hessian, LightGBM's data counts): path-dependent TreeSHAP's "cover". */
  cover: Float64Array;
  /** Leaf values (shrinkage already applied); 0 at split nodes. */
  value: Float64Array;
  /** The output (class) this tree adds to. */
  group: number;
  /** Longest root-to-leaf path, in split nodes. */
  maxDepth: number;
}

export type Link = 'identity' | 'logistic' | 'softmax' | 'exp';

export interface TreeEnsemble {
  source: 'xgboost' | 'lightgbm';
  trees: Tree[];
  numFeatures: number;
  /** Outputs: 1 for regression and binary classification, the number of classes for softmax. */
  numGroups: number;
  /** Margin each output starts from before the trees (XGBoost's base_score in margin space). */
  baseMargin: Float64Array;
  /** The objective's name as the file gives it ("binary:logistic", "binary sigmoid:1"). */
  objective: string;
  /** From margin to prediction. */
  link: Link;
  /** LightGBM's sigmoid:k: probability = 1 / (1 + exp(-k * margin)). 1 elsewhere. */
  sigmoidScale: number;
  /** Whether the model compares and sums in float32 (XGBoost) rather than float64 (LightGBM). */
  float32: boolean;
  featureNames?: string[];
}

/** The child of split node n that a (prepared) feature value x goes to. */
export function nextNode(t: Tree, n: number, x: number): number {
  switch (t.rule[n]) {
    case SplitRule.XGBoostLess:
      if (x !== x) return t.defaultLeft[n] ? t.left[n] : t.right[n];
      return x < t.threshold[n] ? t.left[n] : t.right[n];
    case SplitRule.LessEqualNoMissing:
      return (x !== x ? 0 : x) <= t.threshold[n] ? t.left[n] : t.right[n];
    case SplitRule.LessEqualZeroMissing: {
      const v = x !== x ? 0 : x;
      if (Math.abs(v) <= 1e-35) return t.defaultLeft[n] ? t.left[n] : t.right[n];
      return v <= t.threshold[n] ? t.left[n] : t.right[n];
    }
    case SplitRule.LessEqualNanMissing:
      if (x !== x) return t.defaultLeft[n] ? t.left[n] : t.right[n];
      return x <= t.threshold[n] ? t.left[n] : t.right[n];
    case SplitRule.XGBoostCategoryRight: {
      if (x !== x) return t.defaultLeft[n] ? t.left[n] : t.right[n];
      if (x < 0 || x >= 16777216) return t.left[n];
      const c = Math.trunc(x);
      const bits = t.categories[n];
      const word = c >>> 5;
      return bits && word < bits.length && (bits[word] >>> (c & 31)) & 1 ? t.right[n] : t.left[n];
    }
    default: {
      if (x !== x || x < 0) return t.right[n];
      const c = Math.trunc(x);
      const bits = t.categories[n];
      const word = c >>> 5;
      if (!bits || word >= bits.length || c > 0x7fffffff) return t.right[n];
      return (bits[word] >>> (c & 31)) & 1 ? t.left[n] : t.right[n];
    }
  }
}

/** The leaf a row reaches. */
export function leafOf(t: Tree, row: ArrayLike<number>): number {
  let n = 0;
  while (t.feature[n] >= 0) n = nextNode(t, n, row[t.feature[n]]);
  return n;
}

/** Copies a row into `out` as the model sees it: float32 for XGBoost (it stores its inputs as float). */
export function prepareRow(e: TreeEnsemble, row: ArrayLike<number>, out: Float64Array): Float64Array {
  if (e.float32) for (let j = 0; j < out.length; j++) out[j] = Math.fround(row[j]);
  else for (let j = 0; j < out.length; j++) out[j] = row[j];
  return out;
}

/** Raw margins of one prepared row, one per group, summed in the model's own precision and tree order. */
export function marginsOf(e: TreeEnsemble, row: Float64Array, out: Float64Array): Float64Array {
  out.set(e.baseMargin);
  if (e.float32) {
    for (let g = 0; g < out.length; g++) out[g] = Math.fround(out[g]);
    for (const t of e.trees) out[t.group] = Math.fround(out[t.group] + t.value[leafOf(t, row)]);
  } else {
    for (const t of e.trees) out[t.group] += t.value[leafOf(t, row)];
  }
  return out;
}

/** Applies the link in place: margins to probabilities (or to the mean of a Poisson count). */
export function applyLink(e: TreeEnsemble, margins: Float64Array): Float64Array {
  switch (e.link) {
    case 'logistic':
      for (let g = 0; g < margins.length; g++) margins[g] = 1 / (1 + Math.exp(-e.sigmoidScale * margins[g]));
      break;
    case 'softmax': {
      let max = -Infinity;
      for (const m of margins) max = Math.max(max, m);
      let sum = 0;
      for (let g = 0; g < margins.length; g++) sum += (margins[g] = Math.exp(margins[g] - max));
      for (let g = 0; g < margins.length; g++) margins[g] /= sum;
      break;
    }
    case 'exp':
      for (let g = 0; g < margins.length; g++) margins[g] = Math.exp(margins[g]);
      break;
    default:
  }
  return margins;
}

/**
 * The cover-weighted mean leaf value below each node (path-dependent TreeSHAP's expected value at the
 * root). Like XGBoost, a node's mean divides by the node's own cover.
 */
export function nodeMeans(t: Tree): Float64Array {
  const out = new Float64Array(t.feature.length);
  const visit = (n: number): number => {
    if (t.feature[n] < 0) return (out[n] = t.value[n]);
    const l = t.left[n];
    const r = t.right[n];
    const ml = visit(l);
    const mr = visit(r);
    const c = t.cover[n];
    return (out[n] = c > 0 ? (ml * t.cover[l] + mr * t.cover[r]) / c : 0);
  };
  visit(0);
  return out;
}

/** Depth of the deepest leaf (number of splits on the longest path), and a check that the tree is a tree. */
export function depthOf(t: Tree): number {
  let max = 0;
  const stack: number[] = [0, 0];
  let visited = 0;
  while (stack.length) {
    const d = stack.pop()!;
    const n = stack.pop()!;
    if (++visited > t.feature.length) throw new Error('tree has a cycle');
    if (n < 0 || n >= t.feature.length) throw new Error(`tree refers to node ${n}, but has ${t.feature.length} nodes`);
    if (t.feature[n] < 0) max = Math.max(max, d);
    else stack.push(t.left[n], d + 1, t.right[n], d + 1);
  }
  return max;
}
