import { UsageError } from '../../errors.js';
import type { TabularModel } from '../../models/tabular/model.js';
import { columnOf, matrix, rowOf, type Matrix } from '../../tabular/matrix.js';
import { Random, checkSeed } from '../../util/random.js';
import type { ProgressCallback } from '../base.js';
import type { JsonValue } from '../result.js';
import { TabularExplanation } from '../tabular-explanation.js';
import { Discretizer, discretizerKinds, fixed2, type DiscretizerKind } from './discretizer.js';
import type { TruncatedNormal } from './truncated-normal.js';
import { checkFeatureSelection, type FeatureSelection } from './feature-selection.js';
import { fitSurrogate, limeKernel } from './surrogate.js';

export interface LimeTabularOptions {
  /** Default: "0", "1", ... as lime. */
  featureNames?: string[];
  /** Indices of categorical features (integer codes); the rest are continuous. */
  categorical?: number[];
  /** Per categorical feature, the name of each code, for conditions like "purpose=A43". */
  categoryNames?: Record<number, string[]>;
  /** How continuous features are binned (lime's discretize_continuous); 'none' samples them from normals. Default 'quartile'. */
  discretizer?: DiscretizerKind | 'none';
  /** Class of each training row; the entropy discretizer needs them. */
  trainingLabels?: ArrayLike<number>;
  /** Kernel width; default sqrt(features) * 0.75. */
  kernelWidth?: number;
  /** Without a discretizer, sample continuous features around the explained row instead of the training mean. */
  sampleAroundInstance?: boolean;
  /** Default 0. */
  seed?: number;
}

export interface LimeTabularExplainOptions {
  /** The explained output; default 1 (lime's labels=(1,)) for models with several outputs, else 0. */
  target?: number;
  /** Default 5000. */
  numSamples?: number;
  /** Default 10. */
  numFeatures?: number;
  /** Default 'auto'. */
  featureSelection?: FeatureSelection;
  onProgress?: ProgressCallback;
}

/** Training statistics for one categorical (or discretized) feature: its values and their frequencies. */
interface ValueFrequencies {
  values: Float64Array;
  /** Cumulative frequencies, last = 1, for sampling by inverse CDF. */
  cumulative: Float64Array;
  /** For each of CELLS equal slices of [0, 1): the index of the value drawn there, or -1 where a cumulative frequency cuts the slice. */
  cells: Int32Array;
}

const CELLS = 1024;

const NORMAL = 0;
const CATEGORICAL = 1;
const BINNED = 2;

/**
 * LIME for tabular data with the semantics of lime's LimeTabularExplainer: samples around the
 * training distribution (by default every continuous feature is binned, bins are drawn with their
 * training frequencies and values inside a bin from a truncated normal), represents each sample as
 * 0/1 "same bin / category as the explained row", weighs samples by an exponential kernel of their
 * distance in that representation and fits a weighted ridge surrogate.
 */
export class LimeTabular {
  readonly featureNames: string[];
  readonly kernelWidth: number;
  private readonly categorical: Set<number>;
  private readonly categoryNames: Record<number, string[]>;
  private readonly discretizer: Discretizer | undefined;
  /** Per feature in the sampled representation (every feature when discretizing, else the categorical ones). */
  private readonly frequencies = new Map<number, ValueFrequencies>();
  /** StandardScaler(with_mean=False)'s statistics; mean 0 and scale 1 for categorical features, as lime sets them. */
  private readonly mean: Float64Array;
  private readonly scale: Float64Array;
  private readonly seed: number;
  private readonly options: LimeTabularOptions;
  /**
   * The interpretable representation of the samples, kept between rows and calls: a fresh 1.2 MB
   * array per row costs more (page faults, GC) than sampling into it. Only one explain() at a time
   * borrows it; a concurrent one allocates its own.
   */
  private spare: Float64Array | undefined;

