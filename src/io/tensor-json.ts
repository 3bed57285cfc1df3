import { GlassboxError, UsageError } from '../errors.js';
import { formatShape, sizeOf, type NdArray } from '../tensor.js';
import { writeFileAtomic } from './atomic-write.js';

const FLOAT32_MAX = 3.4028234663852886e38;
const FORMS = '{"shape": [2, 3], "data": [1, 2, 3, 4, 5, 6]} or nested arrays such as [[1, 2, 3], [4, 5, 6]]';

/**
 * Reads a tensor from JSON text: `{"shape": [...], "data": [...]}` (data flat, or nested to the shape)
 * or nested arrays, which must be rectangular and hold only finite numbers. Other keys next to shape
 * and data (e.g. "dtype") are ignored. Every problem is reported with its place, e.g. `[2][0]`.
 */
export function parseTensorJson(text: string, source: string): NdArray {
  let value: unknown;
  try {
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    const special = /(?:^|[\s,[:])(-?Infinity|NaN)(?=[\s,\]}]|$)/.exec(text);
    if (special) {
      throw new UsageError(`${source} holds ${special[1]}, which is not valid JSON (Python's json.dump writes it for non-finite floats)`,
        'replace non-finite values with numbers before exporting: attributions of NaN or infinite inputs are meaningless');
    }
    throw new UsageError(`${source} is not valid JSON: ${(err as Error).message}`, `give ${FORMS}`);
  }
  if (Array.isArray(value)) return fromNested(value, source, undefined);
  if (typeof value === 'object' && value !== null && ('shape' in value || 'data' in value)) {
    const { shape, data } = value as { shape?: unknown; data?: unknown };
    if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || (d as number) < 0)) {
      throw new UsageError(`${source}: "shape" is ${JSON.stringify(shape) ?? 'missing'}, not a list of sizes`, `give ${FORMS}`);
    }
    if (!Array.isArray(data)) throw new UsageError(`${source}: "data" is ${JSON.stringify(data) ?? 'missing'}, not a list of numbers`, `give ${FORMS}`);
    const dims = shape as number[];
    const nested = data.length > 0 && Array.isArray(data[0]);
    if (!nested && data.length !== sizeOf(dims)) {
      throw new UsageError(`${source}: "data" has ${data.length} values, but shape ${formatShape(dims)} needs ${sizeOf(dims)}`,
        'give as many values as the product of the shape');
    }
    return fromNested(data, source, nested ? dims : [data.length], dims);
  }
  const what = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object without "shape" and "data"' : `a single ${typeof value}`;
  throw new UsageError(`${source} holds ${what}, not a tensor`, `give ${FORMS}`);
}

/**
 * Walks nested arrays, checking they are rectangular (to `expected` when given, else to the sizes of
 * their first elements) and numeric; returns the values as float32 with shape `reshape ?? found`.
 */
function fromNested(root: unknown[], source: string, expected: number[] | undefined, reshape?: number[]): NdArray {
  const shape: number[] = expected ? [...expected] : [];
  if (!expected) {
    for (let level: unknown = root; Array.isArray(level); level = level[0]) {
      shape.push(level.length);
      if (level.length === 0) break;
    }
  }
  const data = new Float32Array(sizeOf(shape));
  let n = 0;
  const place = (path: number[]) => path.map((i) => `[${i}]`).join('');
  const visit = (node: unknown, depth: number, path: number[]): void => {
    if (depth < shape.length) {
      if (!Array.isArray(node)) {
        throw new UsageError(`${source}: ${place(path) || 'the top level'} is ${describe(node)}, but an array of ${shape[depth]} was expected there`,
          `arrays must be rectangular: every row as deep and as long as the first (shape ${formatShape(shape)})`);
      }
      if (node.length !== shape[depth]) {
        throw new UsageError(`${source}: ${place(path) || 'the top level'} has ${node.length} entries, expected ${shape[depth]}`,
          `arrays must be rectangular: every row as long as the first (shape ${formatShape(shape)})`);
      }
      node.forEach((child, i) => visit(child, depth + 1, [...path, i]));
      return;
    }
    if (typeof node !== 'number') {
      const hint = node === null ? 'JSON.stringify writes NaN and Infinity as null: clean the values before exporting'
        : Array.isArray(node) ? `arrays must be rectangular: every row as deep as the first (shape ${formatShape(shape)})`
          : 'every value must be a number';
      throw new UsageError(`${source}: the value at ${place(path)} is ${describe(node)}, not a number`, hint);
    }
    if (!Number.isFinite(node) || Math.abs(node) > FLOAT32_MAX) {
      throw new UsageError(`${source}: the value at ${place(path)} (${node}) is too large for float32`, 'scale the values to a sensible range');
    }
    data[n++] = node;
  };
  visit(root, 0, []);
  return { shape: reshape ? [...reshape] : shape, data };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}...` : value)}`;
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/**
 * The shortest decimal that reads back as the same float32 (so 0.1f prints as 0.1, not
 * 0.10000000149011612): JSON files stay small and exact.
 */
export function formatFloat32(value: number): string {
  const v = Math.fround(value);
  if (Number.isInteger(v) && Math.abs(v) < 1e21) return String(v);
  for (let digits = 1; digits < 9; digits++) {
    const s = v.toPrecision(digits);
    if (Math.fround(Number(s)) === v) return String(Number(s));
  }
  return String(Number(v.toPrecision(9)));
}

/** `{"shape": [...], "data": [...]}` text for a tensor; refuses NaN and Infinity, which JSON cannot hold. */
export function tensorToJson(t: NdArray): string {
  if (t.data.length !== sizeOf(t.shape)) {
    throw new GlassboxError(`cannot write a tensor of shape ${formatShape(t.shape)} with ${t.data.length} values`);
  }
  const parts = new Array<string>(t.data.length);
  for (let i = 0; i < t.data.length; i++) {
    const v = t.data[i];
    if (!Number.isFinite(v)) {
      throw new GlassboxError(`cannot write ${v} (at flat index ${i}) to JSON, which has no NaN or Infinity`,
        'write .npy instead, or find where the non-finite value comes from');
    }
    parts[i] = formatFloat32(v);
  }
  return `{"shape":[${t.shape.join(',')}],"data":[${parts.join(',')}]}\n`;
}

/** Writes a tensor as JSON, atomically. */
export function writeTensorJson(path: string, t: NdArray): void {
  writeFileAtomic(path, tensorToJson(t));
}
