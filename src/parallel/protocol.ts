/** Messages between the calling thread and its worker threads (all structured-clonable plain data). */
import type { TreeShapOptions } from '../attribution/tree/tree-shap.js';
import type { TabularMethodName, TabularMethodOptions } from '../attribution/tabular-methods.js';
import type { TreeEnsemble } from '../models/tabular/trees/ensemble.js';
import type { TreeModelOptions } from '../models/tabular/trees/model.js';
import type { Matrix } from '../tabular/matrix.js';
import type { WorkerModelSpec } from './model-spec.js';
import type { PackedExplanation } from './packed.js';

/** Rows [start, end) of the run: the unit of work a thread claims. */
export interface RowChunk {
  start: number;
  end: number;
}

export type WorkerTask =
  | {
    kind: 'tree-shap';
    ensemble: TreeEnsemble;
    /** Same id, same ensemble: a worker keeps the last one with its prepared leaf tables between calls. */
    ensembleId: number;
    modelOptions: TreeModelOptions;
    options: Omit<TreeShapOptions, 'workers'>;
    /** Per output group, per tree: whether the calling thread uses leaf tables (true), Algorithm 2 (false) or has not decided (null). */
    patternPlan: (boolean | null)[][];
  }
  | {
    kind: 'tabular';
    model: WorkerModelSpec;
    method: TabularMethodName;
    options: Omit<TabularMethodOptions, 'workers' | 'onProgress' | 'rowOffset'>;
  };

export interface WorkerInput {
  task: WorkerTask;
  rows: Matrix;
  chunks: RowChunk[];
  /** One Int32: the next unclaimed chunk, shared by every thread of the run (Atomics.add claims). */
  next: SharedArrayBuffer;
}

/** One job for a pooled worker; every message it sends back carries the job number. */
export interface PoolRequest extends WorkerInput {
  job: number;
}

export interface SerializedError {
  name: string;
  /** Without the "fix:" line, which `hint` carries. */
  message: string;
  hint?: string;
  kind?: 'usage' | 'failure';
  stack?: string;
}

export type WorkerMessage =
  | { type: 'progress'; chunk: number; fraction: number }
  | { type: 'result'; chunk: number; data: PackedExplanation }
  | { type: 'error'; error: SerializedError }
  | { type: 'done' };
