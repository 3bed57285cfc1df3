/**
 * The embeddings directory, laid out as TensorBoard's projector reads it (projector_config.pbtxt naming a
 * float32 tensor file and a metadata TSV), plus embeddings.json, which says the rest: count, dim, where
 * the vectors came from and the metadata columns with their types.
 *
 *   tensor.bytes            float32 little-endian, row-major [count, dim]  (or tensors.tsv: one row per line)
 *   metadata.tsv            one row per point; a header row of column names when there are two or more
 *                           columns (TensorBoard's rule: a single column has no header; its name is in embeddings.json)
 *   projector_config.pbtxt  embeddings { tensor_name, tensor_shape, tensor_path, metadata_path }
 *   embeddings.json         EmbeddingsManifest
 */
export const MANIFEST_FILE = 'embeddings.json';
export const BINARY_TENSOR_FILE = 'tensor.bytes';
export const TSV_TENSOR_FILE = 'tensors.tsv';
export const METADATA_FILE = 'metadata.tsv';
export const PROJECTOR_CONFIG_FILE = 'projector_config.pbtxt';
export const MANIFEST_FORMAT = 'glassbox-embeddings';

export interface EmbeddingsManifest {
  format: typeof MANIFEST_FORMAT;
  version: 1;
  count: number;
  dim: number;
  /** The vectors' file in the same directory, and how it is encoded. */
  tensor: { path: string; encoding: 'float32-le' | 'tsv' };
  /** The metadata file, absent when there are no columns. */
  metadataPath?: string;
  columns: { name: string; type: 'number' | 'string' }[];
  source?: { model?: string; layer?: string; data?: string };
}
