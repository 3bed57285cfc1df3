import { nextNode, type Tree } from '../../models/tabular/trees/ensemble.js';

/**
 * Path-dependent TreeSHAP with precomputed leaf tables (the idea of Fast TreeSHAP v2, Yang 2021).
 *
 * A leaf whose path splits on k distinct features contributes to feature i
 *   v * (o_i - z_i) * sum over S in (path features minus i) of |S|! (k - |S| - 1)! / k! * prod_{j in S} o_j * prod_{j not in S, j != i} z_j
 * where z_j is the product of the cover fractions of the path's splits on j and o_j is 1 when the row
 * follows every one of them, else 0 (Algorithm 2 computes the same sum, incrementally, per row). Only
 * the pattern of o's depends on the row, so each leaf stores its k contributions for all 2^k patterns.
 * A row then costs one comparison per split node and k additions per leaf, instead of Algorithm 2's
 * recursion with O(depth^2) work per leaf. The tables take sum over leaves of 2^k * k numbers, so deep
 * trees fall back to Algorithm 2 (see `build`).
 */
export class LeafPatternTables {
  /** Per split node: the bit of its feature among the distinct features on its path (1 << index). */
  private readonly nodeBit: Int32Array;
  /** Per leaf node: where its table starts, its k, and where its k features start in `features`. */
  private readonly tableStart: Int32Array;
  private readonly leafK: Int32Array;
  private readonly featureStart: Int32Array;
  private readonly features: Int32Array;
  private readonly table: Float64Array;
  private readonly stackNode: Int32Array;
  private readonly stackMask: Int32Array;
  /** Per leaf, its path's cover fractions per feature (at featureStart), to build the pair tables on demand. */
  private readonly zeroFractions: Float64Array;
  private pairStart: Int32Array | undefined;
  private pairTable: Float64Array | undefined;

  private constructor(private readonly tree: Tree, nodeBit: Int32Array, tableStart: Int32Array, leafK: Int32Array, featureStart: Int32Array, features: Int32Array, table: Float64Array, zeroFractions: Float64Array) {
    this.zeroFractions = zeroFractions;
    this.nodeBit = nodeBit;
    this.tableStart = tableStart;
    this.leafK = leafK;
    this.featureStart = featureStart;
    this.features = features;
    this.table = table;
    this.stackNode = new Int32Array(tree.maxDepth + 2);
    this.stackMask = new Int32Array(tree.maxDepth + 2);
  }

  /**
   * What tables would cost for a tree: their size (numbers; Infinity past 20 distinct features on a path),
   * the work to build them (sum over leaves of 2^k k^3) and Algorithm 2's work per row (sum of k^2).
   */
  static costs(tree: Tree): { size: number; build: number; perRow: number } {
    let size = 0;
    let build = 0;
    let perRow = 0;
    const walk = (n: number, seen: number[]): void => {
      if (tree.feature[n] < 0) {
        const k = seen.length;
        size += k > 20 ? Infinity : 2 ** k * k;
        build += 2 ** k * k * k * k;
        perRow += k * k + 1;
        return;
      }
      const f = tree.feature[n];
      const next = seen.includes(f) ? seen : [...seen, f];
      walk(tree.left[n], next);
      walk(tree.right[n], next);
    };
    walk(0, []);
    return { size, build, perRow };
  }

  static build(tree: Tree): LeafPatternTables {
    const n = tree.feature.length;
    const nodeBit = new Int32Array(n);
    const tableStart = new Int32Array(n).fill(-1);
    const leafK = new Int32Array(n);
    const featureStart = new Int32Array(n);
    const allFeatures: number[] = [];
    const allZero: number[] = [];
    const chunks: Float64Array[] = [];
    let offset = 0;
    // Walk every path, keeping the distinct features and the product of cover fractions per feature.
    const walk = (node: number, features: number[], zero: number[]): void => {
      const f = tree.feature[node];
      if (f < 0) {
        const k = features.length;
        const t = leafTable(tree.value[node], zero);
        tableStart[node] = offset;
        leafK[node] = k;
        featureStart[node] = allFeatures.length;
        allFeatures.push(...features);
        allZero.push(...zero);
        chunks.push(t);
        offset += t.length;
        return;
      }
      let u = features.indexOf(f);
      const nf = u < 0 ? [...features, f] : features;
      if (u < 0) u = features.length;
      nodeBit[node] = 1 << u;
      for (const child of [tree.left[node], tree.right[node]]) {
        const nz = u < zero.length ? zero.slice() : [...zero, 1];
        nz[u] *= tree.cover[child] / tree.cover[node];
        walk(child, nf, nz);
      }
    };
    walk(0, [], []);
    const table = new Float64Array(offset);
    let at = 0;
    for (const c of chunks) { table.set(c, at); at += c.length; }
    return new LeafPatternTables(tree, nodeBit, tableStart, leafK, featureStart, Int32Array.from(allFeatures), table, Float64Array.from(allZero));
  }

