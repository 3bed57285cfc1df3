import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/** An IDX file (the MNIST format): a shape and its unsigned bytes, row-major. */
export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

/** Reads a (possibly gzipped) IDX file of unsigned bytes. */
export function readIdx(path: string): IdxArray {
  let bytes = readFileSync(path);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  const dataType = (magic >> 8) & 0xff;
  const rank = magic & 0xff;
  if ((magic >>> 16) !== 0 || dataType !== 0x08) {
    throw new Error(`${path} is not an IDX file of unsigned bytes (magic 0x${magic.toString(16)})`);
  }
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(view.getUint32(4 + 4 * i));
  const offset = 4 + 4 * rank;
  const size = shape.reduce((a, b) => a * b, 1);
  if (bytes.byteLength < offset + size) throw new Error(`${path} is truncated: expected ${size} values`);
  return { shape, data: new Uint8Array(bytes.buffer, bytes.byteOffset + offset, size) };
}
