import type { Model } from '../models/model.js';
import type { InputLike } from '../tensor.js';
import { checkAttackOptions, pgdPlan, runGradientAttack } from './gradient-attack.js';
import type { AttackResult, PgdOptions } from './types.js';

/**
 * Projected gradient descent (Madry et al. 2018, "Towards Deep Learning Models Resistant to Adversarial
 * Attacks"), with cleverhans' projected_gradient_descent semantics: from x (or, with `randomStart`, x
 * plus a uniform draw in [-epsilon, epsilon] projected into the ball), `steps` times
 *   x_{t+1} = clip_range(x + P_eps(x_t + stepSize * d_t - x)),
 * with d_t = sign(grad J) (L-inf) or grad J / ||grad J||_2 (L2) of the cross-entropy J, ascending for
 * `label` (untargeted) and descending for `target` (targeted), and P_eps the projection onto the epsilon
 * ball (clipping per value for L-inf, rescaling the row for L2). Defaults: 40 steps of 2.5 * epsilon / steps.
 */
export async function pgd(model: Model, inputs: InputLike, options: PgdOptions): Promise<AttackResult> {
  checkAttackOptions(model, options);
  return runGradientAttack(model, inputs, options, pgdPlan(options));
}
