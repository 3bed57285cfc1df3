import { pixelMask } from '../../attribution/perturbation/feature-ablation.js';
import { UsageError } from '../../errors.js';
import { isModelBacked, type EvaluationSubject } from '../subject.js';

/**
 * The feature each value of a row's input belongs to, for metrics that add noise to inputs: every channel
 * of a pixel maps to the pixel (by the model's layout), and a tabular row's values map to themselves.
 */
export function elementFeatures(subject: EvaluationSubject, row: number, metric: string): Int32Array {
  const size = subject.input(row).length;
  const features = subject.features(row);
  if (size === features) return Int32Array.from({ length: size }, (_, i) => i);
  if (subject.modality === 'image' && isModelBacked(subject)) {
    const info = subject.sourceModel.info;
    return pixelMask(info.inputShape, info.preprocessing?.layout);
  }
  throw new UsageError(`metric ${metric} cannot tell which feature each of the ${size} input values of row ${row} belongs to (${features} features)`,
    "use the removal perturbation (perturbation: 'removal'), or an image subject backed by a model");
}
