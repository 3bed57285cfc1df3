import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { UsageError } from '../../errors.js';
import { Random, checkSeed } from '../../util/random.js';
import { neighborsOfRange } from '../neighbors/exact.js';
import type { Embeddings, Projection } from '../types.js';
import { checkEmbeddings } from './check-embeddings.js';
import { principalComponents } from './principal-components.js';
import { attractiveForces } from './tsne-attraction.js';
import { jointProbabilities, type SparseAffinities } from './tsne-affinities.js';
import { acquireHelper, releaseHelper } from './tsne-helper.js';
import { neighborsWithOnnx } from './tsne-neighbors-onnx.js';
import { FORCES, SLOT, STOP, type SharedAffinities, type SharedTree, type TsneSharedJob } from './tsne-shared.js';
import { QuadTree, repulsiveForces } from './tsne-tree.js';

export interface TsneOptions {
  /** Default 30. Must be below the number of points. */
  perplexity?: number;
  /** Default 12, for the first `explorationIterations`. */
  earlyExaggeration?: number;
  /** 'auto' (default): max(count / earlyExaggeration / 4, 50), as sklearn 1.2. */
  learningRate?: 'auto' | number;
  /** Default 1000 in all (sklearn's n_iter), the first 250 exaggerated. */
  iterations?: number;
  /** 'pca' (default): the first two principal components scaled to standard deviation 1e-4; 'random': N(0, 1e-4). */
  init?: 'pca' | 'random';
  seed?: number;
  /** Barnes-Hut accuracy (sklearn's angle): cells narrower than theta times their distance count as one. Default 0.5. */
  theta?: number;
  /** Threads, the calling one included: 1 or 2. Default 2 from 1000 points on a machine with two cores. */
  workers?: number;
  /** Called every 10 iterations (and as neighbour chunks finish) with work done and total. */
  onProgress?: (done: number, total: number) => void;
}

let runs = 0;
const EXPLORATION_ITERATIONS = 250;
const CHECK_EVERY = 50;
const ITERATIONS_WITHOUT_PROGRESS = 300;
const MIN_GRAD_NORM = 1e-7;
const CHUNK = 256;
/** Share of the repulsive forces the helper takes: the calling thread also builds the tree (while the helper attracts) and does the update. */
const HELPER_SHARE = 0.38;
/** From this many points the neighbour search runs on onnxruntime (minutes in JavaScript at 100k points). */
const ONNX_NEIGHBORS_FROM = 10_000;

/**
 * t-SNE with sklearn 1.2's semantics (method 'barnes_hut'): joint probabilities from the 3 * perplexity
 * + 1 exact nearest neighbours, Barnes-Hut repulsion, gradient descent with momentum 0.5 then 0.8,
 * sklearn's gains (+0.2 / x0.8, floored at 0.01), early exaggeration for the first 250 iterations, and
 * sklearn's stopping rules (no progress for 300 iterations, gradient norm below 1e-7, checked every 50).
 * With two threads, a helper thread takes neighbour-search chunks, then in every iteration computes the
 * attraction while this thread builds the quadtree (in shared memory, built once), and part of the
 * repulsion on it; each point's forces depend only on the layout, so results are the same with 1 or 2 threads.
 */
