import { UsageError } from '../../errors.js';
import type { RemovalBaseline } from '../subject.js';

/** A count option (steps, samples, sizes): a positive integer, or a UsageError naming the option. */
export function checkPositiveInteger(value: number, name: string, example: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new UsageError(`${name} must be a positive integer, got ${value}`, `pass e.g. ${name}: ${example}`);
  }
  return value;
}

/** A noise scale or similar: a finite number above zero. */
export function checkPositiveNumber(value: number, name: string, example: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new UsageError(`${name} must be a positive number, got ${value}`, `pass e.g. ${name}: ${example}`);
  }
  return value;
}

/** One of a closed set of names. */
export function checkChoice<T extends string>(value: string, name: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`${name} "${value}" is not known`, `choose one of: ${choices.join(', ')}`);
  }
  return value as T;
}

/** A baseline option: the subject checks whether its modality can use it; here only its form. */
export function checkBaselineOption(value: RemovalBaseline | undefined): RemovalBaseline | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new UsageError(`baseline must be a finite number, got ${value}`, 'pass e.g. baseline: 0');
    return value;
  }
  return checkChoice(value, 'baseline', ['zeros', 'mean', 'blur'] as const);
}

/** A subject must explain at least one row, and every row at least one feature. */
export function checkRowsHaveFeatures(metric: string, rows: number, features: (row: number) => number): void {
  if (rows < 1) throw new UsageError(`metric ${metric} got a subject with no explained rows`, 'explain at least one input');
  for (let r = 0; r < rows; r++) {
    if (features(r) < 1) throw new UsageError(`metric ${metric}: row ${r} has no features to perturb`, 'give inputs with at least one feature (token, pixel, column)');
  }
}
