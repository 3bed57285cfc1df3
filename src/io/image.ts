import * as tf from '@tensorflow/tfjs';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { UsageError } from '../errors.js';
import type { ImagePreprocessing } from '../models/preprocessing.js';

/** What the readers accept, for messages. */
export const READABLE_FORMATS = 'a PNG or JPEG image, a JSON tensor ({"shape": [...], "data": [...]} or nested arrays) or a .npy file';

/** Images larger than this many pixels are refused before decoding (a small PNG can inflate to gigabytes). */
export const MAX_IMAGE_PIXELS = 40_000_000;

export type InputFormat = 'png' | 'jpeg' | 'json' | 'npy';

/** The format of some bytes, from their content: a readable one, or a description of what it is. */
export type SniffedFormat = { kind: InputFormat } | { kind: 'unsupported'; description: string };

/** Tells the format from magic bytes, never from a file name. */
export function sniffFormat(bytes: Uint8Array): SniffedFormat {
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  const ascii = (from: number, text: string) => [...text].every((ch, i) => bytes[from + i] === ch.charCodeAt(0));
  if (bytes.length === 0) return { kind: 'unsupported', description: 'an empty file' };
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return { kind: 'png' };
  if (starts(0xff, 0xd8, 0xff)) return { kind: 'jpeg' };
  if (starts(0x93) && ascii(1, 'NUMPY')) return { kind: 'npy' };
  const unsupported = (description: string): SniffedFormat => ({ kind: 'unsupported', description });
  if (ascii(0, 'GIF87a') || ascii(0, 'GIF89a')) return unsupported('a GIF image');
  if (ascii(0, 'BM') && bytes[6] === 0 && bytes[7] === 0) return unsupported('a BMP image');
  if (ascii(0, 'RIFF') && ascii(8, 'WEBP')) return unsupported('a WebP image');
  if (starts(0x49, 0x49, 0x2a, 0x00) || starts(0x4d, 0x4d, 0x00, 0x2a)) return unsupported('a TIFF image');
  if (ascii(4, 'ftyp')) return unsupported('a HEIC/AVIF image or MP4 video');
  if (starts(0x00, 0x00, 0x01, 0x00)) return unsupported('an ICO icon');
  if (ascii(0, 'PK')) return unsupported('a ZIP archive (an .npz file? save one array with np.save instead)');
  if (starts(0x1f, 0x8b)) return unsupported('a gzip-compressed file');
  if (ascii(0, '%PDF')) return unsupported('a PDF document');
  if (starts(0x80) && bytes[1] !== undefined && bytes[1] <= 5) return unsupported('a Python pickle');
  // Text: JSON when it opens with { or [ (after a byte-order mark and white space).
  const head = bytes.subarray(0, 4096);
  let i = starts(0xef, 0xbb, 0xbf) ? 3 : 0;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) i++;
  if (head[i] === 0x7b || head[i] === 0x5b) return { kind: 'json' };
  if (head.every((b) => b >= 0x20 || b === 0x09 || b === 0x0a || b === 0x0d)) {
    if (i === head.length) return unsupported('a file of white space');
    const start = new TextDecoder().decode(head.subarray(i, i + 20)).split('\n')[0];
    return unsupported(`a text file that is not JSON (it starts with "${start}")`);
  }
  return unsupported('a binary file of unknown format');
}

/** The error for bytes that none of the readers takes. */
export function unsupportedFormatError(source: string, description: string): UsageError {
  return new UsageError(`${source} is ${description}, which Glassbox cannot read`,
    `give ${READABLE_FORMATS}; convert other images to PNG first`);
}

/** A decoded image: values in [0, 255] (fractional for 16-bit PNGs), pixel-major, 1 (grey) or 3 (RGB) channels. */
export interface Pixels {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Float32Array;
}

export interface DecodedImage extends Pixels {
  format: 'png' | 'jpeg';
  /** Whether the file had transparency (now composited over the background). */
  hadAlpha: boolean;
  bitDepth: number;
}

