import { UsageError } from '../../errors.js';
import type { TabularModel } from '../../models/tabular/model.js';
import { rowOf, type Matrix } from '../../tabular/matrix.js';
import { rowSeed } from '../../parallel/row-seed.js';
import { Random, checkSeed } from '../../util/random.js';
import type { JsonValue } from '../result.js';
import { TabularExplanation } from '../tabular-explanation.js';
import type { CoalitionGame } from './game.js';
import { applyLink, checkLink, linkedGame, type Link } from './link.js';
import { restrictGame } from './restrict.js';
import type { CoalitionShapleyResult } from './shapley-result.js';
import { TabularGame } from './tabular-game.js';

/** Options every coalition explainer of a tabular model takes. */
export interface TabularShapleyOptions {
  /** Rows standing in for absent features, [rows, numFeatures] (e.g. kmeansSummary of the training data). */
  background: Matrix;
  /** One weight per background row (default equal), e.g. kmeansSummary's cluster shares. */
  backgroundWeights?: ArrayLike<number>;
  /** Output to explain; default 0 for single-output models (required when the model has several). */
  target?: number;
  /** Explain groups of features as single players (a partition of the feature indices). */
  groups?: number[][];
  groupNames?: string[];
  /** Default: the model's feature names, else x0, x1, ... */
  featureNames?: string[];
  /** 'logit' explains probabilities in log-odds (shap's link); default 'identity'. */
  link?: Link;
  seed?: number;
  /** (rows done, rows) with fractions while a row is in progress. */
  onProgress?: (done: number, total: number) => void;
  /** Most synthetic rows per model call (default 65536). */
  maxRowsPerCall?: number;
  /**
   * Index of rows[0] among all the rows of a run (default 0): row i draws from the stream of
   * rowSeed(seed, rowOffset + i), so a slice explained apart (a worker thread's share) gives the same numbers.
   */
  rowOffset?: number;
}

export interface EstimateContext {
  random: Random;
  /** link(f(x)) and link(E[f(background)]): what the values must add up between. */
  ends: { full: number; empty: number };
  onProgress: (done: number, total: number) => void;
}

export interface CoalitionMethod {
  method: string;
  params: Record<string, JsonValue>;
  estimate(game: CoalitionGame, context: EstimateContext): Promise<CoalitionShapleyResult>;
}

/**
 * What the tabular coalition explainers share: checking inputs, f(x) and E[f(background)] from one
 * model call each, one TabularGame per row with the features that cannot matter (equal to every
 * background row) left out at value 0 (shap does the same), and the TabularExplanation.
 */
