import { UsageError } from '../../errors.js';
import type { TabularModel } from '../../models/tabular/model.js';
import type { Matrix } from '../../tabular/matrix.js';
import type { CoalitionGame } from './game.js';

export interface TabularGameOptions {
  /** Rows that stand in for absent features (shap's background data), [rows, numFeatures]. */
  background: Matrix;
  /** One non-negative weight per background row (default equal); normalised to sum 1. */
  backgroundWeights?: ArrayLike<number>;
  /** The explained output index. */
  target: number;
  /** Players as groups of feature indices (a partition of the features); default one player per feature. */
  groups?: number[][];
  /** One name per player. */
  playerNames?: string[];
  /** Most rows per model.predict call (default 65536): bounds memory while keeping calls large. */
  maxRowsPerCall?: number;
}

/**
 * The coalition game of one explained row x: v(S) = sum_b w_b f(x on S, b elsewhere)[target], the
 * weighted mean over background rows b of the model output with the players outside S replaced by
 * b's values (shap's KernelExplainer value function; "interventional" absence).
 */
export class TabularGame implements CoalitionGame {
  readonly players: number;
  readonly playerNames: string[];
  /** Feature indices per player. */
  readonly groups: number[][];
  /** The explained row. */
  readonly x: Float64Array;
  /** Model evaluations made so far (synthetic rows, not coalitions). */
  rowsEvaluated = 0;
  private readonly model: TabularModel;
  private readonly background: Matrix;
  private readonly weights: Float64Array;
  private readonly target: number;
  private readonly maxRowsPerCall: number;
  /** playerOf[j]: the player owning feature j. */
  private readonly playerOf: Int32Array;
  /** Synthetic rows, reused between calls (models must not keep their input after predict resolves). */
  private buffer: Float64Array | undefined;

  constructor(model: TabularModel, x: ArrayLike<number>, options: TabularGameOptions) {
    const p = model.info.numFeatures;
    if (x.length !== p) throw new UsageError(`the explained row has ${x.length} values but model ${model.info.name} takes ${p} features`, `give ${p} values per row`);
    const { background } = options;
    if (background.cols !== p) {
      throw new UsageError(`the background has ${background.cols} columns but model ${model.info.name} takes ${p} features`, 'give background rows with the same features as the explained rows');
    }
    if (background.rows < 1) throw new UsageError('the background is empty', 'give at least one background row (e.g. a k-means summary of the training data)');
    if (!Number.isInteger(options.target) || options.target < 0 || options.target >= model.info.numOutputs) {
      throw new UsageError(`target ${options.target} is not an output of model ${model.info.name} (${model.info.numOutputs} outputs)`, `pass a target from 0 to ${model.info.numOutputs - 1}`);
    }
    this.model = model;
    this.x = Float64Array.from(x);
    this.background = background;
    this.target = options.target;
    this.weights = normaliseWeights(options.backgroundWeights, background.rows);
    this.maxRowsPerCall = options.maxRowsPerCall ?? 65536;
    if (!Number.isInteger(this.maxRowsPerCall) || this.maxRowsPerCall < 1) {
      throw new UsageError(`maxRowsPerCall must be a positive integer, got ${this.maxRowsPerCall}`, 'pass e.g. 65536');
    }
    this.groups = checkGroups(options.groups, p);
    this.players = this.groups.length;
    this.playerOf = new Int32Array(p);
    this.groups.forEach((g, k) => g.forEach((j) => { this.playerOf[j] = k; }));
    const names = options.playerNames ?? this.groups.map((g, k) => (g.length === 1 ? model.info.featureNames?.[g[0]] ?? `x${g[0]}` : `group ${k}`));
    if (names.length !== this.players) throw new UsageError(`${names.length} names for ${this.players} players`, 'give one name per feature (or per group when grouping)');
    this.playerNames = [...names];
  }

