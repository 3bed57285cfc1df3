import { UsageError } from '../../errors.js';
import type { TabularModel } from '../../models/tabular/model.js';
import { lassoLarsIc } from '../../stats/lasso-lars-ic.js';
import { larsPath } from '../../stats/lars.js';
import { cholesky, choleskySolve } from '../../stats/linalg.js';
import type { Matrix } from '../../tabular/matrix.js';
import { Random, checkSeed } from '../../util/random.js';
import type { TabularExplanation } from '../tabular-explanation.js';
import { gameEnds, type CoalitionGame } from './game.js';
import { checkLink, linkedGame, type Link } from './link.js';
import type { CoalitionShapleyResult } from './shapley-result.js';
import { explainTabularRows, type TabularShapleyOptions } from './tabular-runner.js';

/**
 * Feature selection before the regression, as shap's l1_reg: 'none' (shap's False), a fixed number
 * of features (shap's "num_features(k)": the first k to enter a LAR path), the lasso step chosen by
 * AIC or BIC (shap's "aic"/"bic": LassoLarsIC on standardised columns), or shap's old default 'auto'
 * (AIC when less than 20% of the coalitions are evaluated, else none). Glassbox's default is 'none':
 * shap >= 0.47 defaults to num_features(10) and older shap to 'auto', and both set every unselected
 * feature to exactly 0, which is no longer an estimate of its Shapley value.
 */
export type L1Reg = 'none' | 'auto' | 'aic' | 'bic' | { numFeatures: number };

export interface KernelShapGameOptions {
  /** Coalitions to evaluate; 'auto' = 2M + 2048 (shap), capped at 2^M - 2 (all of them). */
  nsamples?: number | 'auto';
  l1Reg?: L1Reg;
  /** Space the values add up in (default identity). */
  link?: Link;
  /** Seed for the sampled coalitions (default 0); ignored when `random` is given. */
  seed?: number;
  /** A random stream to draw from (lets several games share one seeded stream). */
  random?: Random;
  /** v(all players) and v(no player) when the caller knows them (already in link space). */
  ends?: { full: number; empty: number };
  /** Called with (coalitions evaluated, coalitions planned) as the work proceeds. */
  onProgress?: (done: number, total: number) => void;
}

/** The coalitions KernelSHAP evaluates, with their kernel weights (shap's addsample sequence). */
interface CoalitionPlan {
  m: number;
  count: number;
  /** count * m bytes. */
  masks: Uint8Array;
  weights: Float64Array;
  /** The first `fixed` coalitions enumerate whole subset sizes; the rest were sampled. */
  fixed: number;
  /** For each sampled coalition, its draw unit (a mask and its complement are drawn together). */
  unitOf: Int32Array;
  /** Draws per unit (duplicates add to the weight instead of a new row). */
  unitDraws: number[];
  /** Kernel weight of one draw after normalisation. */
  drawWeight: number;
  nsamples: number;
  maxSamples: number;
}

function binom(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r < 2 ** 53 ? Math.round(r) : r;
}

/**
 * shap's KernelExplainer sample plan: subset sizes s and M - s are taken together with the Shapley
 * kernel's share; sizes whose every subset fits in the remaining budget are enumerated completely
 * (smallest first), the remaining budget is drawn at random, each draw with its complement.
 */
