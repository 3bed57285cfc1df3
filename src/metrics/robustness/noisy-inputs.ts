import { UsageError } from '../../errors.js';
import { checkSeed, Random } from '../../util/random.js';
import type { EvaluationSubject } from '../subject.js';

/**
 * What a noise size is measured in: `absolute` in the model's input units (pixels in [0, 1] for the digit
 * model); `feature-std` in standard deviations of each input value across the explained rows, for tabular
 * columns whose units differ (age in years, income in dollars).
 */
export type NoiseScale = 'absolute' | 'feature-std';

export const NOISE_SCALES: readonly NoiseScale[] = ['absolute', 'feature-std'];

/** Images are in one unit already; tabular columns are not. */
export function defaultNoiseScale(subject: EvaluationSubject): NoiseScale {
  return subject.modality === 'tabular' ? 'feature-std' : 'absolute';
}

/** How much noise each input value gets per unit of noise size, or undefined for 1 everywhere. */
export function noiseScales(subject: EvaluationSubject, scale: NoiseScale): Float64Array | undefined {
  if (!NOISE_SCALES.includes(scale)) {
    throw new UsageError(`noise scale must be one of ${NOISE_SCALES.join(', ')}, got ${String(scale)}`, "pass e.g. noiseScale: 'absolute'");
  }
  if (scale === 'absolute') return undefined;
  if (subject.rows < 2) {
    throw new UsageError(`noise scale 'feature-std' needs at least 2 explained rows to measure each value's spread, got ${subject.rows}`,
      "explain more rows, or pass noiseScale: 'absolute' with a radius in the input's units");
  }
  const size = subject.input(0).length;
  const sum = new Float64Array(size);
  const sumSquares = new Float64Array(size);
  for (let row = 0; row < subject.rows; row++) {
    const x = subject.input(row);
    for (let j = 0; j < size; j++) {
      sum[j] += x[j];
      sumSquares[j] += x[j] * x[j];
    }
  }
  const scales = new Float64Array(size);
  for (let j = 0; j < size; j++) {
    const mean = sum[j] / subject.rows;
    scales[j] = Math.sqrt(Math.max(0, sumSquares[j] / subject.rows - mean * mean));
  }
  return scales;
}

/**
 * One random stream per explained row, so a row's noise does not depend on which other rows are
 * evaluated with it. The golden-ratio stride spreads the row seeds over the seed space.
 */
export function rowRandoms(seed: number, rows: number): Random[] {
  const base = checkSeed(seed);
  return Array.from({ length: rows }, (_, row) => new Random((base + Math.imul(row, 0x9e3779b9)) >>> 0));
}

/** x + d with d uniform in [-radius, radius] per value (times the value's scale): a draw from the L-infinity ball. */
export function uniformNoisy(x: Float32Array, radius: number, scales: Float64Array | undefined, random: Random): Float32Array {
  const out = new Float32Array(x.length);
  for (let j = 0; j < x.length; j++) out[j] = x[j] + (2 * random.uniform() - 1) * radius * (scales ? scales[j] : 1);
  return out;
}

/** x + d with d normal with standard deviation `std` per value (times the value's scale). */
export function gaussianNoisy(x: Float32Array, std: number, scales: Float64Array | undefined, random: Random): Float32Array {
  const out = new Float32Array(x.length);
  for (let j = 0; j < x.length; j++) out[j] = x[j] + std * (scales ? scales[j] : 1) * random.normal();
  return out;
}

/** A positive whole number of samples, or a UsageError naming the option. */
export function checkSamples(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new UsageError(`${name} must be a whole number >= 1, got ${value}`, `pass e.g. ${name}: 10`);
  }
  return value;
}

/** A finite noise size > 0, or a UsageError naming the option. */
export function checkNoiseSize(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new UsageError(`${name} must be a finite number > 0, got ${value}`,
      `pass e.g. ${name}: 0.2 (in the input's units, or in standard deviations with noiseScale 'feature-std')`);
  }
  return value;
}