export interface DecodeOptions {
  /**
   * Grey level in [0, 255] behind transparent pixels. Default 0 (black): MNIST-style digits are white
   * on black, and a zero input is "nothing there" for most models.
   */
  background?: number;
}

/** Decodes a PNG (grey, grey+alpha, RGB, RGBA, palette; 1 to 16 bits) or a baseline/progressive JPEG. */
export function decodeImage(bytes: Uint8Array, source: string, options: DecodeOptions = {}): DecodedImage {
  const background = options.background ?? 0;
  if (!(background >= 0 && background <= 255)) {
    throw new UsageError(`background ${background} is outside [0, 255]`, 'give a grey level from 0 (black) to 255 (white)');
  }
  const format = sniffFormat(bytes);
  if (format.kind === 'png') return decodePng(bytes, source, background);
  if (format.kind === 'jpeg') return decodeJpeg(bytes, source);
  throw unsupportedFormatError(source, format.kind === 'unsupported' ? format.description : `a ${format.kind === 'npy' ? '.npy' : 'JSON'} file, not an image`);
}

function decodePng(bytes: Uint8Array, source: string, background: number): DecodedImage {
  // IHDR is always the first chunk: check the size before pngjs allocates anything.
  if (bytes.length >= 24) checkPixels(source, readUint32(bytes, 16), readUint32(bytes, 20));
  let png: ReturnType<typeof PNG.sync.read>;
  try {
    // skipRescale keeps 16-bit samples (pngjs would round them to 8 bits); we scale to [0, 255] ourselves.
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { skipRescale: true });
  } catch (err) {
    throw corruptImage(source, 'PNG', err);
  }
  const { width, height } = png;
  const colorType: number = png.colorType; // the typings omit 3 (palette), which pngjs does report
  const depth = png.depth;
  // Palette images hold 8-bit colours whatever the index depth; other samples run to 2^depth - 1.
  const toByte = colorType === 3 ? 1 : 255 / (2 ** depth - 1);
  const grey = colorType === 0 || colorType === 4;
  const channels = grey ? 1 : 3;
  const src = png.data as unknown as ArrayLike<number>;
  const data = new Float32Array(width * height * channels);
  let hadAlpha = false;
  for (let p = 0; p < width * height; p++) {
    const alpha = src[p * 4 + 3] * toByte / 255;
    if (alpha < 1) hadAlpha = true;
    for (let c = 0; c < channels; c++) data[p * channels + c] = src[p * 4 + c] * toByte * alpha + background * (1 - alpha);
  }
  return { format: 'png', width, height, channels, data, hadAlpha, bitDepth: depth };
}

function decodeJpeg(bytes: Uint8Array, source: string): DecodedImage {
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6 });
  } catch (err) {
    if (/maxResolutionInMP/.test(errorText(err))) throw tooManyPixels(source);
    // A whole JPEG ends with the end-of-image marker FF D9; without it, the decoder's complaint is about a cut.
    const ended = bytes[bytes.length - 2] === 0xff && bytes[bytes.length - 1] === 0xd9;
    throw corruptImage(source, 'JPEG', err, !ended);
  }
  const { width, height } = decoded;
  checkPixels(source, width, height);
  // jpeg-js gives RGB even for grey JPEGs; grey pixels (R = G = B) convert back exactly.
  return { format: 'jpeg', width, height, channels: 3, data: Float32Array.from(decoded.data), hadAlpha: false, bitDepth: 8 };
}

function readUint32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) >>> 0) + (bytes[at + 1] << 16) + (bytes[at + 2] << 8) + bytes[at + 3];
}

function checkPixels(source: string, width: number, height: number): void {
  if (width * height > MAX_IMAGE_PIXELS) throw tooManyPixels(source, width, height);
}