function planCoalitions(m: number, nsamplesOption: number | 'auto', random: Random): CoalitionPlan {
  let nsamples = nsamplesOption === 'auto' ? 2 * m + 2048 : nsamplesOption;
  const maxSamples = m <= 30 ? 2 ** m - 2 : 2 ** 30;
  if (nsamples > maxSamples) nsamples = maxSamples;
  const numSizes = Math.ceil((m - 1) / 2);
  const numPaired = Math.floor((m - 1) / 2);
  const weightVector = Array.from({ length: numSizes }, (_, k) => (m - 1) / ((k + 1) * (m - k - 1)));
  for (let k = 0; k < numPaired; k++) weightVector[k] *= 2;
  const wsum = weightVector.reduce((s, w) => s + w, 0);
  for (let k = 0; k < numSizes; k++) weightVector[k] /= wsum;

  const masks = new Uint8Array(nsamples * m);
  const weights = new Float64Array(nsamples);
  let count = 0;
  const add = (mask: Uint8Array, w: number): number => {
    masks.set(mask, count * m);
    weights[count] = w;
    return count++;
  };

  let numFull = 0;
  let left = nsamples;
  const remaining = weightVector.slice();
  const mask = new Uint8Array(m);
  for (let size = 1; size <= numSizes; size++) {
    const paired = size <= numPaired;
    const nsubsets = binom(m, size) * (paired ? 2 : 1);
    if (!((left * remaining[size - 1]) / nsubsets >= 1 - 1e-8)) break;
    numFull++;
    left -= nsubsets;
    if (remaining[size - 1] < 1) {
      const scale = 1 - remaining[size - 1];
      for (let k = 0; k < numSizes; k++) remaining[k] /= scale;
    }
    const w = weightVector[size - 1] / binom(m, size) / (paired ? 2 : 1);
    // Every subset of this size in lexicographic order (itertools.combinations), each with its complement.
    const idx = Array.from({ length: size }, (_, k) => k);
    for (;;) {
      mask.fill(0);
      for (const i of idx) mask[i] = 1;
      add(mask, w);
      if (paired) {
        for (let j = 0; j < m; j++) mask[j] = 1 - mask[j];
        add(mask, w);
      }
      let k = size - 1;
      while (k >= 0 && idx[k] === m - size + k) k--;
      if (k < 0) break;
      idx[k]++;
      for (let j = k + 1; j < size; j++) idx[j] = idx[j - 1] + 1;
    }
  }

  const fixed = count;
  let samplesLeft = nsamples - count;
  const unitOf = new Int32Array(nsamples).fill(-1);
  const unitDraws: number[] = [];
  let drawWeight = 0;
  if (numFull !== numSizes && samplesLeft > 0) {
    const sizeWeights = weightVector.slice();
    for (let k = 0; k < numPaired; k++) sizeWeights[k] /= 2; // a paired draw yields two coalitions
    const tail = sizeWeights.slice(numFull);
    const tsum = tail.reduce((s, w) => s + w, 0);
    const cumulative: number[] = [];
    tail.reduce((s, w) => { cumulative.push((s + w) / tsum); return s + w; }, 0);
    const order = Int32Array.from({ length: m }, (_, j) => j);
    const seen = new Map<number | string, number>();
    const numericKeys = m <= 52;
    const maxDraws = 4 * samplesLeft;
    for (let draw = 0; samplesLeft > 0 && draw < maxDraws; draw++) {
      const u = random.uniform();
      let sizeIndex = 0;
      while (sizeIndex < tail.length - 1 && !(u < cumulative[sizeIndex])) sizeIndex++;
      const size = sizeIndex + numFull + 1;
      mask.fill(0);
      // A uniformly random subset of this size: a partial Fisher-Yates shuffle.
      for (let k = 0; k < size; k++) {
        const j = k + random.int(m - k);
        const t = order[k]; order[k] = order[j]; order[j] = t;
        mask[order[k]] = 1;
      }
      let key: number | string;
      if (numericKeys) {
        key = 0;
        for (let j = 0; j < m; j++) key = key * 2 + mask[j];
      } else {
        key = Buffer.from(mask).toString('latin1');
      }
      const paired = size <= numPaired;
      const previous = seen.get(key);
      if (previous === undefined) {
        const unit = unitDraws.length;
        unitDraws.push(1);
        const i = add(mask, 1);
        unitOf[i] = unit;
        seen.set(key, i);
        samplesLeft--;
        if (samplesLeft > 0 && paired) {
          for (let j = 0; j < m; j++) mask[j] = 1 - mask[j];
          unitOf[add(mask, 1)] = unit;
          samplesLeft--;
        }
      } else {
        // A repeat: its row (and its complement's, added right after it) gains weight.
        weights[previous]++;
        unitDraws[unitOf[previous]]++;
        if (paired && previous + 1 < count && unitOf[previous + 1] === unitOf[previous]) weights[previous + 1]++;
      }
    }
    const weightLeft = weightVector.slice(numFull).reduce((s, w) => s + w, 0);
    let sampled = 0;
    for (let i = fixed; i < count; i++) sampled += weights[i];
    drawWeight = weightLeft / sampled;
    for (let i = fixed; i < count; i++) weights[i] *= drawWeight;
  }
  return {
    m, count, masks: masks.subarray(0, count * m), weights: weights.subarray(0, count), fixed,
    unitOf: unitOf.subarray(0, count), unitDraws, drawWeight, nsamples, maxSamples,
  };
}

