import type { SparseAffinities } from './tsne-affinities.js';

/**
 * Attractive forces sum_j p_ij q_ij (y_i - y_j) with q_ij = 1 / (1 + d_ij^2), over the sparse P, for
 * points [start, end) into `force` (row-major [count, 2]). With `z` (the repulsion's normalisation),
 * also returns their part of KL(P || Q) = sum p_ij log(p_ij / (q_ij / z)), floored as sklearn does.
 * The exaggeration multiplies each row's sum, not every term: the loop without the KL is the hot one.
 */
export function attractiveForces(p: SparseAffinities, y: Float64Array, exaggeration: number, start: number, end: number,
  force: Float64Array, z?: number): number {
  const { rowStart, cols, values } = p;
  let kl = 0;
  const tiny = 1.1754943508222875e-38;
  let e = rowStart[start];
  for (let i = start; i < end; i++) {
    const xi = y[2 * i], yi = y[2 * i + 1];
    const rowEnd = rowStart[i + 1];
    let fx = 0, fy = 0;
    if (z === undefined) {
      for (; e < rowEnd; e++) {
        const j = 2 * cols[e];
        const dx = xi - y[j];
        const dy = yi - y[j + 1];
        const f = values[e] / (1 + dx * dx + dy * dy);
        fx += f * dx;
        fy += f * dy;
      }
    } else {
      for (; e < rowEnd; e++) {
        const j = 2 * cols[e];
        const dx = xi - y[j];
        const dy = yi - y[j + 1];
        const q = 1 / (1 + dx * dx + dy * dy);
        const f = values[e] * q;
        fx += f * dx;
        fy += f * dy;
        const pij = values[e] * exaggeration;
        kl += pij * Math.log(Math.max(pij, tiny) / Math.max(q / z, tiny));
      }
    }
    force[2 * i] = fx * exaggeration;
    force[2 * i + 1] = fy * exaggeration;
  }
  return kl;
}
