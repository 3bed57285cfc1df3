import { UsageError } from '../errors.js';

/** How the path integral of integrated gradients is approximated (Captum's names, in kebab case). */
export type IntegrationMethod = 'gausslegendre' | 'riemann-left' | 'riemann-right' | 'riemann-middle' | 'riemann-trapezoid';

export const INTEGRATION_METHODS: readonly IntegrationMethod[] = [
  'gausslegendre', 'riemann-left', 'riemann-right', 'riemann-middle', 'riemann-trapezoid',
];

/** Points alpha in [0, 1] along the path and the weight of each, so that integral ~ sum w_k f(alpha_k). */
export interface IntegrationGrid {
  alphas: Float64Array;
  weights: Float64Array;
}

export function integrationGrid(method: IntegrationMethod, steps: number): IntegrationGrid {
  if (!Number.isInteger(steps) || steps < 1) throw new UsageError(`steps must be a positive integer, got ${steps}`, 'pass e.g. --steps 50');
  const alphas = new Float64Array(steps);
  const weights = new Float64Array(steps);
  switch (method) {
    case 'gausslegendre': {
      const { nodes, weights: w } = gaussLegendre(steps);
      for (let k = 0; k < steps; k++) {
        alphas[k] = 0.5 * (nodes[k] + 1);
        weights[k] = 0.5 * w[k];
      }
      return { alphas, weights };
    }
    case 'riemann-trapezoid': {
      if (steps < 2) throw new UsageError('riemann-trapezoid needs at least 2 steps', 'pass --steps 2 or more');
      // Captum 0.8's weights, kept for agreement with it: 1/(2n) at the ends and 1/n between, so they
      // sum to 1 - 1/n, not 1 (the grid's spacing is 1/(n-1)).
      for (let k = 0; k < steps; k++) {
        alphas[k] = k / (steps - 1);
        weights[k] = (k === 0 || k === steps - 1 ? 0.5 : 1) / steps;
      }
      return { alphas, weights };
    }
    case 'riemann-left':
    case 'riemann-right':
    case 'riemann-middle': {
      const offset = method === 'riemann-left' ? 0 : method === 'riemann-right' ? 1 : 0.5;
      for (let k = 0; k < steps; k++) {
        alphas[k] = (k + offset) / steps;
        weights[k] = 1 / steps;
      }
      return { alphas, weights };
    }
    default:
      throw new UsageError(`unknown integration method "${method as string}"`, `choose one of: ${INTEGRATION_METHODS.join(', ')}`);
  }
}

/**
 * Gauss-Legendre nodes (ascending, in [-1, 1]) and weights, by Newton's method on the Legendre
 * polynomial from the Chebyshev initial guesses; exact to double precision for any n.
 */
export function gaussLegendre(n: number): { nodes: Float64Array; weights: Float64Array } {
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  for (let i = 0; i < Math.ceil(n / 2); i++) {
    let x = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let derivative = 0;
    for (let iter = 0; iter < 100; iter++) {
      let p0 = 1;
      let p1 = x;
      for (let k = 2; k <= n; k++) {
        const p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      const pn = n === 1 ? x : p1;
      const pnMinus1 = n === 1 ? 1 : p0;
      derivative = (n * (x * pn - pnMinus1)) / (x * x - 1);
      const dx = pn / derivative;
      x -= dx;
      if (Math.abs(dx) < 1e-16) break;
    }
    const w = 2 / ((1 - x * x) * derivative * derivative);
    nodes[i] = -x;
    nodes[n - 1 - i] = x;
    weights[i] = w;
    weights[n - 1 - i] = w;
  }
  return { nodes, weights };
}
