import { UsageError } from '../errors.js';
import type { Matrix } from '../tabular/matrix.js';
import { cholesky, choleskySolve } from './linalg.js';

/**
 * The LARS / lasso path of y on the columns of x, with scikit-learn's `lars_path` semantics
 * (no intercept: callers centre x and y; alphas are the largest absolute correlation of the inactive
 * columns with the residual, divided by the number of rows).
 */
export interface LarsPath {
  /** Alpha at each step, decreasing; the last is 0 when the path ran to the least-squares fit. */
  alphas: Float64Array;
  /** Feature indices active at the end of the path, in the order they entered. */
  active: number[];
  /** One coefficient vector (length x.cols) per step, coefs[k] at alphas[k]. */
  coefs: number[][];
}

export interface LarsOptions {
  /** 'lar' (least angle regression) or 'lasso' (variables can leave the active set). Default 'lar', as sklearn. */
  method?: 'lasso' | 'lar';
  /** At most this many steps (default 500, as sklearn). */
  maxIter?: number;
}

// Constants sklearn uses: float32's smallest normal guards divisions, float32's epsilon ends the path.
const TINY32 = 1.1754943508222875e-38;
const FLOAT32_EPS = 1.1920928955078125e-7;
const EPS = 2.220446049250313e-16;

/** numpy.around(x, 15): rint(x * 1e15) / 1e15, ties to even. */
function around15(x: number): number {
  const y = x * 1e15;
  let r = Math.round(y);
  if (Math.abs(y % 1) === 0.5 && r % 2 !== 0) r -= 1;
  return r / 1e15;
}

/** Smallest strictly positive value, or the largest double when there is none (sklearn's min_pos). */
function minPositive(values: ArrayLike<number>): number {
  let m = Number.MAX_VALUE;
  for (let i = 0; i < values.length; i++) if (values[i] > 0 && values[i] < m) m = values[i];
  return m;
}

