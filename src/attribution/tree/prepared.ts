import type { Tree, TreeEnsemble } from '../../models/tabular/trees/ensemble.js';
import { nodeMeans } from '../../models/tabular/trees/ensemble.js';

/** What every TreeSHAP variant needs per tree, computed once per model. */
export interface PreparedTree {
  tree: Tree;
  /** Cover-weighted mean value below each node; means[0] is the tree's expected value. */
  means: Float64Array;
  /** The distinct features the tree splits on. */
  features: Int32Array;
}

export interface PreparedEnsemble {
  ensemble: TreeEnsemble;
  /** Trees per output group. */
  byGroup: PreparedTree[][];
  maxDepth: number;
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
