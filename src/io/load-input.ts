import * as tf from '@tensorflow/tfjs';
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { UsageError } from '../errors.js';
import type { ModelInfo } from '../models/model.js';
import { formatShape, sizeOf, type NdArray } from '../tensor.js';
import { imageToInput, sniffFormat, unsupportedFormatError, type DecodeOptions, type RgbImage } from './image.js';
import { parseNpy } from './npy.js';
import { parseTensorJson } from './tensor-json.js';

/** Input files larger than this are refused before they are read. */
export const MAX_INPUT_BYTES = 50 * 1024 * 1024;

export interface LoadedInput {
  /** The model input with a batch dimension, [B, ...inputShape]; the caller disposes it. */
  tensor: tf.Tensor;
  /** For images: the resized picture the model sees, as RGB, for overlays. */
  display?: RgbImage;
  /** What was read, for reports: e.g. "digit.png (PNG 280 x 280 RGBA, resized to 28 x 28 grey)". */
  source: string;
}

export interface LoadInputOptions extends DecodeOptions {
  /** Default MAX_INPUT_BYTES. */
  maxBytes?: number;
}

/**
 * Reads a model input from a file, telling the format from its content: a PNG or JPEG image (brought
 * to the model's size and normalised by model.info.preprocessing), a JSON tensor or a .npy array.
 * Arrays may carry a batch dimension or not; their shape must match the model's input shape, up to
 * dimensions of size 1 (so [28, 28] fits [28, 28, 1]) or as a flat list of one row's values.
 */
export async function loadInput(path: string, info: ModelInfo, options: LoadInputOptions = {}): Promise<LoadedInput> {
  const bytes = readBounded(path, options.maxBytes ?? MAX_INPUT_BYTES);
  const name = basename(path);
  const format = sniffFormat(bytes);
  switch (format.kind) {
    case 'png':
    case 'jpeg': {
      const prep = info.preprocessing;
      if (!prep) {
        throw new UsageError(`${path} is an image, but model ${info.name} (input ${formatShape(info.inputShape)}) does not say how images become inputs`,
          'give the input as JSON or .npy in the model\'s input shape, or add preprocessing to the model '
          + '(userDefinedMetadata.glassbox.preprocessing: layout, width, height, channels, scale, mean, std)');
      }
      const expected = prep.layout === 'NHWC' ? [prep.height, prep.width, prep.channels] : [prep.channels, prep.height, prep.width];
      if (!sameShape(expected, info.inputShape)) {
        throw new UsageError(`the image preprocessing of model ${info.name} makes inputs of shape ${formatShape(expected)}, but the model takes ${formatShape(info.inputShape)}`,
          'fix the model\'s preprocessing (width, height, channels and layout) to match its input');
      }
      const image = imageToInput(bytes, prep, path, options);
      const d = image.decoded;
      const kind = `${d.channels === 1 ? 'grey' : 'RGB'}${d.hadAlpha ? ' with transparency' : ''}${d.bitDepth === 16 ? ', 16-bit' : ''}`;
      const resized = d.width === prep.width && d.height === prep.height ? '' : `, resized to ${prep.width} x ${prep.height}`;
      const converted = d.channels === prep.channels ? '' : `, as ${prep.channels === 1 ? 'grey' : 'RGB'}`;
      return {
        tensor: image.tensor,
        display: image.display,
        source: `${name} (${d.format.toUpperCase()} ${d.width} x ${d.height} ${kind}${resized}${converted})`,
      };
    }
    case 'json': {
      const array = parseTensorJson(new TextDecoder().decode(bytes), path);
      return fitArray(array, info, path, `${name} (JSON ${formatShape(array.shape)})`);
    }
    case 'npy': {
      const array = parseNpy(bytes, path);
      return fitArray(array, info, path, `${name} (.npy ${array.dtype} ${formatShape(array.shape)}${array.fortranOrder ? ', Fortran order' : ''})`);
    }
    default:
      throw unsupportedFormatError(path, format.description);
  }
}

function readBounded(path: string, maxBytes: number): Uint8Array {
  let size: number;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) throw new UsageError(`input ${path} is a folder, not a file`, 'give the path of one input file');
    size = stat.size;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw readError(path, err);
  }
  if (size > maxBytes) {
    throw new UsageError(`input ${path} is ${megabytes(size)}, more than the ${megabytes(maxBytes)} Glassbox reads`,
      'give one input of the model\'s size: a small image, or an array of a few rows');
  }
  try {
    return readFileSync(path);
  } catch (err) {
    throw readError(path, err);
  }
}

function readError(path: string, err: unknown): UsageError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new UsageError(`input file ${path} does not exist`, 'check the path');
  if (code === 'EACCES' || code === 'EPERM') return new UsageError(`input file ${path} cannot be read: permission denied`, 'check the file\'s permissions');
  return new UsageError(`cannot read input file ${path}: ${(err as Error).message}`, 'check the path');
}

function megabytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1).replace(/\.0$/, '')} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1).replace(/\.0$/, '')} MB`;
}

const squeeze = (shape: readonly number[]) => shape.filter((d) => d !== 1);
const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * The batch shape [B, ...inputShape] an array stands for, or undefined when it does not fit. One row:
 * the input shape itself, the same up to sizes of 1, or a flat list of its values. Several rows: a
 * leading batch dimension followed by any of those.
 */
export function batchShapeFor(shape: readonly number[], inputShape: readonly number[]): number[] | undefined {
  const rowSize = sizeOf(inputShape);
  const isRow = (s: readonly number[]) => sameShape(squeeze(s), squeeze(inputShape)) || (s.length === 1 && s[0] === rowSize);
  if (isRow(shape)) return [1, ...inputShape];
  if (shape.length >= 1 && shape[0] >= 1 && isRow(shape.slice(1))) return [shape[0], ...inputShape];
  return undefined;
}

function fitArray(array: NdArray, info: ModelInfo, path: string, source: string): LoadedInput {
  const batchShape = batchShapeFor(array.shape, info.inputShape);
  const rowSize = sizeOf(info.inputShape);
  if (!batchShape) {
    const n = array.data.length;
    const hint = n % rowSize === 0 && n > 0
      ? `it holds ${n / rowSize} row(s) worth of values, but in another arrangement: the model's layout is ${formatShape(info.inputShape)} (transpose the array, e.g. channels last)`
      : `give an array of shape ${formatShape(info.inputShape)} or [batch, ${info.inputShape.join(', ')}]`;
    throw new UsageError(`${path} holds an array of shape ${formatShape(array.shape)} (${n} values), which does not fit model ${info.name}: `
      + `it takes ${formatShape(info.inputShape)} (${rowSize} values per row)`, hint);
  }
  if (batchShape[0] === 0 || array.data.length === 0) throw new UsageError(`${path} holds an empty array`, `give at least one row of shape ${formatShape(info.inputShape)}`);
  return { tensor: tf.tensor(array.data, batchShape, 'float32'), source };
}
