import { deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';

/** Samples per pixel of each PNG colour type. */
const SAMPLES: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

/**
 * A PNG written by pngjs, from samples in the file's own colour type (0 grey, 2 RGB, 4 grey+alpha,
 * 6 RGBA) and bit depth (8 or 16), so no conversion happens on the way in.
 */
export function writePng(width: number, height: number, samples: number[], colorType: 0 | 2 | 4 | 6, bitDepth: 8 | 16 = 8): Uint8Array {
  if (samples.length !== width * height * SAMPLES[colorType]) throw new Error('fixture: wrong number of samples');
  const png = new PNG({ width, height, colorType, inputColorType: colorType, bitDepth, inputHasAlpha: colorType >= 4 });
  png.data = bitDepth === 8 ? Buffer.from(samples) : Buffer.from(Uint16Array.from(samples).buffer);
  return new Uint8Array(PNG.sync.write(png, { colorType, inputColorType: colorType, bitDepth, inputHasAlpha: colorType >= 4 }));
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, body: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, 'latin1');
  out.set(body, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
  return out;
}

/**
 * A PNG built by hand, for what pngjs cannot write (palettes, bit depths below 8): `rows` are the
 * packed scanlines without their filter byte.
 */
export function rawPng(width: number, height: number, colorType: number, depth: number, rows: number[][],
  extra: { type: string; body: number[] }[] = []): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([depth, colorType, 0, 0, 0], 8);
  const scanlines = Buffer.from(rows.flatMap((r) => [0, ...r]));
  return new Uint8Array(Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...extra.map((c) => chunk(c.type, Uint8Array.from(c.body))),
    chunk('IDAT', deflateSync(scanlines)),
    chunk('IEND', new Uint8Array(0)),
  ]));
}
