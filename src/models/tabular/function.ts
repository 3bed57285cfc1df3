/**
 * A plain function over rows as a TabularModel: the simplest black box, for tests, for models written in
 * TypeScript, and for wrapping anything callable (a remote service, a rule set).
 */
import { UsageError } from '../../errors.js';
import { matrix, rowOf, type Matrix } from '../../tabular/matrix.js';
import { checkOutputs, checkRows } from './check.js';
import type { TabularModel, TabularModelInfo, TabularOutput } from './model.js';

export interface FunctionModelOptions {
  numFeatures: number;
  featureNames?: string[];
  name?: string;
  /** What the function returns. Default 'value'. */
  output?: TabularOutput;
  /** Whether the function handles NaN inputs as missing values. Default false (NaN inputs are refused). */
  acceptsMissing?: boolean;
}

export interface MultiOutputFunctionModelOptions extends FunctionModelOptions {
  numOutputs: number;
  /** Output (class) names. */
  outputNames?: string[];
}

/** One output per row: fn gets the rows (views, do not keep them) and returns one number per row. */
export function functionModel(
  fn: (rows: Float64Array[]) => Float64Array | number[],
  options: FunctionModelOptions,
): TabularModel {
  const info = infoOf(options, 1, undefined);
  return {
    info,
    async predict(rows: Matrix): Promise<Matrix> {
      checkRows(info, rows);
      const values = fn(viewsOf(rows));
      if (values.length !== rows.rows) {
        throw new UsageError(`the function of model ${info.name} returned ${values.length} values for ${rows.rows} rows`, 'return one number per row');
      }
      const out = matrix(rows.rows, 1, Float64Array.from(values));
      checkOutputs(info, out);
      return out;
    },
  };
}

/** Several outputs per row (class probabilities, say): fn returns one array of numOutputs per row. */
export function multiOutputFunctionModel(
  fn: (rows: Float64Array[]) => ArrayLike<number>[],
  options: MultiOutputFunctionModelOptions,
): TabularModel {
  const info = infoOf(options, options.numOutputs, options.outputNames);
  return {
    info,
    async predict(rows: Matrix): Promise<Matrix> {
      checkRows(info, rows);
      const values = fn(viewsOf(rows));
      if (values.length !== rows.rows) {
        throw new UsageError(`the function of model ${info.name} returned ${values.length} rows for ${rows.rows} rows`, 'return one array of outputs per row');
      }
      const out = matrix(rows.rows, info.numOutputs);
      values.forEach((v, i) => {
        if (v.length !== info.numOutputs) {
          throw new UsageError(`the function of model ${info.name} returned ${v.length} outputs for row ${i}, expected ${info.numOutputs}`, `return ${info.numOutputs} numbers per row`);
        }
        out.data.set(Array.from(v), i * info.numOutputs);
      });
      checkOutputs(info, out);
      return out;
    },
  };
}

function viewsOf(rows: Matrix): Float64Array[] {
  const views = new Array<Float64Array>(rows.rows);
  for (let i = 0; i < rows.rows; i++) views[i] = rowOf(rows, i);
  return views;
}

function infoOf(options: FunctionModelOptions, numOutputs: number, outputNames: string[] | undefined): TabularModelInfo {
  const { numFeatures, featureNames } = options;
  if (!Number.isInteger(numFeatures) || numFeatures < 1) throw new UsageError(`numFeatures must be a positive integer, got ${numFeatures}`, 'pass the number of features per row');
  if (!Number.isInteger(numOutputs) || numOutputs < 1) throw new UsageError(`numOutputs must be a positive integer, got ${numOutputs}`, 'pass the number of outputs per row');
  if (featureNames && featureNames.length !== numFeatures) {
    throw new UsageError(`${featureNames.length} feature names for ${numFeatures} features`, 'give one name per feature');
  }
  if (outputNames && outputNames.length !== numOutputs) {
    throw new UsageError(`${outputNames.length} output names for ${numOutputs} outputs`, 'give one name per output');
  }
  const info: TabularModelInfo = {
    name: options.name ?? 'function',
    kind: 'function',
    numFeatures,
    numOutputs,
    output: options.output ?? 'value',
    acceptsMissing: options.acceptsMissing ?? false,
  };
  if (featureNames) info.featureNames = [...featureNames];
  if (outputNames) info.outputNames = [...outputNames];
  return info;
}