export async function explainTabularRows(
  model: TabularModel,
  rows: Matrix,
  options: TabularShapleyOptions,
  method: CoalitionMethod,
): Promise<TabularExplanation> {
  const started = performance.now();
  if (!options || !options.background) throw new UsageError(`${method.method} needs background rows`, 'pass options.background, e.g. kmeansSummary(trainingRows, 10).centers with its weights');
  const p = model.info.numFeatures;
  if (rows.cols !== p) throw new UsageError(`the rows have ${rows.cols} columns but model ${model.info.name} takes ${p} features`, `give ${p} values per row`);
  if (rows.rows < 1) throw new UsageError('no rows to explain', 'give at least one row');
  checkFiniteRows(model, rows, options.background, options.rowOffset ?? 0);
  const link = checkLink(options.link ?? 'identity');
  const seed = checkSeed(options.seed ?? 0);
  const target = resolveTarget(model, options.target);
  const featureNames = options.featureNames ?? model.info.featureNames ?? Array.from({ length: p }, (_, j) => `x${j}`);
  if (featureNames.length !== p) throw new UsageError(`${featureNames.length} feature names for ${p} features`, 'give one name per feature');
  const groups = options.groups;
  let playerNames: string[] = featureNames;
  if (groups) {
    playerNames = options.groupNames ?? groups.map((g, k) => (g.length <= 3 ? g.map((j) => featureNames[j] ?? `x${j}`).join(' + ') : `group ${k}`));
    if (playerNames.length !== groups.length) throw new UsageError(`${playerNames.length} group names for ${groups.length} groups`, 'give one name per group');
  } else if (options.groupNames) {
    throw new UsageError('groupNames without groups', 'pass groups (lists of feature indices) with the names');
  }

  // Checks the background, its weights and the groups once, before any model call.
  new TabularGame(model, rowOf(rows, 0), gameOptions(options, target, playerNames));
  // One call for f(x) of every row and one for E[f(background)], as shap does.
  const fx = await model.predict(rows);
  const fb = await model.predict(options.background);
  const q = model.info.numOutputs;
  const weights = options.backgroundWeights ? Float64Array.from(options.backgroundWeights) : new Float64Array(fb.rows).fill(1);
  const wsum = weights.reduce((s, w) => s + w, 0);
  let fnull = 0;
  for (let b = 0; b < fb.rows; b++) fnull += (weights[b] / wsum) * fb.data[b * q + target];

  const rowOffset = options.rowOffset ?? 0;
  if (!Number.isInteger(rowOffset) || rowOffset < 0) throw new UsageError(`rowOffset must be a non-negative integer, got ${rowOffset}`, 'pass the index of the first row among all rows, or leave it out');
  const attributions: number[][] = [];
  const standardErrors: number[][] = [];
  let allHaveErrors = true;
  const baseValues: number[] = [];
  const predictions: number[] = [];
  const values: number[][] = [];
  const displayValues: string[][] = [];
  const extras: Record<string, JsonValue>[] = [];
  for (let i = 0; i < rows.rows; i++) {
    const x = rowOf(rows, i);
    const game = new TabularGame(model, x, gameOptions(options, target, playerNames));
    const ends = { full: applyLink(link, fx.data[i * q + target]), empty: applyLink(link, fnull) };
    const varying = game.varyingPlayers();
    const keep = varying.flatMap((v, k) => (v ? [k] : []));
    const phi = new Array<number>(game.players).fill(0);
    const se = new Array<number>(game.players).fill(0);
    let extra: Record<string, JsonValue> = { evaluations: 0, exact: true };
    if (keep.length === 1) {
      phi[keep[0]] = ends.full - ends.empty;
    } else if (keep.length > 1) {
      const sub = linkedGame(restrictGame(game, keep), link);
      const result = await method.estimate(sub, {
        random: new Random(rowSeed(seed, rowOffset + i)),
        ends,
        onProgress: (done, total) => options.onProgress?.(i + done / Math.max(1, total), rows.rows),
      });
      keep.forEach((k, a) => {
        phi[k] = result.values[a];
        se[k] = result.standardErrors ? result.standardErrors[a] : NaN;
      });
      if (!result.standardErrors) allHaveErrors = false;
      extra = { evaluations: result.evaluations, exact: result.exact };
      for (const [key, v] of Object.entries(result.details ?? {})) {
        // Player indices of the sub-game back to the row's players.
        extra[key] = key === 'selected' && Array.isArray(v) ? v.map((a) => keep[a]) : v;
      }
    }
    if (keep.length < game.players) extra.constantPlayers = varying.flatMap((v, k) => (v ? [] : [k]));
    options.onProgress?.(i + 1, rows.rows);
    attributions.push(phi);
    standardErrors.push(se);
    baseValues.push(ends.empty);
    predictions.push(ends.full);
    values.push(game.groups.map((g) => (g.length === 1 ? x[g[0]] : NaN)));
    displayValues.push(game.groups.map((g) => g.map((j) => String(x[j])).join(', ')));
    extras.push(extra);
  }
  return new TabularExplanation({
    method: method.method,
    params: {
      ...method.params,
      target,
      link,
      seed,
      backgroundRows: options.background.rows,
      ...(groups ? { groups: groups.map((g) => [...g]) } : {}),
    },
    model: model.info.name,
    target,
    output: link === 'logit' ? 'margin' : model.info.output,
    featureNames: playerNames,
    values,
    attributions,
    baseValues,
    predictions,
    ...(allHaveErrors ? { standardErrors } : {}),
    extras,
    ...(groups ? { displayValues } : {}),
    timeMs: performance.now() - started,
  });
}

/**
 * For models that do not take NaN: the first non-finite value of the explained rows or background, as
 * a UsageError naming its row (counted from `rowOffset`, so a slice names the row of the whole input).
 */
export function checkFiniteRows(model: TabularModel, rows: Matrix, background: Matrix, rowOffset = 0): void {
  if (model.info.acceptsMissing) return;
  for (const [what, m, offset] of [['explained rows', rows, rowOffset], ['background', background, 0]] as const) {
    const k = m.data.findIndex((v) => !Number.isFinite(v));
    if (k >= 0) throw new UsageError(`the ${what} have a non-finite value (${m.data[k]}) at row ${offset + Math.floor(k / m.cols)}, column ${k % m.cols}`, 'fill in missing values first; this model does not take NaN');
  }
}

function gameOptions(options: TabularShapleyOptions, target: number, playerNames: string[]) {
  return {
    background: options.background,
    ...(options.backgroundWeights ? { backgroundWeights: options.backgroundWeights } : {}),
    target,
    ...(options.groups ? { groups: options.groups } : {}),
    playerNames,
    ...(options.maxRowsPerCall ? { maxRowsPerCall: options.maxRowsPerCall } : {}),
  };
}

function resolveTarget(model: TabularModel, target: number | undefined): number {
  const q = model.info.numOutputs;
  if (target === undefined) {
    if (q === 1) return 0;
    const names = model.info.outputNames ? ` (${model.info.outputNames.map((n, k) => `${k}: ${n}`).join(', ')})` : '';
    throw new UsageError(`model ${model.info.name} has ${q} outputs${names}; which one should be explained?`, `pass target: an output index from 0 to ${q - 1}`);
  }
  if (!Number.isInteger(target) || target < 0 || target >= q) {
    throw new UsageError(`target ${target} is not an output of model ${model.info.name} (${q} outputs)`, `pass a target from 0 to ${q - 1}`);
  }
  return target;
}
