export interface TTestResult {
  t: number;
  degreesOfFreedom: number;
  /** Two-sided. */
  pValue: number;
}

/**
 * Student's two-sample t-test with pooled variance, two-sided (scipy.stats.ttest_ind's default), as Kim et
 * al. compare a concept's TCAV scores against random-vs-random scores. Samples with no spread at all give
 * p = 1 when their means agree and p = 0 when they differ.
 */
export function studentTTest(a: ArrayLike<number>, b: ArrayLike<number>): TTestResult {
  const n1 = a.length;
  const n2 = b.length;
  const df = n1 + n2 - 2;
  if (n1 < 1 || n2 < 1 || df < 1) return { t: NaN, degreesOfFreedom: Math.max(df, 0), pValue: NaN };
  const m1 = mean(a);
  const m2 = mean(b);
  let ss = 0;
  for (let i = 0; i < n1; i++) ss += (a[i] - m1) ** 2;
  for (let i = 0; i < n2; i++) ss += (b[i] - m2) ** 2;
  const se = Math.sqrt((ss / df) * (1 / n1 + 1 / n2));
  if (se === 0) {
    return m1 === m2 ? { t: 0, degreesOfFreedom: df, pValue: 1 } : { t: m1 > m2 ? Infinity : -Infinity, degreesOfFreedom: df, pValue: 0 };
  }
  const t = (m1 - m2) / se;
  return { t, degreesOfFreedom: df, pValue: studentTwoSidedP(t, df) };
}

function mean(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s / x.length;
}

/** P(|T| >= |t|) for Student's t with df degrees of freedom: I_{df / (df + t^2)}(df / 2, 1 / 2). */
export function studentTwoSidedP(t: number, df: number): number {
  if (!Number.isFinite(t)) return 0;
  return Math.min(1, regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5));
}

/** I_x(a, b) by its continued fraction (modified Lentz), using the symmetry for fast convergence. */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(x, a, b)) / a;
  return 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    // Even step.
    let num = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + num * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + num / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    // Odd step.
    num = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + num * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + num / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return h;
}

/** log Gamma(x) for x > 0 (Lanczos, g = 7, nine terms; about 15 significant digits). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const g = 7;
  const coef = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  const z = x - 1;
  let s = coef[0];
  for (let i = 1; i < g + 2; i++) s += coef[i] / (z + i);
  const t = z + g + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}