export async function tsne(embeddings: Embeddings, options: TsneOptions = {}): Promise<Projection> {
  checkEmbeddings(embeddings, 'embeddings', 2);
  const n = embeddings.count;
  const perplexity = options.perplexity ?? 30;
  if (!(perplexity > 0) || perplexity >= n) {
    throw new UsageError(`perplexity must be above 0 and below the number of points (${n}), got ${perplexity}`,
      `pass a smaller perplexity (5 to 50 is usual; at most ${Math.max(1, Math.floor((n - 1) / 3))} for ${n} points keeps 3 x perplexity neighbours)`);
  }
  const exaggeration = options.earlyExaggeration ?? 12;
  if (!(exaggeration >= 1)) throw new UsageError(`earlyExaggeration must be at least 1, got ${exaggeration}`, 'pass e.g. 12 (the default)');
  const iterations = options.iterations ?? 1000;
  if (!Number.isInteger(iterations) || iterations < 1) throw new UsageError(`iterations must be a positive integer, got ${iterations}`, 'pass e.g. 1000 (the default)');
  const learningRate = options.learningRate ?? 'auto';
  if (learningRate !== 'auto' && !(learningRate > 0)) throw new UsageError(`learningRate must be 'auto' or a positive number, got ${learningRate}`, "pass 'auto' (the default)");
  const rate = learningRate === 'auto' ? Math.max(n / exaggeration / 4, 50) : learningRate;
  const theta = options.theta ?? 0.5;
  if (!(theta >= 0) || theta > 1.5) throw new UsageError(`theta must be from 0 to 1.5, got ${theta}`, 'pass e.g. 0.5 (the default); 0 is exact and slow');
  const init = options.init ?? 'pca';
  if (init !== 'pca' && init !== 'random') throw new UsageError(`unknown init '${String(init)}'`, "use 'pca' or 'random'");
  const seed = checkSeed(options.seed ?? 0);
  const workers = options.workers ?? (n >= 1000 && availableParallelism() >= 2 ? 2 : 1);
  if (workers !== 1 && workers !== 2) throw new UsageError(`workers must be 1 or 2, got ${workers}`, 'pass workers: 1 to use the calling thread only');

  const k = Math.min(n - 1, Math.floor(3 * perplexity + 1));
  const chunks = Math.ceil(n / CHUNK);
  const total = chunks + iterations;
  const job: TsneSharedJob = {
    run: ++runs,
    control: new SharedArrayBuffer(4 * SLOT.size),
    vectors: new SharedArrayBuffer(4 * n * embeddings.dim),
    count: n, dim: embeddings.dim, k, chunkSize: CHUNK,
    neighbors: new SharedArrayBuffer(4 * n * k),
    distances: new SharedArrayBuffer(4 * n * k),
    chunkDone: new SharedArrayBuffer(4 * chunks),
    layout: new SharedArrayBuffer(8 * n * 2),
    force: new SharedArrayBuffer(8 * n * 2),
    qSums: new SharedArrayBuffer(8 * n),
    attraction: new SharedArrayBuffer(8 * n * 2),
    scalars: new SharedArrayBuffer(8),
    theta,
  };
  new Float32Array(job.vectors).set(embeddings.vectors);
  const control = new Int32Array(job.control);
  let helper: Worker | undefined;
  if (workers === 2) {
    helper = acquireHelper();
    helper.postMessage(job);
  }
  const started = Date.now();
  try {
    const affinities = await neighborAffinities(job, perplexity, (done) => options.onProgress?.(done, total));
    const y = new Float64Array(job.layout);
    y.set(initialLayout(embeddings, init, seed));
    const kl = optimize(job, shareAffinities(affinities, job, helper), y, {
      iterations, exaggeration, rate, helper,
      onIteration: (it) => { if (options.onProgress && (it + 1) % 10 === 0) options.onProgress(chunks + it + 1, total); },
    });
    options.onProgress?.(total, total);
    return {
      method: 'tsne',
      count: n,
      dims: 2,
      coordinates: Float32Array.from(y),
      parameters: {
        perplexity, earlyExaggeration: exaggeration, learningRate: rate, iterations, init, seed, theta,
        neighbors: k, workers: helper && Atomics.load(control, SLOT.ready) === 1 ? 2 : 1,
      },
      diagnostics: { klDivergence: kl.kl, iterationsRun: kl.iterationsRun, seconds: (Date.now() - started) / 1000 },
    };
  } finally {
    if (helper) {
      Atomics.store(control, SLOT.kind, STOP);
      Atomics.add(control, SLOT.command, 1);
      Atomics.notify(control, SLOT.command);
      Atomics.notify(control, SLOT.treeReady);
      // Chunks still to be claimed are none of the helper's business any more.
      Atomics.store(control, SLOT.nextChunk, chunks);
      releaseHelper(helper);
    }
  }
}

