import { UsageError } from '../errors.js';

/**
 * A small seeded random source (mulberry32 for uniforms, Box-Muller for normals), so the noisy
 * methods give the same result for the same seed on any backend and machine. Not cryptographic.
 */
export class Random {
  private state: number;
  /** Box-Muller makes normals in pairs; the second waits here for the next call. */
  private spare: number | undefined;

  constructor(seed = 0) {
    this.state = checkSeed(seed);
  }

  /** Uniform in [0, 1), with 32 bits of resolution. */
  uniform(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal. */
  normal(): number {
    if (this.spare !== undefined) {
      const z = this.spare;
      this.spare = undefined;
      return z;
    }
    // 1 - u lies in (0, 1], so the logarithm is finite.
    const r = Math.sqrt(-2 * Math.log(1 - this.uniform()));
    const theta = 2 * Math.PI * this.uniform();
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.min(n - 1, Math.floor(this.uniform() * n));
  }

  /** Shuffles `items` in place (Fisher-Yates from the end: one int(i + 1) draw per position) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }

  /** Fills `out` with normals of standard deviation `stdev` (zeros when stdev is 0, drawing nothing). */
  fillNormal(out: Float32Array, stdev: number, start = 0, end = out.length): Float32Array {
    if (stdev === 0) {
      out.fill(0, start, end);
      return out;
    }
    for (let i = start; i < end; i++) out[i] = stdev * this.normal();
    return out;
  }
}

/** Seeds are integers in [0, 2^32): every such seed gives its own stream. */
export function checkSeed(seed: number): number {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new UsageError(`seed must be an integer from 0 to 4294967295, got ${seed}`, 'pass e.g. seed: 0');
  }
  return seed >>> 0;
}
