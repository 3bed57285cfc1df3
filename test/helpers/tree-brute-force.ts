import { nextNode, type Tree } from '../../src/models/tabular/trees/ensemble.js';

/**
 * TreeSHAP's definition, by brute force: v(S) = E[f(x) | x_S] as the tree estimates it (Lundberg et
 * al.'s Algorithm 1: follow x at splits on features in S, else average the children by cover), and
 * Shapley values of v over every subset of the tree's features. With `condition`, one feature is held
 * present or absent throughout (the conditioned games behind interaction values).
 */
export function bruteForceTreeShap(t: Tree, x: Float64Array, numFeatures: number, condition?: { feature: number; present: boolean }): Float64Array {
  const features = [...new Set(Array.from(t.feature).filter((f) => f >= 0 && f !== condition?.feature))];
  const k = features.length;
  const inS = new Uint8Array(numFeatures);
  const expValue = (n: number): number => {
    if (t.feature[n] < 0) return t.value[n];
    if (inS[t.feature[n]]) return expValue(nextNode(t, n, x[t.feature[n]]));
    return (t.cover[t.left[n]] * expValue(t.left[n]) + t.cover[t.right[n]] * expValue(t.right[n])) / t.cover[n];
  };
  const v = new Float64Array(1 << k);
  for (let mask = 0; mask < 1 << k; mask++) {
    features.forEach((f, i) => { inS[f] = (mask >> i) & 1; });
    if (condition) inS[condition.feature] = condition.present ? 1 : 0;
    v[mask] = expValue(0);
  }
  const fact = [1];
  for (let i = 1; i <= k; i++) fact.push(fact[i - 1] * i);
  const phi = new Float64Array(numFeatures);
  for (let mask = 0; mask < 1 << k; mask++) {
    let size = 0;
    for (let i = 0; i < k; i++) size += (mask >> i) & 1;
    for (let i = 0; i < k; i++) if (!((mask >> i) & 1)) phi[features[i]] += (fact[size] * fact[k - size - 1] / fact[k]) * (v[mask | (1 << i)] - v[mask]);
  }
  return phi;
}
