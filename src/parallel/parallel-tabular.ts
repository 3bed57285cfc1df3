/**
 * KernelSHAP, permutation SHAP and exact Shapley over many rows on several threads, for models a
 * worker can rebuild (workerSpec(): tree ensembles, ONNX files). Rows are independent games and each
 * row draws from its own seeded stream (rowSeed), so the merged result is the one-thread result.
 */
import type { TabularMethodName, TabularMethodOptions } from '../attribution/tabular-methods.js';
import type { TabularExplanation } from '../attribution/tabular-explanation.js';
import { checkFiniteRows } from '../attribution/coalition/tabular-runner.js';
import type { TabularModel } from '../models/tabular/model.js';
import { sliceRows, type Matrix } from '../tabular/matrix.js';
import { mergeExplanations } from './merge.js';
import { workerSpecOf } from './model-spec.js';
import { resolveWorkers, runChunked, splitRows, type WorkerThreshold } from './run-chunks.js';

/** The methods whose rows run on worker threads. */
export const PARALLEL_COALITION_METHODS: readonly TabularMethodName[] = ['kernel-shap', 'permutation-shap', 'exact-shapley'];

/**
 * Rows from which two threads are the default (bench/kernel-shap.ts, 2 cores): one KernelSHAP row of
 * the credit ONNX model costs 50 to 120 ms, a new worker (tsx, onnxruntime, the model) 1 to 3 s, a
 * pooled one almost nothing (20 rows: x1.76 with a pooled worker).
 */
export const COALITION_PARALLEL_ROWS: WorkerThreshold = { cold: 24, warm: 4 };

/**
 * The explanation computed on worker threads and this one, or undefined when the call stays on this
 * thread (one worker asked for, too few rows, another method, or a model with no workerSpec, such as a
 * function model). `runLocal` explains a slice on this thread with the given options.
 */
export async function explainTabularParallel(
  model: TabularModel,
  rows: Matrix,
  method: TabularMethodName,
  options: TabularMethodOptions,
  runLocal: (slice: Matrix, options: TabularMethodOptions) => Promise<TabularExplanation>,
): Promise<TabularExplanation | undefined> {
  if (!PARALLEL_COALITION_METHODS.includes(method)) return undefined;
  const workers = resolveWorkers(options.workers, rows.rows, COALITION_PARALLEL_ROWS);
  if (workers <= 1) return undefined;
  const spec = workerSpecOf(model);
  if (!spec) return undefined;
  // Errors that name a row name the same row as on one thread: the whole input is checked here first.
  if (options.background && rows.cols === model.info.numFeatures) checkFiniteRows(model, rows, options.background);
  const started = performance.now();
  const { workers: _workers, onProgress, rowOffset: _offset, ...portable } = options;
  const parts = await runChunked({
    task: { kind: 'tabular', model: spec, method, options: portable },
    rows,
    // One row per chunk: rows are costly, so the threads stay balanced to the last row.
    chunks: splitRows(rows.rows, rows.rows),
    workers,
    runLocal: async (c, progress) => ({
      ...(await runLocal(sliceRows(rows, c.start, c.end), { ...portable, workers: 1, rowOffset: c.start, onProgress: (done, total) => progress(done / total) })),
    }),
    ...(onProgress ? { onProgress } : {}),
  });
  return mergeExplanations(parts, performance.now() - started);
}