export function larsPath(x: Matrix, y: Float64Array, options: LarsOptions = {}): LarsPath {
  const method = options.method ?? 'lar';
  const maxIter = options.maxIter ?? 500;
  const n = x.rows;
  const p = x.cols;
  if (y.length !== n) throw new UsageError(`larsPath: x has ${n} rows but y has ${y.length} values`, 'give one y value per row of x');
  if (method !== 'lar' && method !== 'lasso') throw new UsageError(`larsPath: unknown method '${String(method)}'`, "use 'lar' or 'lasso'");
  if (!Number.isInteger(maxIter) || maxIter < 0) throw new UsageError(`larsPath: maxIter must be a non-negative integer, got ${maxIter}`, 'pass e.g. maxIter: 500');
  for (let i = 0; i < x.data.length; i++) {
    if (!Number.isFinite(x.data[i])) throw new UsageError(`larsPath: x has a non-finite value at row ${Math.floor(i / p)}, column ${i % p}`, 'remove or impute missing values first');
  }
  for (let i = 0; i < n; i++) if (!Number.isFinite(y[i])) throw new UsageError(`larsPath: y[${i}] is ${y[i]}`, 'y must be finite');

  const xd = x.data;
  // Correlations go through the Gram matrix when rows outnumber columns (sklearn's precompute='auto').
  const useGram = n > p;
  let gram: Float64Array | undefined;
  if (useGram) {
    gram = new Float64Array(p * p);
    for (let i = 0; i < n; i++) {
      const r = i * p;
      for (let a = 0; a < p; a++) {
        const va = xd[r + a];
        if (va === 0) continue;
        for (let b = a; b < p; b++) gram[a * p + b] += va * xd[r + b];
      }
    }
    for (let a = 0; a < p; a++) for (let b = 0; b < a; b++) gram[a * p + b] = gram[b * p + a];
  }
  const colDot = (a: number, b: number): number => {
    if (gram) return gram[a * p + b];
    let s = 0;
    for (let i = 0; i < n; i++) s += xd[i * p + a] * xd[i * p + b];
    return s;
  };
  const xty = new Float64Array(p);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) xty[j] += xd[i * p + j] * y[i];

  // Position k of `indices` holds a feature: [0, nActive) are active (in `active` order), the rest
  // inactive, with cov[k - nActive] their correlation with the residual. Kept in sklearn's order so
  // ties in argmax break the same way.
  const indices = Array.from({ length: p }, (_, j) => j);
  let cov = Array.from(xty);
  const active: number[] = [];
  let signActive: number[] = [];
  let nActive = 0;
  let nIter = 0;
  let drop = false;
  let chol: Float64Array | null = null;
  const alphas: number[] = [];
  const coefs: number[][] = [new Array<number>(p).fill(0)];

  const refactor = (): void => {
    const g = new Float64Array(nActive * nActive);
    for (let a = 0; a < nActive; a++) for (let b = 0; b < nActive; b++) g[a * nActive + b] = colDot(active[a], active[b]);
    chol = cholesky(g, nActive) ?? regularisedCholesky(g, nActive);
  };

  for (;;) {
    let cIdx = 0;
    let cSigned = 0;
    let c = 0;
    if (cov.length) {
      for (let k = 0; k < cov.length; k++) if (Math.abs(cov[k]) > Math.abs(cov[cIdx])) cIdx = k;
      cSigned = cov[cIdx];
      c = Math.abs(cSigned);
    }
    const alpha = c / n;
    alphas[nIter] = alpha;
    if (alpha <= FLOAT32_EPS) break; // sklearn: alpha <= alpha_min + float32 eps ends the path
    if (nIter >= maxIter || nActive >= p) break;

    if (!drop) {
      // Move the most correlated inactive feature to position nActive.
      const m = nActive;
      const pos = cIdx + nActive;
      [cov[cIdx], cov[0]] = [cov[0], cov[cIdx]];
      [indices[pos], indices[m]] = [indices[m], indices[pos]];
      const feature = indices[m];
      // Would the new column be (nearly) in the span of the active ones? sklearn's test: the new
      // Cholesky pivot below 1e-7.
      const row = new Float64Array(nActive);
      for (let a = 0; a < nActive; a++) row[a] = colDot(feature, active[a]);
      const prev = chol as Float64Array | null;
      // Forward substitution L w = row.
      const w = new Float64Array(nActive);
      for (let a = 0; a < nActive; a++) {
        let s = row[a];
        for (let b = 0; b < a; b++) s -= (prev as Float64Array)[a * nActive + b] * w[b];
        w[a] = s / (prev as Float64Array)[a * nActive + a];
      }
      let v = 0;
      for (let a = 0; a < nActive; a++) v += w[a] * w[a];
      const diag = Math.max(Math.sqrt(Math.abs(colDot(feature, feature) - v)), EPS);
      if (diag < 1e-7) {
        // Degenerate column: give it zero correlation and try the next one. (sklearn also leaves the
        // column swap in place, mismatching correlations and columns; we undo it.)
        [indices[pos], indices[m]] = [indices[m], indices[pos]];
        cov[0] = 0;
        [cov[cIdx], cov[0]] = [cov[0], cov[cIdx]];
        continue;
      }
      const next = new Float64Array((nActive + 1) * (nActive + 1));
      for (let a = 0; a < nActive; a++) for (let b = 0; b <= a; b++) next[a * (nActive + 1) + b] = (prev as Float64Array)[a * nActive + b];
      for (let b = 0; b < nActive; b++) next[nActive * (nActive + 1) + b] = w[b];
      next[nActive * (nActive + 1) + nActive] = diag;
      chol = next;
      signActive[nActive] = Math.sign(cSigned);
      cov = cov.slice(1);
      active.push(feature);
      nActive++;
    }

    if (method === 'lasso' && nIter > 0 && alphas[nIter - 1] < alpha) {
      // Rounding in the correlation updates made alpha grow: the path is done (as sklearn).
      break;
    }

    // Equiangular direction: solve (X_A^T X_A) ls = sign, scaled to unit correlation AA.
    const signs = signActive.slice(0, nActive);
    let ls = choleskySolve(chol as unknown as Float64Array, nActive, signs);
    let aa: number;
    if (ls.length === 1 && ls[0] === 0) {
      ls[0] = 1;
      aa = 1;
    } else {
      aa = 1 / Math.sqrt(ls.reduce((s, v, k) => s + v * signs[k], 0));
      if (!Number.isFinite(aa)) {
        // Ill-conditioned active set: add growing ridge terms until the direction is finite (sklearn).
        const l0 = chol as unknown as Float64Array;
        for (let i = 0; !Number.isFinite(aa); i++) {
          const lj = l0.slice();
          for (let k = 0; k < nActive; k++) lj[k * nActive + k] += 2 ** i * EPS;
          ls = choleskySolve(lj, nActive, signs);
          aa = 1 / Math.sqrt(Math.max(ls.reduce((s, v, k) => s + v * signs[k], 0), EPS));
        }
      }
      for (let k = 0; k < nActive; k++) ls[k] *= aa;
    }

    // Correlation of each inactive column with the equiangular direction.
    const inactive = indices.slice(nActive);
    const corr = new Float64Array(inactive.length);
    if (gram) {
      for (let k = 0; k < inactive.length; k++) {
        let s = 0;
        for (let a = 0; a < nActive; a++) s += gram[active[a] * p + inactive[k]] * ls[a];
        corr[k] = around15(s);
      }
    } else {
      const eq = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let a = 0; a < nActive; a++) s += xd[i * p + active[a]] * ls[a];
        eq[i] = s;
      }
      for (let k = 0; k < inactive.length; k++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += xd[i * p + inactive[k]] * eq[i];
        corr[k] = around15(s);
      }
    }
    const g1 = minPositive(cov.map((cv, k) => (c - cv) / (aa - corr[k] + TINY32)));
    const g2 = minPositive(cov.map((cv, k) => (c + cv) / (aa + corr[k] + TINY32)));
    let gamma = Math.min(g1, g2, c / aa);

    const coef = coefs[nIter];
    drop = false;
    const z = active.map((f, k) => -coef[f] / (ls[k] + TINY32));
    const zPos = minPositive(z);
    let dropped: number[] = [];
    if (zPos < gamma) {
      // A coefficient reaches zero before the next variable joins.
      dropped = z.map((v, k) => (v === zPos ? k : -1)).filter((k) => k >= 0).reverse();
      for (const k of dropped) signActive[k] = -signActive[k];
      if (method === 'lasso') gamma = zPos;
      drop = true;
    }
    nIter++;
    const nextCoef = new Array<number>(p).fill(0);
    for (let k = 0; k < nActive; k++) nextCoef[active[k]] = coef[active[k]] + gamma * ls[k];
    coefs[nIter] = nextCoef;
    for (let k = 0; k < cov.length; k++) cov[k] -= gamma * corr[k];

    if (drop && method === 'lasso') {
      // Remove the variables whose coefficients crossed zero; each goes back to the inactive side
      // just after the active block, with its correlation recomputed from the residual.
      for (const k of dropped) {
        const feature = active[k];
        active.splice(k, 1);
        signActive.splice(k, 1);
        indices.splice(k, 1);
        nActive--;
        indices.splice(nActive, 0, feature);
        let r = xty[feature];
        for (let a = 0; a < nActive; a++) r -= colDot(feature, active[a]) * nextCoef[active[a]];
        cov.unshift(r);
      }
      signActive = signActive.slice(0, nActive);
      refactor();
    }
  }
  const steps = nIter + 1;
  return { alphas: Float64Array.from(alphas.slice(0, steps)), active: active.slice(), coefs: coefs.slice(0, steps) };
}

/** Cholesky of a nearly singular Gram block: add the smallest diagonal ridge that makes it factor. */
function regularisedCholesky(g: Float64Array, n: number): Float64Array {
  for (let i = 0; ; i++) {
    const h = g.slice();
    for (let k = 0; k < n; k++) h[k * n + k] += 2 ** i * EPS * Math.max(1, Math.abs(g[k * n + k]));
    const l = cholesky(h, n);
    if (l) return l;
  }
}