/** Each point's k exact nearest neighbours (chunks shared with the helper), then sklearn's P. */
async function neighborAffinities(job: TsneSharedJob, perplexity: number, progress: (done: number) => void): Promise<SparseAffinities> {
  const control = new Int32Array(job.control);
  const vectors = new Float32Array(job.vectors);
  const neighbors = new Int32Array(job.neighbors);
  const distances = new Float32Array(job.distances);
  const chunkDone = new Int32Array(job.chunkDone);
  const chunks = chunkDone.length;
  if (job.count >= ONNX_NEIGHBORS_FROM) {
    // onnxruntime uses both cores itself: the helper takes no chunk.
    Atomics.store(control, SLOT.nextChunk, chunks);
    await neighborsWithOnnx(vectors, job.count, job.dim, job.k, neighbors, distances, (done, total) => progress(Math.round((done / total) * chunks)));
    Atomics.store(control, SLOT.chunksDone, chunks);
  }
  const runChunk = (c: number) => {
    const start = c * job.chunkSize;
    neighborsOfRange(vectors, vectors, job.dim, job.k, 'euclidean', true, start, Math.min(job.count, start + job.chunkSize), neighbors, distances);
    Atomics.store(chunkDone, c, 1);
    Atomics.add(control, SLOT.chunksDone, 1);
  };
  for (let c = Atomics.add(control, SLOT.nextChunk, 1); c < chunks; c = Atomics.add(control, SLOT.nextChunk, 1)) {
    runChunk(c);
    progress(Atomics.load(control, SLOT.chunksDone));
  }
  // Wait for the helper's last chunks; if it failed, compute whatever it left.
  for (let done = Atomics.load(control, SLOT.chunksDone); done < chunks; done = Atomics.load(control, SLOT.chunksDone)) {
    if (Atomics.load(control, SLOT.failed) === 1 || Atomics.wait(control, SLOT.chunksDone, done, 120_000) === 'timed-out') {
      Atomics.store(control, SLOT.failed, 1);
      for (let c = 0; c < chunks; c++) if (Atomics.load(chunkDone, c) === 0) runChunk(c);
    }
  }
  progress(chunks);
  // sklearn squares the euclidean distances before the perplexity search.
  for (let i = 0; i < distances.length; i++) distances[i] *= distances[i];
  return jointProbabilities(neighbors, distances, job.count, job.k, perplexity);
}

/** P in shared memory, posted to the helper, which takes the message when first asked for attraction. */
function shareAffinities(p: SparseAffinities, job: TsneSharedJob, helper: Worker | undefined): SparseAffinities {
  if (!helper) return p;
  const rowStart = new SharedArrayBuffer(p.rowStart.byteLength);
  const cols = new SharedArrayBuffer(p.cols.byteLength);
  const values = new SharedArrayBuffer(p.values.byteLength);
  const shared: SparseAffinities = { count: p.count, rowStart: new Int32Array(rowStart), cols: new Int32Array(cols), values: new Float64Array(values) };
  shared.rowStart.set(p.rowStart);
  shared.cols.set(p.cols);
  shared.values.set(p.values);
  helper.postMessage({ run: job.run, rowStart, cols, values } satisfies SharedAffinities);
  return shared;
}

function initialLayout(e: Embeddings, init: 'pca' | 'random', seed: number): Float64Array {
  const n = e.count;
  const y = new Float64Array(n * 2);
  if (init === 'random') {
    const random = new Random(seed);
    for (let i = 0; i < y.length; i++) y[i] = 1e-4 * random.normal();
    return y;
  }
  if (e.dim < 2) throw new UsageError("init 'pca' needs at least 2 dimensions", "pass init: 'random'");
  const pc = principalComponents(e, { components: 2, seed });
  // sklearn 1.2 rescales so the first coordinate has standard deviation 1e-4 (population std).
  let mean = 0;
  for (let i = 0; i < n; i++) mean += pc.scores[2 * i];
  mean /= n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (pc.scores[2 * i] - mean) ** 2;
  const std = Math.sqrt(variance / n);
  const scale = std > 0 ? 1e-4 / std : 1;
  for (let i = 0; i < y.length; i++) y[i] = Math.fround(pc.scores[i]) * scale;
  return y;
}

interface OptimizeSettings {
  iterations: number;
  exaggeration: number;
  rate: number;
  helper: Worker | undefined;
  onIteration(iteration: number): void;
}

