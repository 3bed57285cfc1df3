import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { GlassboxError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';

/** Model files above this size are refused before they are read: a model.json is metadata, not weights. */
const MAX_MODEL_JSON_BYTES = 64 * 1024 * 1024;

interface ModelJson {
  modelTopology?: object;
  format?: string;
  weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  [key: string]: unknown;
}

function readModelJson(path: string): ModelJson {
  if (!existsSync(path)) {
    throw new GlassboxError(`model file not found: ${path}`, 'pass the path of a TF.js model.json (with its weight files beside it)', 'usage');
  }
  const size = statSync(path).size;
  if (size > MAX_MODEL_JSON_BYTES) {
    throw new GlassboxError(`${path} is ${(size / 2 ** 20).toFixed(0)} MiB, too large for a model.json`,
      'pass the model.json, not a weights file');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new GlassboxError(`${path} is not valid JSON (${(err as Error).message})`,
      'the model file is corrupt or truncated: export the model again');
  }
  if (typeof parsed !== 'object' || parsed === null || !('modelTopology' in parsed)) {
    throw new GlassboxError(`${path} has no "modelTopology": it is not a TF.js model.json`,
      'pass the model.json written by model.save() or tensorflowjs_converter');
  }
  return parsed as ModelJson;
}

/**
 * A TF.js IO handler over local files. tfjs' own `file://` handler lives in tfjs-node, which cannot be
 * installed here, so this one reads model.json and its weight shards with node:fs.
 */
export function fileHandler(modelJsonPath: string): tf.io.IOHandler {
  const path = resolve(modelJsonPath);
  return {
    async load(): Promise<tf.io.ModelArtifacts> {
      const json = readModelJson(path);
      const manifest = json.weightsManifest ?? [];
      const specs: tf.io.WeightsManifestEntry[] = [];
      const buffers: Uint8Array[] = [];
      for (const group of manifest) {
        let groupBytes = 0;
        const groupBuffers: Uint8Array[] = [];
        for (const shard of group.paths) {
          const shardPath = join(dirname(path), shard);
          if (!existsSync(shardPath)) {
            throw new GlassboxError(`weight file ${shardPath} (named in ${path}) is missing`,
              'keep the weight files beside model.json, as model.save() wrote them');
          }
          const bytes = readFileSync(shardPath);
          groupBytes += bytes.byteLength;
          groupBuffers.push(bytes);
        }
        const expected = group.weights.reduce((n, w) => n + weightBytes(w), 0);
        if (groupBytes < expected) {
          throw new GlassboxError(`weight files ${group.paths.join(', ')} hold ${groupBytes} bytes but ${path} describes ${expected}`,
            'the weight files are truncated or belong to another model: export the model again');
        }
        specs.push(...group.weights);
        buffers.push(...groupBuffers);
      }
      const weightData = concat(buffers);
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy as string | undefined,
        convertedBy: json.convertedBy as string | null | undefined,
        weightSpecs: specs,
        weightData,
        userDefinedMetadata: json.userDefinedMetadata as Record<string, unknown> | undefined,
      } as tf.io.ModelArtifacts;
    },

    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const weightsFile = 'weights.bin';
      const data = artifacts.weightData;
      const bytes = data === undefined ? new Uint8Array(0)
        : new Uint8Array(Array.isArray(data) ? concat(data.map((b) => new Uint8Array(b))) : data);
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        userDefinedMetadata: artifacts.userDefinedMetadata,
        weightsManifest: [{ paths: [weightsFile], weights: artifacts.weightSpecs ?? [] }],
      };
      writeFileAtomic(join(dirname(path), weightsFile), bytes);
      writeFileAtomic(path, JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

function weightBytes(entry: tf.io.WeightsManifestEntry): number {
  const n = entry.shape.reduce((a, b) => a * b, 1);
  const q = entry.quantization?.dtype;
  return n * (q ? DTYPE_BYTES[q] ?? 1 : DTYPE_BYTES[entry.dtype] ?? 4);
}

function concat(parts: Uint8Array[]): ArrayBuffer {
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out.buffer;
}
