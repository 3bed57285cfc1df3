import { existsSync } from 'node:fs';
import { UsageError } from '../../errors.js';
import { readIdx } from '../../io/idx.js';
import type { Embeddings } from '../types.js';

/** Greyscale thumbnails in point order: [count, height, width] bytes. */
export interface Thumbnails {
  width: number;
  height: number;
  pixels: Uint8Array;
}

/**
 * The images behind embeddings of an MNIST-style IDX file (greyscale [n, h, w]): the `index` column
 * (written by glassbox embed) says which image each point is; without it, point i is image i.
 */
export function idxThumbnails(path: string, embeddings: Embeddings): Thumbnails {
  if (!existsSync(path)) throw new UsageError(`${path} does not exist`, 'give the IDX images file the embeddings were made from');
  let idx;
  try {
    idx = readIdx(path);
  } catch (err) {
    throw new UsageError(`cannot read ${path} as IDX images: ${(err as Error).message}`, 'give an MNIST-style IDX images file (idx3-ubyte, optionally gzipped)');
  }
  if (idx.shape.length !== 3) throw new UsageError(`${path} holds an IDX array of shape [${idx.shape.join(', ')}], not images`, 'give an IDX images file [n, height, width]');
  const [n, height, width] = idx.shape;
  const index = embeddings.metadata.index;
  const size = height * width;
  const pixels = new Uint8Array(embeddings.count * size);
  for (let i = 0; i < embeddings.count; i++) {
    const at = index ? Number(index[i]) : i;
    if (!(Number.isInteger(at) && at >= 0 && at < n)) {
      throw new UsageError(`point ${i} is image ${at}, but ${path} holds ${n} images`, 'give the images file the embeddings were made from');
    }
    pixels.set(idx.data.subarray(at * size, (at + 1) * size), i * size);
  }
  return { width, height, pixels };
}

/** True for the file names MNIST-style IDX image files have. */
export function looksLikeIdxImages(path: string): boolean {
  return /idx3-ubyte(\.gz)?$/.test(path);
}