function tooManyPixels(source: string, width?: number, height?: number): UsageError {
  const size = width === undefined ? '' : ` (${width} x ${height})`;
  return new UsageError(`${source} is too large an image${size}: Glassbox reads images of up to ${MAX_IMAGE_PIXELS / 1e6} megapixels`,
    'shrink it to (near) the model\'s input size first');
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function corruptImage(source: string, format: string, err: unknown, truncated = false): UsageError {
  const text = errorText(err);
  // pngjs says "read requests waiting on finished stream" when the data stops mid-chunk.
  const why = truncated || /read requests wait|finished stream/i.test(text)
    ? 'the file ends too early (it looks truncated)'
    : `the data is corrupt (${text.split('\n')[0]})`;
  return new UsageError(`${source} is not a readable ${format}: ${why}`, `export or download the image again, or give ${READABLE_FORMATS}`);
}

// ---- Pixel operations ------------------------------------------------------------------------------------

/**
 * Brings pixels to 1 or 3 channels: grey is repeated, colour becomes luma 0.299 R + 0.587 G + 0.114 B
 * (ITU-R BT.601, as PIL's convert('L')); pixels that are already grey stay exactly as they are.
 */
export function convertChannels(img: Pixels, channels: 1 | 3): Pixels {
  if (img.channels === channels) return img;
  const n = img.width * img.height;
  const data = new Float32Array(n * channels);
  if (channels === 3) {
    for (let p = 0; p < n; p++) data.fill(img.data[p], p * 3, p * 3 + 3);
  } else {
    for (let p = 0; p < n; p++) {
      const r = img.data[p * 3], g = img.data[p * 3 + 1], b = img.data[p * 3 + 2];
      data[p] = r === g && g === b ? r : 0.299 * r + 0.587 * g + 0.114 * b;
    }
  }
  return { width: img.width, height: img.height, channels, data };
}

/**
 * Resizes each axis on its own. Enlarging (or keeping the size) is bilinear with pixel centres aligned
 * (TF's half_pixel_centers, PyTorch's align_corners=false; edges clamped). Shrinking averages the
 * source area each output pixel covers (OpenCV's INTER_AREA), so a 280 -> 28 digit keeps its strokes
 * instead of sampling every tenth pixel.
 */
export function resizePixels(img: Pixels, width: number, height: number): Pixels {
  if (img.width === width && img.height === height) return img;
  const c = img.channels;
  const across = resampleWeights(img.width, width);
  const down = resampleWeights(img.height, height);
  // Rows first: [srcH][width][c], then columns: [height][width][c].
  const rows = new Float32Array(img.height * width * c);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < width; x++) {
      const { start, weights } = across[x];
      for (let k = 0; k < weights.length; k++) {
        const from = (y * img.width + start + k) * c;
        for (let ch = 0; ch < c; ch++) rows[(y * width + x) * c + ch] += weights[k] * img.data[from + ch];
      }
    }
  }
  const data = new Float32Array(height * width * c);
  for (let y = 0; y < height; y++) {
    const { start, weights } = down[y];
    for (let k = 0; k < weights.length; k++) {
      const from = (start + k) * width * c;
      const w = weights[k];
      for (let i = 0; i < width * c; i++) data[y * width * c + i] += w * rows[from + i];
    }
  }
  return { width, height, channels: c, data };
}

/** For each output index along one axis: the first source index used and the weights of consecutive sources. */
function resampleWeights(from: number, to: number): { start: number; weights: number[] }[] {
  const scale = from / to;
  return Array.from({ length: to }, (_, j) => {
    if (scale > 1) {
      const lo = j * scale, hi = (j + 1) * scale;
      const start = Math.floor(lo);
      const weights: number[] = [];
      for (let i = start; i < Math.min(Math.ceil(hi), from); i++) weights.push((Math.min(hi, i + 1) - Math.max(lo, i)) / scale);
      return { start, weights };
    }
    const centre = Math.min(Math.max((j + 0.5) * scale - 0.5, 0), from - 1);
    const start = Math.floor(centre);
    const t = centre - start;
    return start + 1 < from ? { start, weights: [1 - t, t] } : { start, weights: [1] };
  });
}

