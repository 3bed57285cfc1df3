import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { TfjsLayersModel } from '../../src/models/tfjs-layers.js';

/** The Captum reference fixtures (test/data/reference, copied from the project's shared references). */
export interface GoldenCase {
  id: string;
  fixture: string;
  library: string;
  method: string;
  params: Record<string, unknown>;
  inputs: number[][];
  target: number[] | number | null;
  output: number[][] | number[];
  tolerance?: unknown;
  convergence_delta?: number[];
  ig_grid?: { alphas: number[]; step_sizes: number[] } | unknown;
  [key: string]: unknown;
}

const dir = new URL('../data/reference/', import.meta.url);
export const golden: { cases: GoldenCase[] } = JSON.parse(readFileSync(new URL('golden.json', dir), 'utf8'));
export const mlpFixture = JSON.parse(readFileSync(new URL('mlp.json', dir), 'utf8')) as {
  params: Record<string, number[][] | number[]>;
  inputs: number[][];
};

export function goldenCase(id: string): GoldenCase {
  const c = golden.cases.find((g) => g.id === id);
  if (!c) throw new Error(`no golden case ${id}`);
  return c;
}

/** The reference 4-8-3 tanh MLP as a TF.js model (PyTorch Linear weights are [out][in]; Dense kernels [in][out]). */
export function referenceMlp(): TfjsLayersModel {
  const p = mlpFixture.params;
  const net = tf.sequential({ name: 'reference-mlp' });
  net.add(tf.layers.dense({ name: 'l1', inputShape: [4], units: 8, activation: 'tanh' }));
  net.add(tf.layers.dense({ name: 'l2', units: 3 }));
  const transpose = (w: number[][]) => w[0].map((_, j) => w.map((row) => row[j]));
  net.layers[0].setWeights([tf.tensor2d(transpose(p['l1.weight'] as number[][])), tf.tensor1d(p['l1.bias'] as number[])]);
  net.layers[1].setWeights([tf.tensor2d(transpose(p['l2.weight'] as number[][])), tf.tensor1d(p['l2.bias'] as number[])]);
  return new TfjsLayersModel(net, { name: 'reference-mlp' });
}

/** Relative closeness for float32 against float64 references: |a - b| <= rtol * max(|b|, scale). */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 1e-4, label = ''): void {
  if (actual.length !== expected.length) throw new Error(`${label}: length ${actual.length} != ${expected.length}`);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  for (let i = 0; i < expected.length; i++) {
    const tol = rtol * Math.max(Math.abs(expected[i]), scale * 1e-2, 1e-6);
    if (!(Math.abs(actual[i] - expected[i]) <= tol)) {
      throw new Error(`${label}: element ${i} is ${actual[i]}, expected ${expected[i]} (tolerance ${tol.toExponential(2)})`);
    }
  }
}
