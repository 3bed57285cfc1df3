/**
 * The helper thread of t-SNE runs, kept idle (unref'd, so it never holds the process open) between
 * runs, since starting one (tsx and the modules) takes about half a second. Not the shared pool of
 * src/parallel: that one runs row chunks with a message per chunk, while a t-SNE run needs a thread that
 * waits on shared memory through a thousand iterations.
 */
import { Worker } from 'node:worker_threads';

const WORKER_URL = new URL('./tsne-worker.ts', import.meta.url);
let idle: Worker | undefined;

/** An idle helper, or a new one (which joins a run once it has loaded). */
export function acquireHelper(): Worker {
  const worker = idle ?? spawn();
  idle = undefined;
  worker.ref();
  return worker;
}

/** Puts a helper whose run has ended back, for the next run. */
export function releaseHelper(worker: Worker): void {
  worker.unref();
  if (idle === undefined) idle = worker;
  else void worker.terminate();
}

/** Ends the idle helper (for tests and benchmarks that want a cold start). */
export async function shutdownHelper(): Promise<void> {
  const worker = idle;
  idle = undefined;
  await worker?.terminate();
}

function spawn(): Worker {
  // Workers run TypeScript through tsx however this process was started (as src/parallel/pool.ts does).
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`
    + '.catch((err) => { process.exitCode = 1; throw err; });';
  const worker = new Worker(bootstrap, { eval: true, execArgv: [] });
  const forget = () => { if (idle === worker) idle = undefined; };
  worker.on('error', forget);
  worker.on('exit', forget);
  worker.on('message', () => {});
  return worker;
}