/** The regression KernelSHAP solves: coalitions (count x m 0/1 masks), kernel weights, eyAdj = v(S) - v(none). */
export interface KernelRegression {
  m: number;
  count: number;
  masks: Uint8Array;
  weights: Float64Array;
  eyAdj: Float64Array;
  /** v(all) - v(none). */
  total: number;
  /** nsamples / (2^M - 2): 'auto' selects only below 0.2. */
  fractionEvaluated: number;
}

/**
 * Players to keep in the regression, in the order whose last is eliminated (shap's nonzero_inds):
 * shap's solve() feature selection on its augmented regression.
 */
export function kernelL1Selection(regression: KernelRegression, l1: L1Reg): number[] {
  const { m, count, masks, weights, eyAdj, total } = regression;
  const all = Array.from({ length: m }, (_, j) => j);
  let mode = l1;
  if (mode === 'auto') mode = regression.fractionEvaluated < 0.2 ? 'aic' : 'none';
  if (mode === 'none') return all;
  // shap's augmented regression: each coalition once as itself (weight w (M - s)) and once against
  // the full prediction (weight w s), which puts the efficiency constraint softly into the lasso.
  const x: Matrix = { rows: 2 * count, cols: m, data: new Float64Array(2 * count * m) };
  const y = new Float64Array(2 * count);
  for (let i = 0; i < count; i++) {
    let s = 0;
    for (let j = 0; j < m; j++) s += masks[i * m + j];
    const a = Math.sqrt(weights[i] * (m - s));
    const b = Math.sqrt(weights[i] * s);
    y[i] = a * eyAdj[i];
    y[count + i] = b * (eyAdj[i] - total);
    for (let j = 0; j < m; j++) {
      x.data[i * m + j] = a * masks[i * m + j];
      x.data[(count + i) * m + j] = b * (masks[i * m + j] - 1);
    }
  }
  if (typeof mode === 'object') return larsPath(x, y, { method: 'lar', maxIter: mode.numFeatures }).active;
  // StandardScaler(with_mean=False): divide each column by its (population) standard deviation.
  const n = x.rows;
  for (let j = 0; j < m; j++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += x.data[i * m + j] / n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (x.data[i * m + j] - mean) ** 2 / n;
    const scale = Math.sqrt(v) < 10 * 2.220446049250313e-16 ? 1 : Math.sqrt(v);
    for (let i = 0; i < n; i++) x.data[i * m + j] /= scale;
  }
  return lassoLarsIc(x, y, mode).selected;
}

interface KernelSolution {
  phi: Float64Array;
  se: Float64Array;
  selected: number[];
  singular: boolean;
}

/**
 * The constrained weighted regression: eliminate the last selected player with sum(phi) = total,
 * solve the weighted normal equations by Cholesky, and (for sampled plans) a linearised-bootstrap
 * standard error: the sandwich A^-1 S A^-1 where S is the sample covariance of the per-draw score
 * w x (y - x.beta) over the random draw units (a coalition with its complement), scaled by the number
 * of draws. Enumerated coalitions are fixed and carry no variance.
 */
