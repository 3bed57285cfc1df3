import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../src/errors.js';
import { parseCsv } from '../../src/tabular/csv.js';
import { loadTabularData } from '../../src/tabular/dataset.js';
import { encodeRecords, encodeTable, inferSchema, parseSchema, readSchema, sortedCategories } from '../../src/tabular/schema.js';

const usage = (pattern: RegExp) => (e: unknown) => e instanceof UsageError && pattern.test(e.message);
const table = () => parseCsv('age,color,size,label\n30,red,S,yes\n41.5,blue,M,no\nNA,green,?,yes\n25,,L,no\n', { source: 't.csv' });

describe('inferSchema', () => {
  it('makes number columns numeric and the rest categorical with sorted categories', () => {
    const s = inferSchema(table(), { target: 'label' });
    assert.deepEqual(s.columns, [
      { name: 'age', type: 'numeric' },
      { name: 'color', type: 'categorical', categories: ['blue', 'green', 'red'], encoding: 'onehot' },
      { name: 'size', type: 'categorical', categories: ['L', 'M', 'S'], encoding: 'onehot' },
    ]);
    assert.deepEqual(s.target, { name: 'label', type: 'categorical', categories: ['no', 'yes'] });
  });

  it('sorts categories by code unit, as Python sorted() does (A410 before A42)', () => {
    assert.deepEqual(sortedCategories(['A43', 'A410', 'A42', 'a', 'B', 'A43']), ['A410', 'A42', 'A43', 'B', 'a']);
  });

  it('leaves out ignored columns and names unknown ones', () => {
    assert.deepEqual(inferSchema(table(), { ignore: ['size', 'label'] }).columns.map((c) => c.name), ['age', 'color']);
    assert.throws(() => inferSchema(table(), { target: 'nope' }), usage(/t\.csv has no column "nope".*\n.*age, color, size, label/));
  });
});

describe('encodeTable', () => {
  it('one-hot encodes, with names column=category, NaN for missing values and raw cells for display', () => {
    const t = table();
    const e = encodeTable(t, inferSchema(t, { target: 'label' }));
    assert.deepEqual(e.featureNames, ['age', 'color=blue', 'color=green', 'color=red', 'size=L', 'size=M', 'size=S']);
    assert.deepEqual(e.featureColumns, ['age', 'color', 'color', 'color', 'size', 'size', 'size']);
    assert.deepEqual(Array.from(e.x.data.subarray(0, 14)), [30, 0, 0, 1, 0, 0, 1, 41.5, 1, 0, 0, 0, 1, 0]);
    assert.deepEqual(Array.from(e.x.data.subarray(14)), [NaN, 0, 1, 0, NaN, NaN, NaN, 25, NaN, NaN, NaN, 1, 0, 0]);
    assert.deepEqual(e.display[0], ['30', 'red', 'red', 'red', 'S', 'S', 'S']);
    assert.deepEqual(e.display[2][0], 'NA');
    assert.deepEqual(Array.from(e.y!), [1, 0, 1, 0]);
  });

  it('label encodes with the category index', () => {
    const schema = parseSchema({
      columns: [{ name: 'color', type: 'categorical', categories: ['red', 'green', 'blue'], encoding: 'label' }, { name: 'age', type: 'numeric' }],
    });
    const e = encodeTable(table(), schema);
    assert.deepEqual(e.featureNames, ['color', 'age']);
    assert.deepEqual(Array.from(e.x.data), [0, 30, 2, 41.5, 1, NaN, NaN, 25]);
    assert.equal(e.y, undefined);
  });

  it('names the column, value and line of an unknown category, and missing columns', () => {
    const schema = parseSchema({ columns: [{ name: 'color', type: 'categorical', categories: ['red', 'blue'] }] });
    assert.throws(() => encodeTable(table(), schema), usage(/t\.csv: line 4: column "color" holds "green", which is not one of its categories \(red, blue\)/));
    const missing = parseSchema({ columns: [{ name: 'weight', type: 'numeric' }] });
    assert.throws(() => encodeTable(table(), missing), usage(/t\.csv has no column "weight"/));
    const numeric = parseSchema({ columns: [{ name: 'size', type: 'numeric' }] });
    assert.throws(() => encodeTable(table(), numeric), usage(/line 2: column "size" is numeric but holds "S"/));
  });

  it('resolves a target named only by name from its values, and refuses unknown labels', () => {
    const e = encodeTable(table(), parseSchema({ columns: [{ name: 'age', type: 'numeric' }], target: 'label' }));
    assert.deepEqual(e.target, { name: 'label', type: 'categorical', categories: ['no', 'yes'] });
    const declared = parseSchema({ columns: [{ name: 'age', type: 'numeric' }], target: { name: 'label', type: 'categorical', categories: ['yes', 'no'] } });
    assert.deepEqual(Array.from(encodeTable(table(), declared).y!), [0, 1, 0, 1]);
    const partial = parseSchema({ columns: [{ name: 'age', type: 'numeric' }], target: { name: 'label', type: 'categorical', categories: ['yes'] } });
    assert.throws(() => encodeTable(table(), partial), usage(/line 3: the target "label" holds "no", which is not one of its classes/));
  });

  it('encodes records given as objects', () => {
    const schema = inferSchema(table());
    const e = encodeRecords([{ age: 50, color: 'blue', size: null, label: 'no' }], schema);
    assert.deepEqual(Array.from(e.x.data), [50, 1, 0, 0, NaN, NaN, NaN, 1, 0]);
    assert.throws(() => encodeRecords([{ age: 1 }], schema), usage(/row 0 has no value for column "color"/));
  });
});