  constructor(readonly model: TabularModel, training: Matrix, options: LimeTabularOptions = {}) {
    const p = training.cols;
    if (p !== model.info.numFeatures) {
      throw new UsageError(`the training data has ${p} features but the model takes ${model.info.numFeatures}`, 'pass training rows with the model\'s features, in its order');
    }
    if (training.rows < 1) throw new UsageError('LIME needs training data to sample from, got no rows', 'pass the training rows (or a representative sample of them)');
    for (let i = 0; i < training.data.length; i++) {
      if (!Number.isFinite(training.data[i])) {
        throw new UsageError(`training value at row ${Math.floor(i / p)}, feature ${i % p} is ${training.data[i]}`, 'LIME needs finite training values: impute missing values first');
      }
    }
    this.options = options;
    this.seed = checkSeed(options.seed ?? 0);
    this.featureNames = options.featureNames ?? Array.from({ length: p }, (_, j) => String(j));
    if (this.featureNames.length !== p) {
      throw new UsageError(`${this.featureNames.length} feature names for ${p} features`, 'give one name per feature');
    }
    this.categorical = new Set(options.categorical ?? []);
    for (const f of this.categorical) {
      if (!Number.isInteger(f) || f < 0 || f >= p) throw new UsageError(`categorical feature index ${f} is out of range`, `use indices from 0 to ${p - 1}`);
    }
    this.categoryNames = options.categoryNames ?? {};
    for (const key of Object.keys(this.categoryNames)) {
      if (!this.categorical.has(Number(key))) throw new UsageError(`category names given for feature ${key}, which is not categorical`, 'list it in categorical, or drop its names');
    }
    const kind = options.discretizer ?? 'quartile';
    if (kind !== 'none' && !discretizerKinds.includes(kind)) {
      throw new UsageError(`unknown discretizer "${kind}"`, `use one of ${[...discretizerKinds, 'none'].join(', ')}`);
    }
    if (options.trainingLabels && options.trainingLabels.length !== training.rows) {
      throw new UsageError(`${options.trainingLabels.length} training labels for ${training.rows} training rows`, 'give one label per training row');
    }
    this.kernelWidth = options.kernelWidth ?? Math.sqrt(p) * 0.75;
    if (!(this.kernelWidth > 0)) throw new UsageError(`kernelWidth must be positive, got ${options.kernelWidth}`, 'leave it out for lime\'s default sqrt(features) * 0.75');
    this.discretizer = kind === 'none' ? undefined : new Discretizer(kind, training, this.categorical, this.featureNames, options.trainingLabels);

    this.mean = new Float64Array(p);
    this.scale = new Float64Array(p);
    for (let f = 0; f < p; f++) {
      const column = columnOf(training, f);
      const sampled = this.discretizer !== undefined || this.categorical.has(f);
      if (sampled) {
        const codes = this.discretizer ? column.map((v) => this.discretizer!.binOf(f, v)) : column;
        this.frequencies.set(f, valueFrequencies(codes));
      }
      if (this.categorical.has(f)) {
        this.mean[f] = 0;
        this.scale[f] = 1;
      } else {
        let m = 0;
        for (const v of column) m += v;
        m /= column.length;
        let s = 0;
        for (const v of column) s += (v - m) ** 2;
        s = Math.sqrt(s / column.length);
        this.mean[f] = m;
        this.scale[f] = s === 0 ? 1 : s;
      }
    }
  }

