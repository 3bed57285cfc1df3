import { UsageError } from '../errors.js';
import type { NdArray } from '../tensor.js';
import type { ImagePreprocessing } from '../models/preprocessing.js';

/**
 * An 8-bit image in row-major order, channels interleaved: 1 = grey, 3 = RGB, 4 = RGBA
 * (alpha not premultiplied). Renderers return 3 or 4 channels; 1 is accepted on input for digits.
 */
export interface Image {
  width: number;
  height: number;
  channels: 1 | 3 | 4;
  data: Uint8Array;
}

export type Rgb = readonly [number, number, number];

export const WHITE: Rgb = [255, 255, 255];

export function createImage(width: number, height: number, background: Rgb = WHITE): Image {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i += 3) {
    data[i] = background[0];
    data[i + 1] = background[1];
    data[i + 2] = background[2];
  }
  return { width, height, channels: 3, data };
}

export function checkImage(image: Image, what = 'image'): void {
  const { width, height, channels, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new UsageError(`${what} has size ${width}x${height}`, 'give a positive integer width and height');
  }
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new UsageError(`${what} has ${String(channels)} channels`, 'use 1 (grey), 3 (RGB) or 4 (RGBA) channels');
  }
  if (data.length !== width * height * channels) {
    throw new UsageError(`${what} has ${data.length} bytes but ${width}x${height}x${channels} needs ${width * height * channels}`,
      'give data with width * height * channels bytes');
  }
}

/** The pixel at (x, y) as RGB; RGBA is composited over `background` so callers never see alpha. */
export function pixelRgb(image: Image, x: number, y: number, background: Rgb = WHITE): [number, number, number] {
  const i = (y * image.width + x) * image.channels;
  const d = image.data;
  if (image.channels === 1) return [d[i], d[i], d[i]];
  if (image.channels === 3) return [d[i], d[i + 1], d[i + 2]];
  const a = d[i + 3] / 255;
  return [
    Math.round(d[i] * a + background[0] * (1 - a)),
    Math.round(d[i + 1] * a + background[1] * (1 - a)),
    Math.round(d[i + 2] * a + background[2] * (1 - a)),
  ];
}

/** Any image as opaque RGB (alpha composited over `background`). */
export function toRgb(image: Image, background: Rgb = WHITE): Image {
  checkImage(image);
  if (image.channels === 3) return image;
  const out = new Uint8Array(image.width * image.height * 3);
  for (let y = 0, o = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++, o += 3) {
      const [r, g, b] = pixelRgb(image, x, y, background);
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
    }
  }
  return { width: image.width, height: image.height, channels: 3, data: out };
}

/** Luma (Rec. 601 weights) per pixel in [0, 255], as a float array of width * height. */
export function greyscale(image: Image): Float32Array {
  const n = image.width * image.height;
  const out = new Float32Array(n);
  const d = image.data;
  const c = image.channels;
  for (let p = 0; p < n; p++) {
    const i = p * c;
    out[p] = c === 1 ? d[i] : 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
  }
  return out;
}

/** Every pixel becomes a factor x factor block: small inputs stay crisp when shown large. */
export function upscaleNearest(image: Image, factor: number): Image {
  if (!Number.isInteger(factor) || factor < 1) {
    throw new UsageError(`upscale factor ${factor} is not a positive integer`, 'use 1, 2, 3, ...');
  }
  if (factor === 1) return image;
  const { width, height, channels, data } = image;
  const w = width * factor;
  const out = new Uint8Array(w * height * factor * channels);
  for (let y = 0; y < height * factor; y++) {
    const sy = Math.floor(y / factor);
    for (let x = 0; x < w; x++) {
      const s = (sy * width + Math.floor(x / factor)) * channels;
      const o = (y * w + x) * channels;
      for (let k = 0; k < channels; k++) out[o + k] = data[s + k];
    }
  }
  return { width: w, height: height * factor, channels, data: out };
}

/** The integer factor that brings the longer side closest to `target` pixels (28 -> 8 for 224), at least 1. */
export function displayFactor(width: number, height: number, target = 224): number {
  return Math.max(1, Math.round(target / Math.max(width, height)));
}

/** Copies `src` into `dst` (RGB) with its top-left corner at (x, y), compositing alpha; clips at the edges. */
export function blit(dst: Image, src: Image, x: number, y: number): void {
  if (dst.channels !== 3) throw new UsageError('blit needs an RGB destination', 'create it with createImage');
  for (let sy = 0; sy < src.height; sy++) {
    const dy = y + sy;
    if (dy < 0 || dy >= dst.height) continue;
    for (let sx = 0; sx < src.width; sx++) {
      const dx = x + sx;
      if (dx < 0 || dx >= dst.width) continue;
      const o = (dy * dst.width + dx) * 3;
      const bg: Rgb = [dst.data[o], dst.data[o + 1], dst.data[o + 2]];
      const [r, g, b] = pixelRgb(src, sx, sy, bg);
      dst.data[o] = r;
      dst.data[o + 1] = g;
      dst.data[o + 2] = b;
    }
  }
}

