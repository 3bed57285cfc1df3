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
  /** Leaf tables for fast path-dependent TreeSHAP; null when the tree is too deep for them. Built on first use. */
  patterns?: LeafPatternTables | null;
}

/** Most numbers the leaf tables of one ensemble may hold (8 bytes each): 256 MB. */
const PATTERN_BUDGET = 1 << 25;

/** Builds the leaf tables of every tree that fits the budget (largest trees left to Algorithm 2). */
export function ensurePatternTables(prepared: PreparedEnsemble): void {
  if (prepared.patternsBuilt) return;
  let used = 0;
  for (const group of prepared.byGroup) {
    for (const t of group) {
      const size = LeafPatternTables.sizeFor(t.tree);
      if (size <= 1 << 22 && used + size <= PATTERN_BUDGET) {
        t.patterns = LeafPatternTables.build(t.tree);
        used += size;
      } else {
        t.patterns = null;
      }
    }
  }
  prepared.patternsBuilt = true;
}

export interface PreparedEnsemble {
  ensemble: TreeEnsemble;
  /** Trees per output group. */
  byGroup: PreparedTree[][];
  maxDepth: number;
  patternsBuilt?: boolean;
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
  const prepared = { ensemble, byGroup, maxDepth };
  cache.set(ensemble, prepared);
  return prepared;
}
