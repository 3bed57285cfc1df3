import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GlassboxError, UsageError } from '../../src/errors.js';
import { formatFloat32, parseTensorJson, tensorToJson, writeTensorJson } from '../../src/io/tensor-json.js';

const usage = (pattern: RegExp) => (e: unknown) => e instanceof UsageError && pattern.test(e.message);
const parse = (text: string) => parseTensorJson(text, 'x.json');

describe('tensor JSON', () => {
  it('reads {shape, data} with flat or nested data, and nested arrays', () => {
    const flat = parse('{"shape": [2, 3], "data": [1, 2, 3, 4, 5, 6.5], "dtype": "float32"}');
    assert.deepEqual(flat.shape, [2, 3]);
    assert.deepEqual([...flat.data], [1, 2, 3, 4, 5, 6.5]);
    assert.ok(flat.data instanceof Float32Array);
    assert.deepEqual(parse('{"shape": [2, 1, 2], "data": [[[1, 2]], [[3, 4]]]}'), { shape: [2, 1, 2], data: Float32Array.from([1, 2, 3, 4]) });
    assert.deepEqual(parse('\ufeff[[[1], [2]], [[3], [4]], [[5], [6]]]'), { shape: [3, 2, 1], data: Float32Array.from([1, 2, 3, 4, 5, 6]) });
    assert.deepEqual(parse('[0.5, -1e-3]'), { shape: [2], data: Float32Array.from([0.5, -1e-3]) });
  });

  it('refuses ragged, non-numeric, non-finite and malformed input, saying where', () => {
    assert.throws(() => parse('[[1, 2], [3]]'), usage(/^x\.json: \[1\] has 1 entries, expected 2[\s\S]*rectangular/));
    assert.throws(() => parse('[[1, 2], 3]'), usage(/^x\.json: \[1\] is a number, but an array of 2 was expected there/));
    assert.throws(() => parse('[[1, [2]], [3, 4]]'), usage(/^x\.json: the value at \[0\]\[1\] is an array of 1, not a number[\s\S]*as deep as the first/));
    assert.throws(() => parse('[[1, "2.5"]]'), usage(/^x\.json: the value at \[0\]\[1\] is the string "2\.5", not a number/));
    assert.throws(() => parse('[1, null]'), usage(/the value at \[1\] is null, not a number[\s\S]*JSON\.stringify writes NaN and Infinity as null/));
    assert.throws(() => parse('[1, NaN, 2]'), usage(/^x\.json holds NaN, which is not valid JSON \(Python's json\.dump writes it/));
    assert.throws(() => parse('{"shape": [2], "data": [-Infinity, 1]}'), usage(/^x\.json holds -Infinity/));
    assert.throws(() => parse('[1e39]'), usage(/the value at \[0\] \(1e\+39\) is too large for float32/));
    assert.throws(() => parse('[1, 2'), usage(/^x\.json is not valid JSON: /));
    assert.throws(() => parse('{"shape": [2, 2], "data": [1, 2, 3]}'), usage(/"data" has 3 values, but shape \[2, 2\] needs 4/));
    assert.throws(() => parse('{"shape": [2, -1], "data": [1, 2]}'), usage(/"shape" is \[2,-1\], not a list of sizes/));
    assert.throws(() => parse('{"shape": [2]}'), usage(/"data" is missing, not a list of numbers/));
    assert.throws(() => parse('{"values": [1]}'), usage(/^x\.json holds an object without "shape" and "data", not a tensor/));
    assert.throws(() => parse('42'), usage(/holds a single number, not a tensor/));
  });

  it('writes the shortest text that reads back to the same float32 values', () => {
    const values = Float32Array.from([0.1, -2, 1 / 3, 3.4e38, 1e-45, 0, 123456789]);
    const text = tensorToJson({ shape: [7], data: values });
    assert.equal(formatFloat32(0.1), '0.1');
    assert.equal(formatFloat32(1 / 3), '0.33333334');
    assert.ok(text.startsWith('{"shape":[7],"data":[0.1,-2,0.33333334,'), text);
    assert.deepEqual(parse(text), { shape: [7], data: values });
    const dir = mkdtempSync(join(tmpdir(), 'glassbox-json-'));
    try {
      writeTensorJson(join(dir, 'out', 't.json'), { shape: [1, 2], data: Float32Array.from([1.5, 2]) });
      assert.equal(readFileSync(join(dir, 'out', 't.json'), 'utf8'), '{"shape":[1,2],"data":[1.5,2]}\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.throws(() => tensorToJson({ shape: [2], data: Float32Array.from([1, NaN]) }),
      (e: unknown) => e instanceof GlassboxError && /cannot write NaN \(at flat index 1\) to JSON/.test(e.message));
  });
});
