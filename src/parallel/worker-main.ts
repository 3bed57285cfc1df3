/**
 * A pooled worker thread: for each job, rebuilds (or reuses) the model, claims chunks from the job's
 * shared counter until none are left, and posts each chunk's explanation, progress, then "done" or the
 * error, every message tagged with the job number.
 */
import { statSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { TabularExplanationData } from '../attribution/tabular-explanation.js';
import type { TabularModel } from '../models/tabular/model.js';
import type { TreeEnsemble } from '../models/tabular/trees/ensemble.js';
import { sliceRows } from '../tabular/matrix.js';
import { serializeError } from './errors.js';
import { modelFromSpec, type WorkerModelSpec } from './model-spec.js';
import { packExplanation } from './packed.js';
import type { PoolRequest, RowChunk, WorkerMessage } from './protocol.js';

const port = parentPort!;

/** The last model loaded from a file, kept while jobs keep asking for it (loading ONNX costs tens of ms). */
let cached: { key: string; model: TabularModel } | undefined;

async function modelFor(spec: WorkerModelSpec): Promise<TabularModel> {
  if (spec.kind !== 'onnx') return modelFromSpec(spec);
  const key = JSON.stringify([spec.path, statSync(spec.path, { throwIfNoEntry: false })?.mtimeMs ?? 0, spec.options]);
  if (cached?.key === key) return cached.model;
  cached?.model.dispose?.();
  cached = undefined;
  const model = await modelFromSpec(spec);
  cached = { key, model };
  return model;
}

let lastEnsemble: { id: number; ensemble: TreeEnsemble } | undefined;

async function runJob(request: PoolRequest): Promise<void> {
  const { task, rows, chunks, job } = request;
  const post = (m: WorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage({ ...m, job }, transfer);
  const counter = new Int32Array(request.next);
  let run: (chunk: RowChunk, k: number) => Promise<TabularExplanationData>;
  try {
    // Modules load on first use: a TreeSHAP worker starts without onnxruntime and the other methods.
    if (task.kind === 'tree-shap') {
      const [{ TreeEnsembleModel }, { TreeShap }, { applyPatternPlan }] = await Promise.all([
        import('../models/tabular/trees/model.js'), import('../attribution/tree/tree-shap.js'), import('./pattern-plan.js'),
      ]);
      // The last ensemble is kept (with its leaf tables, which cost about as much as explaining the rows).
      if (lastEnsemble?.id !== task.ensembleId) lastEnsemble = { id: task.ensembleId, ensemble: task.ensemble };
      const model = new TreeEnsembleModel(lastEnsemble.ensemble, task.modelOptions);
      applyPatternPlan(model.ensemble, task.patternPlan);
      const shap = new TreeShap(model);
      run = async (c) => ({ ...shap.explainSync(sliceRows(rows, c.start, c.end), task.options) });
    } else {
      const { explainTabular } = await import('../attribution/tabular-methods.js');
      const model = await modelFor(task.model);
      run = async (c, k) => ({
        ...(await explainTabular(model, sliceRows(rows, c.start, c.end), task.method, {
          ...task.options,
          workers: 1,
          rowOffset: c.start,
          onProgress: (done, total) => post({ type: 'progress', chunk: k, fraction: done / total }),
        })),
      });
    }
    for (let k = Atomics.add(counter, 0, 1); k < chunks.length; k = Atomics.add(counter, 0, 1)) {
      const { packed, transfer } = packExplanation(await run(chunks[k], k));
      post({ type: 'result', chunk: k, data: packed }, transfer);
    }
    post({ type: 'done' });
  } catch (err) {
    post({ type: 'error', error: serializeError(err) });
  }
}

// Jobs one at a time, in order.
let queue = Promise.resolve();
port.on('message', (request: PoolRequest) => {
  queue = queue.then(() => runJob(request));
});
// Workers started ahead of calls (warmWorkers) load every method now; others load on first use.
if ((workerData as { preload?: boolean } | null)?.preload) {
  await Promise.all([import('../attribution/tabular-methods.js'), import('./pattern-plan.js'), import('../models/tabular/onnx.js')]);
}
port.postMessage({ type: 'ready' });
