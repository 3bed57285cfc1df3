import { UsageError } from '../../errors.js';
import { checkPair, pearsonCorrelation } from './pearson.js';
import { planeOf } from './ssim.js';

export type HogBlockNorm = 'L1' | 'L1-sqrt' | 'L2' | 'L2-Hys';

export interface HogOptions {
  /** Orientation bins over [0, 180) degrees. Default 9. */
  orientations?: number;
  /** Cell size in pixels, [rows, cols]. Default [8, 8]. */
  pixelsPerCell?: [number, number];
  /** Block size in cells, [rows, cols]. Default [3, 3]. */
  cellsPerBlock?: [number, number];
  /** Default 'L2-Hys'. */
  blockNorm?: HogBlockNorm;
}

const EPS = 1e-5;

/**
 * Histogram-of-oriented-gradients features of a [h, w] map with skimage.feature.hog's semantics (its defaults,
 * transform_sqrt off, feature_vector on): central differences (zero on the border rows / columns), unsigned
 * orientation in [0, 180) put whole into one of `orientations` bins, each cell's histogram the sum of its
 * pixels' gradient magnitudes over the cell area (accumulated in float32, as skimage's kernel does), and
 * every block of cells normalised; the blocks flattened as (block row, block col, cell row, cell col, bin).
 */
export function hogFeatures(map: ArrayLike<number>, shape: readonly number[], options: HogOptions = {}): Float64Array {
  const [h, w] = planeOf(shape, map.length, 'hog');
  const bins = options.orientations ?? 9;
  const [cellRows, cellCols] = options.pixelsPerCell ?? [8, 8];
  const [blockRows, blockCols] = options.cellsPerBlock ?? [3, 3];
  const norm = options.blockNorm ?? 'L2-Hys';
  for (const [name, v] of [['orientations', bins], ['pixelsPerCell', cellRows], ['pixelsPerCell', cellCols], ['cellsPerBlock', blockRows], ['cellsPerBlock', blockCols]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new UsageError(`hog ${name} must be positive integers, got ${v}`, 'use e.g. orientations: 9, pixelsPerCell: [8, 8], cellsPerBlock: [3, 3]');
  }
  if (!['L1', 'L1-sqrt', 'L2', 'L2-Hys'].includes(norm)) throw new UsageError(`unknown hog block norm "${norm}"`, 'choose L1, L1-sqrt, L2 or L2-Hys');
  const cellsDown = Math.floor(h / cellRows);
  const cellsAcross = Math.floor(w / cellCols);
  if (cellsDown < blockRows || cellsAcross < blockCols) {
    throw new UsageError(`a ${h} x ${w} map holds no hog block of ${blockRows} x ${blockCols} cells of ${cellRows} x ${cellCols} pixels`,
      'use smaller pixelsPerCell or cellsPerBlock for small maps');
  }
  const perBin = 180 / bins;
  const histogram = new Float64Array(cellsDown * cellsAcross * bins);
  const area = cellRows * cellCols;
  for (let y = 0; y < cellsDown * cellRows; y++) {
    for (let x = 0; x < cellsAcross * cellCols; x++) {
      const gRow = y === 0 || y === h - 1 ? 0 : map[(y + 1) * w + x] - map[(y - 1) * w + x];
      const gCol = x === 0 || x === w - 1 ? 0 : map[y * w + x + 1] - map[y * w + x - 1];
      // numpy.rad2deg multiplies by the constant 180 / pi: the same rounding puts 45 degrees in the same bin.
      const orientation = floorMod(Math.atan2(gRow, gCol) * (180 / Math.PI), 180);
      let bin = -1;
      for (let i = 0; i < bins; i++) if (orientation < perBin * (i + 1) && orientation >= perBin * i) bin = i;
      if (bin < 0) continue;
      const at = (Math.floor(y / cellRows) * cellsAcross + Math.floor(x / cellCols)) * bins + bin;
      histogram[at] = Math.fround(histogram[at] + Math.hypot(gCol, gRow));
    }
  }
  for (let i = 0; i < histogram.length; i++) histogram[i] = Math.fround(histogram[i] / area);

  const blocksDown = cellsDown - blockRows + 1;
  const blocksAcross = cellsAcross - blockCols + 1;
  const blockSize = blockRows * blockCols * bins;
  const out = new Float64Array(blocksDown * blocksAcross * blockSize);
  const block = new Float64Array(blockSize);
  for (let r = 0; r < blocksDown; r++) {
    for (let c = 0; c < blocksAcross; c++) {
      let k = 0;
      for (let i = 0; i < blockRows; i++) {
        for (let j = 0; j < blockCols; j++) {
          for (let b = 0; b < bins; b++) block[k++] = histogram[((r + i) * cellsAcross + c + j) * bins + b];
        }
      }
      normaliseBlock(block, norm);
      out.set(block, (r * blocksAcross + c) * blockSize);
    }
  }
  return out;
}

/** Pearson correlation of the two maps' HOG features (Adebayo et al. 2018's HOG similarity). */
export function hogSimilarity(a: ArrayLike<number>, b: ArrayLike<number>, shape: readonly number[], options: HogOptions = {}): number {
  checkPair(a, b, 'hog');
  return pearsonCorrelation(hogFeatures(a, shape, options), hogFeatures(b, shape, options));
}

/** numpy's float modulo: the result takes the divisor's sign (and -1e-20 % 180 is 180). */
function floorMod(a: number, b: number): number {
  const m = a % b;
  if (m === 0) return 0;
  return m < 0 ? m + b : m;
}

function normaliseBlock(block: Float64Array, norm: HogBlockNorm): void {
  const l2 = () => Math.sqrt(block.reduce((s, v) => s + v * v, 0) + EPS * EPS);
  if (norm === 'L1' || norm === 'L1-sqrt') {
    const l1 = block.reduce((s, v) => s + Math.abs(v), 0) + EPS;
    for (let i = 0; i < block.length; i++) block[i] = norm === 'L1' ? block[i] / l1 : Math.sqrt(block[i] / l1);
    return;
  }
  let d = l2();
  for (let i = 0; i < block.length; i++) block[i] /= d;
  if (norm === 'L2') return;
  for (let i = 0; i < block.length; i++) block[i] = Math.min(block[i], 0.2);
  d = l2();
  for (let i = 0; i < block.length; i++) block[i] /= d;
}
