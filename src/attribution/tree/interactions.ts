import type { PreparedTree } from './prepared.js';
import { PathDependentTreeShap } from './path-dependent.js';

/** Largest pair table (numbers) built for one tree; deeper trees use the conditioned recursion. */
const PAIR_TABLE_LIMIT = 1 << 18;

/**
 * SHAP interaction values (path-dependent) for one prepared row, as XGBoost's pred_interactions and
 * shap's TreeExplainer define them: off the diagonal, half the change in feature k's SHAP value when
 * feature i is held present rather than absent; on the diagonal, what is left of phi_i, so every row of
 * the matrix sums to phi_i. Only trees that split on i can change with i's condition, so each (tree,
 * feature it uses) pair costs two extra tree passes, and nothing else is recomputed. Trees with leaf
 * tables get their interactions from tables instead, in one pass.
 *
 * Returns a numFeatures x numFeatures matrix, row-major.
 */
export function interactionValues(
  trees: PreparedTree[], x: Float64Array, phi: Float64Array, numFeatures: number, shap: PathDependentTreeShap,
): Float64Array {
  const out = new Float64Array(numFeatures * numFeatures);
  const on = new Float64Array(numFeatures);
  const off = new Float64Array(numFeatures);
  for (const { tree, features, patterns } of trees) {
    // Shallow trees: tabulated per leaf pattern (see LeafPatternTables.runInteractions).
    if (patterns && patterns.pairTableSize() <= PAIR_TABLE_LIMIT) {
      patterns.runInteractions(x, out, numFeatures);
      continue;
    }
    for (const i of features) {
      on.fill(0);
      off.fill(0);
      shap.run(tree, x, on, 1, i);
      shap.run(tree, x, off, -1, i);
      const row = i * numFeatures;
      for (let k = 0; k < numFeatures; k++) if (k !== i) out[row + k] += (on[k] - off[k]) / 2;
    }
  }
  for (let i = 0; i < numFeatures; i++) {
    const row = i * numFeatures;
    let rest = 0;
    for (let k = 0; k < numFeatures; k++) if (k !== i) rest += out[row + k];
    out[row + i] = phi[i] - rest;
  }
  return out;
}
