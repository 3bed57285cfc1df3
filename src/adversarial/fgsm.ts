import type { Model } from '../models/model.js';
import type { InputLike } from '../tensor.js';
import { runGradientAttack } from './gradient-attack.js';
import type { AttackOptions, AttackResult } from './types.js';

/**
 * The fast gradient sign method (Goodfellow et al. 2015, "Explaining and Harnessing Adversarial
 * Examples"), with cleverhans' fast_gradient_method semantics: one step of size epsilon along the
 * gradient of the cross-entropy loss J(x, y),
 *   L-inf: x' = clip(x + epsilon * sign(grad J)),   L2: x' = clip(x + epsilon * grad J / ||grad J||_2),
 * up the loss of `label` (untargeted, default the model's prediction) or down the loss of `target`
 * (targeted), clipped to the valid range.
 */
export async function fgsm(model: Model, inputs: InputLike, options: AttackOptions): Promise<AttackResult> {
  return runGradientAttack(model, inputs, options, { method: 'fgsm', steps: 1, stepSize: options?.epsilon, randomStart: false, seed: 0 });
}
