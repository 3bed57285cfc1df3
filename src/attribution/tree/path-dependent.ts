import { nextNode, type Tree } from '../../models/tabular/trees/ensemble.js';

/**
 * Exact path-dependent TreeSHAP for one tree and one row (Lundberg et al. 2020, Algorithm 2): the
 * polynomial-time recursion that tracks, along the path to each leaf, the proportion of all feature
 * subsets that reach it ("extend" and "unwind" of the path weights), using the training cover of each
 * branch for the features not in a subset. O(leaves x depth^2) per tree and row.
 *
 * `condition` +1 / -1 with `conditionFeature` computes the values with that feature held always present
 * / always absent: SHAP interaction values are half the difference (XGBoost's and shap's definition).
 *
 * The path of every recursion level lives in one set of flat arrays (level u starts u + 1 slots after
 * its parent), so a row allocates nothing.
 */
export class PathDependentTreeShap {
  private readonly feat: Int32Array;
  private readonly zero: Float64Array;
  private readonly one: Float64Array;
  private readonly weight: Float64Array;
  private tree!: Tree;
  private x!: Float64Array;
  private phi!: Float64Array;
  private condition = 0;
  private conditionFeature = -1;

  constructor(maxDepth: number) {
    const size = ((maxDepth + 3) * (maxDepth + 4)) / 2 + 2;
    this.feat = new Int32Array(size);
    this.zero = new Float64Array(size);
    this.one = new Float64Array(size);
    this.weight = new Float64Array(size);
  }

  /** Adds the tree's SHAP values for the prepared row x to phi[feature] (the expected value is not added). */
  run(tree: Tree, x: Float64Array, phi: Float64Array, condition = 0, conditionFeature = -1): void {
    this.tree = tree;
    this.x = x;
    this.phi = phi;
    this.condition = condition;
    this.conditionFeature = conditionFeature;
    this.recurse(0, 0, 0, 1, 1, -1, 1);
  }

  private recurse(node: number, u: number, parent: number, pz: number, po: number, pf: number, conditionFraction: number): void {
    if (conditionFraction === 0) return;
    const { feat, zero, one, weight, tree } = this;
    const p = parent + u + 1;
    for (let i = 0; i <= u; i++) {
      feat[p + i] = feat[parent + i];
      zero[p + i] = zero[parent + i];
      one[p + i] = one[parent + i];
      weight[p + i] = weight[parent + i];
    }
    if (this.condition === 0 || this.conditionFeature !== pf) this.extend(p, u, pz, po, pf);

    const split = tree.feature[node];
    if (split < 0) {
      const scale = tree.value[node] * conditionFraction;
      for (let i = 1; i <= u; i++) {
        this.phi[feat[p + i]] += this.unwoundSum(p, u, i) * (one[p + i] - zero[p + i]) * scale;
      }
      return;
    }
    const hot = nextNode(tree, node, this.x[split]);
    const cold = hot === tree.left[node] ? tree.right[node] : tree.left[node];
    const w = tree.cover[node];
    const hotZero = tree.cover[hot] / w;
    const coldZero = tree.cover[cold] / w;
    let inZero = 1;
    let inOne = 1;
    // A feature already on the path is unwound and redone here, so each feature appears once.
    let k = 0;
    while (k <= u && feat[p + k] !== split) k++;
    if (k <= u) {
      inZero = zero[p + k];
      inOne = one[p + k];
      this.unwind(p, u, k);
      u -= 1;
    }
    let hotFraction = conditionFraction;
    let coldFraction = conditionFraction;
    if (this.condition > 0 && split === this.conditionFeature) {
      coldFraction = 0;
      u -= 1;
    } else if (this.condition < 0 && split === this.conditionFeature) {
      hotFraction *= hotZero;
      coldFraction *= coldZero;
      u -= 1;
    }
    this.recurse(hot, u + 1, p, hotZero * inZero, inOne, split, hotFraction);
    this.recurse(cold, u + 1, p, coldZero * inZero, 0, split, coldFraction);
  }

  private extend(p: number, u: number, pz: number, po: number, pf: number): void {
    const { weight } = this;
    this.feat[p + u] = pf;
    this.zero[p + u] = pz;
    this.one[p + u] = po;
    weight[p + u] = u === 0 ? 1 : 0;
    for (let i = u - 1; i >= 0; i--) {
      weight[p + i + 1] += (po * weight[p + i] * (i + 1)) / (u + 1);
      weight[p + i] = (pz * weight[p + i] * (u - i)) / (u + 1);
    }
  }

  private unwind(p: number, u: number, k: number): void {
    const { weight, feat, zero, one } = this;
    const o = one[p + k];
    const z = zero[p + k];
    let next = weight[p + u];
    for (let i = u - 1; i >= 0; i--) {
      if (o !== 0) {
        const t = weight[p + i];
        weight[p + i] = (next * (u + 1)) / ((i + 1) * o);
        next = t - (weight[p + i] * z * (u - i)) / (u + 1);
      } else {
        weight[p + i] = (weight[p + i] * (u + 1)) / (z * (u - i));
      }
    }
    for (let i = k; i < u; i++) {
      feat[p + i] = feat[p + i + 1];
      zero[p + i] = zero[p + i + 1];
      one[p + i] = one[p + i + 1];
    }
  }

  /** Total path weight with element k unwound, without changing the path. */
  private unwoundSum(p: number, u: number, k: number): number {
    const { weight } = this;
    const o = this.one[p + k];
    const z = this.zero[p + k];
    let next = weight[p + u];
    let total = 0;
    if (o !== 0) {
      for (let i = u - 1; i >= 0; i--) {
        const t = (next * (u + 1)) / ((i + 1) * o);
        total += t;
        next = weight[p + i] - (t * z * (u - i)) / (u + 1);
      }
    } else if (z !== 0) {
      for (let i = u - 1; i >= 0; i--) total += (weight[p + i] * (u + 1)) / (z * (u - i));
    }
    return total;
  }
}
