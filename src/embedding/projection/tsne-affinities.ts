/** A symmetric sparse matrix in compressed rows: row i's entries are cols/values[rowStart[i] .. rowStart[i + 1]). */
export interface SparseAffinities {
  count: number;
  rowStart: Int32Array;
  cols: Int32Array;
  values: Float64Array;
}

const STEPS = 100;
const ENTROPY_TOLERANCE = 1e-5;

/**
 * t-SNE's joint probabilities from each point's k nearest neighbours, as sklearn's
 * _binary_search_perplexity and _joint_probabilities_nn compute them: per point, a binary search on the
 * Gaussian's precision beta (starting at 1, doubling or halving until bracketed, at most 100 steps)
 * until the conditional distribution's entropy is log(perplexity) to 1e-5; then P = (P + P') / sum.
 * `neighbors` and `squaredDistances` are row-major [count, k], self excluded.
 */
export function jointProbabilities(neighbors: Int32Array, squaredDistances: Float32Array | Float64Array, count: number, k: number,
  perplexity: number): SparseAffinities {
  const conditional = new Float64Array(count * k);
  const desiredEntropy = Math.log(perplexity);
  for (let i = 0; i < count; i++) {
    const off = i * k;
    let betaMin = -Infinity;
    let betaMax = Infinity;
    let beta = 1;
    for (let step = 0; step < STEPS; step++) {
      let sum = 0;
      for (let j = 0; j < k; j++) {
        const p = Math.exp(-squaredDistances[off + j] * beta);
        conditional[off + j] = p;
        sum += p;
      }
      if (sum === 0) sum = 1e-8;
      let weighted = 0;
      for (let j = 0; j < k; j++) {
        conditional[off + j] /= sum;
        weighted += squaredDistances[off + j] * conditional[off + j];
      }
      const entropyDiff = Math.log(sum) + beta * weighted - desiredEntropy;
      if (Math.abs(entropyDiff) <= ENTROPY_TOLERANCE) break;
      if (entropyDiff > 0) {
        betaMin = beta;
        beta = betaMax === Infinity ? beta * 2 : (beta + betaMax) / 2;
      } else {
        betaMax = beta;
        beta = betaMin === -Infinity ? beta / 2 : (beta + betaMin) / 2;
      }
    }
  }
  return symmetrize(neighbors, conditional, count, k);
}

/** (P + P') / sum(P + P') in compressed rows, each row's columns in increasing order. */
function symmetrize(neighbors: Int32Array, conditional: Float64Array, count: number, k: number): SparseAffinities {
  const degree = new Int32Array(count + 1);
  for (let i = 0; i < count; i++) {
    for (let r = 0; r < k; r++) {
      degree[i + 1]++;
      degree[neighbors[i * k + r] + 1]++;
    }
  }
  for (let i = 0; i < count; i++) degree[i + 1] += degree[i];
  const fill = degree.slice(0, count);
  const rawCols = new Int32Array(degree[count]);
  const rawValues = new Float64Array(degree[count]);
  let total = 0;
  for (let i = 0; i < count; i++) {
    for (let r = 0; r < k; r++) {
      const j = neighbors[i * k + r];
      const p = conditional[i * k + r];
      total += 2 * p;
      rawCols[fill[i]] = j;
      rawValues[fill[i]++] = p;
      rawCols[fill[j]] = i;
      rawValues[fill[j]++] = p;
    }
  }
  const scale = 1 / Math.max(total, Number.EPSILON);
  // Merge the (i, j) entries that came from both i's and j's neighbour lists: `seenIn` marks the columns
  // row i has, `merged` sums their values in raw order; then the row's columns are sorted (natively).
  const seenIn = new Int32Array(count).fill(-1);
  const merged = new Float64Array(count);
  const rowStart = new Int32Array(count + 1);
  const cols = new Int32Array(degree[count]);
  const values = new Float64Array(degree[count]);
  let out = 0;
  for (let i = 0; i < count; i++) {
    const begin = out;
    for (let e = degree[i]; e < degree[i + 1]; e++) {
      const c = rawCols[e];
      if (seenIn[c] === i) merged[c] += rawValues[e] * scale;
      else {
        seenIn[c] = i;
        merged[c] = rawValues[e] * scale;
        cols[out++] = c;
      }
    }
    cols.subarray(begin, out).sort();
    for (let e = begin; e < out; e++) values[e] = merged[cols[e]];
    rowStart[i + 1] = out;
  }
  return { count, rowStart, cols: cols.slice(0, out), values: values.slice(0, out) };
}