export function fillRect(dst: Image, x: number, y: number, w: number, h: number, color: Rgb): void {
  for (let yy = Math.max(0, y); yy < Math.min(dst.height, y + h); yy++) {
    for (let xx = Math.max(0, x); xx < Math.min(dst.width, x + w); xx++) {
      const o = (yy * dst.width + xx) * dst.channels;
      dst.data[o] = color[0];
      if (dst.channels >= 3) {
        dst.data[o + 1] = color[1];
        dst.data[o + 2] = color[2];
      }
      if (dst.channels === 4) dst.data[o + 3] = 255;
    }
  }
}

/** A one-pixel frame just outside the rectangle (x, y, w, h). */
export function strokeRect(dst: Image, x: number, y: number, w: number, h: number, color: Rgb): void {
  fillRect(dst, x - 1, y - 1, w + 2, 1, color);
  fillRect(dst, x - 1, y + h, w + 2, 1, color);
  fillRect(dst, x - 1, y, 1, h, color);
  fillRect(dst, x + w, y, 1, h, color);
}

/** Image layout of one row: where height, width and channels are in its shape. */
export interface ImageGeometry {
  height: number;
  width: number;
  channels: number;
  /** Index of the value for (y, x, channel c) in the row's data. */
  index: (y: number, x: number, c: number) => number;
}

/**
 * Reads [H, W], [H, W, C] (NHWC) or [C, H, W] (NCHW) without the batch dimension. A 3-d shape
 * without a layout is guessed: C is the last axis when it is 1, 3 or 4, else the first.
 * A flat row (e.g. an MLP on 784 pixels) needs `size` to be seen as an image.
 */
export function imageGeometry(shape: readonly number[], layout?: 'NHWC' | 'NCHW',
  size?: { height: number; width: number }): ImageGeometry {
  if (shape.length === 1 || (size && shape.length !== 3)) {
    const n = shape.reduce((a, b) => a * b, 1);
    if (!size || size.height * size.width !== n) {
      throw new UsageError(`cannot show a row of shape [${shape.join(', ')}] as an image`,
        `give imageSize {height, width} with height * width = ${n}`);
    }
    const { height, width } = size;
    return { height, width, channels: 1, index: (y, x) => y * width + x };
  }
  if (shape.length === 2) {
    const [height, width] = shape;
    return { height, width, channels: 1, index: (y, x) => y * width + x };
  }
  if (shape.length === 3) {
    const guess = [1, 3, 4].includes(shape[2]) || ![1, 3, 4].includes(shape[0]) ? 'NHWC' : 'NCHW';
    if ((layout ?? guess) === 'NHWC') {
      const [height, width, channels] = shape;
      return { height, width, channels, index: (y, x, c) => (y * width + x) * channels + c };
    }
    const [channels, height, width] = shape;
    return { height, width, channels, index: (y, x, c) => (c * height + y) * width + x };
  }
  throw new UsageError(`cannot show a row of shape [${shape.join(', ')}] as an image`,
    'give one row without the batch dimension: [H, W], [H, W, C] or [C, H, W]');
}

/**
 * The picture a model saw, for display: undoes `preprocessing` (v = (x * std + mean) / scale) and
 * clips to [0, 255]. Without preprocessing, values in [0, 1] are taken as fractions of 255.
 */
export function imageFromInput(row: NdArray, preprocessing?: ImagePreprocessing,
  size?: { height: number; width: number }): Image {
  const geo = imageGeometry(row.shape, preprocessing?.layout, size);
  const { height, width } = geo;
  const channels = geo.channels >= 3 ? 3 : 1;
  let max = -Infinity;
  for (const v of row.data) max = Math.max(max, v);
  const fallbackScale = max <= 1.0001 ? 255 : 1;
  const out = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        const raw = row.data[geo.index(y, x, c)];
        let v: number;
        if (preprocessing) {
          const mean = preprocessing.mean[c] ?? preprocessing.mean[0] ?? 0;
          const std = preprocessing.std[c] ?? preprocessing.std[0] ?? 1;
          v = (raw * std + mean) / preprocessing.scale;
        } else {
          v = raw * fallbackScale;
        }
        out[(y * width + x) * channels + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  return { width, height, channels, data: out };
}

/**
 * An 8-bit image from float pixels in [0, 255] (rounded, clipped), e.g. the decoded `Pixels` of
 * src/io/image.ts: it is typed structurally so the viz layer does not depend on the readers.
 */
export function imageFromPixels(pixels: { width: number; height: number; channels: 1 | 3 | 4; data: ArrayLike<number> }): Image {
  const data = Uint8Array.from(pixels.data, (v) => Math.max(0, Math.min(255, Math.round(v))));
  const image: Image = { width: pixels.width, height: pixels.height, channels: pixels.channels, data };
  checkImage(image);
  return image;
}
