import { nextNode, type Tree } from '../../models/tabular/trees/ensemble.js';

/**
 * Exact interventional TreeSHAP for one tree, one row x and one background row r: the Shapley values
 * of v(S) = f(x on S, r elsewhere) (Lundberg et al. 2020, "interventional"; shap's independent
 * algorithm). Walking down, a split where x and r part ways on a feature not yet seen branches both
 * ways, marking the feature as taken from x (set A) or from r (set B). A leaf reached with A and B is
 * reached exactly by the subsets containing A and none of B, so by symmetry its value v splits as
 * +v (|A|-1)! |B|! / (|A|+|B|)! to each feature of A and -v |A|! (|B|-1)! / (|A|+|B|)! to each of B.
 * Averaging over the background gives the values against E[f(background)].
 */
export class InterventionalTreeShap {
  private readonly state: Int8Array;
  private readonly pathFeatures: Int32Array;
  /** weights[a * stride + b] = a! b! / (a + b + 1)!: the weight for one feature of a set of a + 1 against b. */
  private readonly weights: Float64Array;
  private readonly stride: number;
  private tree!: Tree;
  private xLeft!: Uint8Array;
  private rLeft!: Uint8Array;
  private phi!: Float64Array;

  private scale = 1;

  constructor(numFeatures: number, maxDepth: number) {
    this.state = new Int8Array(numFeatures);

    this.pathFeatures = new Int32Array(maxDepth + 1);
    this.stride = maxDepth + 2;
    this.weights = new Float64Array(this.stride * this.stride);
    for (let a = 0; a < this.stride; a++) {
      for (let b = 0; a + b < this.stride; b++) {
        // a! b! / (a + b + 1)! as a product, so deep trees do not overflow factorials.
        let w = 1 / (a + b + 1);
        for (let k = 1; k <= Math.min(a, b); k++) w *= k / (Math.max(a, b) + k);
        this.weights[a * this.stride + b] = w;
      }
    }
  }

  /** Which way a prepared row goes at every split node of the tree: out[n] = 1 for left. */
  static directions(tree: Tree, x: Float64Array, out: Uint8Array): Uint8Array {
    for (let n = 0; n < tree.feature.length; n++) {
      const f = tree.feature[n];
      out[n] = f >= 0 && nextNode(tree, n, x[f]) === tree.left[n] ? 1 : 0;
    }
    return out;
  }

  /** Adds scale x the tree's values for (x against r) to phi[feature]. */
  run(tree: Tree, x: Float64Array, r: Float64Array, phi: Float64Array, scale: number): void {
    const n = tree.feature.length;
    this.runDirections(tree, InterventionalTreeShap.directions(tree, x, new Uint8Array(n)),
      InterventionalTreeShap.directions(tree, r, new Uint8Array(n)), phi, scale);
  }

  /**
   * As run, from the rows' directions at every node (see directions): a row's directions are computed
   * once per tree and reused against every background row, which halves the work.
   */
  runDirections(tree: Tree, xLeft: Uint8Array, rLeft: Uint8Array, phi: Float64Array, scale: number): void {
    this.tree = tree;
    this.xLeft = xLeft;
    this.rLeft = rLeft;
    this.phi = phi;
    this.scale = scale;
    this.recurse(0, 0, 0, 0);
  }

  private recurse(node: number, depth: number, a: number, b: number): void {
    const { tree, state, xLeft, rLeft } = this;
    const { feature, left, right } = tree;
    for (;;) {
      const f = feature[node];
      if (f < 0) break;
      const xn = xLeft[node] ? left[node] : right[node];
      const s = state[f];
      if (s === 1) { node = xn; continue; }
      const rn = rLeft[node] ? left[node] : right[node];
      if (s === -1 || xn === rn) { node = rn; continue; }
      this.pathFeatures[depth] = f;
      state[f] = 1;
      this.recurse(xn, depth + 1, a + 1, b);
      state[f] = -1;
      this.recurse(rn, depth + 1, a, b + 1);
      state[f] = 0;
      return;
    }
    if (depth === 0) return;
    const v = tree.value[node] * this.scale;
    const plus = a > 0 ? v * this.weights[(a - 1) * this.stride + b] : 0;
    const minus = b > 0 ? v * this.weights[a * this.stride + b - 1] : 0;
    for (let i = 0; i < depth; i++) {
      const f = this.pathFeatures[i];
      if (state[f] === 1) this.phi[f] += plus;
      else this.phi[f] -= minus;
    }
  }
}
