import { UsageError } from '../../errors.js';
import { checkPair } from './pearson.js';

export interface SsimOptions {
  /** Side of the square (or 1-D) window, odd. Default 7. */
  winSize?: number;
  /** The range the values span (C1 = (K1 R)^2, C2 = (K2 R)^2). Default: max - min over both maps together (1 when both are one constant). */
  dataRange?: number;
  /** Default 0.01. */
  k1?: number;
  /** Default 0.03. */
  k2?: number;
}

/**
 * Mean structural similarity (Wang et al. 2004) of two maps of shape [h, w] (or [n]), with
 * skimage.metrics.structural_similarity's semantics for gaussian_weights=False: uniform windows of
 * winSize^d values, sample covariances (normalised by N - 1), and
 *   S = (2 ux uy + C1)(2 vxy + C2) / ((ux^2 + uy^2 + C1)(vx + vy + C2))
 * averaged over the positions whose window lies inside the map (skimage crops (winSize - 1) / 2 from each
 * border). 1 for identical maps.
 */
export function structuralSimilarity(a: ArrayLike<number>, b: ArrayLike<number>, shape: readonly number[], options: SsimOptions = {}): number {
  checkPair(a, b, 'ssim');
  const [h, w] = planeOf(shape, a.length, 'ssim');
  const win = options.winSize ?? 7;
  if (!Number.isInteger(win) || win < 1 || win % 2 === 0) {
    throw new UsageError(`ssim window size must be an odd positive integer, got ${win}`, 'use e.g. winSize: 7');
  }
  const winRows = h === 1 ? 1 : win;
  if (w < win || h < winRows) {
    throw new UsageError(`ssim window ${win} exceeds the map (${shape.join(' x ')})`, `give maps of at least ${win} values per side, or a smaller odd winSize`);
  }
  const range = options.dataRange ?? jointRange(a, b);
  if (!(range > 0) || !Number.isFinite(range)) throw new UsageError(`ssim data range must be a positive number, got ${range}`, 'pass the span of the maps\' values, e.g. 1 or 2');
  const c1 = ((options.k1 ?? 0.01) * range) ** 2;
  const c2 = ((options.k2 ?? 0.03) * range) ** 2;
  const np = winRows * win;
  const covNorm = np / (np - 1);
  let total = 0;
  let count = 0;
  for (let r = 0; r + winRows <= h; r++) {
    for (let c = 0; c + win <= w; c++) {
      let sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
      for (let i = r; i < r + winRows; i++) {
        for (let j = i * w + c, end = j + win; j < end; j++) {
          const x = a[j];
          const y = b[j];
          sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y;
        }
      }
      const ux = sx / np;
      const uy = sy / np;
      const vx = covNorm * (sxx / np - ux * ux);
      const vy = covNorm * (syy / np - uy * uy);
      const vxy = covNorm * (sxy / np - ux * uy);
      total += ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
      count++;
    }
  }
  return total / count;
}

function jointRange(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (const m of [a, b]) {
    for (let i = 0; i < m.length; i++) {
      if (m[i] < lo) lo = m[i];
      if (m[i] > hi) hi = m[i];
    }
  }
  return hi > lo ? hi - lo : 1;
}

/** [rows, cols] of a map given as [h, w] or [n] (leading 1s allowed), checked against its size. */
export function planeOf(shape: readonly number[], size: number, measure: string): [number, number] {
  const dims = shape.filter((d, i) => !(d === 1 && i < shape.length - 2));
  const plane: [number, number] | undefined = dims.length === 1 ? [1, dims[0]] : dims.length === 2 ? [dims[0], dims[1]] : undefined;
  if (!plane || plane[0] * plane[1] !== size) {
    throw new UsageError(`${measure} needs maps of shape [height, width] or [length] holding ${size} values, got [${shape.join(', ')}]`,
      'pass the feature shape of the explained rows (subject.featureShape)');
  }
  return plane;
}