function solveKernel(plan: CoalitionPlan, eyAdj: Float64Array, total: number, selected: number[]): KernelSolution {
  const { m, count, masks, weights } = plan;
  const phi = new Float64Array(m);
  const se = new Float64Array(m);
  if (selected.length === 0) return { phi, se, selected, singular: false };
  const last = selected[selected.length - 1];
  const others = selected.slice(0, -1);
  const k = others.length;
  // Reduced design x~_ij = m_ij - m_i,last and target y~_i = eyAdj_i - m_i,last * total. Its weighted
  // Gram matrix comes from the mask Gram G = M^T W M (cheap: masks are 0/1, so each row only adds
  // over its present players):
  //   (X~^T W X~)_ab = G_ab - G_a,l - G_l,b + G_ll,   (X~^T W y~)_a = (M^T W y~)_a - (M^T W y~)_l.
  const g = new Float64Array(m * m);
  const my = new Float64Array(m);
  const yr = new Float64Array(count);
  const present = new Int32Array(m);
  // A coalition and its complement with equal weight w (most rows come so) add
  //   w [m m^T + (1 - m)(1 - m)^T] = w [2 m m^T - m 1^T - 1 m^T + 1 1^T],
  // symmetric in m and 1 - m: one outer product over the smaller side, plus rank-one terms
  // collected in u (sum of w m) and t (sum of w) and added at the end.
  const u = new Float64Array(m);
  let t = 0;
  let myAll = 0;
  const addOuter = (row: number, w: number, wy: number): void => {
    let np = 0;
    for (let j = 0; j < m; j++) if (masks[row + j]) present[np++] = j;
    for (let a = 0; a < np; a++) {
      const pa = present[a];
      my[pa] += wy;
      const ga = pa * m;
      for (let b = a; b < np; b++) g[ga + present[b]] += w;
    }
  };
  for (let i = 0; i < count; i++) {
    const row = i * m;
    yr[i] = eyAdj[i] - masks[row + last] * total;
    const w = weights[i];
    if (i + 1 < count && weights[i + 1] === w && w !== 0) {
      const next = row + m;
      let complement = true;
      let size = 0;
      for (let j = 0; j < m && complement; j++) {
        complement = masks[row + j] + masks[next + j] === 1;
        size += masks[row + j];
      }
      if (complement) {
        yr[i + 1] = eyAdj[i + 1] - masks[next + last] * total;
        // Outer product over the side with fewer players.
        const [side, ySide, yOther] = size <= m - size ? [row, yr[i], yr[i + 1]] : [next, yr[i + 1], yr[i]];
        addOuter(side, 2 * w, w * (ySide - yOther));
        for (let j = 0; j < m; j++) if (masks[side + j]) u[j] += w;
        t += w;
        myAll += w * yOther;
        i++;
        continue;
      }
    }
    if (w !== 0) addOuter(row, w, w * yr[i]);
  }
  for (let a = 0; a < m; a++) {
    my[a] += myAll;
    for (let b = a; b < m; b++) g[a * m + b] += t - u[a] - u[b];
  }
  for (let a = 0; a < m; a++) for (let b = 0; b < a; b++) g[a * m + b] = g[b * m + a];
  const gram = new Float64Array(k * k);
  const rhs = new Float64Array(k);
  const gll = g[last * m + last];
  for (let a = 0; a < k; a++) {
    const oa = others[a];
    rhs[a] = my[oa] - my[last];
    for (let b = 0; b < k; b++) {
      const ob = others[b];
      gram[a * k + b] = g[oa * m + ob] - g[oa * m + last] - g[last * m + ob] + gll;
    }
  }
  let singular = false;
  let factor = cholesky(gram, k);
  if (!factor) {
    // Too few distinct coalitions for the players (shap falls back to a least-squares solution):
    // a vanishing ridge gives the minimum-norm one.
    singular = true;
    let traceMean = 0;
    for (let a = 0; a < k; a++) traceMean += gram[a * k + a] / k;
    for (let e = -12; !factor; e++) {
      const ridged = gram.slice();
      for (let a = 0; a < k; a++) ridged[a * k + a] += traceMean * 10 ** e + Number.MIN_VALUE;
      factor = cholesky(ridged, k);
    }
  }
  const beta = choleskySolve(factor, k, rhs);
  let sum = 0;
  for (let a = 0; a < k; a++) {
    phi[others[a]] = beta[a];
    sum += beta[a];
  }
  phi[last] = total - sum;
  // shap rounds values below 1e-10 to exactly 0.
  for (let j = 0; j < m; j++) if (Math.abs(phi[j]) < 1e-10) phi[j] = 0;

  const units = plan.unitDraws.length;
  const draws = plan.unitDraws.reduce((s, c) => s + c, 0);
  if (units > 0 && draws > 1 && k > 0) {
    // Every unit's score is a multiple of its first coalition's reduced row x~ (a complement has
    // x~ negated): h_u = drawWeight * x~_u * (r_first - r_complement). So sum_u c_u h_u h_u^T is a
    // weighted Gram of mask rows, computed like the design's Gram above.
    const coefOf = new Float64Array(units);
    const firstOf = new Int32Array(units).fill(-1);
    for (let i = plan.fixed; i < count; i++) {
      const u = plan.unitOf[i];
      const row = i * m;
      const ml = masks[row + last];
      let r = yr[i];
      for (let a = 0; a < k; a++) r -= (masks[row + others[a]] - ml) * beta[a];
      if (firstOf[u] < 0) {
        firstOf[u] = i;
        coefOf[u] += plan.drawWeight * r;
      } else {
        coefOf[u] -= plan.drawWeight * r;
      }
    }
    const gw = new Float64Array(m * m);
    const mw = new Float64Array(m);
    for (let u = 0; u < units; u++) {
      const c = plan.unitDraws[u];
      const row = firstOf[u] * m;
      const w2 = c * coefOf[u] * coefOf[u];
      const w1 = c * coefOf[u];
      let np = 0;
      for (let j = 0; j < m; j++) if (masks[row + j]) present[np++] = j;
      for (let a = 0; a < np; a++) {
        const pa = present[a];
        mw[pa] += w1;
        const ga = pa * m;
        for (let b = a; b < np; b++) gw[ga + present[b]] += w2;
      }
    }
    for (let a = 0; a < m; a++) for (let b = 0; b < a; b++) gw[a * m + b] = gw[b * m + a];
    // Mean score h_bar = (1 / draws) sum_u c_u h_u, in reduced coordinates.
    const mean = new Float64Array(k);
    for (let a = 0; a < k; a++) mean[a] = (mw[others[a]] - mw[last]) / draws;
    const s = new Float64Array(k * k);
    const scale = draws / (draws - 1);
    const gl = gw[last * m + last];
    for (let a = 0; a < k; a++) {
      const oa = others[a];
      for (let b = 0; b < k; b++) {
        const ob = others[b];
        const second = gw[oa * m + ob] - gw[oa * m + last] - gw[last * m + ob] + gl;
        s[a * k + b] = scale * (second - draws * mean[a] * mean[b]);
      }
    }
    // Cov = A^-1 S A^-1: solve A Z = S column by column, then A Cov = Z^T.
    const z = new Float64Array(k * k);
    for (let b = 0; b < k; b++) {
      const col = choleskySolve(factor, k, Array.from({ length: k }, (_, a) => s[a * k + b]));
      for (let a = 0; a < k; a++) z[a * k + b] = col[a];
    }
    const cov = new Float64Array(k * k);
    for (let b = 0; b < k; b++) {
      const col = choleskySolve(factor, k, Array.from({ length: k }, (_, a) => z[b * k + a]));
      for (let a = 0; a < k; a++) cov[a * k + b] = col[a];
    }
    let varLast = 0;
    for (let a = 0; a < k; a++) {
      se[others[a]] = Math.sqrt(Math.max(0, cov[a * k + a]));
      for (let b = 0; b < k; b++) varLast += cov[a * k + b];
    }
    se[last] = Math.sqrt(Math.max(0, varLast));
  }
  return { phi, se, selected, singular };
}

