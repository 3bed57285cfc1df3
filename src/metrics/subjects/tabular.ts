import { explainTabular, isTabularMethod, TABULAR_METHOD_NAMES, type TabularMethodName, type TabularMethodOptions } from '../../attribution/tabular-methods.js';
import { UsageError } from '../../errors.js';
import type { Model } from '../../models/model.js';
import type { TabularModel } from '../../models/tabular/model.js';
import { tensorTabularModel } from '../../models/tabular/tensor.js';
import { matrix, type Matrix } from '../../tabular/matrix.js';
import type { EvaluationSubject, ModelBackedSubject, Perturbation, RemovalBaseline } from '../subject.js';
import { checkFinite, checkPerturbation, perturbationTargets } from './check-perturbation.js';
import { checkBaseline, checkTargets, definedOnly, type SubjectProgress } from './subject-helpers.js';

/** What the subject passes on to the method; it sets the target, background and progress itself, and explains columns, not groups. */
export type TabularSubjectMethodOptions = Omit<TabularMethodOptions, 'target' | 'background' | 'groups' | 'rowOffset'>;

export interface TabularSubjectOptions {
  methodOptions?: TabularSubjectMethodOptions;
  /**
   * Background rows: the methods' reference data and the source of the 'mean' baseline. Default: the
   * explained rows themselves (as the CLI does with --data). tree-shap gets it only when given (else
   * it stays path-dependent).
   */
  background?: Matrix;
  /** The explained output per row. Default: the predicted class, or output 0 for a model with one output. */
  targets?: readonly number[];
  /** 'zeros' (0), 'mean' (the background's column mean) or a number. Default 'zeros'. */
  baseline?: RemovalBaseline;
  /** Most rows per explanation call (and per progress report). Default 64. */
  internalBatchSize?: number;
  /**
   * The layered model behind a tensor tabular model (`tensorTabularModel(sourceModel)`): with it the
   * subject is model-backed, so parameter randomisation can re-explain through changed copies.
   */
  sourceModel?: Model;
  onProgress?: SubjectProgress;
}

/** A tabular model and a tabular method over rows, as columns. Built by `createTabularSubject`. */
export class TabularSubject implements EvaluationSubject {
  readonly modality = 'tabular' as const;
  readonly model: string;
  readonly method: string;
  readonly rows: number;
  readonly numOutputs: number;
  onProgress?: SubjectProgress;
  protected readonly columns: number;
  private readonly columnMeans: Float64Array;

  constructor(
    protected readonly tabularModel: TabularModel,
    protected readonly methodName: TabularMethodName,
    protected readonly settings: MethodSettings,
    protected readonly values: Matrix,
    readonly targets: Int32Array,
    private readonly attributions: Float64Array[],
    readonly baseline: RemovalBaseline,
  ) {
    this.model = tabularModel.info.name;
    this.method = methodName;
    this.rows = values.rows;
    this.numOutputs = tabularModel.info.numOutputs;
    this.columns = values.cols;
    this.columnMeans = columnMeans(settings.background);
  }

  features(row?: number): number {
    if (row !== undefined) this.checkRow(row);
    return this.columns;
  }

  input(row: number): Float32Array {
    this.checkRow(row);
    return Float32Array.from(this.values.data.subarray(row * this.columns, (row + 1) * this.columns));
  }

  attribution(row: number): Float64Array {
    this.checkRow(row);
    return this.attributions[row];
  }

  async score(perturbations: readonly Perturbation[]): Promise<Float64Array> {
    const x = this.perturbedRows(perturbations);
    const out = new Float64Array(perturbations.length);
    const n = this.numOutputs;
    // Adapters batch internally; chunks here only pace the progress reports.
    const chunk = Math.max(this.settings.batchSize, 1024);
    for (let start = 0; start < x.rows; start += chunk) {
      const end = Math.min(x.rows, start + chunk);
      const y = await this.tabularModel.predict(matrix(end - start, this.columns, x.data.slice(start * this.columns, end * this.columns)));
      for (let i = start; i < end; i++) out[i] = y.data[(i - start) * n + this.targets[perturbations[i].row]];
      this.onProgress?.(end, x.rows, 'score');
    }
    return out;
  }

  async explain(perturbations: readonly Perturbation[], targets?: Int32Array): Promise<Float64Array[]> {
    const explained = perturbationTargets(perturbations, this.targets, targets, this.numOutputs);
    return explainRows(this.tabularModel, this.methodName, this.settings, this.perturbedRows(perturbations), explained, this.onProgress);
  }