function optimize(job: TsneSharedJob, p: SparseAffinities, y: Float64Array, s: OptimizeSettings): { kl: number; iterationsRun: number } {
  const n = job.count;
  const control = new Int32Array(job.control);
  const repulsion = new Float64Array(job.force);
  const qSums = new Float64Array(job.qSums);
  const attraction = new Float64Array(job.attraction);
  const scalars = new Float64Array(job.scalars);
  const grad = new Float64Array(n * 2);
  const update = new Float64Array(n * 2);
  const gains = new Float64Array(n * 2);
  const tree = new QuadTree(s.helper !== undefined);
  let postedGeneration = -1;
  const split = Math.floor(n * (1 - HELPER_SHARE));
  let helperOn = s.helper !== undefined;
  let kl = NaN;
  let iterationsRun = 0;
  const phases = [
    { from: 0, to: Math.min(EXPLORATION_ITERATIONS, s.iterations), momentum: 0.5, exaggeration: s.exaggeration, patience: EXPLORATION_ITERATIONS },
    { from: Math.min(EXPLORATION_ITERATIONS, s.iterations), to: s.iterations, momentum: 0.8, exaggeration: 1, patience: ITERATIONS_WITHOUT_PROGRESS },
  ];
  for (const phase of phases) {
    update.fill(0);
    gains.fill(1);
    let bestError = Infinity;
    let bestIteration = phase.from;
    for (let it = phase.from; it < phase.to; it++) {
      const check = (it + 1) % CHECK_EVERY === 0 || it === s.iterations - 1;
      // The helper (once it has loaded) attracts while this thread builds the tree, then both repel.
      const useHelper = helperOn && Atomics.load(control, SLOT.ready) === 1 && Atomics.load(control, SLOT.failed) === 0;
      let command = 0;
      // The helper takes no attraction on checks, where this thread sums the KL divergence over all of P.
      const helperAttracts = useHelper && !check;
      if (useHelper) {
        scalars[0] = phase.exaggeration;
        Atomics.store(control, SLOT.split, split);
        Atomics.store(control, SLOT.attract, helperAttracts ? 1 : 0);
        Atomics.store(control, SLOT.kind, FORCES);
        command = Atomics.add(control, SLOT.command, 1) + 1;
        Atomics.notify(control, SLOT.command);
      }
      tree.build(y, n);
      if (useHelper) {
        if (tree.allocations !== postedGeneration) {
          postedGeneration = tree.allocations;
          s.helper!.postMessage({
            run: job.run, generation: postedGeneration, cell: tree.cell.buffer as SharedArrayBuffer,
            skip: tree.skip.buffer as SharedArrayBuffer, pointOrder: tree.pointOrder.buffer as SharedArrayBuffer,
          } satisfies SharedTree);
          Atomics.store(control, SLOT.treeGeneration, postedGeneration);
        }
        Atomics.store(control, SLOT.treeNodes, tree.packed);
        Atomics.store(control, SLOT.treeReady, command);
        Atomics.notify(control, SLOT.treeReady);
      }
      repulsiveForces(tree, y, job.theta, 0, useHelper ? split : n, repulsion, qSums);
      let helped = useHelper;
      if (useHelper && !awaitHelper(control, command)) {
        helperOn = false;
        helped = false;
        repulsiveForces(tree, y, job.theta, split, n, repulsion, qSums);
      }
      let z = 0;
      for (let i = 0; i < n; i++) z += qSums[i];
      let error = NaN;
      if (!helperAttracts || !helped) error = attractiveForces(p, y, phase.exaggeration, 0, n, attraction, check ? z : undefined);
      const gradNorm = step(attraction, repulsion, z, grad, update, gains, y, phase.momentum, s.rate);
      iterationsRun = it + 1;
      s.onIteration(it);
      if (check) {
        kl = error;
        if (error < bestError) {
          bestError = error;
          bestIteration = it;
        } else if (it - bestIteration > phase.patience) break;
        if (Math.sqrt(gradNorm) <= MIN_GRAD_NORM) break;
      }
    }
  }
  return { kl, iterationsRun };
}

/**
 * One gradient-descent step with sklearn's gains: the gradient 4 (attraction - repulsion / z), gains
 * up by 0.2 where it changes sign against the last update, down by x0.8 elsewhere, at least 0.01.
 * Returns the squared gradient norm.
 */
function step(attraction: Float64Array, repulsion: Float64Array, z: number, grad: Float64Array, update: Float64Array,
  gains: Float64Array, y: Float64Array, momentum: number, rate: number): number {
  let gradNorm = 0;
  const inverseZ = 1 / z;
  for (let d = 0; d < y.length; d++) {
    const g = 4 * (attraction[d] - repulsion[d] * inverseZ);
    gradNorm += g * g;
    grad[d] = g;
    let gain = update[d] * g < 0 ? gains[d] + 0.2 : gains[d] * 0.8;
    if (gain < 0.01) gain = 0.01;
    gains[d] = gain;
    const u = momentum * update[d] - rate * g * gain;
    update[d] = u;
    y[d] += u;
  }
  return gradNorm;
}

/** Waits for the helper to finish `command`; false if it failed (or hung), so this thread takes over. */
function awaitHelper(control: Int32Array, command: number): boolean {
  for (let done = Atomics.load(control, SLOT.done); done < command; done = Atomics.load(control, SLOT.done)) {
    if (Atomics.wait(control, SLOT.done, done, 120_000) === 'timed-out') {
      Atomics.store(control, SLOT.failed, 1);
      return false;
    }
  }
  return Atomics.load(control, SLOT.failed) === 0;
}

