import type { TokenAttribution } from '../../attention/types.js';
import { UsageError } from '../../errors.js';
import { Random, checkSeed } from '../../util/random.js';
import { limeOverGame } from '../lime/lime-game.js';
import type { FeatureSelection } from '../lime/feature-selection.js';
import { resolveSequenceTarget, targetParams, type TextTarget } from './target.js';
import { checkSequenceTokens } from './token-sequence-model.js';
import { transformerSequenceModel, type TokenModel } from './transformer-sequence-model.js';
import { TokenGame, type TokenAbsence } from './token-game.js';

export interface TextLimeOptions extends TextTarget {
  /** Perturbed sequences; default 1000. */
  numSamples?: number;
  /** Tokens in the surrogate; default all of them. */
  numFeatures?: number;
  featureSelection?: FeatureSelection;
  /** Default 25 on cosine distance x 100, as lime_text. */
  kernelWidth?: number;
  seed?: number;
  absence?: TokenAbsence;
  fixed?: number[];
  batchSize?: number;
}

/**
 * LIME over the model's tokens with lime_text's sampling and kernel: each sample drops a uniformly
 * drawn number (1..d) of distinct tokens, is weighted by the exponential kernel of its cosine distance
 * (x 100) to the full text, and a weighted ridge surrogate on token presence explains the output.
 * Unlike lime_text, players are token positions (not bag-of-words), so repeated tokens score apart.
 */
export async function textLime(tokenModel: TokenModel, tokens: readonly number[], options: TextLimeOptions = {}): Promise<TokenAttribution> {
  const model = transformerSequenceModel(tokenModel);
  checkSequenceTokens(model, tokens);
  const resolved = await resolveSequenceTarget(tokenModel, tokens, options);
  const absence = options.absence ?? 'remove';
  const game = new TokenGame(model, tokens, resolved, { absence, fixed: options.fixed, batchSize: options.batchSize });
  const numSamples = options.numSamples ?? 1000;
  const numFeatures = options.numFeatures ?? game.players;
  const kernelWidth = options.kernelWidth ?? 25;
  if (!(kernelWidth > 0)) throw new UsageError(`kernelWidth must be positive, got ${kernelWidth}`, 'leave it out for lime\'s default 25');
  const seed = checkSeed(options.seed ?? 0);
  const { surrogate, prediction } = await limeOverGame(game, {
    numSamples, numFeatures, featureSelection: options.featureSelection ?? 'auto', kernelWidth, distanceScale: 100,
    sampleMasks: dropTokens, rng: new Random(seed), batchSize: options.batchSize ?? 64,
  });
  const scores = new Array<number>(tokens.length).fill(0);
  game.playerPositions.forEach((p, j) => { scores[p] = surrogate.weights[j]; });
  return {
    method: 'lime', tokens: tokens.map((id) => model.tokenName(id)), scores,
    target: resolved.target, ...(resolved.targetName !== undefined ? { targetName: resolved.targetName } : {}),
    prediction,
    params: {
      numSamples, numFeatures, kernelWidth, seed, intercept: surrogate.intercept, score: surrogate.score,
      absence: absence === 'remove' ? 'remove' : `token ${absence.tokenId}`, fixed: options.fixed ?? [], ...targetParams(resolved),
    },
  };
}

/** lime_text's sampler: row i > 0 drops k ~ U{1..d} distinct players (row 0 is the instance). */
function dropTokens(masks: Uint8Array, n: number, d: number, rng: Random): void {
  const order = Array.from({ length: d }, (_, j) => j);
  for (let i = 1; i < n; i++) {
    const row = masks.subarray(i * d, (i + 1) * d);
    row.fill(1);
    const k = 1 + rng.int(d);
    // Partial Fisher-Yates: the first k of a shuffled order are dropped.
    for (let j = 0; j < k; j++) {
      const swap = j + rng.int(d - j);
      [order[j], order[swap]] = [order[swap], order[j]];
      row[order[j]] = 0;
    }
  }
}
