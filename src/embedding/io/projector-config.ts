/**
 * TensorBoard's projector_config.pbtxt (protobuf text format of ProjectorConfig) for one embedding:
 * the tensor's name, shape and file, and its metadata file, paths relative to the config's folder.
 */
export function projectorConfig(entry: { tensorName: string; count: number; dim: number; tensorPath: string; metadataPath?: string }): string {
  const quote = (s: string) => JSON.stringify(s);
  return [
    'embeddings {',
    `  tensor_name: ${quote(entry.tensorName)}`,
    `  tensor_shape: ${entry.count}`,
    `  tensor_shape: ${entry.dim}`,
    `  tensor_path: ${quote(entry.tensorPath)}`,
    ...(entry.metadataPath ? [`  metadata_path: ${quote(entry.metadataPath)}`] : []),
    '}',
    '',
  ].join('\n');
}
