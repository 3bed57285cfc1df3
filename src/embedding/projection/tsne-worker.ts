/**
 * t-SNE's helper thread: takes neighbour-search chunks until none are left, then computes the
 * repulsive forces of its share of the points each time the caller bumps the command slot, until told
 * to stop; then waits for the next job.
 */
import { parentPort, receiveMessageOnPort } from 'node:worker_threads';
import { neighborsOfRange } from '../neighbors/exact.js';
import type { SparseAffinities } from './tsne-affinities.js';
import { attractiveForces } from './tsne-attraction.js';
import { QuadTree, repulsiveForces } from './tsne-tree.js';
import { FORCES, SLOT, STOP, type SharedAffinities, type TsneSharedJob } from './tsne-shared.js';

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
    const tree = new QuadTree();
    let seen = 0;
    for (;;) {
      Atomics.wait(control, SLOT.command, seen);
      seen = Atomics.load(control, SLOT.command);
      if (Atomics.load(control, SLOT.kind) === STOP) break;
      const kind = Atomics.load(control, SLOT.kind);
      if (kind === FORCES) {
        tree.build(layout, job.count);
        repulsiveForces(tree, layout, job.theta, Atomics.load(control, SLOT.split), job.count, force, qSums);
        if (Atomics.load(control, SLOT.attract) === 1) {
          affinities ??= takeAffinities(job);
          attractiveForces(affinities, layout, scalars[0], Atomics.load(control, SLOT.attractionSplit), job.count, attraction);
        }
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

/** The affinities message, posted just before the command that announces it. */
function takeAffinities(job: TsneSharedJob): SparseAffinities {
  for (;;) {
    const received = receiveMessageOnPort(port);
    const m = received?.message as SharedAffinities | TsneSharedJob | undefined;
    // Another run's affinities (left unread when that run never needed them) are dropped.
    if (m && 'values' in m && m.run === job.run) {
      return { count: job.count, rowStart: new Int32Array(m.rowStart), cols: new Int32Array(m.cols), values: new Float64Array(m.values) };
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
  }
}

port.on('message', (m: TsneSharedJob | SharedAffinities) => {
  if ('control' in m) run(m);
});
port.postMessage({ type: 'loaded' });
