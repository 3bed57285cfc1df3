/**
 * What the columns of a table mean to a model: numeric or categorical, how categories become numbers
 * (one-hot columns or one label-encoded column), which column is the target and which are ignored.
 * A schema is declared (JSON, committed beside a model) or inferred from a CSV file: a column is
 * numeric when every present value parses as a number, else categorical with its categories in sorted
 * order (JavaScript's default string order, which is Python's sorted() for the usual characters). The
 * tree loaders label-encode with that same rule, so a category's code is its index in that order.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { isMissingToken, type CsvTable } from './csv.js';
import { matrix, type Matrix } from './matrix.js';

export type ColumnType = 'numeric' | 'categorical';
export type CategoryEncoding = 'onehot' | 'label';

export interface ColumnSchema {
  name: string;
  type: ColumnType;
  /** Categorical columns: the categories in code order (label code = index; one-hot column order). */
  categories?: string[];
  /** Categorical feature columns: 'onehot' (default) or 'label'. */
  encoding?: CategoryEncoding;
}

export interface TabularSchema {
  /** Feature columns, in the order their features enter the model. */
  columns: ColumnSchema[];
  /**
   * The target column. Categorical targets become class indices (the categories are the class names,
   * in class order); numeric ones are taken as they are (regression values, or 0/1 labels). Without a
   * type (a schema file that names only the target) it is inferred from the data like a feature column.
   */
  target?: TargetSchema;
  /** Columns in the file that are neither features nor the target (ids, leaks). */
  ignore?: string[];
}

export interface TargetSchema {
  name: string;
  type?: ColumnType;
  categories?: string[];
}

/** Rows encoded for a model. */
export interface EncodedRows {
  /** One name per model feature: the column name, or "column=category" for one-hot features. */
  featureNames: string[];
  /** The source column of each feature (several one-hot features share one), for grouping. */
  featureColumns: string[];
  /** rows x features; missing values are NaN (all of a one-hot group's features for a missing category). */
  x: Matrix;
  /** rows x features: the raw cell behind each feature ("A43" for purpose=A43, "1169" for amount), for plots. */
  display: string[][];
  /** The target per row, when the schema has one and the table has its column. */
  y?: Float64Array;
  /** The target as encoded (its type and classes resolved from the data when the schema left them open). */
  target?: TargetSchema;
}

export interface InferSchemaOptions {
  target?: string;
  ignore?: string[];
  /** How inferred categorical features are encoded. Default 'onehot'. */
  encoding?: CategoryEncoding;
}

/** A number as CSV files write it: decimal or exponent notation, 'inf' spellings excluded. */
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function parseNumber(value: string): number | undefined {
  return NUMBER.test(value) ? Number(value) : undefined;
}

