/**
 * t-SNE's helper thread: takes neighbour-search chunks until none are left, then, each time the caller
 * bumps the command slot, computes the attraction while the caller builds the quadtree and the
 * repulsive forces of its share of the points on that tree, until told to stop; then waits for the next job.
 */
import { parentPort, receiveMessageOnPort } from 'node:worker_threads';
import { neighborsOfRange } from '../neighbors/exact.js';
import type { SparseAffinities } from './tsne-affinities.js';
import { attractiveForces } from './tsne-attraction.js';
import { repulsiveForces, type PackedTree } from './tsne-tree.js';
import { FORCES, SLOT, STOP, type SharedAffinities, type SharedTree, type TsneSharedJob } from './tsne-shared.js';

const port = parentPort!;

function run(job: TsneSharedJob): void {
  const control = new Int32Array(job.control);
  try {
    Atomics.store(control, SLOT.ready, 1);
    const vectors = new Float32Array(job.vectors);
    const neighbors = new Int32Array(job.neighbors);
    const distances = new Float32Array(job.distances);
    const chunkDone = new Int32Array(job.chunkDone);
    const chunks = chunkDone.length;
    for (let c = Atomics.add(control, SLOT.nextChunk, 1); c < chunks; c = Atomics.add(control, SLOT.nextChunk, 1)) {
      const start = c * job.chunkSize;
      neighborsOfRange(vectors, vectors, job.dim, job.k, 'euclidean', true, start, Math.min(job.count, start + job.chunkSize), neighbors, distances);
      Atomics.store(chunkDone, c, 1);
      Atomics.add(control, SLOT.chunksDone, 1);
      Atomics.notify(control, SLOT.chunksDone);
    }
    const layout = new Float64Array(job.layout);
    const force = new Float64Array(job.force);
    const qSums = new Float64Array(job.qSums);
    const attraction = new Float64Array(job.attraction);
    const scalars = new Float64Array(job.scalars);
    let affinities: SparseAffinities | undefined;
    const tree: PackedTree = { cell: new Float64Array(0), skip: new Int32Array(0), pointOrder: new Int32Array(0), packed: 0 };
    let generation = 0;
    const stash: unknown[] = [];
    let seen = 0;
    for (;;) {
      Atomics.wait(control, SLOT.command, seen);
      seen = Atomics.load(control, SLOT.command);
      if (Atomics.load(control, SLOT.kind) === STOP) break;
      const kind = Atomics.load(control, SLOT.kind);
      if (kind === FORCES) {
        // The attraction (all points) runs while the caller builds the tree; then both share the repulsion.
        if (Atomics.load(control, SLOT.attract) === 1) {
          if (!affinities) {
            const m = take(job, stash, (x): x is SharedAffinities => 'values' in x);
            affinities = { count: job.count, rowStart: new Int32Array(m.rowStart), cols: new Int32Array(m.cols), values: new Float64Array(m.values) };
          }
          attractiveForces(affinities, layout, scalars[0], 0, job.count, attraction);
        }
        if (!awaitTree(control, seen)) break;
        const wanted = Atomics.load(control, SLOT.treeGeneration);
        if (wanted !== generation) {
          const m = take(job, stash, (x): x is SharedTree => 'generation' in x && x.generation === wanted);
          tree.cell = new Float64Array(m.cell);
          tree.skip = new Int32Array(m.skip);
          tree.pointOrder = new Int32Array(m.pointOrder);
          generation = wanted;
        }
        tree.packed = Atomics.load(control, SLOT.treeNodes);
        repulsiveForces(tree, layout, job.theta, Atomics.load(control, SLOT.split), job.count, force, qSums);
      }
      Atomics.store(control, SLOT.done, seen);
      Atomics.notify(control, SLOT.done);
    }
  } catch (err) {
    Atomics.store(control, SLOT.failed, 1);
    Atomics.store(control, SLOT.done, Atomics.load(control, SLOT.command));
    Atomics.notify(control, SLOT.done);
    Atomics.notify(control, SLOT.chunksDone);
    port.postMessage({ type: 'error', message: (err as Error).message });
  }
  port.postMessage({ type: 'finished' });
}

/** Waits until the caller has built this command's tree; false if the run is being stopped. */
function awaitTree(control: Int32Array, command: number): boolean {
  for (let ready = Atomics.load(control, SLOT.treeReady); ready < command; ready = Atomics.load(control, SLOT.treeReady)) {
    if (Atomics.load(control, SLOT.kind) === STOP) return false;
    Atomics.wait(control, SLOT.treeReady, ready, 100);
  }
  return true;
}

/**
 * This run's message that `wanted` matches, posted just before the command that needs it: other messages
 * of this run wait in `stash`, those of an earlier run (left unread when it never needed them) are dropped.
 */
function take<T extends SharedAffinities | SharedTree>(job: TsneSharedJob, stash: unknown[], wanted: (m: SharedAffinities | SharedTree) => m is T): T {
  for (;;) {
    const stashed = stash.findIndex((m) => wanted(m as SharedAffinities | SharedTree));
    if (stashed >= 0) return stash.splice(stashed, 1)[0] as T;
    const received = receiveMessageOnPort(port);
    const m = received?.message as SharedAffinities | SharedTree | TsneSharedJob | undefined;
    if (m && !('control' in m) && m.run === job.run) {
      if (wanted(m)) return m;
      stash.push(m);
    } else if (!m) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}

port.on('message', (m: TsneSharedJob | SharedAffinities | SharedTree) => {
  if ('control' in m) run(m);
});
port.postMessage({ type: 'loaded' });
