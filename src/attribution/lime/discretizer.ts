import { UsageError } from '../../errors.js';
import { columnOf, type Matrix } from '../../tabular/matrix.js';
import { entropySplits } from './entropy-splits.js';
import { percentileSorted } from './percentile.js';
import { TruncatedNormal } from './truncated-normal.js';

/** lime's discretisers: quartiles, deciles, or the splits of a depth-3 entropy tree on the training labels. */
export type DiscretizerKind = 'quartile' | 'decile' | 'entropy';

export const discretizerKinds: readonly DiscretizerKind[] = ['quartile', 'decile', 'entropy'];

/** One continuous feature's bins: edges, labels and what lime samples inside each bin. */
export interface FeatureBins {
  /** Sorted distinct bin edges; bin b holds edges[b-1] < x <= edges[b] (numpy.searchsorted, side left). */
  edges: number[];
  /** lime's labels: "name <= e0", "e0 < name <= e1", ..., "name > e_last" (two decimals). */
  names: string[];
  /** Truncated normals per bin: training mean and std of the bin, bounded by the bin (and the training range). */
  samplers: TruncatedNormal[];
}

/**
 * lime.discretize's BaseDiscretizer for the continuous features: bin edges from the training data,
 * each bin's training mean and standard deviation (plus lime's 1e-11) and bounds for sampling values
 * back into bins.
 */
export class Discretizer {
  readonly bins = new Map<number, FeatureBins>();

  constructor(readonly kind: DiscretizerKind, training: Matrix, categorical: ReadonlySet<number>, featureNames: readonly string[], labels?: ArrayLike<number>) {
    if (kind === 'entropy' && !labels) {
      throw new UsageError('the entropy discretizer needs the training labels', 'pass trainingLabels (one class per training row), or use discretizer "quartile"');
    }
    for (let f = 0; f < training.cols; f++) {
      if (categorical.has(f)) continue;
      const column = columnOf(training, f);
      const sorted = Float64Array.from(column).sort();
      const edges = [...new Set(rawEdges(kind, sorted, column, labels))].sort((a, b) => a - b);
      const name = featureNames[f];
      const names = [`${name} <= ${fixed2(edges[0])}`];
      for (let i = 0; i + 1 < edges.length; i++) names.push(`${fixed2(edges[i])} < ${name} <= ${fixed2(edges[i + 1])}`);
      names.push(`${name} > ${fixed2(edges[edges.length - 1])}`);

      const sums = new Float64Array(edges.length + 1);
      const squares = new Float64Array(edges.length + 1);
      const counts = new Float64Array(edges.length + 1);
      const bins = column.map((v) => searchLeft(edges, v));
      bins.forEach((b, i) => { sums[b] += column[i]; counts[b]++; });
      const means = Array.from(sums, (s, b) => (counts[b] ? s / counts[b] : 0));
      bins.forEach((b, i) => { squares[b] += (column[i] - means[b]) ** 2; });
      const samplers = means.map((mean, b) => {
        const std = (counts[b] ? Math.sqrt(squares[b] / counts[b]) : 0) + 1e-11;
        const lo = b === 0 ? sorted[0] : edges[b - 1];
        const hi = b === edges.length ? sorted[sorted.length - 1] : edges[b];
        return new TruncatedNormal(mean, std, lo, hi);
      });
      this.bins.set(f, { edges, names, samplers });
    }
  }

  /** The bin index of value x of feature f. */
  binOf(f: number, x: number): number {
    const bins = this.bins.get(f);
    return bins ? searchLeft(bins.edges, x) : x;
  }
}

function rawEdges(kind: DiscretizerKind, sorted: Float64Array, column: Float64Array, labels?: ArrayLike<number>): number[] {
  switch (kind) {
    case 'quartile':
      return [25, 50, 75].map((q) => percentileSorted(sorted, q));
    case 'decile':
      return [10, 20, 30, 40, 50, 60, 70, 80, 90].map((q) => percentileSorted(sorted, q));
    case 'entropy': {
      const splits = entropySplits(column, labels!, 3);
      return splits.length ? splits : [percentileSorted(sorted, 50)];
    }
  }
}

/** numpy.searchsorted(edges, x) with side='left': the first index whose edge is >= x. */
function searchLeft(edges: readonly number[], x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Python's '%.2f': the exact binary value rounded, ties to even. toFixed rounds ties up, and a tie
 * happens exactly when 8x is an odd integer (x = j/8), so only those are corrected.
 */
export function fixed2(x: number): string {
  const eight = x * 8;
  if (Number.isInteger(eight) && Math.abs(eight) % 2 === 1) {
    const down = Math.floor(Math.abs(x) * 100);
    const cents = down % 2 === 0 ? down : down + 1;
    return `${x < 0 ? '-' : ''}${(cents / 100).toFixed(2)}`;
  }
  return x.toFixed(2);
}
