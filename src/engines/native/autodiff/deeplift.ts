import type { BackwardContext } from './registry.js';

/**
 * DeepLIFT's rescale multiplier for an elementwise y = f(x), as src/models/tfjs-rules.ts builds it for
 * TF.js: the batch holds the inputs in its first half and their references in its second, and both
 * halves get (f(x) - f(x0)) / (x - x0), or f'(x) (each half its own) where |x - x0| < eps.
 * `derivative` is f'(x) over the whole batch.
 */
export function rescaleMultiplier(ctx: BackwardContext, x: string, y: string, derivative: string): string {
  if (ctx.rule.kind !== 'deeplift') throw new Error('autodiff: rescale outside DeepLIFT');
  const { e } = ctx;
  const dtype = e.dtype(x);
  const [x1, x0] = e.halves(x);
  const [y1, y0] = e.halves(y);
  const deltaIn = e.sub(x1, x0);
  const small = e.op('Less', [e.op('Abs', [deltaIn]), e.scalar(ctx.rule.eps, dtype)]);
  const ratio = e.div(e.sub(y1, y0), e.where(small, e.scalar(1, dtype), deltaIn));
  return e.where(e.concat([small, small], 0), derivative, e.concat([ratio, ratio], 0));
}
