import type { Tree, TreeEnsemble } from '../../models/tabular/trees/ensemble.js';
import { nodeMeans } from '../../models/tabular/trees/ensemble.js';
import { LeafPatternTables } from './leaf-patterns.js';

/** What every TreeSHAP variant needs per tree, computed once per model. */
export interface PreparedTree {
  tree: Tree;
  /** Cover-weighted mean value below each node; means[0] is the tree's expected value. */
  means: Float64Array;
  /** The distinct features the tree splits on. */
  features: Int32Array;
  /** Leaf tables for fast path-dependent TreeSHAP: built when they pay (undefined until then), null when too large. */
  patterns?: LeafPatternTables | null;
}

/** Most numbers the leaf tables of one ensemble may hold (8 bytes each): 256 MB; one tree: 32 MB. */
const PATTERN_BUDGET = 1 << 25;
const TREE_BUDGET = 1 << 22;

/**
 * Builds leaf tables for the trees where they pay for `rows` rows: cheap ones always (under 0.2M
 * operations, well below a millisecond), costly ones only when Algorithm 2 over these rows would do
 * more work. Trees whose tables would not fit in memory stay with Algorithm 2 (patterns = null).
 */
export function ensurePatternTables(prepared: PreparedEnsemble, rows: number): void {
  for (const group of prepared.byGroup) {
    for (const t of group) {
      if (t.patterns !== undefined) continue;
      const cost = LeafPatternTables.costs(t.tree);
      if (cost.size > TREE_BUDGET || prepared.patternNumbers + cost.size > PATTERN_BUDGET) {
        t.patterns = null;
      } else if (cost.build <= Math.max(2e5, 2 * rows * cost.perRow)) {
        t.patterns = LeafPatternTables.build(t.tree);
        prepared.patternNumbers += cost.size;
      }
    }
  }
}

export interface PreparedEnsemble {
  ensemble: TreeEnsemble;
  /** Trees per output group. */
  byGroup: PreparedTree[][];
  maxDepth: number;
  /** Numbers held by the leaf tables built so far. */
  patternNumbers: number;
}

const cache = new WeakMap<TreeEnsemble, PreparedEnsemble>();

export function prepareEnsemble(ensemble: TreeEnsemble): PreparedEnsemble {
  const hit = cache.get(ensemble);
  if (hit) return hit;
  const byGroup: PreparedTree[][] = Array.from({ length: ensemble.numGroups }, () => []);
  let maxDepth = 0;
  for (const tree of ensemble.trees) {
    const used = new Set<number>();
    for (const f of tree.feature) if (f >= 0) used.add(f);
    byGroup[tree.group].push({ tree, means: nodeMeans(tree), features: Int32Array.from([...used].sort((a, b) => a - b)) });
    maxDepth = Math.max(maxDepth, tree.maxDepth);
  }
  const prepared: PreparedEnsemble = { ensemble, byGroup, maxDepth, patternNumbers: 0 };
  cache.set(ensemble, prepared);
  return prepared;
}