export function checkL1Reg(l1: unknown): L1Reg {
  if (l1 === 'none' || l1 === 'auto' || l1 === 'aic' || l1 === 'bic') return l1;
  if (typeof l1 === 'object' && l1 !== null && 'numFeatures' in l1) {
    const k = (l1 as { numFeatures: unknown }).numFeatures;
    if (typeof k === 'number' && Number.isInteger(k) && k >= 1) return { numFeatures: k };
  }
  throw new UsageError(`unknown l1Reg ${JSON.stringify(l1)}`, "use 'none', 'auto', 'aic', 'bic' or { numFeatures: k } with k >= 1");
}

function checkNsamples(n: unknown): number | 'auto' {
  if (n === 'auto') return n;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 1) return n;
  throw new UsageError(`nsamples must be 'auto' or a positive integer, got ${JSON.stringify(n)}`, "pass e.g. nsamples: 'auto' (2M + 2048) or 1000");
}

/**
 * KernelSHAP over any coalition game (tabular rows, superpixels, words), with shap's KernelExplainer
 * semantics: shap's sample plan and kernel weights, optional l1 selection, and the efficiency
 * constraint by eliminating one player. Standard errors (sampled plans only; 0 when every coalition
 * was evaluated) come from a linearised bootstrap over the random draws: the sandwich variance of the
 * constrained weighted least-squares fit, each draw of a coalition with its complement one independent
 * unit. They assume enough draws for the regression to be near-linear in them (tests: coverage close
 * to nominal from about 15 draws per player; below that they run small).
 */
