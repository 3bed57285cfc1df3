/**
 * What the tabular commands share: loading a tabular model with its schema, encoding the --data and
 * --background CSVs the same way, choosing the background, the explained output and the feature groups.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { L1Reg } from '../attribution/coalition/kernel-shap.js';
import type { FeatureGroupSpec, TabularMethodName, TabularMethodOptions } from '../attribution/tabular-methods.js';
import { UsageError } from '../errors.js';
import { loadTabularModel } from '../models/tabular/load.js';
import type { TabularModel } from '../models/tabular/model.js';
import { TreeEnsembleModel } from '../models/tabular/trees/model.js';
import { kmeansSummary } from '../stats/kmeans.js';
import { loadTabularData, type TabularData } from '../tabular/dataset.js';
import type { Matrix } from '../tabular/matrix.js';
import { readSchema, type TabularSchema } from '../tabular/schema.js';
import { choiceOption, intOption, stringOption, type OptionSpec, type ParsedOptions } from './args.js';

/** Flags every tabular command takes. */
export const TABULAR_DATA_FLAGS: Record<string, OptionSpec> = {
  data: { type: 'string', placeholder: 'file.csv', description: 'tabular rows to explain: a CSV with a header (tabular models)' },
  schema: { type: 'string', placeholder: 'schema.json', description: 'column types and encodings (default: schema.json beside the model, else inferred from the data)' },
  background: { type: 'string', placeholder: 'file.csv', description: 'background / training rows with the same columns (default: the --data rows)' },
  'background-kmeans': { type: 'string', placeholder: 'K', description: 'summarise the background by K weighted k-means centres (default 10 when it has over 100 rows; 0 keeps every row)' },
  output: { type: 'string', placeholder: 'margin|probability', description: 'tree ensembles: explain raw margins (log-odds) or probabilities' },
};

/** Flags of the tabular attribution methods. */
export const TABULAR_METHOD_FLAGS: Record<string, OptionSpec> = {
  row: { type: 'string', placeholder: 'N', description: 'the data row to explain, from 0 (the header is not a row)' },
  samples: { type: 'string', placeholder: 'N', description: 'noisy samples (smoothgrad, gradient-shap); kernel-shap nsamples, permutation-shap max evaluations, lime samples' },
  seed: { type: 'string', placeholder: 'N', description: 'random seed of the sampled methods (default 0)' },
  'l1-reg': { type: 'string', placeholder: 'none|num_features:K|aic|bic|auto', description: 'kernel-shap feature selection (default none)' },
  'num-features': { type: 'string', placeholder: 'K', description: 'lime: features in the surrogate (default 10)' },
  interactions: { type: 'boolean', description: 'tree-shap: also SHAP interaction values' },
  workers: { type: 'string', placeholder: 'N', description: 'threads for many rows (default: 2 when the rows pay for a worker; 1 stays on this thread)' },
};

export interface TabularSetup {
  model: TabularModel;
  data: TabularData;
  /** Background rows (k-means centres when summarised) and their weights. */
  background: Matrix;
  backgroundWeights?: Float64Array;
  /** The full background / training data (LIME samples from it). */
  training: TabularData;
  /** Features explained together: one group per one-hot encoded column; undefined when every column is one feature. */
  groups?: FeatureGroupSpec[];
  /** Where the schema came from, for the report. */
  schemaSource: string;
  notes: string[];
}

/** A schema given with --schema, or named by the model's metadata.json, or schema.json beside the model. */
function resolveSchema(modelPath: string, flags: ParsedOptions): { schema?: TabularSchema; source: string } {
  const explicit = stringOption(flags, 'schema');
  if (explicit) return { schema: readSchema(explicit), source: explicit };
  const dir = dirname(modelPath);
  const metadataPath = join(dir, 'metadata.json');
  if (existsSync(metadataPath)) {
    try {
      const meta = JSON.parse(readFileSync(metadataPath, 'utf8')) as { schema?: unknown };
      if (typeof meta.schema === 'string' && existsSync(join(dir, meta.schema))) return { schema: readSchema(join(dir, meta.schema)), source: join(dir, meta.schema) };
    } catch {
      // An unreadable metadata file is the model loader's to report.
    }
  }
  if (existsSync(join(dir, 'schema.json'))) return { schema: readSchema(join(dir, 'schema.json')), source: join(dir, 'schema.json') };
  return { source: 'inferred from the data' };
}