  async explain(rows: Matrix, options: LimeTabularExplainOptions = {}): Promise<TabularExplanation> {
    const started = performance.now();
    const p = this.featureNames.length;
    if (rows.cols !== p) throw new UsageError(`the rows have ${rows.cols} features, the explainer ${p}`, 'pass rows with the training data\'s features');
    for (let i = 0; i < rows.data.length; i++) {
      if (!Number.isFinite(rows.data[i])) throw new UsageError(`value at row ${Math.floor(i / p)}, feature ${i % p} is ${rows.data[i]}`, 'LIME explains rows of finite values');
    }
    const numSamples = options.numSamples ?? 5000;
    if (!Number.isInteger(numSamples) || numSamples < 2) throw new UsageError(`numSamples must be an integer >= 2, got ${numSamples}`, 'pass e.g. numSamples: 5000');
    const numFeatures = options.numFeatures ?? 10;
    const featureSelection = checkFeatureSelection(options.featureSelection ?? 'auto');
    const outputs = this.model.info.numOutputs;
    const target = options.target ?? (outputs > 1 ? 1 : 0);
    if (!Number.isInteger(target) || target < 0 || target >= outputs) {
      throw new UsageError(`target ${target} is out of range: the model has ${outputs} output${outputs === 1 ? '' : 's'}`, `pass a target from 0 to ${outputs - 1}`);
    }
    for (const [f, names] of Object.entries(this.categoryNames)) {
      for (let i = 0; i < rows.rows; i++) {
        const code = rows.data[i * p + Number(f)];
        if (!Number.isInteger(code) || code < 0 || code >= names.length) {
          throw new UsageError(`row ${i} has code ${code} for categorical feature "${this.featureNames[Number(f)]}", which has ${names.length} named categories`, 'pass integer codes that index categoryNames');
        }
      }
    }

    const rng = new Random(this.seed);
    const attributions: number[][] = [];
    const baseValues: number[] = [];
    const predictions: number[] = [];
    const extras: Record<string, JsonValue>[] = [];
    for (let r = 0; r < rows.rows; r++) {
      const row = rowOf(rows, r);
      const { data, inverse } = this.sample(row, numSamples, rng, this.borrow(numSamples * p));
      const outputsOfSamples = await this.model.predict(inverse);
      const labels = columnOf(outputsOfSamples, target);
      const weights = this.kernelWeights(data);
      const surrogate = fitSurrogate(data, labels, weights, { numFeatures, featureSelection });
      this.spare = data.data;
      attributions.push(Array.from(surrogate.weights));
      baseValues.push(surrogate.intercept);
      predictions.push(labels[0]);
      extras.push({
        intercept: surrogate.intercept,
        localPrediction: surrogate.localPrediction,
        score: surrogate.score,
        conditions: this.conditions(row),
        ranked: surrogate.ranked.map((f) => this.featureNames[f]),
      });
      options.onProgress?.(r + 1, rows.rows);
    }
    const params: Record<string, JsonValue> = {
      numSamples, numFeatures, featureSelection, kernelWidth: this.kernelWidth, seed: this.seed,
      discretizer: this.discretizer?.kind ?? 'none', sampleAroundInstance: this.options.sampleAroundInstance ?? false,
      categorical: [...this.categorical].sort((a, b) => a - b),
    };
    return new TabularExplanation({
      method: 'lime', params, model: this.model.info.name, target, output: this.model.info.output,
      featureNames: this.featureNames, values: Array.from({ length: rows.rows }, (_, i) => Array.from(rowOf(rows, i))),
      attributions, baseValues, predictions, extras, timeMs: performance.now() - started,
      ...(Object.keys(this.categoryNames).length ? { displayValues: Array.from({ length: rows.rows }, (_, i) => this.displayValues(rowOf(rows, i))) } : {}),
    });
  }

  /** The row as text: category names where given, numbers as lime shows them (two decimals). */
  displayValues(row: ArrayLike<number>): string[] {
    return this.featureNames.map((_, f) => {
      const names = this.categoryNames[f];
      return names ? names[row[f]] : fixed2(row[f]);
    });
  }

  /** lime's labels of the explained row's features: its bin, "name=category", or the bare name of a continuous feature. */
  conditions(row: ArrayLike<number>): string[] {
    return this.featureNames.map((name, f) => {
      const bins = this.discretizer?.bins.get(f);
      if (bins) return bins.names[this.discretizer!.binOf(f, row[f])];
      if (this.categorical.has(f)) {
        const names = this.categoryNames[f];
        return `${name}=${names ? names[row[f]] : String(Math.trunc(row[f]))}`;
      }
      return name;
    });
  }

  /**
   * lime's __data_inverse: `data` is the interpretable representation (1 where a sample shares the
   * row's bin or category; standardised values for continuous features without a discretizer), `inverse`
   * the samples in feature space for the model. Row 0 is the explained row itself.
   */
  private borrow(size: number): Float64Array {
    const buffer = this.spare?.length === size ? this.spare : new Float64Array(size);
    this.spare = undefined;
    return buffer;
  }

