/**
 * A CSV file read into what tabular models and explainers take: the encoded feature matrix, the target,
 * the feature names and the raw cells for display, under a declared or inferred schema.
 */
import { UsageError } from '../errors.js';
import { readCsv } from './csv.js';
import type { Matrix } from './matrix.js';
import { encodeTable, inferSchema, readSchema, type TabularSchema } from './schema.js';

export interface LoadTabularOptions {
  /** A schema, or the path of a schema JSON file. Default: inferred from the file (see inferSchema). */
  schema?: TabularSchema | string;
  /** The target column: overrides the schema's, or names it for an inferred schema. */
  target?: string;
  /** Columns to leave out of an inferred schema. */
  ignore?: string[];
  /** Most data rows read (default 1,000,000). */
  maxRows?: number;
}

export interface TabularData {
  featureNames: string[];
  /** The source column of each feature (one-hot features share theirs). */
  featureColumns: string[];
  x: Matrix;
  /** The target per row (class index or value), when there is a target and the file has it. */
  y?: Float64Array;
  /** Class names of a categorical target, in class-index order. */
  classNames?: string[];
  /** rows x features raw cell text, for plots. */
  display: string[][];
  /** The schema used, with an inferred target resolved; save it beside a model to encode new rows the same way. */
  schema: TabularSchema;
}

export function loadTabularData(path: string, options: LoadTabularOptions = {}): TabularData {
  const table = readCsv(path, { maxRows: options.maxRows });
  let schema: TabularSchema;
  if (options.schema === undefined) {
    schema = inferSchema(table, { target: options.target, ignore: options.ignore });
  } else {
    schema = typeof options.schema === 'string' ? readSchema(options.schema) : options.schema;
    if (options.target !== undefined && options.target !== schema.target?.name) {
      if (schema.columns.some((c) => c.name === options.target)) {
        throw new UsageError(`"${options.target}" is a feature column of the schema, so it cannot be the target`, 'name a column the schema does not use as a feature');
      }
      schema = { ...schema, target: { name: options.target } };
    }
  }
  if (options.target !== undefined && !table.header.includes(options.target)) {
    throw new UsageError(`${path} has no target column "${options.target}"`, `its columns are: ${table.header.join(', ')}`);
  }
  const encoded = encodeTable(table, schema);
  const resolved: TabularSchema = encoded.target ? { ...schema, target: encoded.target } : schema;
  const data: TabularData = {
    featureNames: encoded.featureNames,
    featureColumns: encoded.featureColumns,
    x: encoded.x,
    display: encoded.display,
    schema: resolved,
  };
  if (encoded.y) data.y = encoded.y;
  if (encoded.target?.type === 'categorical') data.classNames = [...encoded.target.categories!];
  return data;
}
