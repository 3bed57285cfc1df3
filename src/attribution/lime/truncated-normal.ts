import type { Random } from '../../util/random.js';

/** Equal-probability segments per bin: the draw picks one, then samples inside it by rejection. */
const SEGMENTS = 64;

/**
 * Draws from a normal(mean, std) truncated to [lo, hi], the way lime fills a sampled bin with a value
 * (scipy.stats.truncnorm). Set up once per bin, then drawn thousands of times, so the set-up cuts the
 * bin into 64 pieces of equal probability (by the inverse CDF, on the lower tail where Phi keeps its
 * digits); a draw picks a piece and samples the density inside it by rejection from a uniform, which
 * is exact and nearly always accepts at once. An exponential rejection sampler covers bounds so far in
 * the tail that Phi underflows.
 */
export class TruncatedNormal {
  private readonly flip: boolean;
  private readonly a: number;
  private readonly b: number;
  private readonly pa: number;
  private readonly pb: number;
  private readonly farTail: boolean;
  /** Per segment: start, width, the squared |z| nearest 0, and the smallest density ratio (a squeeze that skips exp). */
  private readonly segments: Float64Array;

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
    this.segments = new Float64Array(SEGMENTS * 4);
    if (this.farTail) return;
    let start = a;
    for (let k = 0; k < SEGMENTS; k++) {
      const end = k === SEGMENTS - 1 ? b : Math.min(b, Math.max(start, normalQuantile(this.pa + ((this.pb - this.pa) * (k + 1)) / SEGMENTS)));
      const nearest = start > 0 ? start : end < 0 ? end : 0;
      const farthest = Math.max(Math.abs(start), Math.abs(end));
      this.segments.set([start, end - start, nearest * nearest, Math.exp(-(farthest * farthest - nearest * nearest) / 2)], 4 * k);
      start = end;
    }
  }

  sample(rng: Random): number {
    if (this.lo === this.hi) return this.lo;
    let z = this.farTail ? this.tailSample(rng) : this.segmentSample(rng);
    if (this.flip) z = -z;
    const x = this.mean + this.std * z;
    // Rounding in the CDF approximations must not push a value out of its bin.
    return x < this.lo ? this.lo : x > this.hi ? this.hi : x;
  }

  /**
   * Rejection inside a segment with a squeeze, drawing one uniform most of the time: its top 6 bits
   * pick the segment and the rest is the acceptance variable v. When v falls under the squeeze (the
   * smallest density ratio in the segment) the point is accepted whatever its position, so v / squeeze
   * serves as the (uniform) position; otherwise a fresh position is accepted when v is under its
   * density ratio. Both branches together accept x with probability ratio(x): exact rejection sampling.
   */
  private segmentSample(rng: Random): number {
    const seg = this.segments;
    const u = rng.uniform() * SEGMENTS;
    const k = 4 * Math.floor(u);
    const start = seg[k];
    const width = seg[k + 1];
    const nearest2 = seg[k + 2];
    const squeeze = seg[k + 3];
    let v = u - Math.floor(u);
    for (let attempt = 0; attempt < 10000; attempt++) {
      if (v < squeeze) return start + width * (v / squeeze);
      const z = start + width * rng.uniform();
      if (v < Math.exp(-(z * z - nearest2) / 2)) return z;
      v = rng.uniform();
    }
    return start;
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
  if (p < 0.02425) return lowerTail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -lowerTail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (((((-3.969683028665376e1 * r + 2.209460984245205e2) * r - 2.759285104469687e2) * r + 1.38357751867269e2) * r - 3.066479806614716e1) * r + 2.506628277459239) * q
    / (((((-5.447609879822406e1 * r + 1.615858368580409e2) * r - 1.556989798598866e2) * r + 6.680131188771972e1) * r - 1.328068155288572e1) * r + 1);
}

function lowerTail(q: number): number {
  return (((((-7.784894002430293e-3 * q - 3.223964580411365e-1) * q - 2.400758277161838) * q - 2.549732539343734) * q + 4.374664141464968) * q + 2.938163982698783)
    / ((((7.784695709041462e-3 * q + 3.224671290700398e-1) * q + 2.445134137142996) * q + 3.754408661907416) * q + 1);
}