  /**
   * Players whose features equal every background row (shap's "varying groups", with numpy.allclose's
   * tolerance): their presence cannot change v, so their Shapley value is 0 and the estimators skip them.
   */
  varyingPlayers(): boolean[] {
    const p = this.background.cols;
    return this.groups.map((g) => {
      for (let b = 0; b < this.background.rows; b++) {
        for (const j of g) {
          const xv = this.x[j];
          const bv = this.background.data[b * p + j];
          if (Number.isNaN(xv) && Number.isNaN(bv)) continue;
          if (!(Math.abs(xv - bv) <= 1e-8 + 1e-5 * Math.abs(bv))) return true;
        }
      }
      return false;
    });
  }

  async value(masks: Uint8Array, n: number): Promise<Float64Array> {
    const m = this.players;
    if (masks.length < n * m) throw new UsageError(`value(): ${n} coalitions need ${n * m} mask bytes, got ${masks.length}`, 'give one byte per player per coalition');
    const p = this.background.cols;
    const nb = this.background.rows;
    const bg = this.background.data;
    const x = this.x;
    const out = new Float64Array(n);
    const perCall = Math.max(1, Math.floor(this.maxRowsPerCall / nb));
    const q = this.model.info.numOutputs;
    const t = this.target;
    const present = new Uint8Array(p);
    for (let start = 0; start < n; start += perCall) {
      const count = Math.min(perCall, n - start);
      if (!this.buffer || this.buffer.length < count * nb * p) this.buffer = new Float64Array(Math.min(n, perCall) * nb * p);
      const rows = this.buffer.subarray(0, count * nb * p);
      for (let c = 0; c < count; c++) {
        const mo = (start + c) * m;
        for (let j = 0; j < p; j++) present[j] = masks[mo + this.playerOf[j]];
        const base = c * nb * p;
        // Start from the background block, then write x over the present features.
        rows.set(bg, base);
        for (let j = 0; j < p; j++) {
          if (!present[j]) continue;
          const v = x[j];
          for (let b = 0, o = base + j; b < nb; b++, o += p) rows[o] = v;
        }
      }
      const y = await this.model.predict({ rows: count * nb, cols: p, data: rows });
      if (y.rows !== count * nb || y.cols !== q) {
        throw new UsageError(`model ${this.model.info.name} returned [${y.rows}, ${y.cols}] for ${count * nb} rows`, `a tabular model must return [rows, ${q}]`);
      }
      this.rowsEvaluated += count * nb;
      for (let c = 0; c < count; c++) {
        let s = 0;
        const o = c * nb;
        for (let b = 0; b < nb; b++) s += this.weights[b] * y.data[(o + b) * q + t];
        out[start + c] = s;
      }
    }
    return out;
  }
}

function normaliseWeights(weights: ArrayLike<number> | undefined, n: number): Float64Array {
  if (!weights) return new Float64Array(n).fill(1 / n);
  if (weights.length !== n) throw new UsageError(`${weights.length} background weights for ${n} background rows`, 'give one weight per background row');
  let total = 0;
  for (let i = 0; i < n; i++) {
    if (!(weights[i] >= 0) || !Number.isFinite(weights[i])) throw new UsageError(`background weight ${i} is ${weights[i]}`, 'weights must be finite and non-negative');
    total += weights[i];
  }
  if (!(total > 0)) throw new UsageError('the background weights sum to 0', 'give at least one background row a positive weight');
  return Float64Array.from(weights, (w) => w / total);
}

function checkGroups(groups: number[][] | undefined, p: number): number[][] {
  if (!groups) return Array.from({ length: p }, (_, j) => [j]);
  const seen = new Int32Array(p).fill(-1);
  groups.forEach((g, k) => {
    if (!Array.isArray(g) || g.length === 0) throw new UsageError(`group ${k} is empty`, 'give every group at least one feature index');
    for (const j of g) {
      if (!Number.isInteger(j) || j < 0 || j >= p) throw new UsageError(`group ${k} names feature ${j}, but features are 0 to ${p - 1}`, 'use feature indices (columns) of the model input');
      if (seen[j] >= 0) throw new UsageError(`feature ${j} is in groups ${seen[j]} and ${k}`, 'put every feature in exactly one group');
      seen[j] = k;
    }
  });
  const missing = Array.from(seen).findIndex((k) => k < 0);
  if (missing >= 0) throw new UsageError(`feature ${missing} is in no group`, 'the groups must cover every feature (add a group of its own for it)');
  return groups.map((g) => [...g]);
}
