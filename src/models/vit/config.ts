import { UsageError } from '../../errors.js';
import { validateConfig, type TransformerConfig } from '../transformer/config.js';

/**
 * A vision transformer: square images cut into patchSize x patchSize patches, each projected to the
 * residual width, a [CLS] token in front (token 0 of the encoder's one-entry vocabulary), learned
 * positions, and the encoder of ../transformer classifying from the [CLS] position.
 */
export interface VitConfig {
  /** Image side in pixels (images are imageSize x imageSize x channels, NHWC). */
  imageSize: number;
  patchSize: number;
  channels: number;
  /** The encoder: vocabSize 1 (the [CLS] token), maxLength = patches + 1, classifier pooling 'first'. */
  transformer: TransformerConfig;
}

export function gridSize(config: VitConfig): number {
  return config.imageSize / config.patchSize;
}

export function patchCount(config: VitConfig): number {
  return gridSize(config) ** 2;
}

/** Length of one flattened patch (its pixels in row-major order, channels last). */
export function patchLength(config: VitConfig): number {
  return config.patchSize * config.patchSize * config.channels;
}

export function validateVitConfig(config: VitConfig): void {
  const { imageSize, patchSize, channels, transformer } = config;
  for (const [key, value] of Object.entries({ imageSize, patchSize, channels })) {
    if (!Number.isInteger(value) || value <= 0) {
      throw new UsageError(`vision transformer config: ${key} is ${value}`, `${key} must be a positive integer`);
    }
  }
  if (imageSize % patchSize !== 0) {
    throw new UsageError(`vision transformer config: patch size ${patchSize} does not divide the image size ${imageSize}`,
      'choose a patch size that divides the image side');
  }
  if (!transformer) throw new UsageError('vision transformer config: transformer is missing', 'give the encoder config');
  validateConfig(transformer);
  if (transformer.vocabSize !== 1 || transformer.maxLength !== patchCount(config) + 1 || transformer.causal
    || transformer.positional !== 'learned' || transformer.classifier?.pooling !== 'first') {
    throw new UsageError('vision transformer config: the encoder does not fit the patches',
      `use vocabSize 1 ([CLS]), maxLength ${patchCount(config) + 1}, causal false, learned positions and a classifier pooling 'first'`);
  }
}