  /** Size (numbers) of the pair tables for interaction values: sum over leaves of 2^k * k^2. */
  pairTableSize(): number {
    let total = 0;
    for (let n = 0; n < this.leafK.length; n++) if (this.tree.feature[n] < 0) total += (1 << this.leafK[n]) * this.leafK[n] * this.leafK[n];
    return total;
  }

  /**
   * Adds the tree's off-diagonal SHAP interaction values for the prepared row x to out[i * numFeatures + j].
   * Holding feature i present rather than absent scales a leaf's game on the other path features by o_i
   * instead of z_i, so half the change in feature j's value is
   *   v/2 * (o_i - z_i)(o_j - z_j) * sum over S in (path minus i, j) of |S|! (k - |S| - 2)! / (k - 1)! * prod_S o * prod_rest z,
   * tabulated per leaf and pattern like the SHAP values.
   */
  runInteractions(x: Float64Array, out: Float64Array, numFeatures: number): void {
    if (!this.pairTable) this.buildPairs();
    const { tree, nodeBit, stackNode, stackMask, features, leafK, featureStart } = this;
    const pairStart = this.pairStart!;
    const table = this.pairTable!;
    const { feature, left, right } = tree;
    let top = 0;
    stackNode[0] = 0;
    stackMask[0] = -1;
    while (top >= 0) {
      const node = stackNode[top];
      const mask = stackMask[top];
      top--;
      const f = feature[node];
      if (f >= 0) {
        const hot = nextNode(tree, node, x[f]);
        stackNode[++top] = hot === left[node] ? right[node] : left[node];
        stackMask[top] = mask & ~nodeBit[node];
        stackNode[++top] = hot;
        stackMask[top] = mask;
        continue;
      }
      const k = leafK[node];
      if (k < 2) continue;
      const at = featureStart[node];
      const base = pairStart[node] + (mask & ((1 << k) - 1)) * k * k;
      for (let a = 0; a < k; a++) {
        const row = features[at + a] * numFeatures;
        for (let b = 0; b < k; b++) if (a !== b) out[row + features[at + b]] += table[base + a * k + b];
      }
    }
  }

  private buildPairs(): void {
    const n = this.leafK.length;
    const pairStart = new Int32Array(n);
    const chunks: Float64Array[] = [];
    let offset = 0;
    for (let node = 0; node < n; node++) {
      if (this.tree.feature[node] >= 0) continue;
      const k = this.leafK[node];
      const zero = Array.from(this.zeroFractions.subarray(this.featureStart[node], this.featureStart[node] + k));
      const t = pairTable(this.tree.value[node], zero);
      pairStart[node] = offset;
      chunks.push(t);
      offset += t.length;
    }
    const table = new Float64Array(offset);
    let at = 0;
    for (const c of chunks) { table.set(c, at); at += c.length; }
    this.pairStart = pairStart;
    this.pairTable = table;
  }