export async function loadTabularSetup(flags: ParsedOptions, method: TabularMethodName | undefined, warn: (line: string) => void): Promise<TabularSetup> {
  const modelPath = stringOption(flags, 'model');
  if (!modelPath) throw new UsageError('--model is required', 'e.g. --model models/credit/model.onnx');
  const dataPath = stringOption(flags, 'data');
  if (!dataPath) throw new UsageError('--data is required for a tabular model', 'e.g. --data data/tabular/german_credit.csv');
  const output = choiceOption(flags, 'output', ['margin', 'probability'] as const);
  if (method === 'tree-shap' && output === 'probability') {
    throw new UsageError('tree-shap explains margins (log-odds for a binary classifier), as XGBoost\'s pred_contribs',
      'drop --output probability (or pass --output margin); for attributions of probabilities use kernel-shap or permutation-shap');
  }
  let model: TabularModel = await loadTabularModel(modelPath, output ? { output } : {});
  // TreeSHAP explains margins (as XGBoost's pred_contribs): trees load that way unless --output says otherwise.
  if (!output && model instanceof TreeEnsembleModel && model.info.output === 'probability' && (method === 'tree-shap' || method === undefined)) {
    model = await loadTabularModel(modelPath, { output: 'margin' });
  }
  try {
    const { schema, source } = resolveSchema(modelPath, flags);
    const data = loadTabularData(dataPath, schema ? { schema } : {});
    if (data.x.cols !== model.info.numFeatures) {
      throw new UsageError(`${dataPath} encodes to ${data.x.cols} features (${source}), but model ${model.info.name} takes ${model.info.numFeatures}`,
        'give the schema the model was trained with (--schema), or list the columns to ignore and the target in a schema file');
    }
    const backgroundPath = stringOption(flags, 'background');
    const training = backgroundPath ? loadTabularData(backgroundPath, { schema: data.schema }) : data;
    const notes: string[] = [];
    const requestedK = intOption(flags, 'background-kmeans', { min: 0 });
    const shapley = (method === undefined && !(model instanceof TreeEnsembleModel)) || method === 'kernel-shap' || method === 'exact-shapley' || method === 'permutation-shap';
    const k = requestedK ?? (shapley && training.x.rows > 100 ? 10 : 0);
    let background = training.x;
    let backgroundWeights: Float64Array | undefined;
    if (k > 0 && k < training.x.rows) {
      const summary = kmeansSummary(training.x, k, intOption(flags, 'seed', { min: 0 }) ?? 0);
      background = summary.centers;
      backgroundWeights = summary.weights;
      if (requestedK === undefined) notes.push(`background: ${training.x.rows} rows summarised by ${k} weighted k-means centres (--background-kmeans 0 keeps every row)`);
    }
    const groups = columnGroups(data);
    return { model, data, background, ...(backgroundWeights ? { backgroundWeights } : {}), training, ...(groups ? { groups } : {}), schemaSource: source, notes };
  } catch (err) {
    (model as TabularModel).dispose?.();
    throw err;
  }
}

/** One group per source column when some column spans several features (one-hot). */
export function columnGroups(data: TabularData): FeatureGroupSpec[] | undefined {
  const byColumn = new Map<string, number[]>();
  data.featureColumns.forEach((c, j) => {
    const g = byColumn.get(c);
    if (g) g.push(j);
    else byColumn.set(c, [j]);
  });
  if (byColumn.size === data.featureColumns.length) return undefined;
  return [...byColumn].map(([name, features]) => ({ name, features }));
}

export function parseL1Reg(raw: string | undefined): L1Reg | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'none' || raw === 'aic' || raw === 'bic' || raw === 'auto') return raw;
  const m = /^num_features[:(](\d+)\)?$/.exec(raw);
  if (m && Number(m[1]) >= 1) return { numFeatures: Number(m[1]) };
  throw new UsageError(`--l1-reg must be none, num_features:K, aic, bic or auto, got "${raw}"`, 'e.g. --l1-reg num_features:10');
}

/**
 * The output explained: --target, else the only output, else the explained row's predicted class
 * (the first row's, for several rows).
 */
export async function resolveTabularTarget(model: TabularModel, rows: Matrix, flags: ParsedOptions): Promise<number> {
  const n = model.info.numOutputs;
  const target = intOption(flags, 'target', { min: 0, max: n - 1 });
  if (target !== undefined) return target;
  if (n === 1) return 0;
  const out = await model.predict({ rows: 1, cols: rows.cols, data: rows.data.subarray(0, rows.cols) });
  let best = 0;
  for (let k = 1; k < n; k++) if (out.data[k] > out.data[best]) best = k;
  return best;
}

/** Method options from the flags and the setup: groups for the coalition methods, categorical features for LIME. */
export function tabularMethodOptions(setup: TabularSetup, method: TabularMethodName, flags: ParsedOptions, target: number): TabularMethodOptions {
  const samples = intOption(flags, 'samples', { min: 1 });
  const seed = intOption(flags, 'seed', { min: 0 });
  const l1Reg = parseL1Reg(stringOption(flags, 'l1-reg'));
  const numFeatures = intOption(flags, 'num-features', { min: 1 });
  const workers = intOption(flags, 'workers', { min: 1, max: 64 });
  const options: TabularMethodOptions = {
    target,
    featureNames: setup.data.featureNames,
    background: method === 'tree-shap' ? (stringOption(flags, 'background') ? setup.background : undefined) : setup.background,
    ...(setup.backgroundWeights && method !== 'tree-shap' && method !== 'lime' ? { backgroundWeights: setup.backgroundWeights } : {}),
    ...(samples !== undefined ? { samples } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(l1Reg ? { l1Reg } : {}),
    ...(numFeatures !== undefined ? { numFeatures } : {}),
    ...(flags.interactions === true ? { interactions: true } : {}),
    ...(workers !== undefined ? { workers } : {}),
  };
  if (method === 'lime') {
    options.training = setup.training.x;
    options.background = setup.training.x;
    // One-hot indicators are categorical 0/1 features; label-encoded columns are categorical with their categories.
    const columns = new Map(setup.data.schema.columns.map((c) => [c.name, c]));
    const categorical: number[] = [];
    const categoryNames: Record<number, string[]> = {};
    setup.data.featureNames.forEach((name, j) => {
      const column = columns.get(setup.data.featureColumns[j]);
      if (column?.type !== 'categorical') return;
      categorical.push(j);
      categoryNames[j] = name === column.name ? [...(column.categories ?? [])] : ['no', 'yes'];
    });
    if (categorical.length) {
      options.categorical = categorical;
      options.categoryNames = categoryNames;
    }
  } else if (method !== 'tree-shap' && setup.groups) {
    options.groups = setup.groups;
  }
  return options;
}
