import type { Projection } from '../../src/embedding/types.js';
import { Random } from '../../src/util/random.js';

/** Leave-one-out 5-NN accuracy of the labels in the projected plane: how well classes separate there. */
export function knnAccuracy(projection: Projection, classes: ArrayLike<number>): number {
  const { count, dims, coordinates: c } = projection;
  let correct = 0;
  for (let i = 0; i < count; i++) {
    const order: [number, number][] = [];
    for (let j = 0; j < count; j++) {
      if (j === i) continue;
      let s = 0;
      for (let d = 0; d < dims; d++) s += (c[i * dims + d]! - c[j * dims + d]!) ** 2;
      order.push([s, j]);
    }
    order.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    const votes = new Array<number>(10).fill(0);
    for (let t = 0; t < 5; t++) votes[classes[order[t]![1]]!]!++;
    if (votes.indexOf(Math.max(...votes)) === classes[i]) correct++;
  }
  return correct / count;
}

/** Six Gaussian clusters (centres spread 8, unit noise), points assigned in turn; classes are the cluster numbers. */
export function clusters(count: number, dim: number, seed: number): { vectors: Float32Array; classes: Uint8Array } {
  const random = new Random(seed);
  const centres = Float64Array.from({ length: 6 * dim }, () => 8 * random.normal());
  const classes = new Uint8Array(count);
  const vectors = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    classes[i] = i % 6;
    for (let d = 0; d < dim; d++) vectors[i * dim + d] = centres[classes[i]! * dim + d]! + random.normal();
  }
  return { vectors, classes };
}

