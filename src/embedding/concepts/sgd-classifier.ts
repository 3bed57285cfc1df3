import { Random } from '../../util/random.js';
import type { LinearClassifier } from './logistic-regression.js';

export interface SgdClassifierOptions {
  /** L2 strength, as sklearn's alpha; default 0.01 (Captum's TCAV default). */
  alpha?: number;
  maxEpochs?: number;
  /** Stop when the epoch's loss has not improved by tol * n for 5 epochs (sklearn's rule); default 1e-3. */
  tol?: number;
  seed?: number;
}

/**
 * A linear SVM trained by stochastic gradient descent with sklearn SGDClassifier's algorithm: hinge loss,
 * L2 penalty alpha, the 'optimal' learning rate 1 / (alpha (t0 + t)) with sklearn's t0, samples shuffled
 * every epoch (by the project's seeded Random, so runs match each other, not sklearn's draws).
 */
export function sgdClassifier(x: Float64Array, n: number, d: number, y: ArrayLike<number>, options: SgdClassifierOptions = {}): LinearClassifier {
  const alpha = options.alpha ?? 0.01;
  const maxEpochs = options.maxEpochs ?? 1000;
  const tol = options.tol ?? 1e-3;
  const random = new Random(options.seed ?? 0);
  // sklearn's heuristic for the initial step: typw = sqrt(1 / sqrt(alpha)), and the hinge gradient there is 1.
  const typw = Math.sqrt(1 / Math.sqrt(alpha));
  const t0 = 1 / (typw * alpha);
  const w = new Float64Array(d);
  // w is kept as scale * v so the decay step is O(1).
  let scale = 1;
  let b = 0;
  let t = 1;
  let best = Infinity;
  let noImprovement = 0;
  const order = Array.from({ length: n }, (_, i) => i);
  let epochs = 0;
  for (; epochs < maxEpochs; epochs++) {
    random.shuffle(order);
    let loss = 0;
    for (const i of order) {
      const s = y[i] > 0.5 ? 1 : -1;
      let m = 0;
      for (let k = 0; k < d; k++) m += x[i * d + k] * w[k];
      m = m * scale + b;
      const eta = 1 / (alpha * (t0 + t - 1));
      loss += Math.max(0, 1 - s * m);
      scale *= Math.max(0, 1 - eta * alpha);
      if (scale < 1e-9) {
        for (let k = 0; k < d; k++) w[k] *= scale;
        scale = 1;
      }
      if (s * m < 1) {
        const step = (eta * s) / scale;
        for (let k = 0; k < d; k++) w[k] += step * x[i * d + k];
        b += eta * s;
      }
      t++;
    }
    if (loss > best - tol * n) noImprovement++;
    else noImprovement = 0;
    best = Math.min(best, loss);
    if (noImprovement >= 5) { epochs++; break; }
  }
  for (let k = 0; k < d; k++) w[k] *= scale;
  return { weights: w, intercept: b, iterations: epochs };
}
