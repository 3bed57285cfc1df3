/**
 * Reading a TabularModel's outputs the way the global methods need them: one explained output, the
 * predicted class, class probabilities. Shared so permutation importance, partial dependence and the
 * surrogate tree agree on what "the prediction" is.
 */
import { UsageError } from '../errors.js';
import type { TabularModelInfo } from '../models/tabular/model.js';
import type { Matrix } from '../tabular/matrix.js';

/** Checks an output index against the model. */
export function checkTarget(info: TabularModelInfo, target: number): number {
  if (!Number.isInteger(target) || target < 0 || target >= info.numOutputs) {
    throw new UsageError(`target ${target} is out of range: model ${info.name} has ${info.numOutputs} output${info.numOutputs === 1 ? '' : 's'}`,
      `pass a target from 0 to ${info.numOutputs - 1}${info.outputNames ? ` (${info.outputNames.join(', ')})` : ''}`);
  }
  return target;
}

/**
 * The output explained by default: the only one; for two outputs (a binary classifier's two
 * probabilities) the second, the positive class, as sklearn plots it; with more, the caller must say.
 */
export function defaultTarget(info: TabularModelInfo): number {
  if (info.numOutputs === 1) return 0;
  if (info.numOutputs === 2) return 1;
  throw new UsageError(`model ${info.name} has ${info.numOutputs} outputs; which one to explain is not clear`,
    `pass target (0 to ${info.numOutputs - 1}${info.outputNames ? `: ${info.outputNames.join(', ')}` : ''})`);
}

/** Column `target` of the outputs. */
export function outputColumn(out: Matrix, target: number): Float64Array {
  const v = new Float64Array(out.rows);
  for (let i = 0; i < out.rows; i++) v[i] = out.data[i * out.cols + target];
  return v;
}

/**
 * The predicted class per row: the largest output; for one output, probability > 0.5, margin > 0,
 * or a value rounded to the nearest class index.
 */
export function predictedClasses(info: TabularModelInfo, out: Matrix): Int32Array {
  const classes = new Int32Array(out.rows);
  for (let i = 0; i < out.rows; i++) {
    if (out.cols === 1) {
      const v = out.data[i];
      classes[i] = info.output === 'probability' ? (v > 0.5 ? 1 : 0) : info.output === 'margin' ? (v > 0 ? 1 : 0) : Math.round(v);
      continue;
    }
    let best = 0;
    for (let k = 1; k < out.cols; k++) if (out.data[i * out.cols + k] > out.data[i * out.cols + best]) best = k;
    classes[i] = best;
  }
  return classes;
}

/** Class probabilities [rows, classes]: outputs as they are, softmax of margins, or [1 - p, p] for one output. */
export function classProbabilities(info: TabularModelInfo, out: Matrix): Matrix {
  if (info.output === 'value') {
    throw new UsageError(`model ${info.name} gives values, not class scores, so log-loss does not apply`, "use metric 'r2' or 'neg-mse'");
  }
  const k = out.cols === 1 ? 2 : out.cols;
  const p = { rows: out.rows, cols: k, data: new Float64Array(out.rows * k) };
  for (let i = 0; i < out.rows; i++) {
    if (out.cols === 1) {
      const v = out.data[i];
      const p1 = info.output === 'probability' ? v : 1 / (1 + Math.exp(-v));
      p.data[2 * i] = 1 - p1;
      p.data[2 * i + 1] = p1;
      continue;
    }
    const row = out.data.subarray(i * k, (i + 1) * k);
    if (info.output === 'probability') {
      p.data.set(row, i * k);
      continue;
    }
    let max = -Infinity;
    for (const v of row) max = Math.max(max, v);
    let sum = 0;
    for (let c = 0; c < k; c++) sum += (p.data[i * k + c] = Math.exp(row[c] - max));
    for (let c = 0; c < k; c++) p.data[i * k + c] /= sum;
  }
  return p;
}
