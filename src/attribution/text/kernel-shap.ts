import type { TokenAttribution } from '../../attention/types.js';
import { kernelShapGame, type L1Reg } from '../coalition/kernel-shap.js';
import { resolveSequenceTarget, targetParams, type TextTarget } from './target.js';
import { checkSequenceTokens } from './token-sequence-model.js';
import { transformerSequenceModel, type TokenModel } from './transformer-sequence-model.js';
import { TokenGame, type TokenAbsence } from './token-game.js';

export interface TextKernelShapOptions extends TextTarget {
  /** Coalitions; default 'auto' (2M + 2048, all 2^M - 2 when fewer). */
  nsamples?: number | 'auto';
  l1Reg?: L1Reg;
  seed?: number;
  absence?: TokenAbsence;
  fixed?: number[];
  batchSize?: number;
}

/**
 * KernelSHAP over tokens (shap's KernelExplainer semantics on the token game): Shapley values of
 * each token for the explained output, where an absent token is removed or replaced. Efficiency:
 * the scores add up to f(input) - f(no tokens), reported as the convergence delta (about 0).
 */
export async function textKernelShap(tokenModel: TokenModel, tokens: readonly number[], options: TextKernelShapOptions = {}): Promise<TokenAttribution> {
  const model = transformerSequenceModel(tokenModel);
  checkSequenceTokens(model, tokens);
  const resolved = await resolveSequenceTarget(tokenModel, tokens, options);
  const absence = options.absence ?? 'remove';
  const game = new TokenGame(model, tokens, resolved, { absence, fixed: options.fixed, batchSize: options.batchSize });
  const result = await kernelShapGame(game, { nsamples: options.nsamples ?? 'auto', l1Reg: options.l1Reg ?? 'none', seed: options.seed ?? 0 });
  const scores = new Array<number>(tokens.length).fill(0);
  const errors = new Array<number>(tokens.length).fill(0);
  game.playerPositions.forEach((p, j) => {
    scores[p] = result.values[j];
    errors[p] = result.standardErrors?.[j] ?? 0;
  });
  const total = scores.reduce((a, b) => a + b, 0);
  return {
    method: 'kernel-shap', tokens: tokens.map((id) => model.tokenName(id)), scores,
    target: resolved.target, ...(resolved.targetName !== undefined ? { targetName: resolved.targetName } : {}),
    prediction: result.fullValue,
    convergenceDelta: total - (result.fullValue - result.baseValue),
    params: {
      baseValue: result.baseValue, evaluations: result.evaluations, exact: result.exact, standardErrors: errors,
      seed: options.seed ?? 0, absence: absence === 'remove' ? 'remove' : `token ${absence.tokenId}`, fixed: options.fixed ?? [], ...targetParams(resolved),
    },
  };
}
