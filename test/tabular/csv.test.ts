import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../src/errors.js';
import { isMissingToken, parseCsv, readCsv } from '../../src/tabular/csv.js';

const usage = (pattern: RegExp) => (e: unknown) => e instanceof UsageError && pattern.test(e.message);

describe('parseCsv', () => {
  it('reads a header and rows, with CRLF and LF line ends and no final newline', () => {
    const t = parseCsv('a,b,c\r\n1,2,3\n4,5,6');
    assert.deepEqual(t.header, ['a', 'b', 'c']);
    assert.deepEqual(t.rows, [['1', '2', '3'], ['4', '5', '6']]);
    assert.deepEqual(t.lines, [2, 3]);
  });

  it('reads quoted fields with delimiters, doubled quotes and line breaks (RFC 4180)', () => {
    const t = parseCsv('name,note\r\n"Smith, J","said ""hi"""\r\n"x","two\r\nlines"\r\nlast,""\r\n');
    assert.deepEqual(t.rows, [['Smith, J', 'said "hi"'], ['x', 'two\r\nlines'], ['last', '']]);
    // The record after a two-line field starts two lines further down.
    assert.deepEqual(t.lines, [2, 3, 5]);
  });

  it('skips blank lines and a byte-order mark, trims unquoted fields but not quoted ones', () => {
    const t = parseCsv('\ufeffa, b\n\n 1 , " 2 "\n\n');
    assert.deepEqual(t.header, ['a', 'b']);
    assert.deepEqual(t.rows, [['1', ' 2 ']]);
  });

  it('keeps empty fields (missing values) and knows the missing tokens', () => {
    const t = parseCsv('a,b,c\n,NA,?\nNaN,0,x\n');
    assert.deepEqual(t.rows, [['', 'NA', '?'], ['NaN', '0', 'x']]);
    assert.deepEqual(t.rows.flat().map(isMissingToken), [true, true, true, true, false, false]);
  });

  it('takes another delimiter', () => {
    assert.deepEqual(parseCsv('a;b\n1,5;2\n', { delimiter: ';' }).rows, [['1,5', '2']]);
  });

  it('names the line of a ragged row', () => {
    assert.throws(() => parseCsv('a,b\n1,2\n\n3\n', { source: 'f.csv' }), usage(/f\.csv: line 4 has 1 fields, the header has 2/));
    assert.throws(() => parseCsv('a,b\n1,2,3\n'), usage(/line 2 has 3 fields/));
  });

  it('refuses empty files, headers without rows, unclosed quotes, text after a quote, bad headers', () => {
    assert.throws(() => parseCsv(''), usage(/is empty/));
    assert.throws(() => parseCsv('\n\r\n'), usage(/is empty/));
    assert.throws(() => parseCsv('a,b\n'), usage(/a header but no data rows/));
    assert.throws(() => parseCsv('a,b\n1,"2\n3,4\n'), usage(/line 2: a quoted field is never closed/));
    assert.throws(() => parseCsv('a,b\n1,"2"x\n'), usage(/line 2: text after the closing quote/));
    assert.throws(() => parseCsv('a,a\n1,2\n'), usage(/names column "a" twice/));
    assert.throws(() => parseCsv('a,\n1,2\n'), usage(/column 2 of the header has no name/));
  });

  it('says how to pass fewer rows when a file has too many', () => {
    const text = `x\n${Array.from({ length: 11 }, (_, i) => i).join('\n')}\n`;
    assert.equal(parseCsv(text, { maxRows: 11 }).rows.length, 11);
    assert.throws(() => parseCsv(text, { maxRows: 10, source: 'big.csv' }),
      (e: unknown) => e instanceof UsageError && /big\.csv has more than 10 data rows/.test(e.message) && /head -n 11/.test(e.message));
  });
});

describe('readCsv', () => {
  it('reads a file, and names a missing one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'glassbox-csv-'));
    const path = join(dir, 'a.csv');
    writeFileSync(path, 'x,y\n1,2\n');
    const t = readCsv(path);
    assert.deepEqual(t.rows, [['1', '2']]);
    assert.equal(t.source, path);
    assert.throws(() => readCsv(join(dir, 'none.csv')), usage(/CSV file not found/));
    assert.throws(() => readCsv(path, { maxBytes: 4 }), (e: unknown) => e instanceof UsageError
      && /a\.csv is 8 bytes, over the 4 bytes limit for a CSV file/.test(e.message) && /head -n 100001 .*a\.csv > sample\.csv/.test(e.message));
  });

  it('reads the German credit file: 1000 rows of 22 columns', () => {
    const t = readCsv('data/tabular/german_credit.csv');
    assert.equal(t.header.length, 22);
    assert.equal(t.rows.length, 1000);
    assert.deepEqual(t.rows[0].slice(0, 3), ['A11', '6', 'A34']);
    assert.equal(t.rows.filter((r) => r[21] === 'bad').length, 300);
  });
});
