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
  const { a, b, nEpochs, learningRate, negativeSampleRate, repulsionStrength } = settings;
  const { heads, tails, epochsPerSample } = edges;
  const edgeCount = heads.length;
  const epochsPerNegativeSample = Float64Array.from(epochsPerSample, (e) => e / negativeSampleRate);
  const nextSample = epochsPerSample.slice();
  const nextNegativeSample = epochsPerNegativeSample.slice();
  const twoAB = 2 * a * b;
  // The negative-sample draws inline mulberry32 (as Random does), seeded from `random`: a method call per draw costs a fifth of the loop.
  let state = Math.floor(random.uniform() * 4294967296) >>> 0;
  const twoGammaB = 2 * repulsionStrength * b;
  for (let epoch = 0; epoch < nEpochs; epoch++) {
    const alpha = learningRate * (1 - epoch / nEpochs);
    for (let e = 0; e < edgeCount; e++) {
      if (nextSample[e]! > epoch) continue;
      const j = heads[e]! * dims;
      const k = tails[e]! * dims;
      let distSquared = 0;
      for (let d = 0; d < dims; d++) {
        const diff = embedding[j + d]! - embedding[k + d]!;
        distSquared += diff * diff;
      }
      if (distSquared > 0) {
        const powB = Math.exp(b * Math.log(distSquared));
        const coefficient = (-twoAB * powB) / distSquared / (a * powB + 1);
        for (let d = 0; d < dims; d++) {
          let grad = coefficient * (embedding[j + d]! - embedding[k + d]!);
          grad = grad > CLIP ? CLIP : grad < -CLIP ? -CLIP : grad;
          embedding[j + d] += grad * alpha;
          embedding[k + d] -= grad * alpha;
        }
      }
      nextSample[e] += epochsPerSample[e]!;
      const negatives = Math.trunc((epoch - nextNegativeSample[e]!) / epochsPerNegativeSample[e]!);
      for (let p = 0; p < negatives; p++) {
        state = (state + 0x6d2b79f5) >>> 0;
        let t = state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        const other = Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * count) * dims;
        if (other === j) continue;
        let dist2 = 0;
        for (let d = 0; d < dims; d++) {
          const diff = embedding[j + d]! - embedding[other + d]!;
          dist2 += diff * diff;
        }
        if (dist2 <= 0) continue;
        const coefficient = twoGammaB / ((0.001 + dist2) * (a * Math.exp(b * Math.log(dist2)) + 1));
        for (let d = 0; d < dims; d++) {
          let grad = coefficient * (embedding[j + d]! - embedding[other + d]!);
          grad = grad > CLIP ? CLIP : grad < -CLIP ? -CLIP : grad;
          embedding[j + d] += grad * alpha;
        }
      }
      nextNegativeSample[e] += negatives * epochsPerNegativeSample[e]!;
    }
    if (settings.onEpoch) await settings.onEpoch(epoch + 1);
  }
}
