/**
 * Worker threads kept between calls: loading one (tsx, the modules, onnxruntime) takes about half a
 * second, as long as many whole explanations. Idle workers are unref'd, so they never keep the process
 * alive; a worker runs one job at a time and comes back to the pool when it reports the job done.
 */
import { Worker } from 'node:worker_threads';
import type { PoolRequest, WorkerMessage } from './protocol.js';

const WORKER_URL = new URL('./worker-main.ts', import.meta.url);

export interface PooledWorker {
  worker: Worker;
  /** The job it runs, or undefined when idle. */
  job: number | undefined;
  /** Called with each message of the current job. */
  listener: ((m: WorkerMessage) => void) | undefined;
  /** Called once if the worker dies during the current job. */
  onExit: (() => void) | undefined;
  /** Settles when the worker has loaded (or died trying). */
  ready: Promise<void>;
  loaded: boolean;
}

const idle: PooledWorker[] = [];
const all = new Set<PooledWorker>();
let nextJob = 1;

/**
 * Workers run TypeScript through tsx whatever started this process (`tsx`, `node --import tsx`,
 * bin/glassbox.js's register()): the bootstrap registers tsx's loader in the worker, and execArgv is
 * emptied so an inherited `--import tsx` does not register it twice.
 */
function spawn(preload = false): PooledWorker {
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`
    + '.catch((err) => { process.exitCode = 1; throw err; });';
  const worker = new Worker(bootstrap, { eval: true, execArgv: [], workerData: { preload } });
  let loaded = () => {};
  const pooled: PooledWorker = {
    worker, job: undefined, listener: undefined, onExit: undefined, loaded: false,
    ready: new Promise<void>((resolve) => { loaded = () => { pooled.loaded = true; resolve(); }; }),
  };
  all.add(pooled);
  worker.on('message', (m: (WorkerMessage & { job: number }) | { type: 'ready' }) => {
    if (m.type === 'ready') return loaded();
    if (m.job !== pooled.job) return;
    pooled.listener?.(m);
    if (m.type === 'done' || m.type === 'error') release(pooled);
  });
  const dead = () => {
    loaded();
    if (!all.delete(pooled)) return;
    const i = idle.indexOf(pooled);
    if (i >= 0) idle.splice(i, 1);
    const onExit = pooled.onExit;
    pooled.job = undefined;
    pooled.listener = undefined;
    pooled.onExit = undefined;
    onExit?.();
  };
  // A worker that cannot start or dies is dropped; its job's chunks fall back to the calling thread.
  worker.on('error', dead);
  worker.on('exit', dead);
  return pooled;
}

function release(pooled: PooledWorker): void {
  pooled.job = undefined;
  pooled.listener = undefined;
  pooled.onExit = undefined;
  if (!all.has(pooled)) return;
  pooled.worker.unref();
  idle.push(pooled);
}

export interface StartedJob {
  /** Workers that took the job. */
  count: number;
  /**
   * For when the caller no longer needs the job: workers still loading (which cannot have claimed a
   * chunk) stop holding the process open; they report the job done once loaded and join the pool.
   */
  detach(): void;
}

/**
 * Starts a job on `count` workers (idle ones first). `listener` gets the job's messages; `onExit` is
 * called for a worker that dies before reporting the job done.
 */
export function startJob(count: number, request: Omit<PoolRequest, 'job'>, listener: (m: WorkerMessage) => void, onExit: () => void): StartedJob {
  const job = nextJob++;
  const taken: PooledWorker[] = [];
  for (let w = 0; w < count; w++) {
    const pooled = idle.pop() ?? spawn();
    pooled.job = job;
    pooled.listener = listener;
    pooled.onExit = onExit;
    // Referenced while working, so the process waits for the job's messages.
    pooled.worker.ref();
    pooled.worker.postMessage({ ...request, job } satisfies PoolRequest);
    taken.push(pooled);
  }
  return {
    count,
    detach: () => { for (const p of taken) if (p.job === job && !p.loaded) p.worker.unref(); },
  };
}

/**
 * Starts workers until `count` are idle in the pool and waits until they have loaded every method's
 * modules (onnxruntime included), so the next parallel call does not wait for a worker to load.
 */
export async function warmWorkers(count = 1): Promise<void> {
  const fresh: PooledWorker[] = [];
  while (idle.length < count) {
    const pooled = spawn(true);
    idle.push(pooled);
    fresh.push(pooled);
  }
  // Referenced until loaded, so the process waits for them; idle workers are unref'd after.
  await Promise.all(fresh.map((p) => p.ready));
  for (const p of fresh) if (p.job === undefined) p.worker.unref();
}

/** Terminates every pooled worker (idle or not). Not needed for the process to exit: idle workers are unref'd. */
export async function shutdownWorkers(): Promise<void> {
  const workers = [...all];
  idle.length = 0;
  await Promise.all(workers.map((p) => p.worker.terminate()));
}

/** Live pooled workers (for tests). */
export function pooledWorkerCount(): number {
  return all.size;
}

/** Workers ready for a job now. */
export function idleWorkerCount(): number {
  return idle.length;
}
