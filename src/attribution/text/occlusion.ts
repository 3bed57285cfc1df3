import type { TokenAttribution } from '../../attention/types.js';
import { UsageError } from '../../errors.js';
import { resolveSequenceTarget, targetParams, type TextTarget } from './target.js';
import { checkSequenceTokens } from './token-sequence-model.js';
import { transformerSequenceModel, type TokenModel } from './transformer-sequence-model.js';
import { TokenGame, type TokenAbsence } from './token-game.js';

export interface TextOcclusionOptions extends TextTarget {
  /** Tokens hidden together; default 1 (leave one token out). */
  span?: number;
  /** Step between spans; default 1. */
  stride?: number;
  /** Remove hidden tokens (default) or replace them by a token id. */
  absence?: TokenAbsence;
  /** Positions never hidden (e.g. BOS, [CLS]); their score is 0. */
  fixed?: number[];
  batchSize?: number;
}

/**
 * Occlusion over tokens (Zeiler & Fergus 2014, as Captum's Occlusion on a sequence): hide each span of
 * `span` consecutive tokens, record f(input) - f(hidden); a token's score is the mean over the spans
 * that cover it. With span 1 it is leave-one-token-out (Li et al. 2016).
 */
export async function textOcclusion(tokenModel: TokenModel, tokens: readonly number[], options: TextOcclusionOptions = {}): Promise<TokenAttribution> {
  const model = transformerSequenceModel(tokenModel);
  checkSequenceTokens(model, tokens);
  const span = options.span ?? 1;
  const stride = options.stride ?? 1;
  if (!Number.isInteger(span) || span < 1) throw new UsageError(`span must be a positive integer, got ${span}`, 'e.g. span 1 (leave one token out) or 3');
  if (!Number.isInteger(stride) || stride < 1) throw new UsageError(`stride must be a positive integer, got ${stride}`, 'e.g. stride 1');
  const resolved = await resolveSequenceTarget(tokenModel, tokens, options);
  const absence = options.absence ?? 'remove';
  const game = new TokenGame(model, tokens, resolved, { absence, fixed: options.fixed, batchSize: options.batchSize });
  const m = game.players;
  const width = Math.min(span, m);
  // Window starts as Captum: every stride, and a last one flush with the end.
  const starts: number[] = [];
  for (let s = 0; s + width <= m; s += stride) starts.push(s);
  if (starts[starts.length - 1] + width < m) starts.push(m - width);
  const masks = new Uint8Array((starts.length + 1) * m).fill(1);
  starts.forEach((s, w) => masks.fill(0, (w + 1) * m + s, (w + 1) * m + s + width));
  const values = await game.value(masks, starts.length + 1);
  const full = values[0];
  const sums = new Float64Array(m);
  const counts = new Float64Array(m);
  starts.forEach((s, w) => {
    for (let j = s; j < s + width; j++) {
      sums[j] += full - values[w + 1];
      counts[j] += 1;
    }
  });
  const scores = new Array<number>(tokens.length).fill(0);
  game.playerPositions.forEach((p, j) => { scores[p] = counts[j] > 0 ? sums[j] / counts[j] : 0; });
  return {
    method: 'occlusion', tokens: tokens.map((id) => model.tokenName(id)), scores,
    target: resolved.target, ...(resolved.targetName !== undefined ? { targetName: resolved.targetName } : {}),
    prediction: full,
    params: { span: width, stride, absence: absence === 'remove' ? 'remove' : `token ${absence.tokenId}`, fixed: options.fixed ?? [], evaluations: starts.length + 1, ...targetParams(resolved) },
  };
}