  /** Adds the tree's SHAP values for the prepared row x to phi[feature]. */
  run(x: Float64Array, phi: Float64Array): void {
    const { tree, nodeBit, stackNode, stackMask, table, features, leafK, featureStart, tableStart } = this;
    const { feature, left, right } = tree;
    let top = 0;
    stackNode[0] = 0;
    stackMask[0] = -1;
    while (top >= 0) {
      const node = stackNode[top];
      const mask = stackMask[top];
      top--;
      const f = feature[node];
      if (f >= 0) {
        const hot = nextNode(tree, node, x[f]);
        const cold = hot === left[node] ? right[node] : left[node];
        stackNode[++top] = cold;
        stackMask[top] = mask & ~nodeBit[node];
        stackNode[++top] = hot;
        stackMask[top] = mask;
        continue;
      }
      const k = leafK[node];
      if (k === 0) continue;
      const at = featureStart[node];
      const base = tableStart[node] + (mask & ((1 << k) - 1)) * k;
      for (let i = 0; i < k; i++) phi[features[at + i]] += table[base + i];
    }
  }
}

/** A leaf's contributions for every pattern p of followed features: out[p * k + i]. */
function leafTable(value: number, zero: number[]): Float64Array {
  const k = zero.length;
  const out = new Float64Array((1 << k) * k);
  if (k === 0) return out;
  // weight[s] = s! (k - 1 - s)! / k!
  const weight = new Float64Array(k);
  for (let s = 0; s < k; s++) {
    let w = 1 / k;
    // s! (k-1-s)! / (k-1)! = 1 / C(k-1, s)
    for (let j = 1; j <= s; j++) w *= j / (k - 1 - s + j);
    weight[s] = w;
  }
  const poly = new Float64Array(k + 1);
  for (let p = 0; p < 1 << k; p++) {
    for (let i = 0; i < k; i++) {
      const oi = (p >> i) & 1;
      const factor = oi - zero[i];
      if (factor === 0) continue;
      // Coefficients of prod_{j != i} (z_j + o_j t): t^s collects the subsets S of size s.
      poly.fill(0);
      poly[0] = 1;
      let deg = 0;
      for (let j = 0; j < k; j++) {
        if (j === i) continue;
        const oj = (p >> j) & 1;
        const zj = zero[j];
        if (oj) {
          for (let s = deg + 1; s >= 1; s--) poly[s] = poly[s] * zj + poly[s - 1];
          poly[0] *= zj;
          deg++;
        } else {
          for (let s = 0; s <= deg; s++) poly[s] *= zj;
        }
      }
      let sum = 0;
      for (let s = 0; s <= deg; s++) sum += poly[s] * weight[s];
      out[p * k + i] = value * factor * sum;
    }
  }
  return out;
}

/** A leaf's half interaction values for every pattern p: out[(p * k + a) * k + b], a != b. */
function pairTable(value: number, zero: number[]): Float64Array {
  const k = zero.length;
  const out = new Float64Array((1 << k) * k * k);
  if (k < 2) return out;
  // weight[s] = s! (k - 2 - s)! / (k - 1)! = 1 / ((k - 1) C(k - 2, s))
  const weight = new Float64Array(k - 1);
  for (let s = 0; s <= k - 2; s++) {
    let w = 1 / (k - 1);
    for (let j = 1; j <= s; j++) w *= j / (k - 2 - s + j);
    weight[s] = w;
  }
  const poly = new Float64Array(k + 1);
  for (let p = 0; p < 1 << k; p++) {
    for (let a = 0; a < k; a++) {
      const fa = ((p >> a) & 1) - zero[a];
      if (fa === 0) continue;
      for (let b = a + 1; b < k; b++) {
        const fb = ((p >> b) & 1) - zero[b];
        if (fb === 0) continue;
        poly.fill(0);
        poly[0] = 1;
        let deg = 0;
        for (let j = 0; j < k; j++) {
          if (j === a || j === b) continue;
          const zj = zero[j];
          if ((p >> j) & 1) {
            for (let s = deg + 1; s >= 1; s--) poly[s] = poly[s] * zj + poly[s - 1];
            poly[0] *= zj;
            deg++;
          } else {
            for (let s = 0; s <= deg; s++) poly[s] *= zj;
          }
        }
        let sum = 0;
        for (let s = 0; s <= deg; s++) sum += poly[s] * weight[s];
        const v = (value * fa * fb * sum) / 2;
        out[(p * k + a) * k + b] = v;
        out[(p * k + b) * k + a] = v;
      }
    }
  }
  return out;
}
