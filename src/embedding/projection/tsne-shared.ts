/**
 * Memory shared by t-SNE's calling thread and its helper thread, and the slots of its control array.
 * The helper never receives messages during a run: it waits on the control array (Atomics.wait), so one
 * iteration costs no message round trip.
 */
export interface TsneSharedJob {
  /** Tells this run's messages from an earlier run's left in the queue. */
  run: number;
  control: SharedArrayBuffer;
  /** Float32 [count, dim]: the points, for the neighbour search. */
  vectors: SharedArrayBuffer;
  count: number;
  dim: number;
  k: number;
  chunkSize: number;
  /** Int32 [count, k] and Float32 [count, k]: each point's neighbours and squared distances. */
  neighbors: SharedArrayBuffer;
  distances: SharedArrayBuffer;
  /** Int32 per chunk: 1 once its neighbours are written. */
  chunkDone: SharedArrayBuffer;
  /** Float64 [count, 2]: the layout of the current iteration. */
  layout: SharedArrayBuffer;
  /** Float64 [count, 2] and [count]: repulsive forces and per-point sums of q. */
  force: SharedArrayBuffer;
  qSums: SharedArrayBuffer;
  /** Float64 [count, 2]: attractive forces. */
  attraction: SharedArrayBuffer;
  /** Float64 [1]: the current exaggeration. */
  scalars: SharedArrayBuffer;
  theta: number;
}

/**
 * The joint probabilities, posted once computed, before the first command that asks for attraction; the
 * helper, busy in the run, takes the message with receiveMessageOnPort then.
 */
export interface SharedAffinities {
  run: number;
  rowStart: SharedArrayBuffer;
  cols: SharedArrayBuffer;
  values: SharedArrayBuffer;
}

/**
 * The caller's quadtree arrays, posted whenever they are reallocated (generation counts these); the
 * helper takes the message with receiveMessageOnPort when SLOT.treeGeneration moves past its own.
 */
export interface SharedTree {
  run: number;
  generation: number;
  cell: SharedArrayBuffer;
  skip: SharedArrayBuffer;
  pointOrder: SharedArrayBuffer;
}

export const SLOT = {
  /** The helper has the job and takes part from now on. */
  ready: 0,
  /** Bumped by the caller for each command; the helper waits on it. */
  command: 1,
  /** Set by the helper to the command number it finished. */
  done: 2,
  /** What the command is: FORCES or STOP. */
  kind: 3,
  /** Next unclaimed neighbour-search chunk. */
  nextChunk: 4,
  /** Set when the helper failed: the caller does its share from then on. */
  failed: 5,
  /** The helper computes repulsive forces on the tree's points pointOrder[split .. count). */
  split: 6,
  /** Chunks whose neighbours are written. */
  chunksDone: 7,
  /** 1: the helper first computes the attraction on all points, while the caller builds the tree. */
  attract: 8,
  /** The command number whose tree is built: the helper's repulsion waits for it. */
  treeReady: 9,
  /** Which posted SharedTree the current tree lives in. */
  treeGeneration: 10,
  /** The tree's packed node count. */
  treeNodes: 11,
  size: 12,
} as const;

export const FORCES = 1;
export const STOP = 2;

