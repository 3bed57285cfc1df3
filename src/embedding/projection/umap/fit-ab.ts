/**
 * The a and b of UMAP's low-dimensional similarity 1 / (1 + a d^(2b)), fitted by least squares to the
 * curve min_dist and spread describe: 1 up to min_dist, then exp(-(d - min_dist) / spread), sampled at
 * 300 points on [0, 3 spread] (umap-learn's find_ab_params, which uses scipy's curve_fit from a = b = 1).
 * Levenberg-Marquardt on the two parameters.
 */
export function fitAB(minDist: number, spread: number): { a: number; b: number } {
  const samples = 300;
  const xs = new Float64Array(samples);
  const ys = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    const x = (3 * spread * i) / (samples - 1);
    xs[i] = x;
    ys[i] = x < minDist ? 1 : Math.exp(-(x - minDist) / spread);
  }
  const loss = (a: number, b: number): number => {
    let s = 0;
    for (let i = 0; i < samples; i++) s += (1 / (1 + a * xs[i]! ** (2 * b)) - ys[i]!) ** 2;
    return s;
  };
  let a = 1;
  let b = 1;
  let lambda = 1e-3;
  let current = loss(a, b);
  for (let iteration = 0; iteration < 500; iteration++) {
    // Normal equations J^T J step = -J^T r for the residuals r = f(x) - y.
    let jaa = 0;
    let jab = 0;
    let jbb = 0;
    let ga = 0;
    let gb = 0;
    for (let i = 0; i < samples; i++) {
      const x = xs[i]!;
      if (x === 0) continue;
      const u = x ** (2 * b);
      const denominator = 1 + a * u;
      const residual = 1 / denominator - ys[i]!;
      const da = -u / (denominator * denominator);
      const db = (-a * u * 2 * Math.log(x)) / (denominator * denominator);
      jaa += da * da;
      jab += da * db;
      jbb += db * db;
      ga += da * residual;
      gb += db * residual;
    }
    const daa = jaa * (1 + lambda);
    const dbb = jbb * (1 + lambda);
    const det = daa * dbb - jab * jab;
    const stepA = (-dbb * ga + jab * gb) / det;
    const stepB = (jab * ga - daa * gb) / det;
    const trial = loss(a + stepA, b + stepB);
    if (trial < current) {
      const converged = Math.abs(current - trial) <= 1e-15 * Math.max(1, current) && Math.abs(stepA) + Math.abs(stepB) < 1e-12;
      a += stepA;
      b += stepB;
      current = trial;
      lambda = Math.max(lambda / 10, 1e-12);
      if (converged) break;
    } else {
      lambda *= 10;
      if (lambda > 1e12) break;
    }
  }
  return { a, b };
}