describe('schema files', () => {
  it('checks types, categories and encodings', () => {
    assert.throws(() => parseSchema({ columns: [] }), usage(/"columns" must be a non-empty list/));
    assert.throws(() => parseSchema({ columns: [{ name: 'a', type: 'text' }] }), usage(/column "a" has type "text"/));
    assert.throws(() => parseSchema({ columns: [{ name: 'a', type: 'categorical' }] }), usage(/needs "categories"/));
    assert.throws(() => parseSchema({ columns: [{ name: 'a', type: 'categorical', categories: ['x'], encoding: 'hash' }] }), usage(/encoding "hash"/));
    assert.throws(() => parseSchema({ columns: [{ name: 'a', type: 'numeric' }], target: 'a' }), usage(/column "a" appears twice/));
  });

  it('reads a JSON file and names a broken one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'glassbox-schema-'));
    writeFileSync(join(dir, 'ok.json'), JSON.stringify({ columns: [{ name: 'age', type: 'numeric' }], target: 'label', ignore: ['x'] }));
    assert.deepEqual(readSchema(join(dir, 'ok.json')), { columns: [{ name: 'age', type: 'numeric' }], target: { name: 'label' }, ignore: ['x'] });
    writeFileSync(join(dir, 'bad.json'), '{"columns": [');
    assert.throws(() => readSchema(join(dir, 'bad.json')), usage(/bad\.json is not valid JSON/));
  });
});

describe('loadTabularData', () => {
  it('loads German credit with an inferred schema: 7 numeric and 13 one-hot columns, 61 features', () => {
    const d = loadTabularData('data/tabular/german_credit.csv', { target: 'risk', ignore: ['class'] });
    assert.equal(d.x.rows, 1000);
    assert.equal(d.schema.columns.filter((c) => c.type === 'numeric').length, 7);
    assert.equal(d.x.cols, 61);
    assert.deepEqual(d.classNames, ['bad', 'good']);
    assert.equal(d.y!.reduce((a, b) => a + b, 0), 700);
    // Row 0: A11,6,A34,... purpose A43.
    const k = d.featureNames.indexOf('purpose=A43');
    assert.equal(d.x.data[k], 1);
    assert.equal(d.display[0][k], 'A43');
    assert.equal(d.x.data[d.featureNames.indexOf('duration_months')], 6);
  });

  it('loads with a schema file and a target named by option', () => {
    const d = loadTabularData('data/tabular/german_credit.csv', { schema: 'models/credit/schema.json' });
    assert.deepEqual(d.classNames, ['good', 'bad']);
    assert.equal(d.y!.reduce((a, b) => a + b, 0), 300);
    assert.throws(() => loadTabularData('data/tabular/german_credit.csv', { target: 'nope' }), usage(/no column "nope"/));
  });
});
