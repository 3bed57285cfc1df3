import { GlassboxError, UsageError } from '../errors.js';
import { formatShape, sizeOf, type NdArray } from '../tensor.js';
import { writeFileAtomic } from './atomic-write.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const FLOAT32_MAX = 3.4028234663852886e38;

export interface NpyArray extends NdArray {
  /** The dtype in the file (the values are float32 now). */
  dtype: 'float32' | 'float64';
  /** Whether the file was in Fortran order (the values are in C order now). */
  fortranOrder: boolean;
}

/** numpy names of dtype codes, for messages. */
const DTYPE_NAMES: Record<string, string> = {
  b1: 'bool', i1: 'int8', u1: 'uint8', i2: 'int16', u2: 'uint16', i4: 'int32', u4: 'uint32', i8: 'int64', u8: 'uint64',
  f2: 'float16', f4: 'float32', f8: 'float64', f16: 'float128', c8: 'complex64', c16: 'complex128', O: 'object (pickled Python objects)',
};

/**
 * Reads a .npy file (format versions 1, 2 and 3) of float32 or float64, either byte order, C or
 * Fortran order (transposed to C order). Values become float32 and must be finite.
 */
export function parseNpy(bytes: Uint8Array, source: string): NpyArray {
  const bad = (what: string, hint = 'save the array again with np.save(path, array.astype(np.float32))') =>
    new UsageError(`${source} ${what}`, hint);
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw bad('is not a .npy file (it does not start with \\x93NUMPY)');
  const major = bytes[6];
  if (major < 1 || major > 3) throw bad(`is .npy format version ${major}.${bytes[7]}, which Glassbox cannot read (it reads 1.0 to 3.0)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) throw bad('is truncated: it ends inside its header');
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = 8 + lengthBytes + headerLength;
  if (bytes.length < dataStart) throw bad(`is truncated: its header needs ${headerLength} bytes, but the file ends before`);
  // Versions 1 and 2 write the header in latin1, version 3 in UTF-8; the fields we read are ASCII.
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(8 + lengthBytes, dataStart));

  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(header)?.[1];
  if (descr === undefined) {
    throw bad(/['"]descr['"]\s*:\s*\[/.test(header) ? 'holds a structured array (named fields), not plain numbers' : `has a header without a dtype: ${header.trim()}`);
  }
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (fortran === undefined || shapeText === undefined) throw bad(`has a header Glassbox cannot parse: ${header.trim()}`);
  const shape = shapeText.split(',').map((s) => s.trim().replace(/L$/, '')).filter((s) => s !== '').map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw bad(`has a bad shape (${shapeText})`);

  const dtype = /^([<>=|]?)([a-zA-Z])(\d*)$/.exec(descr);
  const code = dtype ? `${dtype[2]}${dtype[3]}` : descr;
  if (!dtype || (code !== 'f4' && code !== 'f8')) {
    const name = DTYPE_NAMES[code] ?? (dtype?.[2] === 'U' || dtype?.[2] === 'S' ? 'strings' : `'${descr}'`);
    throw bad(`holds ${name} values; Glassbox reads float32 and float64 .npy files`,
      'convert it in Python: np.save(path, array.astype(np.float32))');
  }
  const itemSize = code === 'f4' ? 4 : 8;
  // '<' little endian; '=' native (little on every platform Node runs on here); '>' big endian.
  const littleEndian = dtype[1] !== '>';
  const size = sizeOf(shape);
  const needed = size * itemSize;
  const available = bytes.length - dataStart;
  if (available < needed) {
    throw bad(`is truncated: shape ${formatShape(shape)} of ${code === 'f4' ? 'float32' : 'float64'} needs ${needed} bytes of data, but the file holds ${available}`,
      'copy or save the file again: it was cut short');
  }
  if (available > needed) throw bad(`has ${available - needed} bytes after the data its header describes (shape ${formatShape(shape)}): it is corrupt`);

  const data = new Float32Array(size);
  const order = fortran === 'True' ? fortranToC(shape) : undefined;
  for (let k = 0; k < size; k++) {
    const at = dataStart + k * itemSize;
    const v = itemSize === 4 ? view.getFloat32(at, littleEndian) : view.getFloat64(at, littleEndian);
    if (!Number.isFinite(v) || Math.abs(v) > FLOAT32_MAX) {
      const c = order ? order[k] : k;
      const what = Number.isNaN(v) ? 'a NaN' : Number.isFinite(v) ? `${v}, too large for float32,` : 'an infinite value';
      throw new UsageError(`${source} holds ${what} at flat index ${c}`,
        'clean the array first (e.g. np.nan_to_num): attributions of non-finite inputs are meaningless');
    }
    data[order ? order[k] : k] = v;
  }
  return { shape, data, dtype: code === 'f4' ? 'float32' : 'float64', fortranOrder: fortran === 'True' };
}

/** For each position k in Fortran order (first index fastest), the flat C-order index of the same element. */
function fortranToC(shape: number[]): Int32Array {
  const size = sizeOf(shape);
  const out = new Int32Array(size);
  const strides = shape.map((_, d) => sizeOf(shape.slice(d + 1)));
  const at = shape.map(() => 0);
  for (let k = 0; k < size; k++) {
    let c = 0;
    for (let d = 0; d < shape.length; d++) c += at[d] * strides[d];
    out[k] = c;
    for (let d = 0; d < shape.length; d++) {
      if (++at[d] < shape[d]) break;
      at[d] = 0;
    }
  }
  return out;
}

/** A little-endian float32, C-order .npy (format 1.0, or 2.0 if the header needs it) of a tensor. */
export function encodeNpy(t: NdArray): Uint8Array {
  if (t.data.length !== sizeOf(t.shape)) throw new GlassboxError(`cannot write a tensor of shape ${formatShape(t.shape)} with ${t.data.length} values`);
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  // As numpy writes it: room for the first dimension to grow to 21 digits, then spaces and a newline
  // up to a multiple of 64 bytes (magic and length included), so files match np.save byte for byte.
  let dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
  if (t.shape.length > 0) dict += ' '.repeat(Math.max(0, 21 - String(t.shape[0]).length));
  const major = dict.length + 1 + 64 > 65535 ? 2 : 1;
  const prefix = major === 1 ? 10 : 12;
  dict += ' '.repeat(64 - ((prefix + dict.length + 1) % 64)) + '\n';
  const out = new Uint8Array(prefix + dict.length + t.data.length * 4);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  if (major === 1) view.setUint16(8, dict.length, true);
  else view.setUint32(8, dict.length, true);
  for (let i = 0; i < dict.length; i++) out[prefix + i] = dict.charCodeAt(i);
  for (let i = 0; i < t.data.length; i++) view.setFloat32(prefix + dict.length + i * 4, t.data[i], true);
  return out;
}

/** Writes a tensor as float32 .npy, atomically. */
export function writeNpy(path: string, t: NdArray): void {
  writeFileAtomic(path, encodeNpy(t));
}
