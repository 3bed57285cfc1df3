import type { Metric } from '../../types.js';

/**
 * The graph's internal dissimilarity, smaller is nearer: squared euclidean, 1 - cosine on unit rows, or
 * minus the dot product. Squares and negations keep the search free of square roots; `reportDistance`
 * turns a value back into the metric's own number.
 */
export type DistanceKernel = (x: Float32Array, xOffset: number, y: Float32Array, yOffset: number, dim: number) => number;

export function squaredEuclidean(x: Float32Array, xo: number, y: Float32Array, yo: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let d = 0;
  for (; d + 3 < dim; d += 4) {
    const a = x[xo + d]! - y[yo + d]!;
    const b = x[xo + d + 1]! - y[yo + d + 1]!;
    const c = x[xo + d + 2]! - y[yo + d + 2]!;
    const e = x[xo + d + 3]! - y[yo + d + 3]!;
    s0 += a * a;
    s1 += b * b;
    s2 += c * c;
    s3 += e * e;
  }
  for (; d < dim; d++) {
    const a = x[xo + d]! - y[yo + d]!;
    s0 += a * a;
  }
  return s0 + s1 + s2 + s3;
}

export function dot(x: Float32Array, xo: number, y: Float32Array, yo: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let d = 0;
  for (; d + 3 < dim; d += 4) {
    s0 += x[xo + d]! * y[yo + d]!;
    s1 += x[xo + d + 1]! * y[yo + d + 1]!;
    s2 += x[xo + d + 2]! * y[yo + d + 2]!;
    s3 += x[xo + d + 3]! * y[yo + d + 3]!;
  }
  for (; d < dim; d++) s0 += x[xo + d]! * y[yo + d]!;
  return s0 + s1 + s2 + s3;
}

function oneMinusDot(x: Float32Array, xo: number, y: Float32Array, yo: number, dim: number): number {
  return 1 - dot(x, xo, y, yo, dim);
}

function negativeDot(x: Float32Array, xo: number, y: Float32Array, yo: number, dim: number): number {
  return -dot(x, xo, y, yo, dim);
}

export function distanceKernel(metric: Metric): DistanceKernel {
  if (metric === 'euclidean') return squaredEuclidean;
  if (metric === 'cosine') return oneMinusDot;
  return negativeDot;
}

/** Euclidean distance, cosine distance (1 - cos), or the dot product itself (a similarity). */
export function reportDistance(metric: Metric, internal: number): number {
  if (metric === 'euclidean') return Math.sqrt(Math.max(0, internal));
  if (metric === 'cosine') return internal;
  return -internal;
}

/** Cosine compares directions: rows are scaled to unit length once, so the search needs only dot products. A zero row stays zero (cosine distance 1 to everything). */
export function unitRows(vectors: Float32Array, count: number, dim: number): Float32Array {
  const out = new Float32Array(vectors.length);
  for (let i = 0; i < count; i++) {
    const norm = Math.sqrt(dot(vectors, i * dim, vectors, i * dim, dim));
    const scale = norm > 0 ? 1 / norm : 0;
    for (let d = 0; d < dim; d++) out[i * dim + d] = vectors[i * dim + d]! * scale;
  }
  return out;
}