/** Sorted unique values, the category order every Glassbox encoder uses. */
export function sortedCategories(values: Iterable<string>): string[] {
  return [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A schema inferred from a table: every column not ignored and not the target is a feature. */
export function inferSchema(table: CsvTable, options: InferSchemaOptions = {}): TabularSchema {
  const ignore = options.ignore ?? [];
  for (const name of [...ignore, ...(options.target !== undefined ? [options.target] : [])]) {
    requireColumn(table, name);
  }
  const encoding = options.encoding ?? 'onehot';
  const infer = (name: string): ColumnSchema => {
    const k = table.header.indexOf(name);
    const present = table.rows.map((r) => r[k]).filter((v) => !isMissingToken(v));
    if (present.length > 0 && present.every((v) => parseNumber(v) !== undefined)) return { name, type: 'numeric' };
    if (present.length === 0) {
      throw new UsageError(`${table.source}: column "${name}" has no values`, `drop the column or list it in ignore: ["${name}"]`);
    }
    return { name, type: 'categorical', categories: sortedCategories(present), encoding };
  };
  const columns = table.header.filter((h) => h !== options.target && !ignore.includes(h)).map(infer);
  if (columns.length === 0) throw new UsageError(`${table.source} has no feature columns left`, 'ignore fewer columns');
  const schema: TabularSchema = { columns };
  if (options.target !== undefined) {
    const { name, type, categories } = infer(options.target);
    schema.target = categories ? { name, type, categories } : { name, type };
  }
  if (ignore.length > 0) schema.ignore = [...ignore];
  return schema;
}

/** Reads a schema JSON file (see TabularSchema; `target` may also be just the column name). */
export function readSchema(path: string): TabularSchema {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UsageError(`schema file not found: ${path}`, 'pass the path of a schema JSON file');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${path} is not valid JSON: ${(err as Error).message}`, 'fix the JSON syntax of the schema file');
  }
  return parseSchema(json, path);
}

/** Checks a schema given as plain data (parsed JSON), and fills in defaults. */
export function parseSchema(json: unknown, source = 'schema'): TabularSchema {
  const fail = (what: string, hint: string): never => {
    throw new UsageError(`${source}: ${what}`, hint);
  };
  if (!isObject(json)) return fail('a schema must be a JSON object', 'write {"columns": [{"name": "age", "type": "numeric"}, ...], "target": "label"}');
  if (!Array.isArray(json.columns) || json.columns.length === 0) {
    return fail('"columns" must be a non-empty list', 'list the feature columns: "columns": [{"name": "age", "type": "numeric"}, ...]');
  }
  const column = (c: unknown, where: string, isTarget: boolean): ColumnSchema => {
    if (!isObject(c) || typeof c.name !== 'string' || c.name === '') return fail(`${where} needs a "name"`, 'give every column {"name": ..., "type": "numeric" | "categorical"}');
    const name = c.name;
    if (c.type !== 'numeric' && c.type !== 'categorical') {
      return fail(`column "${name}" has type ${JSON.stringify(c.type)}`, 'use "numeric" or "categorical"');
    }
    if (c.type === 'numeric') return { name, type: 'numeric' };
    if (!Array.isArray(c.categories) || c.categories.length === 0 || !c.categories.every((v): v is string => typeof v === 'string')) {
      return fail(`categorical column "${name}" needs "categories", a non-empty list of strings`, 'list its values in code order, e.g. "categories": ["A11", "A12"]');
    }
    if (new Set(c.categories).size !== c.categories.length) return fail(`column "${name}" lists a category twice`, 'list each category once');
    const out: ColumnSchema = { name, type: 'categorical', categories: [...c.categories] };
    if (!isTarget) {
      const encoding = c.encoding ?? 'onehot';
      if (encoding !== 'onehot' && encoding !== 'label') return fail(`column "${name}" has encoding ${JSON.stringify(encoding)}`, 'use "onehot" or "label"');
      out.encoding = encoding;
    }
    return out;
  };
  const columns = json.columns.map((c, k) => column(c, `column ${k + 1}`, false));
  const schema: TabularSchema = { columns };
  if (json.target !== undefined) {
    schema.target = typeof json.target === 'string'
      ? { name: json.target }
      : isObject(json.target) && json.target.type === undefined && typeof json.target.name === 'string'
        ? { name: json.target.name }
        : column(json.target, 'the target', true);
  }
  if (json.ignore !== undefined) {
    if (!Array.isArray(json.ignore) || !json.ignore.every((v): v is string => typeof v === 'string')) {
      return fail('"ignore" must be a list of column names', 'write "ignore": ["id"]');
    }
    schema.ignore = [...json.ignore];
  }
  const names = [...columns.map((c) => c.name), ...(schema.target ? [schema.target.name] : [])];
  const twice = names.find((n, k) => names.indexOf(n) !== k);
  if (twice !== undefined) fail(`column "${twice}" appears twice (as a feature, or as a feature and the target)`, 'list each column once');
  return schema;
}

/** Model feature names a schema produces, and the column each comes from. */
export function schemaFeatures(schema: TabularSchema): { featureNames: string[]; featureColumns: string[] } {
  const featureNames: string[] = [];
  const featureColumns: string[] = [];
  for (const c of schema.columns) {
    if (c.type === 'categorical' && (c.encoding ?? 'onehot') === 'onehot') {
      for (const cat of c.categories!) {
        featureNames.push(`${c.name}=${cat}`);
        featureColumns.push(c.name);
      }
    } else {
      featureNames.push(c.name);
      featureColumns.push(c.name);
    }
  }
  return { featureNames, featureColumns };
}

/** The class names of a categorical target (undefined for numeric targets or no target). */
export function classNamesOf(schema: TabularSchema): string[] | undefined {
  return schema.target?.type === 'categorical' && schema.target.categories ? [...schema.target.categories] : undefined;
}

/**
 * Encodes a table's rows. Every feature column of the schema must be in the table; the target column
 * is optional (rows to explain need no label). Unknown categories are errors naming the column, the
 * value and the line.
 */
export function encodeTable(table: CsvTable, schema: TabularSchema): EncodedRows {
  for (const c of schema.columns) requireColumn(table, c.name);
  const records = table.rows;
  const where = (i: number) => `${table.source}: line ${table.lines[i] ?? i + 2}`;
  return encode(schema, records.length, (i, name) => records[i][table.header.indexOf(name)], (name) => table.header.includes(name), where);
}

/**
 * Encodes rows given as objects ({ column: value }), e.g. rows to explain read from JSON. Numbers are
 * taken as they are; strings as in a CSV cell; null or undefined is missing.
 */
export function encodeRecords(records: readonly Record<string, string | number | null | undefined>[], schema: TabularSchema): EncodedRows {
  schema.columns.forEach((c) => {
    const k = records.findIndex((r) => !(c.name in r));
    if (k >= 0) throw new UsageError(`row ${k} has no value for column "${c.name}"`, `give every row a "${c.name}" (null for missing)`);
  });
  const cell = (i: number, name: string): string => {
    const v = records[i][name];
    return v === null || v === undefined ? '' : typeof v === 'number' ? (Number.isNaN(v) ? '' : String(v)) : v.trim();
  };
  const hasTarget = (name: string) => records.length > 0 && records.every((r) => name in r);
  return encode(schema, records.length, cell, hasTarget, (i) => `row ${i}`);
}

function encode(
  schema: TabularSchema,
  rows: number,
  cell: (row: number, column: string) => string,
  hasColumn: (column: string) => boolean,
  where: (row: number) => string,
): EncodedRows {
  const { featureNames, featureColumns } = schemaFeatures(schema);
  const x = matrix(rows, featureNames.length);
  const display = Array.from({ length: rows }, () => new Array<string>(featureNames.length));
  let offset = 0;
  for (const c of schema.columns) {
    const width = c.type === 'categorical' && (c.encoding ?? 'onehot') === 'onehot' ? c.categories!.length : 1;
    const codes = c.type === 'categorical' ? new Map(c.categories!.map((v, k) => [v, k])) : undefined;
    for (let i = 0; i < rows; i++) {
      const raw = cell(i, c.name);
      const base = i * x.cols + offset;
      const missing = isMissingToken(raw);
      for (let k = 0; k < width; k++) display[i][offset + k] = missing ? 'NA' : raw;
      if (missing) {
        x.data.fill(NaN, base, base + width);
        continue;
      }
      if (!codes) {
        const v = parseNumber(raw);
        if (v === undefined) {
          throw new UsageError(`${where(i)}: column "${c.name}" is numeric but holds "${raw}"`,
            `fix the value, or declare "${c.name}" categorical in the schema (missing values are written '', NA, ? or NaN)`);
        }
        x.data[base] = v;
        continue;
      }
      const code = codes.get(raw);
      if (code === undefined) {
        throw new UsageError(`${where(i)}: column "${c.name}" holds "${raw}", which is not one of its categories (${previewList(c.categories!)})`,
          `fix the value, or add "${raw}" to the categories of "${c.name}" in the schema (the model must have been trained with it)`);
      }
      if (width === 1) x.data[base] = code;
      else x.data[base + code] = 1;
    }
    offset += width;
  }
  const out: EncodedRows = { featureNames, featureColumns, x, display };
  const target = schema.target;
  if (target && hasColumn(target.name)) {
    const targetCell = (i: number) => cell(i, target.name);
    out.target = resolveTarget(target, rows, targetCell);
    out.y = encodeTarget(out.target, rows, targetCell, where);
  }
  return out;
}

/** A target without a type gets one from its values: numeric if all are numbers, else sorted classes. */
function resolveTarget(target: TargetSchema, rows: number, cell: (row: number) => string): TargetSchema {
  if (target.type === 'numeric') return { name: target.name, type: 'numeric' };
  if (target.type === 'categorical' && target.categories) return { name: target.name, type: 'categorical', categories: [...target.categories] };
  const present: string[] = [];
  for (let i = 0; i < rows; i++) {
    const v = cell(i);
    if (!isMissingToken(v)) present.push(v);
  }
  if (target.type === undefined && present.every((v) => parseNumber(v) !== undefined)) return { name: target.name, type: 'numeric' };
  return { name: target.name, type: 'categorical', categories: sortedCategories(present) };
}

function encodeTarget(target: TargetSchema, rows: number, cell: (row: number) => string, where: (row: number) => string): Float64Array {
  const y = new Float64Array(rows);
  const codes = target.type === 'categorical' ? new Map(target.categories!.map((v, k) => [v, k])) : undefined;
  for (let i = 0; i < rows; i++) {
    const raw = cell(i);
    if (isMissingToken(raw)) {
      throw new UsageError(`${where(i)}: the target "${target.name}" is missing`, 'drop rows without a label, or leave the target out to explain unlabelled rows');
    }
    const v = codes ? codes.get(raw) : parseNumber(raw);
    if (v === undefined) {
      throw new UsageError(
        codes
          ? `${where(i)}: the target "${target.name}" holds "${raw}", which is not one of its classes (${previewList(target.categories!)})`
          : `${where(i)}: the target "${target.name}" holds "${raw}", not a number`,
        codes ? 'fix the label, or list it among the target categories in the schema' : 'declare the target categorical (with its classes) in the schema',
      );
    }
    y[i] = v;
  }
  return y;
}

function requireColumn(table: CsvTable, name: string): void {
  if (!table.header.includes(name)) {
    throw new UsageError(`${table.source} has no column "${name}"`, `its columns are: ${previewList(table.header)}`);
  }
}

function previewList(values: string[], max = 12): string {
  const shown = values.slice(0, max).join(', ');
  return values.length > max ? `${shown}, ... (${values.length} in all)` : shown;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
