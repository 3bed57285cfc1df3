/**
 * Checks every tabular adapter makes at its boundary, so a wrong input is named in the caller's terms
 * (features, rows) rather than failing deep inside a runtime.
 */
import { GlassboxError, UsageError } from '../../errors.js';
import type { Matrix } from '../../tabular/matrix.js';
import type { TabularModelInfo } from './model.js';

/** Rows must have the model's feature count; NaN only where the model takes missing values. */
export function checkRows(info: TabularModelInfo, rows: Matrix): void {
  if (rows.cols !== info.numFeatures) {
    throw new UsageError(`model ${info.name} takes ${info.numFeatures} features per row, got ${rows.cols}`,
      info.featureNames ? `give the features ${previewNames(info.featureNames)}` : `give ${info.numFeatures} values per row`);
  }
  if (info.acceptsMissing) return;
  const k = firstIndex(rows.data, false);
  if (k >= 0) {
    const feature = k % rows.cols;
    const name = info.featureNames?.[feature] ?? `feature ${feature}`;
    throw new UsageError(`row ${Math.floor(k / rows.cols)} has a missing value (NaN) in ${name}, which model ${info.name} cannot take`,
      'fill in missing values before explaining (e.g. with the column mean or most frequent category)');
  }
}

/** A model's output must be finite numbers; a NaN would poison every estimate built on it. */
export function checkOutputs(info: TabularModelInfo, out: Matrix): void {
  const k = firstIndex(out.data, true);
  if (k >= 0) {
    throw new GlassboxError(`model ${info.name} returned ${out.data[k]} for row ${Math.floor(k / out.cols)}, output ${k % out.cols}`,
      'check the model on that row: explanations need finite outputs');
  }
}

/** Rows per call must be a positive integer. */
export function checkBatchSize(batchSize: number): number {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new UsageError(`batchSize must be a positive integer, got ${batchSize}`, 'pass e.g. batchSize: 1024');
  return batchSize;
}

function previewNames(names: string[], max = 8): string {
  return names.length > max ? `${names.slice(0, max).join(', ')}, ... (${names.length} in all)` : names.join(', ');
}

/** The first NaN (or, with `infinite`, the first non-finite value): a plain loop, as this runs on every model call. */
function firstIndex(data: Float64Array, infinite: boolean): number {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    // v - v is NaN exactly for NaN and +-Infinity.
    if (infinite ? v - v !== 0 : v !== v) return i;
  }
  return -1;
}
