import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { explainTabular, type TabularMethodName, type TabularMethodOptions } from '../../src/attribution/tabular-methods.js';
import { kernelShapGame } from '../../src/attribution/coalition/kernel-shap.js';
import { TabularGame } from '../../src/attribution/coalition/tabular-game.js';
import { restrictGame } from '../../src/attribution/coalition/restrict.js';
import { GlassboxError, UsageError } from '../../src/errors.js';
import { functionModel } from '../../src/models/tabular/function.js';
import { loadOnnxTabularModel } from '../../src/models/tabular/onnx.js';
import { loadXGBoostModel } from '../../src/models/tabular/trees/xgboost.js';
import { warmWorkers } from '../../src/parallel/pool.js';
import { workerChunkCount } from '../../src/parallel/run-chunks.js';
import { kmeansSummary } from '../../src/stats/kmeans.js';
import { loadTabularData } from '../../src/tabular/dataset.js';
import { fromRows, rowOf, sliceRows } from '../../src/tabular/matrix.js';

const credit = loadTabularData('data/tabular/german_credit.csv', { schema: 'models/credit/schema.json' });
const { centers: background, weights: backgroundWeights } = kmeansSummary(credit.x, 5, 0);

const explain = (model: Parameters<typeof explainTabular>[0], rows = sliceRows(credit.x, 0, 6), method: TabularMethodName, options: TabularMethodOptions) =>
  explainTabular(model, rows, method, { background, backgroundWeights, target: 1, seed: 7, ...options });

const same = (a: Awaited<ReturnType<typeof explainTabular>>, b: typeof a) => {
  assert.deepEqual(a.attributions, b.attributions);
  assert.deepEqual(a.standardErrors, b.standardErrors);
  assert.deepEqual(a.baseValues, b.baseValues);
  assert.deepEqual(a.predictions, b.predictions);
  assert.deepEqual(a.extras, b.extras);
  assert.deepEqual(a.params, b.params);
};

describe('coalition methods on worker threads', () => {
  it('seeded KernelSHAP and permutation SHAP of an ONNX model give the one-thread numbers for 2 and 3 threads', async () => {
    await warmWorkers(2);
    const model = await loadOnnxTabularModel('models/credit/model.onnx');
    try {
      const before = workerChunkCount();
      for (const [method, samples] of [['kernel-shap', 150], ['permutation-shap', 250]] as const) {
        const one = await explain(model, undefined, method, { samples, workers: 1 });
        const progress: number[] = [];
        const two = await explain(model, undefined, method, { samples, workers: 2, onProgress: (done) => progress.push(done) });
        same(two, one);
        assert.equal(progress.at(-1), 6);
        same(await explain(model, undefined, method, { samples, workers: 3 }), one);
      }
      assert.ok(workerChunkCount() > before, 'worker threads explained some rows');
    } finally {
      model.dispose?.();
    }
  });

  it('a row explained alone (rowOffset) or in a one-row call gets the numbers it gets among all the rows', async () => {
    const model = await loadOnnxTabularModel('models/credit/model.onnx');
    try {
      const all = await explain(model, undefined, 'kernel-shap', { samples: 300, workers: 1 });
      const third = await explain(model, sliceRows(credit.x, 3, 4), 'kernel-shap', { samples: 300, workers: 1, rowOffset: 3 });
      assert.deepEqual(third.attributions[0], all.attributions[3]);
      // Row 0 keeps the run seed: what kernelShapGame gives for that row's game with seed 7.
      // (Features equal in every background row are left out of the game, as the runner does.)
      const game = new TabularGame(model, rowOf(credit.x, 0), { background, backgroundWeights, target: 1 });
      const keep = game.varyingPlayers().flatMap((v, k) => (v ? [k] : []));
      const direct = await kernelShapGame(restrictGame(game, keep), { nsamples: 300, seed: 7 });
      keep.forEach((k, a) => assert.ok(Math.abs(all.attributions[0][k] - direct.values[a]) < 1e-9, `feature ${k}`));
      // With another seed the numbers move: the check above can fail.
      const other = await kernelShapGame(restrictGame(game, keep), { nsamples: 300, seed: 8 });
      assert.ok(keep.some((k, a) => Math.abs(all.attributions[0][k] - other.values[a]) > 1e-6));
    } finally {
      model.dispose?.();
    }
  });

  it('exact Shapley of a tree model on two threads, and function models (which cannot move) stay on this thread', async () => {
    const trees = loadXGBoostModel('test/data/trees/xgboost/adult/model.json');
    const x = loadTabularRows();
    const bg = sliceRows(x, 0, 4);
    const rows = sliceRows(x, 4, 10);
    const opts = { background: bg, seed: 1 };
    const groups = Array.from({ length: 7 }, (_, g) => ({ name: `g${g}`, features: [2 * g, 2 * g + 1] }));
    same(await explainTabular(trees, rows, 'exact-shapley', { ...opts, groups, workers: 2 }), await explainTabular(trees, rows, 'exact-shapley', { ...opts, groups, workers: 1 }));

    const linear = functionModel((r) => r.map((v) => v.reduce((s, a, j) => s + (j + 1) * (Number.isNaN(a) ? 0 : a), 0)), { numFeatures: x.cols, output: 'value', acceptsMissing: true });
    const before = workerChunkCount();
    same(await explainTabular(linear, rows, 'kernel-shap', { ...opts, samples: 100, workers: 2 }), await explainTabular(linear, rows, 'kernel-shap', { ...opts, samples: 100, workers: 1 }));
    assert.equal(workerChunkCount(), before, 'no chunk went to a worker');
  });

  it("a worker's failure comes back as the same clear error; bad options fail as on one thread", async () => {
    await warmWorkers(1);
    const dir = mkdtempSync(join(tmpdir(), 'glassbox-workers-'));
    const path = join(dir, 'credit.onnx');
    copyFileSync('models/credit/model.onnx', path);
    const model = await loadOnnxTabularModel(path);
    try {
      // The worker reloads the model from its file: gone, it fails with loadOnnxTabularModel's UsageError.
      rmSync(path);
      await assert.rejects(explain(model, sliceRows(credit.x, 0, 100), 'kernel-shap', { samples: 200, workers: 2 }),
        (err: unknown) => err instanceof UsageError && err.message.startsWith(`model not found: ${path}`) && err.hint === 'pass the path of an .onnx file');
      const wrongTarget = { samples: 100, target: 5 };
      const messageOf = async (workers: number) => {
        try { await explain(model, undefined, 'kernel-shap', { ...wrongTarget, workers }); } catch (err) { assert.ok(err instanceof GlassboxError && err.kind === 'usage'); return err.message; }
        return assert.fail('no error');
      };
      assert.equal(await messageOf(2), await messageOf(1));
      // A missing value in row 4 is reported as row 4 (not row 0 of a one-row slice).
      const holed = sliceRows(credit.x, 0, 6);
      holed.data[4 * holed.cols + 2] = NaN;
      await assert.rejects(explain(model, holed, 'kernel-shap', { samples: 100, workers: 2 }), (err: unknown) => err instanceof UsageError && /at row 4, column 2/.test(err.message));
    } finally {
      model.dispose?.();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function loadTabularRows() {
  const c = JSON.parse(readFileSync('test/data/trees/xgboost/adult/cases.json', 'utf8')) as { rows: (number | null)[][] };
  return fromRows(c.rows.map((r) => r.map((v) => (v === null ? NaN : v))));
}
