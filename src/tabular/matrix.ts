import { UsageError } from '../errors.js';

/**
 * A row-major float64 matrix: the currency of the tabular side (data rows, model outputs, coalition
 * masks as 0/1). Float64 because tree ensembles and the Shapley estimators are checked against the
 * Python libraries to 1e-6 and below.
 */
export interface Matrix {
  rows: number;
  cols: number;
  /** rows * cols values, row after row. NaN marks a missing value where a model accepts it. */
  data: Float64Array;
}

export function matrix(rows: number, cols: number, data?: Float64Array): Matrix {
  if (data && data.length !== rows * cols) {
    throw new UsageError(`a ${rows} x ${cols} matrix needs ${rows * cols} values, got ${data.length}`, 'give rows * cols values, row after row');
  }
  return { rows, cols, data: data ?? new Float64Array(rows * cols) };
}

/** A matrix from rows of equal length. */
export function fromRows(rows: readonly (ArrayLike<number>)[], cols?: number): Matrix {
  const width = cols ?? (rows.length ? rows[0].length : 0);
  const out = matrix(rows.length, width);
  rows.forEach((r, i) => {
    if (r.length !== width) throw new UsageError(`row ${i} has ${r.length} values, expected ${width}`, 'give every row the same number of features');
    out.data.set(Array.from(r), i * width);
  });
  return out;
}

/** Row i as a view (no copy). */
export function rowOf(m: Matrix, i: number): Float64Array {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols);
}

/** Rows [start, end) as a view (no copy). */
export function sliceRows(m: Matrix, start: number, end: number): Matrix {
  return { rows: end - start, cols: m.cols, data: m.data.subarray(start * m.cols, end * m.cols) };
}

/** Column j as a new array. */
export function columnOf(m: Matrix, j: number): Float64Array {
  const out = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) out[i] = m.data[i * m.cols + j];
  return out;
}

/** Rows as plain arrays, for JSON. */
export function toRows(m: Matrix): number[][] {
  return Array.from({ length: m.rows }, (_, i) => Array.from(rowOf(m, i)));
}
