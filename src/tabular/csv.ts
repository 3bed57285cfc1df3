/**
 * CSV as RFC 4180 has it: the first record is the header, fields may be quoted ("a, b" and "say ""hi"""),
 * quoted fields may hold commas and line breaks, lines end in LF or CRLF. Two liberties, both what
 * pandas does by default: blank lines are skipped, and spaces around an unquoted field are dropped (so
 * "1, 2" reads as "1" and "2", and UCI files written with ", " separators read cleanly).
 */
import { readFileSync, statSync } from 'node:fs';
import { UsageError } from '../errors.js';

export interface CsvTable {
  header: string[];
  /** One array of header.length strings per data record. */
  rows: string[][];
  /** The 1-based line each data record starts on, for messages. */
  lines: number[];
  /** Where the table came from, for messages ("data.csv", or "CSV text"). */
  source: string;
}

export interface CsvOptions {
  /** Field separator, one character. Default ','. */
  delimiter?: string;
  /** Most data records read; more is an error that says how to pass fewer. Default 1,000,000. */
  maxRows?: number;
  /** For messages: the file name. */
  source?: string;
  /** readCsv: files above this many bytes are refused before reading. Default MAX_CSV_BYTES (512 MB). */
  maxBytes?: number;
}

export const DEFAULT_MAX_ROWS = 1_000_000;
/** Files above this many bytes are refused before reading (a CSV this large would not fit as strings). */
export const MAX_CSV_BYTES = 512 * 1024 * 1024;

/** The tokens that mean "no value" in a cell (after trimming): '', 'NA', '?', 'NaN'. */
export const MISSING_TOKENS: readonly string[] = ['', 'NA', '?', 'NaN'];

export function isMissingToken(value: string): boolean {
  return MISSING_TOKENS.includes(value);
}

/** Reads and parses a CSV file. */
export function readCsv(path: string, options: CsvOptions = {}): CsvTable {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new UsageError(`CSV file not found: ${path}`, 'pass the path of an existing .csv file');
  }
  const maxRows = options.maxRows ?? DEFAULT_MAX_ROWS;
  const maxBytes = options.maxBytes ?? MAX_CSV_BYTES;
  if (size > maxBytes) {
    const mb = (bytes: number) => (bytes < 2 ** 20 ? `${bytes} bytes` : `${(bytes / 2 ** 20).toFixed(0)} MB`);
    throw new UsageError(
      `${path} is ${mb(size)}, over the ${mb(maxBytes)} limit for a CSV file`,
      `pass fewer rows, e.g. the header and the first 100000 rows: head -n 100001 ${path} > sample.csv`,
    );
  }
  const text = readFileSync(path, 'utf8');
  return parseCsv(text, { delimiter: options.delimiter, maxRows, source: options.source ?? path });
}

/** Parses CSV text. */
export function parseCsv(text: string, options: CsvOptions = {}): CsvTable {
  const source = options.source ?? 'CSV text';
  const delimiter = options.delimiter ?? ',';
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new UsageError(`the CSV delimiter must be one character other than a quote or a line break, got ${JSON.stringify(delimiter)}`, "pass delimiter: ',' or ';' or '\\t'");
  }
  const maxRows = options.maxRows ?? DEFAULT_MAX_ROWS;
  if (!Number.isInteger(maxRows) || maxRows < 1) throw new UsageError(`maxRows must be a positive integer, got ${maxRows}`, 'pass e.g. maxRows: 100000');
  const records: string[][] = [];
  const lines: number[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // a byte-order mark is not part of the first name
  let line = 1;
  const n = text.length;
  while (i < n) {
    const startLine = line;
    const fields: string[] = [];
    let blank = true;
    // One record: fields until an unquoted line break or the end.
    for (;;) {
      let field: string;
      // Leading spaces of a field are skipped, so that ' "a"' is the quoted field a.
      let j = i;
      while (j < n && (text[j] === ' ' || text[j] === '\t') && text[j] !== delimiter) j++;
      if (j < n && text[j] === '"') {
        blank = false;
        const open = line;
        let k = j + 1;
        let value = '';
        for (;;) {
          const q = text.indexOf('"', k);
          if (q < 0) {
            throw new UsageError(`${source}: line ${open}: a quoted field is never closed`, 'close the quote, or double quotes inside a quoted field ("")');
          }
          const chunk = text.slice(k, q);
          for (let c = 0; c < chunk.length; c++) if (chunk[c] === '\n') line++;
          value += chunk;
          if (text[q + 1] === '"') {
            value += '"';
            k = q + 2;
          } else {
            k = q + 1;
            break;
          }
        }
        while (k < n && (text[k] === ' ' || text[k] === '\t') && text[k] !== delimiter) k++;
        if (k < n && text[k] !== delimiter && text[k] !== '\n' && text[k] !== '\r') {
          throw new UsageError(`${source}: line ${line}: text after the closing quote of a field`, 'put the whole field inside the quotes, and double any quote inside it ("")');
        }
        field = value;
        i = k;
      } else {
        let k = i;
        while (k < n && text[k] !== delimiter && text[k] !== '\n' && text[k] !== '\r') k++;
        field = text.slice(i, k).trim();
        if (field !== '' || text[k] === delimiter) blank = false;
        i = k;
      }
      fields.push(field);
      if (i < n && text[i] === delimiter) {
        i++;
        continue;
      }
      // End of record: CRLF, LF, a lone CR, or the end of the text.
      if (text[i] === '\r') i++;
      if (text[i] === '\n') i++;
      line++;
      break;
    }
    if (blank) continue;
    records.push(fields);
    lines.push(startLine);
    if (records.length > maxRows + 1) {
      throw new UsageError(`${source} has more than ${maxRows} data rows, the limit`,
        `pass fewer rows (e.g. head -n ${maxRows + 1} file.csv > sample.csv), or raise maxRows`);
    }
  }
  if (records.length === 0) throw new UsageError(`${source} is empty`, 'give a CSV file with a header line and at least one data row');
  const header = records[0];
  checkHeader(header, source);
  const rows = records.slice(1);
  const rowLines = lines.slice(1);
  if (rows.length === 0) throw new UsageError(`${source} has a header but no data rows`, 'add at least one data row under the header');
  rows.forEach((r, k) => {
    if (r.length !== header.length) {
      throw new UsageError(`${source}: line ${rowLines[k]} has ${r.length} fields, the header has ${header.length}`,
        'give every row one value per header column (quote values that contain the delimiter)');
    }
  });
  return { header, rows, lines: rowLines, source };
}

function checkHeader(header: string[], source: string): void {
  const seen = new Set<string>();
  header.forEach((name, k) => {
    if (name === '') throw new UsageError(`${source}: column ${k + 1} of the header has no name`, 'name every column in the first line');
    if (seen.has(name)) throw new UsageError(`${source}: the header names column "${name}" twice`, 'give every column its own name');
    seen.add(name);
  });
}
