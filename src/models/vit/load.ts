import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../errors.js';
import type { ImagePreprocessing } from '../preprocessing.js';
import type { VitConfig } from './config.js';
import { VitModel } from './model.js';
import { VisionTransformer } from './vit.js';
import { decodeVitWeights, type WeightEntry } from './weights.js';

/** config.json of a saved vision transformer (written by scripts/train-vit.ts). */
export interface VitFile {
  name: string;
  description?: string;
  vit: VitConfig;
  preprocessing?: ImagePreprocessing;
  /** Accuracy on the test images, as measured when the model was saved. */
  testAccuracy?: number;
  testImages?: number;
  /** How many of the test images were classified correctly. */
  testCorrect?: number;
  training?: Record<string, unknown>;
  /** The arrays of weights.bin (float32, little-endian), in file order. */
  weights: WeightEntry[];
}

/** Reads a directory with config.json and weights.bin into a core Model with attention access. */
export function loadVitModel(dir: string): VitModel {
  const configPath = join(dir, 'config.json');
  const weightsPath = join(dir, 'weights.bin');
  for (const path of [configPath, weightsPath]) {
    if (!existsSync(path)) {
      throw new UsageError(`${path} does not exist`, 'give a directory with config.json and weights.bin, as written by scripts/train-vit.ts');
    }
  }
  let file: VitFile;
  try {
    file = JSON.parse(readFileSync(configPath, 'utf8')) as VitFile;
  } catch (err) {
    throw new UsageError(`${configPath} is not valid JSON: ${(err as Error).message}`, 'restore the file from the model directory');
  }
  if (!file || typeof file !== 'object' || !file.vit || !Array.isArray(file.weights)) {
    throw new UsageError(`${configPath} is not a vision transformer config`, 'it needs "vit" (the architecture) and "weights" (the manifest)');
  }
  const bytes = new Uint8Array(readFileSync(weightsPath));
  const weights = decodeVitWeights(file.weights, bytes, file.vit.transformer?.layers ?? 0, weightsPath);
  const name = file.name ?? 'vit';
  const vit = new VisionTransformer(file.vit, weights, { name });
  const accuracy = file.testAccuracy !== undefined ? ` (test accuracy ${(file.testAccuracy * 100).toFixed(2)}% on ${file.testImages} images)` : '';
  return new VitModel(vit, {
    name,
    preprocessing: file.preprocessing,
    description: file.description ? file.description + accuracy : undefined,
  });
}

/** The saved config.json as data (accuracy, training details), without loading the weights. */
export function readVitFile(dir: string): VitFile {
  const path = join(dir, 'config.json');
  if (!existsSync(path)) throw new UsageError(`${path} does not exist`, 'give a directory with config.json and weights.bin');
  return JSON.parse(readFileSync(path, 'utf8')) as VitFile;
}
