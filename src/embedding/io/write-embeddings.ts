import { join } from 'node:path';
import { UsageError } from '../../errors.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { formatFloat32 } from '../../io/tensor-json.js';
import { checkEmbeddings } from '../projection/check-embeddings.js';
import type { Embeddings } from '../types.js';
import {
  BINARY_TENSOR_FILE, MANIFEST_FILE, MANIFEST_FORMAT, METADATA_FILE, PROJECTOR_CONFIG_FILE, TSV_TENSOR_FILE,
  type EmbeddingsManifest,
} from './format.js';
import { projectorConfig } from './projector-config.js';
import { tsvCell } from './tsv.js';

export interface WriteEmbeddingsOptions {
  /** 'binary' (default) writes tensor.bytes, 'tsv' writes tensors.tsv (larger, but readable anywhere). */
  tensorFormat?: 'binary' | 'tsv';
}

/** The files written, by role, as paths. */
export interface WrittenEmbeddings {
  dir: string;
  tensor: string;
  metadata?: string;
  projectorConfig: string;
  manifest: string;
}

/**
 * Writes embeddings as a directory the TensorBoard projector loads (see format.ts), each file atomically.
 * Non-finite values and metadata columns of the wrong length are refused before anything is written.
 */
export function writeEmbeddings(dir: string, embeddings: Embeddings, options: WriteEmbeddingsOptions = {}): WrittenEmbeddings {
  checkEmbeddings(embeddings, 'embeddings', 0);
  const names = Object.keys(embeddings.metadata);
  for (const name of names) {
    const column = embeddings.metadata[name];
    if (column.length !== embeddings.count) {
      throw new UsageError(`metadata column "${name}" has ${column.length} values, but there are ${embeddings.count} vectors`,
        'give every metadata column one value per vector');
    }
    if (/[\t\r\n]/.test(name)) throw new UsageError(`metadata column name ${JSON.stringify(name)} contains a tab or line break`, 'rename the column');
  }
  const tensorFormat = options.tensorFormat ?? 'binary';
  const tensorFile = tensorFormat === 'binary' ? BINARY_TENSOR_FILE : TSV_TENSOR_FILE;
  const written: WrittenEmbeddings = {
    dir,
    tensor: join(dir, tensorFile),
    projectorConfig: join(dir, PROJECTOR_CONFIG_FILE),
    manifest: join(dir, MANIFEST_FILE),
  };
  writeFileAtomic(written.tensor, tensorFormat === 'binary' ? littleEndianBytes(embeddings.vectors) : vectorsTsv(embeddings));
  if (names.length > 0) {
    written.metadata = join(dir, METADATA_FILE);
    writeFileAtomic(written.metadata, metadataTsv(embeddings, names));
  }
  const tensorName = [embeddings.source?.model, embeddings.source?.layer].filter(Boolean).join(':') || 'embeddings';
  writeFileAtomic(written.projectorConfig, projectorConfig({
    tensorName, count: embeddings.count, dim: embeddings.dim, tensorPath: tensorFile,
    metadataPath: names.length > 0 ? METADATA_FILE : undefined,
  }));
  const manifest: EmbeddingsManifest = {
    format: MANIFEST_FORMAT,
    version: 1,
    count: embeddings.count,
    dim: embeddings.dim,
    tensor: { path: tensorFile, encoding: tensorFormat === 'binary' ? 'float32-le' : 'tsv' },
    ...(names.length > 0 ? { metadataPath: METADATA_FILE } : {}),
    columns: names.map((name) => ({ name, type: embeddings.metadata[name].every((v) => typeof v === 'number') ? 'number' : 'string' })),
    ...(embeddings.source ? { source: embeddings.source } : {}),
  };
  writeFileAtomic(written.manifest, `${JSON.stringify(manifest, null, 2)}\n`);
  return written;
}

function littleEndianBytes(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return bytes;
}

function vectorsTsv(e: Embeddings): string {
  const lines: string[] = [];
  for (let i = 0; i < e.count; i++) {
    const row: string[] = [];
    for (let j = 0; j < e.dim; j++) row.push(formatFloat32(e.vectors[i * e.dim + j]));
    lines.push(row.join('\t'));
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

function metadataTsv(e: Embeddings, names: string[]): string {
  const lines = names.length > 1 ? [names.join('\t')] : [];
  for (let i = 0; i < e.count; i++) lines.push(names.map((n) => tsvCell(e.metadata[n][i])).join('\t'));
  return `${lines.join('\n')}\n`;
}
