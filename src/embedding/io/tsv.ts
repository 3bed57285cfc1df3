import { UsageError } from '../../errors.js';
import type { MetadataColumn } from '../types.js';

/** Lines of a text file without the trailing empty line, with \r\n endings accepted. */
export function tsvLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * Vectors from a TSV (the projector's tensor format: one point per line, values separated by tabs).
 * A ragged line or a value that is not a finite number is an error naming its line.
 */
export function parseVectorsTsv(text: string, source: string): { count: number; dim: number; vectors: Float32Array } {
  const lines = tsvLines(text);
  if (lines.length === 0) throw new UsageError(`${source} has no vectors`, 'give one point per line, its values separated by tabs');
  const dim = lines[0].split('\t').length;
  const vectors = new Float32Array(lines.length * dim);
  lines.forEach((line, i) => {
    const cells = line.split('\t');
    if (cells.length !== dim) {
      throw new UsageError(`${source} line ${i + 1} has ${cells.length} values, but line 1 has ${dim}`,
        'every line needs the same number of tab-separated values (no header row, no trailing tab)');
    }
    for (let j = 0; j < dim; j++) {
      const cell = cells[j].trim();
      const value = cell === '' ? NaN : Number(cell);
      if (!Number.isFinite(value)) {
        throw new UsageError(`${source} line ${i + 1}, value ${j + 1} is "${cells[j]}", not a finite number`,
          'drop or repair rows with NaN, infinite or missing values (and leave out any header row)');
      }
      vectors[i * dim + j] = value;
    }
  });
  return { count: lines.length, dim, vectors };
}

/**
 * Metadata from a TSV with TensorBoard's rule: with two or more columns the first line names them; a
 * single column has no header and is called `label`. `expectedRows` (the number of vectors) is checked.
 */
export function parseMetadataTsv(text: string, source: string, expectedRows: number, hasHeader?: boolean): Record<string, MetadataColumn> {
  const lines = tsvLines(text);
  if (lines.length === 0) {
    if (expectedRows === 0) return {};
    throw new UsageError(`${source} is empty, but there are ${expectedRows} vectors`, 'give one metadata line per vector');
  }
  const width = lines[0].split('\t').length;
  const header = hasHeader ?? width > 1;
  const names = header ? lines[0].split('\t') : ['label'];
  const rows = header ? lines.slice(1) : lines;
  if (new Set(names).size !== names.length) {
    throw new UsageError(`${source} names a column twice (${names.join(', ')})`, 'give every metadata column its own name');
  }
  if (rows.length !== expectedRows) {
    throw new UsageError(`${source} has ${rows.length} metadata rows${header ? ' (after its header line)' : ''}, but there are ${expectedRows} vectors`,
      'give exactly one metadata line per vector, in the same order'
        + (width > 1 ? '' : ' (a single-column file has no header line; with two or more columns the first line is the header)'));
  }
  const cells: string[][] = names.map(() => []);
  rows.forEach((line, i) => {
    const parts = line.split('\t');
    if (parts.length !== names.length) {
      throw new UsageError(`${source} line ${i + 1 + (header ? 1 : 0)} has ${parts.length} columns, but there are ${names.length} (${names.join(', ')})`,
        'every metadata line needs one tab-separated value per column');
    }
    parts.forEach((p, j) => cells[j].push(p));
  });
  const out: Record<string, MetadataColumn> = {};
  names.forEach((name, j) => { out[name] = typedColumn(cells[j]); });
  return out;
}

/** A column of numbers when every cell is one, else of strings. */
export function typedColumn(cells: string[]): MetadataColumn {
  const numbers = cells.map((c) => (c.trim() === '' ? NaN : Number(c)));
  return numbers.every((x) => Number.isFinite(x)) && cells.length > 0 ? numbers : cells;
}

/** One metadata cell as TSV text: tabs and line breaks inside values would break the rows. */
export function tsvCell(value: string | number): string {
  return String(value).replace(/[\t\r\n]+/g, ' ');
}