  /** The perturbed rows as one matrix, in order. */
  private perturbedRows(perturbations: readonly Perturbation[]): Matrix {
    const cols = this.columns;
    const out = matrix(perturbations.length, cols);
    perturbations.forEach((p, i) => {
      checkPerturbation(p, i, this.rows, () => cols);
      const target = out.data.subarray(i * cols, (i + 1) * cols);
      if (p.kind === 'input') {
        if (!(p.values instanceof Float32Array) || p.values.length !== cols) {
          throw new UsageError(`perturbation ${i} gives a row of ${p.values?.length ?? 0} values, and the model takes ${cols} columns`,
            `give a Float32Array of ${cols} values`);
        }
        checkFinite(p.values, i);
        target.set(p.values);
        return;
      }
      target.set(this.values.data.subarray(p.row * cols, (p.row + 1) * cols));
      const baseline = (p.baseline ?? this.baseline) as 'zeros' | 'mean' | number;
      checkBaseline(baseline, ['zeros', 'mean'], 'tabular rows have no neighbouring pixels to blur');
      for (let j = 0; j < cols; j++) {
        if (p.mask[j] === 1) target[j] = baseline === 'zeros' ? 0 : baseline === 'mean' ? this.columnMeans[j] : baseline;
      }
    });
    return out;
  }

  private checkRow(row: number): void {
    if (!Number.isInteger(row) || row < 0 || row >= this.rows) {
      throw new UsageError(`row ${row} is out of range: the subject explains ${this.rows} rows (0 to ${this.rows - 1})`, 'give a row index in range');
    }
  }
}

/** A tabular subject over a tensor model: parameter randomisation and input invariance re-explain through `explainWith`. */
export class ModelBackedTabularSubject extends TabularSubject implements ModelBackedSubject {
  readonly featureShape: number[];

  constructor(readonly sourceModel: Model, tabularModel: TabularModel, methodName: TabularMethodName, settings: MethodSettings,
    values: Matrix, targets: Int32Array, attributions: Float64Array[], baseline: RemovalBaseline) {
    super(tabularModel, methodName, settings, values, targets, attributions, baseline);
    this.featureShape = [values.cols];
  }

  async explainWith(model: Model, options: { inputs?: readonly Float32Array[]; targets?: Int32Array } = {}): Promise<Float64Array[]> {
    const shape = model.info.inputShape;
    if (shape.length !== 1 || shape[0] !== this.columns) {
      throw new UsageError(`model ${model.info.name} takes inputs [${shape.join(', ')}], and the subject's rows have ${this.columns} columns`,
        'explain with a model that takes the same rows (a copy of the model with changed weights)');
    }
    let rows = this.values;
    if (options.inputs) {
      if (options.inputs.length !== this.rows) throw new UsageError(`${options.inputs.length} inputs given for ${this.rows} rows`, 'give one input per explained row');
      rows = matrix(this.rows, this.columns);
      options.inputs.forEach((input, r) => {
        if (input.length !== this.columns) throw new UsageError(`input ${r} has ${input.length} values, and the rows have ${this.columns} columns`, `give ${this.columns} values per row`);
        rows.data.set(input, r * this.columns);
      });
    }
    const targets = options.targets ?? this.targets;
    if (targets.length !== this.rows) throw new UsageError(`${targets.length} targets given for ${this.rows} rows`, 'give one target per explained row');
    const other = tensorTabularModel(model, { output: this.tabularModel.info.output });
    return explainRows(other, this.methodName, this.settings, rows, targets, this.onProgress);
  }
}

/** What every explanation of the subject runs with. */
interface MethodSettings {
  options: TabularSubjectMethodOptions;
  background: Matrix;
  /** Whether the background was given (tree-shap stays path-dependent without one). */
  backgroundGiven: boolean;
  batchSize: number;
}

/**
 * Builds the subject: checks rows, method, baseline and targets, and explains every row once
 * (in batches of rows sharing a target, with progress under the stage 'explain').
 */
