/**
 * Runs the chunks of a row-wise job on the calling thread and on worker threads at once. Every thread
 * claims the next chunk from one shared counter (Atomics.add), so the calling thread starts at once
 * and the workers join as soon as they are ready (a new one loads in about half a second under tsx;
 * pool.ts keeps them between calls), and no thread waits for a slow one. Each chunk's result depends
 * only on its rows, so the merged result is the same whoever ran which chunk.
 */
import { availableParallelism } from 'node:os';
import { UsageError } from '../errors.js';
import type { TabularExplanationData } from '../attribution/tabular-explanation.js';
import type { Matrix } from '../tabular/matrix.js';
import { deserializeError } from './errors.js';
import { unpackExplanation } from './packed.js';
import { idleWorkerCount, startJob } from './pool.js';
import type { RowChunk, WorkerInput, WorkerMessage, WorkerTask } from './protocol.js';

/** Chunks run by worker threads since the process started: lets tests check that workers took part. */
let workerChunks = 0;
export function workerChunkCount(): number {
  return workerChunks;
}

/** Rows from which a job's default is two threads: `cold` when a worker must be started, `warm` when one is idle in the pool. */
export interface WorkerThreshold {
  cold: number;
  warm: number;
}

/** Threads (the calling one included) for a job: `requested`, else up to 2 when the rows reach the threshold. */
export function resolveWorkers(requested: number | undefined, rows: number, threshold: WorkerThreshold): number {
  if (requested !== undefined) {
    if (!Number.isInteger(requested) || requested < 1) {
      throw new UsageError(`workers must be a positive integer, got ${requested}`, 'pass workers: 1 to run on the calling thread only, or 2 to use both cores');
    }
    return Math.min(requested, rows);
  }
  return rows >= (idleWorkerCount() > 0 ? threshold.warm : threshold.cold) ? Math.min(2, availableParallelism(), rows) : 1;
}

/** Rows split into `count` chunks of nearly equal size, in order. */
export function splitRows(rows: number, count: number): RowChunk[] {
  const n = Math.max(1, Math.min(count, rows));
  return Array.from({ length: n }, (_, k) => ({ start: Math.floor((k * rows) / n), end: Math.floor(((k + 1) * rows) / n) }));
}

export interface ChunkedJob {
  task: WorkerTask;
  rows: Matrix;
  chunks: RowChunk[];
  /** Threads in all, the calling one included (so workers - 1 worker threads). */
  workers: number;
  /** A chunk on the calling thread; `progress` takes the fraction of the chunk done. */
  runLocal(chunk: RowChunk, progress: (fraction: number) => void): Promise<TabularExplanationData>;
  onProgress?: (done: number, total: number) => void;
}

/** The chunks' results in chunk order. */
export async function runChunked(job: ChunkedJob): Promise<TabularExplanationData[]> {
  const { chunks } = job;
  const results: (TabularExplanationData | undefined)[] = new Array(chunks.length);
  const fractions = new Float64Array(chunks.length);
  const total = job.rows.rows;
  let lastReported = -1;
  const report = () => {
    if (!job.onProgress) return;
    let done = 0;
    chunks.forEach((c, k) => { done += fractions[k] * (c.end - c.start); });
    if (done > lastReported) {
      lastReported = done;
      job.onProgress(done, total);
    }
  };
  const next = new SharedArrayBuffer(4);
  const counter = new Int32Array(next);
  const input: WorkerInput = { task: job.task, rows: job.rows, chunks, next };

  let failure: Error | undefined;
  const threads = Math.min(job.workers, chunks.length) - 1;
  const started = threads > 0 ? startJob(threads, input, (m: WorkerMessage) => {
    if (m.type === 'progress') { fractions[m.chunk] = Math.max(fractions[m.chunk], m.fraction); report(); }
    else if (m.type === 'result') { workerChunks++; results[m.chunk] ??= unpackExplanation(m.data); fractions[m.chunk] = 1; report(); }
    else if (m.type === 'error') failure ??= deserializeError(m.error);
  }, () => {}) : undefined;
  try {
    const runHere = async (k: number) => {
      const result = await job.runLocal(chunks[k], (f) => { fractions[k] = Math.max(fractions[k], f); report(); });
      results[k] ??= result;
      fractions[k] = 1;
      report();
      // Lets worker messages (progress, results, errors) in between chunks of synchronous work.
      await new Promise<void>((resolve) => setImmediate(resolve));
    };
    for (let k = Atomics.add(counter, 0, 1); k < chunks.length && !failure; k = Atomics.add(counter, 0, 1)) await runHere(k);
    // Chunks still out with workers are computed here too rather than waited for: a worker's first
    // chunk may include loading the model, and a dead worker's never comes. Results are the same,
    // whichever arrives first.
    for (let k = results.findIndex((r) => r === undefined); k >= 0 && !failure; k = results.findIndex((r) => r === undefined)) await runHere(k);
    if (failure) throw failure;
    return results as TabularExplanationData[];
  } finally {
    // Workers still on this job claim nothing more and return to the pool; loading ones do not hold the process.
    Atomics.store(counter, 0, chunks.length);
    started?.detach();
  }
}