export async function kernelShapGame(game: CoalitionGame, options: KernelShapGameOptions = {}): Promise<CoalitionShapleyResult> {
  const link = checkLink(options.link ?? 'identity');
  const l1 = checkL1Reg(options.l1Reg ?? 'none');
  const nsamples = checkNsamples(options.nsamples ?? 'auto');
  const random = options.random ?? new Random(checkSeed(options.seed ?? 0));
  const linked = linkedGame(game, link);
  const m = game.players;
  const ends = options.ends ?? (await gameEnds(linked));
  const total = ends.full - ends.empty;
  const base = { baseValue: ends.empty, fullValue: ends.full };
  if (m === 0) return { values: new Float64Array(0), standardErrors: new Float64Array(0), ...base, evaluations: 0, exact: true };
  if (m === 1) return { values: Float64Array.of(total), standardErrors: new Float64Array(1), ...base, evaluations: 0, exact: true };

  const plan = planCoalitions(m, nsamples, random);
  const ey = new Float64Array(plan.count);
  const chunk = 4096;
  for (let start = 0; start < plan.count; start += chunk) {
    const n = Math.min(chunk, plan.count - start);
    ey.set(await linked.value(plan.masks.subarray(start * m, (start + n) * m), n), start);
    options.onProgress?.(start + n, plan.count);
  }
  for (let i = 0; i < plan.count; i++) ey[i] -= ends.empty;
  const selected = kernelL1Selection({ ...plan, eyAdj: ey, total, fractionEvaluated: plan.nsamples / plan.maxSamples }, l1);
  const solution = solveKernel(plan, ey, total, selected);
  const exact = plan.fixed === plan.count && plan.count === plan.maxSamples;
  const details: Record<string, number | boolean | string | number[]> = {
    nsamples: plan.nsamples,
    coalitions: plan.count,
    enumerated: plan.fixed,
    sampled: plan.count - plan.fixed,
  };
  if (l1 !== 'none') details.selected = [...solution.selected].sort((a, b) => a - b);
  if (solution.singular) details.note = 'the kernel regression was singular (too few distinct coalitions for the players); a minimum-norm solution was used: raise nsamples or group features';
  return { values: solution.phi, standardErrors: solution.se, ...base, evaluations: plan.count, exact, details };
}

export interface KernelShapOptions extends TabularShapleyOptions {
  nsamples?: number | 'auto';
  l1Reg?: L1Reg;
}

/**
 * shap's KernelExplainer for a tabular model: each row's coalition game over background rows
 * (TabularGame), features equal to every background row left out with value 0, then kernelShapGame.
 * Defaults: nsamples 'auto' (2M + 2048), l1Reg 'none' (see L1Reg for shap's defaults), link
 * 'identity', seed 0. Each row draws from its own stream seeded by (seed, row index) (src/parallel/row-seed.ts),
 * so a row's values do not depend on which other rows, or how many threads, share the call.
 */
export class KernelShap {
  constructor(private readonly model: TabularModel) {}

  async explain(rows: Matrix, options: KernelShapOptions): Promise<TabularExplanation> {
    const nsamples = checkNsamples(options.nsamples ?? 'auto');
    const l1Reg = checkL1Reg(options.l1Reg ?? 'none');
    return explainTabularRows(this.model, rows, options, {
      method: 'kernel-shap',
      params: { nsamples, l1Reg: typeof l1Reg === 'object' ? { numFeatures: l1Reg.numFeatures } : l1Reg },
      estimate: (game, ctx) => kernelShapGame(game, { nsamples, l1Reg, random: ctx.random, ends: ctx.ends, onProgress: ctx.onProgress }),
    });
  }
}
