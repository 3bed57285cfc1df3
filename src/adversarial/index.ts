export { fgsm } from './fgsm.js';
export { pgd } from './pgd.js';
export { epsilonSweep, type EpsilonSweep, type EpsilonSweepOptions } from './epsilon-sweep.js';
export { explanationShift, topKIntersection, normalisedDistance, type ExplanationShift, type ExplanationShiftOptions } from './explanation-shift.js';
export {
  AttackResult, ATTACK_METHODS, ATTACK_NORMS,
  type AttackMethod, type AttackNorm, type AttackOptions, type AttackResultData, type ClassChoice, type PgdOptions,
} from './types.js';
