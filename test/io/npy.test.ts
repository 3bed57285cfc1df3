import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../src/errors.js';
import { encodeNpy, parseNpy, writeNpy } from '../../src/io/npy.js';

const usage = (pattern: RegExp) => (e: unknown) => e instanceof UsageError && pattern.test(e.message);

/** A .npy file from its parts: version, header dict text, and values written with the given dtype. */
function npy(version: 1 | 2 | 3, header: string, values: number[], dtype: 'f4' | 'f8' = 'f4', littleEndian = true, extraBytes = 0): Uint8Array {
  const head = new TextEncoder().encode(`${header}\n`);
  const prefix = version === 1 ? 10 : 12;
  const item = dtype === 'f4' ? 4 : 8;
  const out = new Uint8Array(prefix + head.length + values.length * item + extraBytes);
  const view = new DataView(out.buffer);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  if (version === 1) view.setUint16(8, head.length, true);
  else view.setUint32(8, head.length, true);
  out.set(head, prefix);
  values.forEach((v, i) => {
    const at = prefix + head.length + i * item;
    if (dtype === 'f4') view.setFloat32(at, v, littleEndian);
    else view.setFloat64(at, v, littleEndian);
  });
  return out;
}
const dict = (descr: string, shape: string, fortran = false) => `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shape}, }`;

describe('.npy reading', () => {
  it('reads float32 little-endian, C order (v1)', () => {
    const a = parseNpy(npy(1, dict('<f4', '(2, 3)'), [1, 2, 3, 4, 5, 6.5]), 'a.npy');
    assert.deepEqual([a.shape, [...a.data], a.dtype, a.fortranOrder], [[2, 3], [1, 2, 3, 4, 5, 6.5], 'float32', false]);
  });

  it('reads float64 big-endian (v1), float64 with a 4-byte header length (v2) and a UTF-8 header (v3)', () => {
    const be = parseNpy(npy(1, dict('>f8', '(2, 2)'), [1.5, -2.25, 3.125, 1e10], 'f8', false), 'be.npy');
    assert.deepEqual([be.shape, [...be.data], be.dtype], [[2, 2], [1.5, -2.25, 3.125, 1e10], 'float64']);
    const v2 = parseNpy(npy(2, dict('<f8', '(3,)'), [0.25, 0.5, Math.PI], 'f8'), 'v2.npy');
    assert.deepEqual([v2.shape, [...v2.data]], [[3], [0.25, 0.5, Math.fround(Math.PI)]]);
    const v3 = parseNpy(npy(3, `${dict('<f4', '(1, 2)')}  # café`, [7, 8]), 'v3.npy');
    assert.deepEqual([v3.shape, [...v3.data]], [[1, 2], [7, 8]]);
    const scalar = parseNpy(npy(1, dict('<f4', '()'), [4.5]), 's.npy');
    assert.deepEqual([scalar.shape, [...scalar.data]], [[], [4.5]]);
  });

  it('transposes Fortran-order data to C order', () => {
    // The 2x3 matrix [[0, 1, 2], [3, 4, 5]] stored column by column.
    const f = parseNpy(npy(1, dict('<f4', '(2, 3)', true), [0, 3, 1, 4, 2, 5]), 'f.npy');
    assert.deepEqual([f.shape, [...f.data], f.fortranOrder], [[2, 3], [0, 1, 2, 3, 4, 5], true]);
    const f3 = parseNpy(npy(1, dict('<f4', '(2, 2, 2)', true), [0, 4, 2, 6, 1, 5, 3, 7]), 'f3.npy');
    assert.deepEqual([...f3.data], [0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('refuses other dtypes, bad magic, truncation and non-finite values, saying how to fix them', () => {
    assert.throws(() => parseNpy(new TextEncoder().encode('not numpy at all'), 'x.npy'), usage(/^x\.npy is not a \.npy file \(it does not start with \\x93NUMPY\)/));
    const v4 = npy(1, dict('<f4', '(1,)'), [1]);
    v4[6] = 4;
    assert.throws(() => parseNpy(v4, 'x.npy'), usage(/is \.npy format version 4\.0, which Glassbox cannot read/));
    assert.throws(() => parseNpy(npy(1, dict('<i8', '(1,)'), [0, 0]), 'x.npy'),
      usage(/^x\.npy holds int64 values; Glassbox reads float32 and float64 \.npy files[\s\S]*astype\(np\.float32\)/));
    assert.throws(() => parseNpy(npy(1, dict('|u1', '(4,)'), [0]), 'x.npy'), usage(/holds uint8 values/));
    assert.throws(() => parseNpy(npy(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", [0]), 'x.npy'),
      usage(/holds a structured array \(named fields\)/));
    const full = npy(1, dict('<f4', '(2, 3)'), [1, 2, 3, 4, 5, 6]);
    assert.throws(() => parseNpy(full.subarray(0, full.length - 5), 'cut.npy'),
      usage(/^cut\.npy is truncated: shape \[2, 3\] of float32 needs 24 bytes of data, but the file holds 19/));
    assert.throws(() => parseNpy(full.subarray(0, 30), 'cut.npy'), usage(/is truncated: its header needs/));
    assert.throws(() => parseNpy(npy(1, dict('<f4', '(2,)'), [1, 2], 'f4', true, 3), 'x.npy'), usage(/has 3 bytes after the data/));
    assert.throws(() => parseNpy(npy(1, dict('<f4', '(3,)'), [1, NaN, 2]), 'nan.npy'), usage(/^nan\.npy holds a NaN at flat index 1[\s\S]*nan_to_num/));
    assert.throws(() => parseNpy(npy(1, dict('<f8', '(2,)'), [1, -Infinity], 'f8'), 'inf.npy'), usage(/holds an infinite value at flat index 1/));
    assert.throws(() => parseNpy(npy(1, dict('>f8', '(1,)'), [1e300], 'f8', false), 'big.npy'), usage(/holds 1e\+300, too large for float32, at flat index 0/));
    // In Fortran order the reported index is the C-order one.
    assert.throws(() => parseNpy(npy(1, dict('<f4', '(2, 2)', true), [0, NaN, 0, 0]), 'f.npy'), usage(/at flat index 2/));
  });
});

describe('.npy writing', () => {
  it('writes what np.save writes, byte for byte', () => {
    // np.save(f, np.array([1, 2], np.float32)) with numpy 1.24: a 128-byte header, then 1.0f and 2.0f.
    const header = `{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }${' '.repeat(60)}`;
    const expected = npy(1, header, [1, 2]);
    assert.equal(expected.length, 136);
    assert.deepEqual(encodeNpy({ shape: [2], data: Float32Array.from([1, 2]) }), expected);
  });

  it('round-trips through a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'glassbox-npy-'));
    try {
      const t = { shape: [1, 28, 28, 1], data: Float32Array.from({ length: 784 }, (_, i) => Math.sin(i)) };
      writeNpy(join(dir, 't.npy'), t);
      const bytes = new Uint8Array(readFileSync(join(dir, 't.npy')));
      assert.equal((10 + new DataView(bytes.buffer).getUint16(8, true)) % 64, 0, 'header aligned to 64 bytes');
      const back = parseNpy(bytes, 't.npy');
      assert.deepEqual(back.shape, t.shape);
      assert.deepEqual(back.data, t.data);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
