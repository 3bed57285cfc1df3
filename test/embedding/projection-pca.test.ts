import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { pca } from '../../src/embedding/projection/pca.js';
import { principalComponents } from '../../src/embedding/projection/principal-components.js';
import { symmetricEigen } from '../../src/embedding/projection/symmetric-eigen.js';
import type { Embeddings } from '../../src/embedding/types.js';
import { UsageError } from '../../src/errors.js';
import { Random } from '../../src/util/random.js';

interface PcaCase {
  count: number; dim: number; components: number; x: number[]; axes: number[]; explainedVariance: number[];
  explainedVarianceRatio: number[]; singularValues: number[]; transformed: number[]; numpySingularValues: number[];
}
const fixture = JSON.parse(readFileSync('test/data/reference/embedding/pca.json', 'utf8')) as { tall: PcaCase; wide: PcaCase };
const asEmbeddings = (c: PcaCase): Embeddings => ({ count: c.count, dim: c.dim, vectors: Float32Array.from(c.x), metadata: {} });

function close(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i] - want[i]) <= tol * Math.max(1, Math.abs(want[i])), `${what}[${i}]: ${got[i]} vs ${want[i]}`);
  }
}

describe('PCA', () => {
  for (const shape of ['tall', 'wide'] as const) {
    for (const method of ['exact', 'randomized'] as const) {
      it(`${method}, ${shape} matrix: sklearn's components (signs included), variances and transform; numpy's singular values`, () => {
        const c = fixture[shape];
        const pc = principalComponents(asEmbeddings(c), { components: c.components, method, seed: 3 });
        assert.equal(pc.method, method);
        close(pc.singularValues, c.numpySingularValues, 1e-5, 'singular values vs numpy svd');
        close(pc.singularValues, c.singularValues, 1e-5, 'singular values');
        close(pc.explainedVariance, c.explainedVariance, 1e-5, 'explained variance');
        close(pc.explainedVarianceRatio, c.explainedVarianceRatio, 1e-5, 'explained variance ratio');
        close(pc.axes, c.axes, 1e-4, 'components');
        close(pc.scores, c.transformed, 1e-4, 'transformed');
      });
    }
  }

  it('pca() returns a 2-D projection whose coordinates are the scores and whose axes are orthonormal', () => {
    const c = fixture.tall;
    const p = pca(asEmbeddings(c));
    assert.equal(p.method, 'pca');
    assert.equal(p.dims, 2);
    assert.equal(p.coordinates.length, c.count * 2);
    for (let i = 0; i < c.count; i++) {
      close([p.coordinates[i * 2], p.coordinates[i * 2 + 1]], [c.transformed[i * 3], c.transformed[i * 3 + 1]], 1e-4, `row ${i}`);
    }
    for (let a = 0; a < 2; a++) {
      for (let b = 0; b < 2; b++) {
        let s = 0;
        for (let d = 0; d < c.dim; d++) s += p.axes[a * c.dim + d] * p.axes[b * c.dim + d];
        assert.ok(Math.abs(s - (a === b ? 1 : 0)) < 1e-5);
      }
    }
    assert.deepEqual(JSON.parse(JSON.stringify(p.diagnostics)).explainedVariance.length, 2);
  });

  it('randomised and exact agree on a larger matrix with a decaying spectrum (and the randomised one is seeded)', () => {
    const random = new Random(5);
    const n = 1500, dim = 80;
    const v = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) v[i * dim + d] = random.normal() * Math.pow(0.9, d) + (d === 3 ? 2 * random.normal() : 0);
    const e: Embeddings = { count: n, dim, vectors: v, metadata: {} };
    const exact = principalComponents(e, { components: 5, method: 'exact' });
    const r1 = principalComponents(e, { components: 5, method: 'randomized', seed: 1 });
    const r2 = principalComponents(e, { components: 5, method: 'randomized', seed: 1 });
    close(r1.explainedVariance, exact.explainedVariance, 1e-4, 'variance');
    close(r1.axes, exact.axes, 1e-3, 'axes');
    assert.deepEqual(r1.scores, r2.scores);
  });

  it('the eigen-solver reconstructs a symmetric matrix: A v = lambda v, V orthogonal', () => {
    const random = new Random(9);
    const n = 30;
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) { a[i * n + j] = random.normal(); a[j * n + i] = a[i * n + j]; }
    const { values, vectors } = symmetricEigen(a, n);
    for (let j = 0; j < n; j++) {
      if (j > 0) assert.ok(values[j] <= values[j - 1]);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let m = 0; m < n; m++) s += a[i * n + m] * vectors[m * n + j];
        assert.ok(Math.abs(s - values[j] * vectors[i * n + j]) < 1e-10);
      }
      for (let k = 0; k < n; k++) {
        let s = 0;
        for (let m = 0; m < n; m++) s += vectors[m * n + j] * vectors[m * n + k];
        assert.ok(Math.abs(s - (j === k ? 1 : 0)) < 1e-10);
      }
    }
  });

  it('bad input: NaN rows, too many components, one point', () => {
    const c = fixture.tall;
    const e = asEmbeddings(c);
    e.vectors[5 * c.dim] = NaN;
    assert.throws(() => pca(e), (err: unknown) => err instanceof UsageError && /row 5 has a non-finite value/.test(err.message));
    assert.throws(() => principalComponents(asEmbeddings(c), { components: 7 }), (err: unknown) => err instanceof UsageError && /from 1 to min\(points, dimensions\) = 6/.test(err.message));
    assert.throws(() => pca(asEmbeddings(c), { components: 4 as 2 }), UsageError);
    assert.throws(() => pca({ count: 1, dim: 3, vectors: new Float32Array(3), metadata: {} }), UsageError);
  });
});
