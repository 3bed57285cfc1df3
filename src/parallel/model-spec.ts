/**
 * How a worker thread re-creates a tabular model: models are not transferable (ONNX sessions are
 * native, function models are closures), so the adapters that can be rebuilt describe themselves as
 * plain, structured-clonable data. Function models have no spec and run on the calling thread.
 */
import type { OnnxTabularOptions } from '../models/tabular/onnx.js';
import type { TabularModel } from '../models/tabular/model.js';
import type { TreeEnsemble } from '../models/tabular/trees/ensemble.js';
import type { TreeModelOptions } from '../models/tabular/trees/model.js';

export type WorkerModelSpec =
  | { kind: 'tree-ensemble'; ensemble: TreeEnsemble; options: TreeModelOptions }
  | { kind: 'onnx'; path: string; options: OnnxTabularOptions };

/** A model a worker thread can rebuild from `workerSpec()`. */
export interface WorkerPortableModel extends TabularModel {
  workerSpec(): WorkerModelSpec;
}

export function workerSpecOf(model: TabularModel): WorkerModelSpec | undefined {
  const candidate = model as Partial<WorkerPortableModel>;
  return typeof candidate.workerSpec === 'function' ? candidate.workerSpec() : undefined;
}

/** The model a spec describes, loaded in this thread. */
export async function modelFromSpec(spec: WorkerModelSpec): Promise<TabularModel> {
  if (spec.kind === 'tree-ensemble') {
    const { TreeEnsembleModel } = await import('../models/tabular/trees/model.js');
    return new TreeEnsembleModel(spec.ensemble, spec.options);
  }
  const { loadOnnxTabularModel } = await import('../models/tabular/onnx.js');
  return loadOnnxTabularModel(spec.path, spec.options);
}
