import { UsageError } from '../../errors.js';
import type { Perturbation } from '../subject.js';

/**
 * Refuses a perturbation that names a row the subject does not have or a mask of the wrong length,
 * before any model runs, so the message names the perturbation rather than a tensor shape.
 */
export function checkPerturbation(p: Perturbation, index: number, rows: number, features: (row: number) => number): void {
  if (!Number.isInteger(p.row) || p.row < 0 || p.row >= rows) {
    throw new UsageError(`perturbation ${index} names row ${p.row}, and the subject explains ${rows} rows (0 to ${rows - 1})`,
      'give each perturbation the index of an explained row');
  }
  if (p.kind === 'remove') {
    const expected = features(p.row);
    if (!(p.mask instanceof Uint8Array) || p.mask.length !== expected) {
      throw new UsageError(`perturbation ${index} has a mask of ${p.mask?.length ?? 0} values, and row ${p.row} has ${expected} features`,
        'build the mask with maskOf(subject.features(row), removedFeatures)');
    }
  }
}

/** Refuses a NaN or infinite value in a perturbation's new input: the model's output for it means nothing. */
export function checkFinite(values: Float32Array, index: number): void {
  const at = values.findIndex((v) => !Number.isFinite(v));
  if (at >= 0) {
    throw new UsageError(`perturbation ${index} holds a ${Number.isNaN(values[at]) ? 'NaN' : 'infinite'} value at ${at}`,
      'give finite inputs (check the noise scale)');
  }
}

/** The targets `explain` uses: one given per perturbation, or each perturbation's row target. */
export function perturbationTargets(perturbations: readonly Perturbation[], rowTargets: Int32Array, given: Int32Array | undefined,
  numOutputs: number): Int32Array {
  if (given === undefined) return Int32Array.from(perturbations, (p) => rowTargets[p.row]);
  if (given.length !== perturbations.length) {
    throw new UsageError(`${given.length} targets given for ${perturbations.length} perturbations`, 'give one target per perturbation, or none');
  }
  for (const t of given) {
    if (!Number.isInteger(t) || t < 0 || t >= numOutputs) {
      throw new UsageError(`target ${t} is out of range: the model has ${numOutputs} outputs (0 to ${numOutputs - 1})`,
        `choose targets between 0 and ${numOutputs - 1}`);
    }
  }
  return given;
}
