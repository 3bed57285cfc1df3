import { UsageError } from '../errors.js';
import type { Matrix } from '../tabular/matrix.js';
import { Random, checkSeed } from '../util/random.js';

export interface KMeansResult {
  centers: Matrix;
  /** Cluster index per data row. */
  labels: Int32Array;
  /** Sum of squared distances of rows to their centers. */
  inertia: number;
}

export interface KMeansOptions {
  seed?: number;
  /** Independent k-means++ starts; the lowest inertia wins (sklearn: 10, as shap asks for). */
  nInit?: number;
  maxIter?: number;
  /** Relative tolerance: stop when the centers move less than tol * mean feature variance (sklearn's rule). */
  tol?: number;
}

/**
 * Lloyd's k-means with greedy k-means++ seeding, after scikit-learn's KMeans (same seeding rule with
 * 2 + floor(ln k) candidates per center, same stopping rule, n_init restarts). The random stream is
 * Glassbox's own, so the partition can differ from sklearn's where k-means has several local optima.
 */
export function kmeans(data: Matrix, k: number, options: KMeansOptions = {}): KMeansResult {
  const n = data.rows;
  const p = data.cols;
  if (!Number.isInteger(k) || k < 1) throw new UsageError(`k-means needs a positive whole number of clusters, got ${k}`, 'pass e.g. k = 10');
  if (k > n) throw new UsageError(`k-means: ${k} clusters but only ${n} rows`, `use at most ${n} clusters`);
  for (let i = 0; i < data.data.length; i++) {
    if (!Number.isFinite(data.data[i])) {
      throw new UsageError(`k-means: row ${Math.floor(i / p)}, column ${i % p} is ${data.data[i]}`, 'impute or drop missing values before summarising the background');
    }
  }
  const random = new Random(checkSeed(options.seed ?? 0));
  const nInit = options.nInit ?? 10;
  const maxIter = options.maxIter ?? 300;
  // sklearn: tol is relative to the mean of the per-feature variances.
  let meanVariance = 0;
  for (let j = 0; j < p; j++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += data.data[i * p + j] / n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (data.data[i * p + j] - mean) ** 2 / n;
    meanVariance += v / p;
  }
  const tol = (options.tol ?? 1e-4) * meanVariance;
  let best: KMeansResult | undefined;
  for (let run = 0; run < nInit; run++) {
    const result = lloyd(data, seedCenters(data, k, random), maxIter, tol);
    if (!best || result.inertia < best.inertia) best = result;
  }
  return best as KMeansResult;
}

function squaredDistance(a: Float64Array, ai: number, b: Float64Array, bi: number, p: number): number {
  let s = 0;
  for (let j = 0; j < p; j++) {
    const d = a[ai + j] - b[bi + j];
    s += d * d;
  }
  return s;
}

/** Greedy k-means++: each new center is the best (lowest potential) of several D^2-weighted draws. */
function seedCenters(data: Matrix, k: number, random: Random): Float64Array {
  const n = data.rows;
  const p = data.cols;
  const x = data.data;
  const centers = new Float64Array(k * p);
  const trials = 2 + Math.floor(Math.log(k));
  const first = random.int(n);
  centers.set(x.subarray(first * p, first * p + p), 0);
  const closest = new Float64Array(n);
  let potential = 0;
  for (let i = 0; i < n; i++) potential += (closest[i] = squaredDistance(x, i * p, centers, 0, p));
  const candidateDistances = new Float64Array(n);
  const bestDistances = new Float64Array(n);
  for (let c = 1; c < k; c++) {
    let bestCandidate = -1;
    let bestPotential = Infinity;
    for (let t = 0; t < trials; t++) {
      // Draw a row with probability proportional to its squared distance to the nearest center.
      let target = random.uniform() * potential;
      let candidate = n - 1;
      for (let i = 0; i < n; i++) {
        target -= closest[i];
        if (target < 0) { candidate = i; break; }
      }
      let pot = 0;
      for (let i = 0; i < n; i++) {
        candidateDistances[i] = Math.min(closest[i], squaredDistance(x, i * p, x, candidate * p, p));
        pot += candidateDistances[i];
      }
      if (pot < bestPotential) {
        bestPotential = pot;
        bestCandidate = candidate;
        bestDistances.set(candidateDistances);
      }
    }
    centers.set(x.subarray(bestCandidate * p, bestCandidate * p + p), c * p);
    closest.set(bestDistances);
    potential = bestPotential;
  }
  return centers;
}