  private sample(row: Float64Array, n: number, rng: Random, buffer: Float64Array): { data: Matrix; inverse: Matrix } {
    const p = row.length;
    // Every value of `data` is written below: row 0 per feature, rows 1.. in the loop.
    const data = matrix(n, p, buffer);
    const inverse = matrix(n, p);
    const around = this.options.sampleAroundInstance ?? false;
    // Per feature: how it is sampled, and what that needs, looked up once.
    const kind = new Int8Array(p);
    const own = new Float64Array(p);
    const centre = new Float64Array(p);
    const freqs: (ValueFrequencies | undefined)[] = [];
    const samplers: TruncatedNormal[][] = [];
    // Bin indices as integers, so they index the samplers without a float-to-index conversion.
    const binsOf: Int32Array[] = [];
    for (let f = 0; f < p; f++) {
      const freq = this.frequencies.get(f);
      const bins = this.discretizer?.bins.get(f);
      freqs.push(freq);
      samplers.push(bins?.samplers ?? []);
      binsOf.push(Int32Array.from(freq?.values ?? []));
      if (!freq) {
        kind[f] = NORMAL;
        centre[f] = around ? row[f] : this.mean[f];
        data.data[f] = (row[f] - this.mean[f]) / this.scale[f];
      } else {
        kind[f] = bins ? BINNED : CATEGORICAL;
        own[f] = bins ? this.discretizer!.binOf(f, row[f]) : row[f];
        data.data[f] = 1;
      }
    }
    // Row by row, so both matrices are written in order.
    const d = data.data;
    const inv = inverse.data;
    for (let i = 1; i < n; i++) {
      const base = i * p;
      for (let f = 0; f < p; f++) {
        const k = kind[f];
        if (k === NORMAL) {
          // Continuous without a discretizer: normal around the mean (or the row), in the training scale.
          const v = rng.normal() * this.scale[f] + centre[f];
          inv[base + f] = v;
          d[base + f] = (v - this.mean[f]) / this.scale[f];
        } else if (k === BINNED) {
          const bin = binsOf[f][pick(freqs[f]!, rng.uniform())];
          d[base + f] = bin === own[f] ? 1 : 0;
          // lime returns the bin's standardised lower bound, a z-score, when a bin's bounds coincide; this returns the bound.
          inv[base + f] = samplers[f][bin].sample(rng);
        } else {
          const freq = freqs[f]!;
          const code = freq.values[pick(freq, rng.uniform())];
          d[base + f] = code === own[f] ? 1 : 0;
          inv[base + f] = code;
        }
      }
    }
    inverse.data.set(row, 0);
    return { data, inverse };
  }

  /** Kernel of the euclidean distance to row 0 in the (scaled) representation. */
  private kernelWeights(data: Matrix): Float64Array {
    const { rows: n, cols: p } = data;
    const weights = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let d2 = 0;
      for (let j = 0; j < p; j++) {
        const diff = data.data[i * p + j] - data.data[j];
        d2 += diff * diff;
      }
      weights[i] = limeKernel(Math.sqrt(d2), this.kernelWidth);
    }
    return weights;
  }
}

function valueFrequencies(codes: Float64Array): ValueFrequencies {
  const counts = new Map<number, number>();
  for (const c of codes) counts.set(c, (counts.get(c) ?? 0) + 1);
  const values = Float64Array.from([...counts.keys()].sort((a, b) => a - b));
  const cumulative = new Float64Array(values.length);
  let total = 0;
  values.forEach((v, i) => { total += counts.get(v)!; cumulative[i] = total / codes.length; });
  cumulative[values.length - 1] = 1;
  const cells = new Int32Array(CELLS);
  let k = 0;
  for (let c = 0; c < CELLS; c++) {
    while (cumulative[k] <= c / CELLS) k++;
    cells[c] = cumulative[k] >= (c + 1) / CELLS ? k : -1;
  }
  return { values, cumulative, cells };
}

/** numpy's choice(values, p=freqs): the index of the first value whose cumulative frequency exceeds u. */
function pick({ values, cumulative, cells }: ValueFrequencies, u: number): number {
  const cell = cells[(u * CELLS) | 0];
  if (cell >= 0) return cell;
  let lo = 0;
  let hi = values.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid] > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
