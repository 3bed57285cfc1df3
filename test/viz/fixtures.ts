import { AttributionResult } from '../../src/attribution/result.js';
import { Random } from '../../src/util/random.js';
import type { Image } from '../../src/viz/image.js';

/** A deterministic uniform source so fixtures are the same on every run. */
export function rng(seed: number): () => number {
  const random = new Random(seed);
  return () => random.uniform();
}

function segmentDistance(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

const STROKES: [number, number, number, number][] = [[7, 7, 21, 7], [21, 7, 12, 23], [13, 15, 19, 15]];

/** A 28x28 handwritten-looking "7" (white on black, as MNIST), values in [0, 1], as a flat [28, 28] array. */
export function digitSeven(): Float32Array {
  const out = new Float32Array(28 * 28);
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const d = Math.min(...STROKES.map(([ax, ay, bx, by]) => segmentDistance(x + 0.5, y + 0.5, ax + 0.5, ay + 0.5, bx + 0.5, by + 0.5)));
      out[y * 28 + x] = Math.max(0, Math.min(1, 2.2 - d));
    }
  }
  return out;
}

export function digitImage(): Image {
  const v = digitSeven();
  return { width: 28, height: 28, channels: 1, data: Uint8Array.from(v, (x) => Math.round(x * 255)) };
}

function result(method: string, data: Float32Array, params: AttributionResult['params'], timeMs: number, delta?: number): AttributionResult {
  return new AttributionResult({
    method, params, target: [7], shape: [1, 28, 28, 1], attributions: data, timeMs, model: 'mnist-cnn',
    ...(delta !== undefined ? { convergenceDelta: [delta] } : {}),
  });
}

/**
 * Plausible attributions for the "7" towards class 7: saliency (|gradient|, smooth and spread out),
 * integrated gradients (signed, on the strokes: the top bar and diagonal for, the crossbar against),
 * and occlusion (blocky 4x4 patches, signed).
 */
export function exampleResults(): AttributionResult[] {
  const digit = digitSeven();
  const r = rng(7);
  const grad = new Float32Array(28 * 28);
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      // Support for "7": the top bar and the diagonal; against: a crossbar (looks like a 4 or a European 7 vs 1).
      const top = Math.exp(-((y - 7) ** 2) / 8) * (x > 5 && x < 23 ? 1 : 0.2);
      const diag = Math.exp(-(segmentDistance(x, y, 21, 7, 12, 23) ** 2) / 6);
      const cross = Math.exp(-(((x - 16) / 4) ** 2 + ((y - 15) / 1.5) ** 2));
      const loop = Math.exp(-(((x - 10) / 3) ** 2 + ((y - 11) / 3) ** 2));
      grad[y * 28 + x] = 0.6 * top + 0.8 * diag - 0.9 * cross - 0.5 * loop + 0.15 * (r() - 0.5);
    }
  }
  const saliency = grad.map((g) => Math.abs(g) * 0.01);
  const ig = grad.map((g, i) => g * digit[i] * 0.08 + (r() - 0.5) * 0.002);
  const occlusion = new Float32Array(28 * 28);
  for (let by = 0; by < 28; by += 4) {
    for (let bx = 0; bx < 28; bx += 4) {
      let s = 0;
      for (let y = by; y < by + 4; y++) for (let x = bx; x < bx + 4; x++) s += ig[y * 28 + x];
      for (let y = by; y < by + 4; y++) for (let x = bx; x < bx + 4; x++) occlusion[y * 28 + x] = s * 1.7;
    }
  }
  let igSum = 0;
  for (const v of ig) igSum += v;
  return [
    result('saliency', saliency, { abs: true }, 4.2),
    result('integrated-gradients', ig, { steps: 50, integration: 'gausslegendre', baselines: 'zeros' }, 87.5, igSum * 0.004),
    result('occlusion', occlusion, { slidingWindow: [4, 4, 1], strides: [4, 4, 1], baselines: 0 }, 1312),
  ];
}
