import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UsageError } from '../../errors.js';
import { readIdx } from '../../io/idx.js';
import { loadInput } from '../../io/load-input.js';
import type { ModelInfo } from '../../models/model.js';
import { formatShape, sizeOf, type NdArray } from '../../tensor.js';

/** Model inputs read from files: [count, ...inputShape] values, with labels and names where the files say. */
export interface InputSet {
  inputs: NdArray;
  count: number;
  /** Per input, when known: the folder name (class folders), or the IDX labels file's value. */
  labels?: (string | number)[];
  /** Per input: its file name (and row, for files of several rows). */
  names: string[];
  source: string;
}

export interface LoadInputSetOptions {
  /** Read at most this many inputs (the first ones). */
  limit?: number;
}

const IMAGE_OR_ARRAY = /\.(png|jpe?g|json|npy)$/i;
const HINT = 'give a folder of images (or .json / .npy inputs), with one subfolder per class for labels; '
  + 'an MNIST IDX images file (labels are read from the matching labels file); or a .npy / .json array with a batch dimension';

/**
 * Reads a set of model inputs: a folder of image / JSON / .npy files (subfolders are class labels, the
 * ImageFolder convention), an IDX image file (the MNIST format, its `-labels-idx1-` twin giving the
 * labels) brought through the model's image preprocessing, or one .npy / JSON array of several rows.
 */
export async function loadInputSet(path: string, info: ModelInfo, options: LoadInputSetOptions = {}): Promise<InputSet> {
  const limit = options.limit ?? Infinity;
  if (!(limit >= 1)) throw new UsageError(`limit must be at least 1, got ${limit}`, 'e.g. --limit 1000');
  if (!existsSync(path)) throw new UsageError(`input set ${path} does not exist`, HINT);
  if (statSync(path).isDirectory()) return readFolder(path, info, limit);
  if (/idx3-ubyte(\.gz)?$/.test(path)) return readIdxImages(path, info, limit);
  const loaded = await loadInput(path, info);
  const all = { shape: [...loaded.tensor.shape], data: Float32Array.from(await loaded.tensor.data()) };
  loaded.tensor.dispose();
  const count = Math.min(all.shape[0], limit);
  const rowSize = sizeOf(info.inputShape);
  const name = basename(path);
  return {
    inputs: { shape: [count, ...info.inputShape], data: all.data.slice(0, count * rowSize) },
    count,
    names: Array.from({ length: count }, (_, i) => (all.shape[0] === 1 ? name : `${name}#${i}`)),
    source: loaded.source,
  };
}

async function readFolder(dir: string, info: ModelInfo, limit: number): Promise<InputSet> {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
  const files: { path: string; label?: string }[] = [];
  for (const e of entries) {
    if (e.isFile() && IMAGE_OR_ARRAY.test(e.name)) files.push({ path: join(dir, e.name) });
    if (e.isDirectory()) {
      const inner = readdirSync(join(dir, e.name)).filter((f) => IMAGE_OR_ARRAY.test(f)).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
      for (const f of inner) files.push({ path: join(dir, e.name, f), label: e.name });
    }
  }
  if (files.length === 0) throw new UsageError(`folder ${dir} holds no .png, .jpg, .json or .npy files`, HINT);
  const labelled = files.some((f) => f.label !== undefined);
  if (labelled && files.some((f) => f.label === undefined)) {
    throw new UsageError(`folder ${dir} mixes files at the top with class subfolders`, 'put every input in a class subfolder, or none');
  }
  const rowSize = sizeOf(info.inputShape);
  const rows: Float32Array[] = [];
  const names: string[] = [];
  const labels: (string | number)[] = [];
  for (const file of files) {
    if (rows.length >= limit) break;
    const loaded = await loadInput(file.path, info);
    const data = await loaded.tensor.data();
    const n = loaded.tensor.shape[0];
    loaded.tensor.dispose();
    for (let i = 0; i < n && rows.length < limit; i++) {
      rows.push(Float32Array.from(data.subarray(i * rowSize, (i + 1) * rowSize)));
      const rel = file.label === undefined ? basename(file.path) : `${file.label}/${basename(file.path)}`;
      names.push(n === 1 ? rel : `${rel}#${i}`);
      if (file.label !== undefined) labels.push(numericOrText(file.label));
    }
  }
  const data = new Float32Array(rows.length * rowSize);
  rows.forEach((r, i) => data.set(r, i * rowSize));
  return {
    inputs: { shape: [rows.length, ...info.inputShape], data },
    count: rows.length,
    ...(labelled ? { labels } : {}),
    names,
    source: `${dir} (${rows.length} inputs from ${files.length} files${labelled ? `, ${new Set(labels).size} class folders` : ''})`,
  };
}

function readIdxImages(path: string, info: ModelInfo, limit: number): InputSet {
  let images;
  try {
    images = readIdx(path);
  } catch (err) {
    throw new UsageError(`${path} is not a readable IDX image file: ${(err as Error).message}`, HINT);
  }
  if (images.shape.length !== 3) throw new UsageError(`${path} holds IDX data of shape ${formatShape(images.shape)}, not [count, height, width] images`, HINT);
  const [total, height, width] = images.shape;
  const prep = info.preprocessing;
  if (!prep || prep.width !== width || prep.height !== height || prep.channels !== 1) {
    throw new UsageError(`${path} holds ${width} x ${height} grey images, but model ${info.name} takes ${prep ? `${prep.width} x ${prep.height} x ${prep.channels}` : `input ${formatShape(info.inputShape)} without image preprocessing`}`,
      'give images of the model\'s size, or a model that takes them');
  }
  const count = Math.min(total, limit);
  const pixels = width * height;
  const data = new Float32Array(count * pixels);
  const mean = prep.mean[0];
  const std = prep.std[0];
  for (let i = 0; i < count * pixels; i++) data[i] = (images.data[i] * prep.scale - mean) / std;
  const labelsPath = path.replace('images-idx3-ubyte', 'labels-idx1-ubyte');
  let labels: number[] | undefined;
  if (labelsPath !== path && existsSync(labelsPath)) {
    const l = readIdx(labelsPath);
    if (l.shape.length !== 1 || l.shape[0] !== total) {
      throw new UsageError(`${labelsPath} holds ${l.shape[0]} labels, but ${path} holds ${total} images`, 'give the labels file that belongs to the images');
    }
    labels = Array.from(l.data.subarray(0, count));
  }
  const name = basename(path);
  return {
    inputs: { shape: [count, ...info.inputShape], data },
    count,
    ...(labels ? { labels } : {}),
    names: Array.from({ length: count }, (_, i) => `${name}#${i}`),
    source: `${name} (IDX, ${count} of ${total} images${labels ? ', with labels' : ''})`,
  };
}

function numericOrText(label: string): string | number {
  return /^-?\d+$/.test(label) ? Number(label) : label;
}
