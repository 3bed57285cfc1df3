import type { Random } from '../../util/random.js';

/**
 * Draws from a normal(mean, std) truncated to [lo, hi], the way lime fills a sampled bin with a value
 * (scipy.stats.truncnorm). Set up once per bin, then drawn thousands of times: inverse-CDF sampling
 * between the two standardised bounds, on the lower tail (where Phi keeps its digits) by symmetry,
 * and an exponential rejection sampler where even the lower tail underflows.
 */
export class TruncatedNormal {
  private readonly flip: boolean;
  private readonly a: number;
  private readonly b: number;
  private readonly pa: number;
  private readonly pb: number;
  private readonly farTail: boolean;

  constructor(readonly mean: number, readonly std: number, readonly lo: number, readonly hi: number) {
    let a = (lo - mean) / std;
    let b = (hi - mean) / std;
    // Work where the bounds are negative: Phi(-40) is still representable, 1 - Phi(40) is not.
    this.flip = a > 0;
    if (this.flip) [a, b] = [-b, -a];
    this.a = a;
    this.b = b;
    this.pa = normalCdf(a);
    this.pb = normalCdf(b);
    this.farTail = !(this.pb - this.pa > 1e-300) || b < -30;
  }

  sample(rng: Random): number {
    let z: number;
    if (this.farTail) {
      z = this.tailSample(rng);
    } else {
      const u = this.pa + rng.uniform() * (this.pb - this.pa);
      z = normalQuantile(u);
    }
    if (this.flip) z = -z;
    const x = this.mean + this.std * z;
    // Rounding in the CDF approximations must not push a value out of its bin.
    return x < this.lo ? this.lo : x > this.hi ? this.hi : x;
  }

  /** Both bounds deep in the lower tail: sample -z from the upper tail [-b, -a] by rejection. */
  private tailSample(rng: Random): number {
    const lower = -this.b;
    const upper = -this.a;
    const width = upper - lower;
    for (let attempt = 0; attempt < 1000; attempt++) {
      let x: number;
      if (lower * width < 1) {
        // The density is nearly flat over a narrow interval: a uniform proposal.
        x = lower + rng.uniform() * width;
        if (rng.uniform() <= Math.exp(-(x * x - lower * lower) / 2)) return -x;
      } else {
        // Robert (1995): an exponential proposal shifted to the bound.
        x = lower - Math.log(1 - rng.uniform()) / lower;
        if (x <= upper && rng.uniform() <= Math.exp(-((x - lower) ** 2) / 2)) return -x;
      }
    }
    return -lower;
  }
}

/** Standard normal CDF through erfc (Numerical Recipes' erfcc, relative error below 1.2e-7). */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

function erfc(x: number): number {
  const ax = Math.abs(x);
  const t = 1 / (1 + 0.5 * ax);
  const r = t * Math.exp(-ax * ax - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
    + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}

/** Inverse of the standard normal CDF (Acklam's rational approximation, relative error below 1.2e-9). */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}