function lloyd(data: Matrix, centers: Float64Array, maxIter: number, tol: number): KMeansResult {
  const n = data.rows;
  const p = data.cols;
  const k = centers.length / p;
  const x = data.data;
  const labels = new Int32Array(n);
  const assign = (): number => {
    let inertia = 0;
    for (let i = 0; i < n; i++) {
      let bestC = 0;
      let bestD = Infinity;
      for (let c = 0; c < k; c++) {
        const d = squaredDistance(x, i * p, centers, c * p, p);
        if (d < bestD) { bestD = d; bestC = c; }
      }
      labels[i] = bestC;
      inertia += bestD;
    }
    return inertia;
  };
  for (let iter = 0; iter < maxIter; iter++) {
    assign();
    const sums = new Float64Array(k * p);
    const counts = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      const c = labels[i];
      counts[c]++;
      for (let j = 0; j < p; j++) sums[c * p + j] += x[i * p + j];
    }
    // An empty cluster takes the row farthest from its center, which leaves its own cluster (sklearn).
    const empty = Array.from(counts.keys()).filter((c) => counts[c] === 0);
    if (empty.length) {
      const far = Array.from({ length: n }, (_, i) => [squaredDistance(x, i * p, centers, labels[i] * p, p), i] as const)
        .sort((a, b) => b[0] - a[0]);
      empty.forEach((c, e) => {
        const i = far[e][1];
        const old = labels[i];
        counts[old]--;
        for (let j = 0; j < p; j++) {
          sums[old * p + j] -= x[i * p + j];
          sums[c * p + j] = x[i * p + j];
        }
        counts[c] = 1;
        labels[i] = c;
      });
    }
    let shift = 0;
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) continue;
      for (let j = 0; j < p; j++) {
        const v = sums[c * p + j] / counts[c];
        shift += (v - centers[c * p + j]) ** 2;
        centers[c * p + j] = v;
      }
    }
    if (shift <= tol) break;
  }
  // Labels consistent with the final centers, as sklearn does after its loop.
  const inertia = assign();
  return { centers: { rows: k, cols: p, data: centers }, labels, inertia };
}

/**
 * A weighted background summary, as shap.kmeans: k-means centers, each coordinate then snapped to
 * the nearest value that feature takes in the data (so a one-hot or integer feature stays valid),
 * weighted by the share of rows in each cluster.
 */
export function kmeansSummary(data: Matrix, k: number, seed = 0): { centers: Matrix; weights: Float64Array } {
  const { centers, labels } = kmeans(data, k, { seed });
  return summariseClusters(data, centers, labels);
}

/** shap.kmeans' second half: snap each center coordinate to the closest data value; weights = cluster shares. */
export function summariseClusters(data: Matrix, centers: Matrix, labels: ArrayLike<number>): { centers: Matrix; weights: Float64Array } {
  const n = data.rows;
  const p = data.cols;
  const k = centers.rows;
  if (centers.cols !== p || labels.length !== n) throw new UsageError('summariseClusters: centers need one column per feature and labels one entry per row', 'pass the k-means result for this data');
  const snapped = new Float64Array(k * p);
  for (let c = 0; c < k; c++) {
    for (let j = 0; j < p; j++) {
      const target = centers.data[c * p + j];
      // First row with the smallest distance, as numpy's argmin.
      let bestI = 0;
      let bestD = Infinity;
      for (let i = 0; i < n; i++) {
        const d = Math.abs(data.data[i * p + j] - target);
        if (d < bestD) { bestD = d; bestI = i; }
      }
      snapped[c * p + j] = data.data[bestI * p + j];
    }
  }
  const weights = new Float64Array(k);
  for (let i = 0; i < n; i++) weights[labels[i]]++;
  for (let c = 0; c < k; c++) weights[c] /= n;
  return { centers: { rows: k, cols: p, data: snapped }, weights };
}
