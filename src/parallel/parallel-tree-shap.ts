/**
 * TreeSHAP over many rows on several threads: the ensemble's typed arrays go to each worker once
 * (structured clone at spawn), every thread runs TreeShap.explainSync on chunks of rows, and the
 * chunks are merged in row order: the numbers are those of one explainSync over all the rows.
 */
import type { TabularExplanation } from '../attribution/tabular-explanation.js';
import type { TreeShap, TreeShapOptions } from '../attribution/tree/tree-shap.js';
import { sliceRows, type Matrix } from '../tabular/matrix.js';
import { mergeExplanations } from './merge.js';
import { patternPlanFor } from './pattern-plan.js';
import { resolveWorkers, runChunked, splitRows, type WorkerThreshold } from './run-chunks.js';

/**
 * Rows from which two threads are the default (bench/trees.ts, 2 cores). Path-dependent TreeSHAP does
 * 15,000 to 30,000 rows/s on the fixture models; a new worker takes 0.5 to 2 s to load under tsx, a
 * pooled one starts on a job within milliseconds. Each row costs so little that the second thread's
 * overhead (results crossing threads, a second isolate's JIT and GC) ate the gain below about 20,000
 * rows on the busy shared machine where this was measured: hence high thresholds.
 */
export const TREE_SHAP_PARALLEL_ROWS: WorkerThreshold = { cold: 50000, warm: 10000 };
/** Chunks per thread: small enough to balance a late-starting worker, big enough to keep per-call costs low. */
const CHUNKS_PER_THREAD = 16;

const ensembleIds = new WeakMap<object, number>();
let nextEnsembleId = 1;
function idOf(ensemble: object): number {
  let id = ensembleIds.get(ensemble);
  if (id === undefined) ensembleIds.set(ensemble, (id = nextEnsembleId++));
  return id;
}

export async function explainTreeShapParallel(
  shap: TreeShap,
  rows: Matrix,
  options: TreeShapOptions & { onProgress?: (done: number, total: number) => void },
): Promise<TabularExplanation> {
  const { workers: requested, onProgress, ...rest } = options;
  const workers = resolveWorkers(requested, rows.rows, TREE_SHAP_PARALLEL_ROWS);
  if (workers <= 1) {
    const e = shap.explainSync(rows, rest);
    onProgress?.(rows.rows, rows.rows);
    return e;
  }
  const started = performance.now();
  const model = shap.model;
  // The leaf-table choice for all the rows first, then bad options are reported by the calling thread
  // as without workers (one row, which cannot change that choice), before any worker starts.
  const patternPlan = patternPlanFor(model.ensemble, rows.rows);
  shap.explainSync(sliceRows(rows, 0, 1), { ...rest, interactions: false });
  const spec = model.workerSpec();
  const parts = await runChunked({
    task: {
      kind: 'tree-shap',
      ensemble: model.ensemble,
      ensembleId: idOf(model.ensemble),
      modelOptions: spec.kind === 'tree-ensemble' ? spec.options : {},
      options: rest,
      patternPlan,
    },
    rows,
    chunks: splitRows(rows.rows, workers * CHUNKS_PER_THREAD),
    workers,
    runLocal: async (c) => ({ ...shap.explainSync(sliceRows(rows, c.start, c.end), rest) }),
    ...(onProgress ? { onProgress } : {}),
  });
  return mergeExplanations(parts, performance.now() - started);
}
