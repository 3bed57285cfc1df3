import { UsageError } from '../../errors.js';
import { hogSimilarity, type HogOptions } from './hog.js';
import { spearmanCorrelation } from './spearman.js';
import { structuralSimilarity, type SsimOptions } from './ssim.js';

export { averageRanks, spearmanCorrelation } from './spearman.js';
export { checkPair, pearsonCorrelation } from './pearson.js';
export { structuralSimilarity, type SsimOptions } from './ssim.js';
export { hogFeatures, hogSimilarity, type HogBlockNorm, type HogOptions } from './hog.js';

/** The similarity measures of two explanation maps that the randomisation tests use (Adebayo et al. 2018). */
export type SimilarityMeasure = 'spearman' | 'ssim' | 'hog';
export const SIMILARITY_MEASURES: readonly SimilarityMeasure[] = ['spearman', 'ssim', 'hog'];
/** Measures that read the maps as pictures and need a [height, width] feature shape. */
export const SPATIAL_MEASURES: readonly SimilarityMeasure[] = ['ssim', 'hog'];

export interface SimilarityOptions {
  ssim?: SsimOptions;
  hog?: HogOptions;
}

/** One measure by name on two maps of the given feature shape (1 = identical for all three). */
export function similarity(measure: SimilarityMeasure, a: ArrayLike<number>, b: ArrayLike<number>, shape: readonly number[], options: SimilarityOptions = {}): number {
  switch (measure) {
    case 'spearman': return spearmanCorrelation(a, b);
    case 'ssim': return structuralSimilarity(a, b, shape, options.ssim);
    case 'hog': return hogSimilarity(a, b, shape, options.hog);
    default: throw new UsageError(`unknown similarity measure "${measure as string}"`, `choose one of: ${SIMILARITY_MEASURES.join(', ')}`);
  }
}
