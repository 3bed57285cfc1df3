import { UsageError } from '../../errors.js';
import { matrix } from '../../tabular/matrix.js';
import type { Random } from '../../util/random.js';
import type { ProgressCallback } from '../base.js';
import type { CoalitionGame } from '../coalition/game.js';
import type { FeatureSelection } from './feature-selection.js';
import { fitSurrogate, limeKernel, type Surrogate } from './surrogate.js';

export interface GameLimeOptions {
  numSamples: number;
  numFeatures: number;
  featureSelection: FeatureSelection;
  kernelWidth: number;
  /** lime_text multiplies the cosine distance by 100; lime_image does not. */
  distanceScale: number;
  /** Fills masks for samples 1..n-1 (row 0, the instance, is all ones). */
  sampleMasks: (masks: Uint8Array, n: number, players: number, rng: Random) => void;
  rng: Random;
  /** Coalitions per game.value call. */
  batchSize: number;
  onProgress?: ProgressCallback;
}

export interface GameLimeResult {
  surrogate: Surrogate;
  /** v(all players): the model output being explained. */
  prediction: number;
}

/**
 * LIME over binary interpretable features (superpixels, words): sample coalitions, value them with the
 * game, weigh each by the kernel of its cosine distance to the full coalition, fit the surrogate.
 */
export async function limeOverGame(game: CoalitionGame, options: GameLimeOptions): Promise<GameLimeResult> {
  const n = options.numSamples;
  const players = game.players;
  if (!Number.isInteger(n) || n < 2) throw new UsageError(`numSamples must be an integer >= 2, got ${n}`, 'pass e.g. numSamples: 1000');
  if (players < 1) throw new UsageError('there is nothing to explain: no features (segments or words)', 'give an input with at least one segment or word');
  const masks = new Uint8Array(n * players);
  masks.fill(1, 0, players);
  options.sampleMasks(masks, n, players, options.rng);

  const labels = new Float64Array(n);
  for (let start = 0; start < n; start += options.batchSize) {
    const end = Math.min(n, start + options.batchSize);
    labels.set(await game.value(masks.subarray(start * players, end * players), end - start), start);
    options.onProgress?.(end, n);
  }

  const data = matrix(n, players, Float64Array.from(masks));
  const weights = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let on = 0;
    for (let j = 0; j < players; j++) on += masks[i * players + j];
    // Cosine distance to the all-ones row; sklearn gives an all-zero row distance 1.
    const distance = on === 0 ? 1 : Math.max(0, 1 - Math.sqrt(on / players));
    weights[i] = limeKernel(distance * options.distanceScale, options.kernelWidth);
  }
  const surrogate = fitSurrogate(data, labels, weights, { numFeatures: options.numFeatures, featureSelection: options.featureSelection });
  return { surrogate, prediction: labels[0] };
}
