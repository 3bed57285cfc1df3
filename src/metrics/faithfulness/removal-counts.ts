import { UsageError } from '../../errors.js';

/**
 * How many features are removed (or revealed) after each step of a perturbation curve: 0 first and all
 * `features` last. `featuresPerStep` fixes the step size (the last step may be shorter); otherwise `steps`
 * near-equal steps, fewer when there are fewer features than steps.
 */
export function removalCounts(features: number, options: { steps: number; featuresPerStep?: number }): Int32Array {
  if (!Number.isInteger(features) || features < 1) throw new UsageError(`a perturbation curve needs at least one feature, got ${features}`, 'explain inputs with features');
  if (options.featuresPerStep !== undefined) {
    const per = options.featuresPerStep;
    const steps = Math.ceil(features / per);
    return Int32Array.from({ length: steps + 1 }, (_, i) => Math.min(features, i * per));
  }
  const steps = Math.min(options.steps, features);
  return Int32Array.from({ length: steps + 1 }, (_, i) => Math.round((i * features) / steps));
}
