import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import type { Embeddings, MetadataColumn } from '../types.js';
import { MANIFEST_FILE, MANIFEST_FORMAT, PROJECTOR_CONFIG_FILE, TSV_TENSOR_FILE, type EmbeddingsManifest } from './format.js';
import { parseMetadataTsv, parseVectorsTsv } from './tsv.js';

export interface ReadEmbeddingsOptions {
  /** A metadata TSV for a plain vectors TSV (or to replace a directory's own metadata). */
  metadata?: string;
}

const HINT = 'give a directory written by glassbox embed (embeddings.json), a TensorBoard projector folder '
  + '(projector_config.pbtxt) or a vectors TSV (one point per line, tab-separated)';

/**
 * Reads embeddings from a directory written by writeEmbeddings, a TensorBoard projector folder
 * (projector_config.pbtxt with a float32 .bytes or .tsv tensor), or a plain vectors TSV with an optional
 * metadata TSV. Ragged lines, non-finite values and metadata of the wrong length are errors that name
 * the file and line (or row).
 */
export function readEmbeddings(path: string, options: ReadEmbeddingsOptions = {}): Embeddings {
  if (!existsSync(path)) throw new UsageError(`${path} does not exist`, HINT);
  let embeddings: Embeddings;
  if (statSync(path).isDirectory()) {
    if (existsSync(join(path, MANIFEST_FILE))) embeddings = readManifestDir(path, options.metadata === undefined);
    else if (existsSync(join(path, PROJECTOR_CONFIG_FILE))) embeddings = readProjectorDir(path, options.metadata === undefined);
    else if (existsSync(join(path, TSV_TENSOR_FILE))) embeddings = readVectorsTsv(join(path, TSV_TENSOR_FILE));
    else throw new UsageError(`${path} holds no ${MANIFEST_FILE}, ${PROJECTOR_CONFIG_FILE} or ${TSV_TENSOR_FILE}`, HINT);
  } else {
    embeddings = readVectorsTsv(path);
  }
  if (options.metadata !== undefined) {
    embeddings.metadata = parseMetadataTsv(readText(options.metadata), options.metadata, embeddings.count);
  }
  return embeddings;
}

function readVectorsTsv(path: string): Embeddings {
  const { count, dim, vectors } = parseVectorsTsv(readText(path), path);
  return { count, dim, vectors, metadata: {} };
}

function readManifestDir(dir: string, withMetadata: boolean): Embeddings {
  const file = join(dir, MANIFEST_FILE);
  let manifest: EmbeddingsManifest;
  try {
    manifest = JSON.parse(readText(file)) as EmbeddingsManifest;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${file} is not valid JSON: ${(err as Error).message}`, 'write the directory again with glassbox embed');
  }
  if (manifest.format !== MANIFEST_FORMAT || !Number.isInteger(manifest.count) || !Number.isInteger(manifest.dim) || !manifest.tensor?.path) {
    throw new UsageError(`${file} is not a Glassbox embeddings manifest (format "${String(manifest.format)}")`, 'write the directory again with glassbox embed');
  }
  const tensorPath = join(dir, manifest.tensor.path);
  const { vectors } = manifest.tensor.encoding === 'tsv'
    ? checkedTsv(tensorPath, manifest.count, manifest.dim)
    : { vectors: readFloat32(tensorPath, manifest.count, manifest.dim) };
  let metadata: Record<string, MetadataColumn> = {};
  if (withMetadata && manifest.metadataPath) {
    const metaPath = join(dir, manifest.metadataPath);
    metadata = parseMetadataTsv(readText(metaPath), metaPath, manifest.count, manifest.columns.length > 1);
    // A single column has no header line (TensorBoard's rule): its name is in the manifest.
    if (manifest.columns.length === 1) metadata = { [manifest.columns[0].name]: Object.values(metadata)[0] ?? [] };
    const names = Object.keys(metadata);
    const expected = manifest.columns.map((c) => c.name);
    if (manifest.columns.length > 1 && names.join('\t') !== expected.join('\t')) {
      throw new UsageError(`${metaPath} has columns ${names.join(', ')}, but ${file} lists ${expected.join(', ')}`,
        'keep the metadata file and the manifest together, or write the directory again');
    }
  }
  return { count: manifest.count, dim: manifest.dim, vectors, metadata, ...(manifest.source ? { source: manifest.source } : {}) };
}

/** The first embedding of a TensorBoard projector config (protobuf text format). */
function readProjectorDir(dir: string, withMetadata: boolean): Embeddings {
  const file = join(dir, PROJECTOR_CONFIG_FILE);
  const text = readText(file);
  const field = (name: string) => [...text.matchAll(new RegExp(`${name}\\s*:\\s*("(?:[^"\\\\]|\\\\.)*"|[^\\s}]+)`, 'g'))]
    .map((m) => (m[1].startsWith('"') ? JSON.parse(m[1]) as string : m[1]));
  const tensorPath = field('tensor_path')[0];
  if (!tensorPath) throw new UsageError(`${file} names no tensor_path`, 'add tensor_path (and tensor_shape for a .bytes file) to the config');
  const path = resolve(dir, tensorPath);
  const shape = field('tensor_shape').map(Number).slice(0, 2);
  let embeddings: Embeddings;
  if (path.endsWith('.tsv') || path.endsWith('.txt')) {
    embeddings = readVectorsTsv(path);
  } else {
    if (shape.length !== 2 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
      throw new UsageError(`${file} gives no tensor_shape [count, dim] for the binary tensor ${tensorPath}`, 'add two tensor_shape lines: the number of points and the dimension');
    }
    embeddings = { count: shape[0], dim: shape[1], vectors: readFloat32(path, shape[0], shape[1]), metadata: {} };
  }
  const metadataPath = field('metadata_path')[0];
  if (withMetadata && metadataPath) {
    const metaPath = resolve(dirname(file), metadataPath);
    embeddings.metadata = parseMetadataTsv(readText(metaPath), metaPath, embeddings.count);
  }
  return embeddings;
}

function checkedTsv(path: string, count: number, dim: number): { vectors: Float32Array } {
  const parsed = parseVectorsTsv(readText(path), path);
  if (parsed.count !== count || parsed.dim !== dim) {
    throw new UsageError(`${path} holds ${parsed.count} x ${parsed.dim} values, but the manifest says ${count} x ${dim}`, 'write the directory again');
  }
  return parsed;
}

function readFloat32(path: string, count: number, dim: number): Float32Array {
  if (!existsSync(path)) throw new UsageError(`${path} does not exist`, 'the tensor file belongs next to its config or manifest');
  const bytes = readFileSync(path);
  if (bytes.byteLength !== count * dim * 4) {
    throw new UsageError(`${path} has ${bytes.byteLength} bytes, but ${count} x ${dim} float32 values take ${count * dim * 4}`,
      'the file is truncated or the shape is wrong: write it again, or fix count and dim');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const vectors = new Float32Array(count * dim);
  for (let i = 0; i < vectors.length; i++) {
    const v = view.getFloat32(i * 4, true);
    if (!Number.isFinite(v)) {
      const row = Math.floor(i / dim);
      throw new UsageError(`${path} row ${row} (0-based) has a non-finite value (${v}) in column ${i - row * dim}`,
        'drop or repair rows with NaN or infinite values, then write the file again');
    }
    vectors[i] = v;
  }
  return vectors;
}

function readText(path: string): string {
  if (!existsSync(path)) throw new UsageError(`${path} does not exist`, HINT);
  return readFileSync(path, 'utf8');
}