/** Checks that preprocessing describes a usable image input. */
export function checkPreprocessing(p: ImagePreprocessing): void {
  const bad = (what: string) => new UsageError(`image preprocessing ${what}`,
    'fix the model\'s preprocessing (userDefinedMetadata.glassbox.preprocessing): width, height, channels 1 or 3, scale, mean and std per channel (or one for all)');
  if (!Number.isInteger(p.width) || !Number.isInteger(p.height) || p.width < 1 || p.height < 1) throw bad(`has size ${p.width} x ${p.height}`);
  if (p.channels !== 1 && p.channels !== 3) throw bad(`has ${p.channels} channels`);
  if (p.layout !== 'NHWC' && p.layout !== 'NCHW') throw bad(`has layout ${String(p.layout)}`);
  if (!Number.isFinite(p.scale)) throw bad(`has scale ${p.scale}`);
  for (const [name, values] of [['mean', p.mean], ['std', p.std]] as const) {
    if (!Array.isArray(values) || (values.length !== 1 && values.length !== p.channels) || values.some((v) => !Number.isFinite(v))) {
      throw bad(`${name} is ${JSON.stringify(values)}: give 1 or ${p.channels} numbers`);
    }
  }
  if (p.std.some((s) => s === 0)) throw bad('std holds a 0');
}

/**
 * Pixel values (already at the model's size and channels) to model input values:
 * (v * scale - mean[c]) / std[c], laid out NHWC or NCHW, without the batch dimension.
 */
export function normalizePixels(img: Pixels, p: ImagePreprocessing): Float32Array {
  const { width: w, height: h, channels: c } = img;
  const out = new Float32Array(w * h * c);
  for (let ch = 0; ch < c; ch++) {
    const mean = p.mean.length === 1 ? p.mean[0] : p.mean[ch];
    const std = p.std.length === 1 ? p.std[0] : p.std[ch];
    for (let q = 0; q < w * h; q++) {
      const v = (img.data[q * c + ch] * p.scale - mean) / std;
      out[p.layout === 'NHWC' ? q * c + ch : ch * w * h + q] = v;
    }
  }
  return out;
}

/** An 8-bit RGB picture, row-major, for overlays. */
export interface RgbImage {
  width: number;
  height: number;
  channels: 3;
  data: Uint8Array;
}

export function toRgbImage(img: Pixels): RgbImage {
  const rgb = convertChannels(img, 3);
  const data = new Uint8Array(rgb.data.length);
  for (let i = 0; i < data.length; i++) data[i] = Math.min(255, Math.max(0, Math.round(rgb.data[i])));
  return { width: img.width, height: img.height, channels: 3, data };
}

export interface ImageInput {
  /** Shape [1, H, W, C] or [1, C, H, W]; the caller disposes it. */
  tensor: tf.Tensor;
  /** What the model sees, before normalisation: resized, in its channels, as RGB. */
  display: RgbImage;
  decoded: { format: 'png' | 'jpeg'; width: number; height: number; channels: 1 | 3; hadAlpha: boolean; bitDepth: number };
}

/** PNG or JPEG bytes to a model input: decode, composite alpha, convert channels, resize, normalise. */
export function imageToInput(bytes: Uint8Array, preprocessing: ImagePreprocessing, source: string, options: DecodeOptions = {}): ImageInput {
  checkPreprocessing(preprocessing);
  const decoded = decodeImage(bytes, source, options);
  const pixels = resizePixels(convertChannels(decoded, preprocessing.channels), preprocessing.width, preprocessing.height);
  const values = normalizePixels(pixels, preprocessing);
  const { width: w, height: h, channels: c } = pixels;
  const shape = preprocessing.layout === 'NHWC' ? [1, h, w, c] : [1, c, h, w];
  return {
    tensor: tf.tensor(values, shape, 'float32'),
    display: toRgbImage(pixels),
    decoded: { format: decoded.format, width: decoded.width, height: decoded.height, channels: decoded.channels, hadAlpha: decoded.hadAlpha, bitDepth: decoded.bitDepth },
  };
}
