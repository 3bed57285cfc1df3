import type { Random } from '../../../util/random.js';

export interface LayoutEdges {
  heads: Int32Array;
  tails: Int32Array;
  /** Epochs between two samples of each edge: max weight / weight. */
  epochsPerSample: Float64Array;
}

export interface OptimizeSettings {
  a: number;
  b: number;
  nEpochs: number;
  learningRate: number;
  negativeSampleRate: number;
  repulsionStrength: number;
  onEpoch?: (epoch: number) => void | Promise<void>;
}

/** What one epoch reads and updates: the layout, the edge schedule and the random stream's state. */
interface EpochState {
  embedding: Float64Array;
  count: number;
  dims: number;
  heads: Int32Array;
  tails: Int32Array;
  epochsPerSample: Float64Array;
  epochsPerNegativeSample: Float64Array;
  nextSample: Float64Array;
  nextNegativeSample: Float64Array;
  a: number;
  b: number;
  repulsionStrength: number;
  /** mulberry32 state, inlined (as Random computes it) because a call per draw costs a fifth of the loop. */
  rng: number;
}

const CLIP = 4;

/**
 * umap-learn's optimize_layout_euclidean, one thread: each epoch visits the edges due for a sample,
 * pulls both ends together along the gradient of log(1 / (1 + a d^2b)) and pushes the head away from
 * `negativeSampleRate` random points per sample, with the learning rate falling linearly to 0. Gradients
 * are clipped to [-4, 4]. `embedding` (row-major [count, dims]) is updated in place.
 */
export async function optimizeLayout(
  embedding: Float64Array,
  count: number,
  dims: number,
  edges: LayoutEdges,
  settings: OptimizeSettings,
  random: Random,
): Promise<void> {
  const { nEpochs, learningRate, negativeSampleRate } = settings;
  const epochsPerNegativeSample = Float64Array.from(edges.epochsPerSample, (e) => e / negativeSampleRate);
  const state: EpochState = {
    embedding, count, dims,
    heads: edges.heads,
    tails: edges.tails,
    epochsPerSample: edges.epochsPerSample,
    epochsPerNegativeSample,
    nextSample: edges.epochsPerSample.slice(),
    nextNegativeSample: epochsPerNegativeSample.slice(),
    a: settings.a,
    b: settings.b,
    repulsionStrength: settings.repulsionStrength,
    rng: Math.floor(random.uniform() * 4294967296) >>> 0,
  };
  for (let epoch = 0; epoch < nEpochs; epoch++) {
    const alpha = learningRate * (1 - epoch / nEpochs);
    if (dims === 2) runEpoch2d(state, epoch, alpha);
    else runEpoch(state, epoch, alpha);
    if (settings.onEpoch) await settings.onEpoch(epoch + 1);
  }
}

function clip(value: number): number {
  return value > CLIP ? CLIP : value < -CLIP ? -CLIP : value;
}

function runEpoch(state: EpochState, epoch: number, alpha: number): void {
  const { embedding, count, dims, heads, tails, epochsPerSample, epochsPerNegativeSample, nextSample, nextNegativeSample, a, b } = state;
  const twoAB = 2 * a * b;
  const twoGammaB = 2 * state.repulsionStrength * b;
  let rng = state.rng;
  for (let e = 0; e < heads.length; e++) {
    if (nextSample[e]! > epoch) continue;
    const j = heads[e]! * dims;
    const k = tails[e]! * dims;
    let distSquared = 0;
    for (let d = 0; d < dims; d++) distSquared += (embedding[j + d]! - embedding[k + d]!) ** 2;
    if (distSquared > 0) {
      const powB = Math.exp(b * Math.log(distSquared));
      const coefficient = (-twoAB * powB) / distSquared / (a * powB + 1);
      for (let d = 0; d < dims; d++) {
        const grad = clip(coefficient * (embedding[j + d]! - embedding[k + d]!));
        embedding[j + d] += grad * alpha;
        embedding[k + d] -= grad * alpha;
      }
    }
    nextSample[e] += epochsPerSample[e]!;
    const negatives = Math.trunc((epoch - nextNegativeSample[e]!) / epochsPerNegativeSample[e]!);
    for (let p = 0; p < negatives; p++) {
      rng = (rng + 0x6d2b79f5) >>> 0;
      let t = Math.imul(rng ^ (rng >>> 15), rng | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      const other = Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * count) * dims;
      if (other === j) continue;
      let dist2 = 0;
      for (let d = 0; d < dims; d++) dist2 += (embedding[j + d]! - embedding[other + d]!) ** 2;
      if (dist2 <= 0) continue;
      const coefficient = twoGammaB / ((0.001 + dist2) * (a * Math.exp(b * Math.log(dist2)) + 1));
      for (let d = 0; d < dims; d++) embedding[j + d] += clip(coefficient * (embedding[j + d]! - embedding[other + d]!)) * alpha;
    }
    nextNegativeSample[e] += negatives * epochsPerNegativeSample[e]!;
  }
  state.rng = rng;
}

/** runEpoch written out for two dimensions, the common case: a quarter faster than the loops over d. */
function runEpoch2d(state: EpochState, epoch: number, alpha: number): void {
  const { embedding, count, heads, tails, epochsPerSample, epochsPerNegativeSample, nextSample, nextNegativeSample, a, b } = state;
  const twoAB = 2 * a * b;
  const twoGammaB = 2 * state.repulsionStrength * b;
  let rng = state.rng;
  for (let e = 0; e < heads.length; e++) {
    if (nextSample[e]! > epoch) continue;
    const j = heads[e]! * 2;
    const k = tails[e]! * 2;
    const dx = embedding[j]! - embedding[k]!;
    const dy = embedding[j + 1]! - embedding[k + 1]!;
    const distSquared = dx * dx + dy * dy;
    if (distSquared > 0) {
      const powB = Math.exp(b * Math.log(distSquared));
      const coefficient = (-twoAB * powB) / distSquared / (a * powB + 1);
      const gx = clip(coefficient * dx) * alpha;
      const gy = clip(coefficient * dy) * alpha;
      embedding[j] += gx;
      embedding[j + 1] += gy;
      embedding[k] -= gx;
      embedding[k + 1] -= gy;
    }
    nextSample[e] += epochsPerSample[e]!;
    const negatives = Math.trunc((epoch - nextNegativeSample[e]!) / epochsPerNegativeSample[e]!);
    for (let p = 0; p < negatives; p++) {
      rng = (rng + 0x6d2b79f5) >>> 0;
      let t = Math.imul(rng ^ (rng >>> 15), rng | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      const other = Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * count) * 2;
      if (other === j) continue;
      const ex = embedding[j]! - embedding[other]!;
      const ey = embedding[j + 1]! - embedding[other + 1]!;
      const dist2 = ex * ex + ey * ey;
      if (dist2 <= 0) continue;
      const coefficient = twoGammaB / ((0.001 + dist2) * (a * Math.exp(b * Math.log(dist2)) + 1));
      embedding[j] += clip(coefficient * ex) * alpha;
      embedding[j + 1] += clip(coefficient * ey) * alpha;
    }
    nextNegativeSample[e] += negatives * epochsPerNegativeSample[e]!;
  }
  state.rng = rng;
}
