/**
 * Path-dependent TreeSHAP picks, per tree, leaf tables or Algorithm 2 from the row count of the first
 * call (prepared.ts), and the two sum in different orders. A worker must make the calling thread's
 * choice, not its own from its share of rows, for its rows to get the very same numbers.
 */
import { ensurePatternTables, prepareEnsemble } from '../attribution/tree/prepared.js';
import { LeafPatternTables } from '../attribution/tree/leaf-patterns.js';
import type { TreeEnsemble } from '../models/tabular/trees/ensemble.js';

/** The calling thread's choice for `rows` rows: per group, per tree, tables (true), Algorithm 2 (false) or undecided (null). */
export function patternPlanFor(ensemble: TreeEnsemble, rows: number): (boolean | null)[][] {
  const prepared = prepareEnsemble(ensemble);
  ensurePatternTables(prepared, rows);
  return prepared.byGroup.map((group) => group.map((t) => (t.patterns === undefined ? null : t.patterns !== null)));
}

/** Makes this thread's prepared ensemble follow the plan. */
export function applyPatternPlan(ensemble: TreeEnsemble, plan: (boolean | null)[][]): void {
  const prepared = prepareEnsemble(ensemble);
  prepared.byGroup.forEach((group, g) => group.forEach((t, i) => {
    const choice = plan[g]?.[i];
    if (choice === true && !t.patterns) t.patterns = LeafPatternTables.build(t.tree);
    else if (choice === false) t.patterns = null;
  }));
}
