/** TCAV scores of one CAV over a set of inputs (Kim et al. 2018; Captum's sign_count and magnitude). */
export interface TcavScore {
  /** Share of inputs whose directional derivative along the CAV is positive. */
  score: number;
  /** Sum of the positive directional derivatives over the sum of their absolute values. */
  magnitude: number;
}

/**
 * Scores a CAV given the layer gradients of the target output, one `dim`-wide row per input: the
 * directional derivative of input i is gradients_i . cav.
 */
export function tcavScore(gradients: Float32Array, cav: Float32Array): TcavScore & { derivatives: Float64Array } {
  const dim = cav.length;
  const n = gradients.length / dim;
  const derivatives = new Float64Array(n);
  let positive = 0;
  let positiveSum = 0;
  let absSum = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < dim; k++) s += gradients[i * dim + k] * cav[k];
    derivatives[i] = s;
    if (s > 0) { positive++; positiveSum += s; }
    absSum += Math.abs(s);
  }
  return { score: n > 0 ? positive / n : 0, magnitude: absSum > 0 ? positiveSum / absSum : 0, derivatives };
}
