import type { TabularOutput } from '../models/tabular/model.js';
import type { JsonValue } from './result.js';

/**
 * What a tabular (or any feature-wise, black-box) method found, as plain data that serialises to JSON:
 * one attribution per feature (or feature group, superpixel, word) per explained row, with the base
 * value they start from and the prediction they add up to where the method promises efficiency.
 */
export interface TabularExplanationData {
  /** Registry / CLI name, e.g. "kernel-shap". */
  method: string;
  /** Every parameter the method ran with, defaults included. */
  params: Record<string, JsonValue>;
  model: string;
  /** The explained output index. */
  target: number;
  /** Which output space the numbers are in. */
  output: TabularOutput;
  /** One name per attributed feature (or group, segment, token). */
  featureNames: string[];
  /** The explained rows' feature values, rows x featureNames (for plots: "age = 42"); NaN where missing. */
  values: number[][];
  /** rows x features. */
  attributions: number[][];
  /**
   * Per row, what the attributions start from: E[f(background)] for SHAP methods (the same for every
   * row), LIME's intercept.
   */
  baseValues: number[];
  /** Per row, the model's output being explained, f(x)[target]. */
  predictions: number[];
  /** Per row and feature, a standard error for sampled estimates (KernelSHAP, permutation Shapley). */
  standardErrors?: number[][];
  /** Method-specific extras per row (LIME: intercept, localPrediction, score, conditions; TreeSHAP: interactions). */
  extras?: Record<string, JsonValue>[];
  /** Display strings per row and feature when the raw data had them (categories before encoding). */
  displayValues?: string[][];
  timeMs: number;
}

/** The JSON of one explained row, in the CLI's contract. */
export interface TabularRowJson {
  method: string;
  target: number;
  output: TabularOutput;
  featureNames: string[];
  values: number[];
  attributions: number[];
  baseValue: number;
  prediction: number;
  standardErrors?: number[];
  [extra: string]: JsonValue | undefined;
}

export class TabularExplanation implements TabularExplanationData {
  readonly method: string;
  readonly params: Record<string, JsonValue>;
  readonly model: string;
  readonly target: number;
  readonly output: TabularOutput;
  readonly featureNames: string[];
  readonly values: number[][];
  readonly attributions: number[][];
  readonly baseValues: number[];
  readonly predictions: number[];
  readonly standardErrors?: number[][];
  readonly extras?: Record<string, JsonValue>[];
  readonly displayValues?: string[][];
  readonly timeMs: number;

  constructor(data: TabularExplanationData) {
    const rows = data.attributions.length;
    const width = data.featureNames.length;
    for (const [name, table] of [['attributions', data.attributions], ['values', data.values]] as const) {
      if (table.length !== rows || table.some((r) => r.length !== width)) {
        throw new Error(`${name} must be ${rows} x ${width} (rows x features)`);
      }
    }
    if (data.baseValues.length !== rows || data.predictions.length !== rows) throw new Error('one base value and one prediction per row');
    this.method = data.method;
    this.params = data.params;
    this.model = data.model;
    this.target = data.target;
    this.output = data.output;
    this.featureNames = data.featureNames;
    this.values = data.values;
    this.attributions = data.attributions;
    this.baseValues = data.baseValues;
    this.predictions = data.predictions;
    if (data.standardErrors) this.standardErrors = data.standardErrors;
    if (data.extras) this.extras = data.extras;
    if (data.displayValues) this.displayValues = data.displayValues;
    this.timeMs = data.timeMs;
  }

  get rowCount(): number {
    return this.attributions.length;
  }

  /** Sum of attributions minus (prediction - base value), per row: 0 for methods with efficiency. */
  efficiencyGaps(): number[] {
    return this.attributions.map((a, i) => a.reduce((s, v) => s + v, 0) - (this.predictions[i] - this.baseValues[i]));
  }

  /** Mean |attribution| per feature over the rows (SHAP's global bar plot). */
  meanAbs(): number[] {
    const out = new Array<number>(this.featureNames.length).fill(0);
    for (const row of this.attributions) row.forEach((v, j) => { out[j] += Math.abs(v) / this.rowCount; });
    return out;
  }

  /** One row in the CLI's JSON contract. */
  row(i: number): TabularRowJson {
    return {
      method: this.method,
      target: this.target,
      output: this.output,
      featureNames: this.featureNames,
      values: this.values[i],
      attributions: this.attributions[i],
      baseValue: this.baseValues[i],
      prediction: this.predictions[i],
      ...(this.standardErrors ? { standardErrors: this.standardErrors[i] } : {}),
      ...(this.extras ? this.extras[i] : {}),
      params: this.params,
      model: this.model,
      timeMs: this.timeMs,
    };
  }

  toJSON(): TabularExplanationData {
    return {
      method: this.method, params: this.params, model: this.model, target: this.target, output: this.output,
      featureNames: this.featureNames,
      // JSON has no NaN: missing values become null.
      values: this.values.map((r) => r.map((v) => (Number.isNaN(v) ? (null as unknown as number) : v))),
      attributions: this.attributions, baseValues: this.baseValues, predictions: this.predictions,
      ...(this.standardErrors ? { standardErrors: this.standardErrors } : {}),
      ...(this.extras ? { extras: this.extras } : {}),
      ...(this.displayValues ? { displayValues: this.displayValues } : {}),
      timeMs: this.timeMs,
    };
  }
}