export async function createTabularSubject(model: TabularModel, rows: Matrix, method: TabularMethodName,
  options: TabularSubjectOptions = {}): Promise<TabularSubject> {
  if (!isTabularMethod(method)) {
    throw new UsageError(`unknown tabular method "${String(method)}"`, `choose one of: ${TABULAR_METHOD_NAMES.join(', ')}`);
  }
  const cols = model.info.numFeatures;
  checkMatrix(rows, cols, 'rows');
  if (rows.rows === 0) throw new UsageError('there are no rows to explain', 'give at least one row');
  if (options.background) checkMatrix(options.background, cols, 'background');
  const baseline = options.baseline ?? 'zeros';
  checkBaseline(baseline, ['zeros', 'mean'], 'tabular rows have no neighbouring pixels to blur');
  const batchSize = options.internalBatchSize ?? 64;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new UsageError(`internalBatchSize must be a positive integer, got ${batchSize}`, 'pass e.g. internalBatchSize: 64');
  }
  const methodOptions = definedOnly(options.methodOptions ?? {}) as TabularSubjectMethodOptions & Record<string, unknown>;
  for (const key of ['target', 'background', 'groups']) {
    if (methodOptions[key] !== undefined) {
      throw new UsageError(`methodOptions.${key} is set by the subject`, key === 'groups'
        ? 'the subject explains single columns: leave groups out'
        : `give it as options.${key === 'target' ? 'targets (one per row)' : 'background'}`);
    }
  }
  if (options.sourceModel && (options.sourceModel.info.inputShape.length !== 1 || options.sourceModel.info.inputShape[0] !== cols)) {
    throw new UsageError(`sourceModel ${options.sourceModel.info.name} does not take rows of ${cols} columns`, 'give the layered model the tabular model wraps');
  }
  const settings: MethodSettings = { options: methodOptions, background: options.background ?? rows, backgroundGiven: options.background !== undefined, batchSize };
  let targets: Int32Array;
  if (options.targets !== undefined) {
    targets = checkTargets(options.targets, rows.rows, model.info.numOutputs);
  } else if (model.info.numOutputs === 1) {
    targets = new Int32Array(rows.rows);
  } else {
    const y = await model.predict(rows);
    targets = Int32Array.from({ length: rows.rows }, (_, r) => argmax(y.data.subarray(r * y.cols, (r + 1) * y.cols)));
  }
  const values = matrix(rows.rows, cols, Float64Array.from(rows.data));
  const attributions = await explainRows(model, method, settings, values, targets, options.onProgress);
  const subject = options.sourceModel
    ? new ModelBackedTabularSubject(options.sourceModel, model, method, settings, values, targets, attributions, baseline)
    : new TabularSubject(model, method, settings, values, targets, attributions, baseline);
  subject.onProgress = options.onProgress;
  return subject;
}

/** The method's attributions per row of `rows` for `targets`: rows sharing a target go in one call, in batches. */
async function explainRows(model: TabularModel, method: TabularMethodName, settings: MethodSettings, rows: Matrix, targets: Int32Array,
  onProgress: SubjectProgress | undefined): Promise<Float64Array[]> {
  const cols = rows.cols;
  const out = new Array<Float64Array>(rows.rows);
  const byTarget = new Map<number, number[]>();
  targets.forEach((t, r) => { byTarget.set(t, [...(byTarget.get(t) ?? []), r]); });
  let done = 0;
  for (const [target, members] of byTarget) {
    for (let start = 0; start < members.length; start += settings.batchSize) {
      const batch = members.slice(start, start + settings.batchSize);
      const x = matrix(batch.length, cols);
      batch.forEach((r, i) => x.data.set(rows.data.subarray(r * cols, (r + 1) * cols), i * cols));
      const before = done;
      const within = onProgress && settings.options.onProgress === undefined
        ? { onProgress: (d: number, t: number) => onProgress(before + Math.floor((batch.length * d) / Math.max(t, 1)), rows.rows, 'explain') }
        : {};
      const explanation = await explainTabular(model, x, method, {
        ...within,
        ...settings.options,
        target,
        ...(method !== 'tree-shap' || settings.backgroundGiven ? { background: settings.background } : {}),
      });
      batch.forEach((r, i) => { out[r] = Float64Array.from(explanation.attributions[i]); });
      done += batch.length;
      onProgress?.(done, rows.rows, 'explain');
    }
  }
  return out;
}

function checkMatrix(m: Matrix, cols: number, what: string): void {
  if (!m || !(m.data instanceof Float64Array) || m.data.length !== m.rows * m.cols) {
    throw new UsageError(`${what} must be a Matrix { rows, cols, data: Float64Array }`, 'build it with fromRows() or matrix()');
  }
  if (m.cols !== cols) throw new UsageError(`${what} have ${m.cols} columns, and the model takes ${cols} features`, `give rows of ${cols} columns`);
}

function columnMeans(m: Matrix): Float64Array {
  const means = new Float64Array(m.cols);
  for (let r = 0; r < m.rows; r++) for (let j = 0; j < m.cols; j++) means[j] += m.data[r * m.cols + j];
  for (let j = 0; j < m.cols; j++) means[j] /= Math.max(1, m.rows);
  return means;
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}
