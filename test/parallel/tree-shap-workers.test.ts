import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { explainTabular } from '../../src/attribution/tabular-methods.js';
import { TreeShap } from '../../src/attribution/tree/tree-shap.js';
import { UsageError } from '../../src/errors.js';
import { loadXGBoostModel } from '../../src/models/tabular/trees/xgboost.js';
import { warmWorkers } from '../../src/parallel/pool.js';
import { workerChunkCount } from '../../src/parallel/run-chunks.js';
import { fromRows, sliceRows, type Matrix } from '../../src/tabular/matrix.js';

const dir = 'test/data/trees/xgboost';

/** The fixture's rows (NaN where missing), repeated with small shifts to `n` distinct rows. */
function rows(name: string, n: number): Matrix {
  const base = (JSON.parse(readFileSync(`${dir}/${name}/cases.json`, 'utf8')) as { rows: (number | null)[][] }).rows
    .map((r) => r.map((v) => (v === null ? NaN : v)));
  return fromRows(Array.from({ length: n }, (_, i) => base[i % base.length].map((v, j) => (Number.isNaN(v) || j % 3 ? v : v * (1 + (i % 7) / 50)))));
}

const same = (a: { attributions: number[][]; values: number[][]; baseValues: number[]; predictions: number[]; extras?: unknown }, b: typeof a) => {
  assert.deepEqual(a.attributions, b.attributions);
  assert.deepEqual(a.values, b.values);
  assert.deepEqual(a.baseValues, b.baseValues);
  assert.deepEqual(a.predictions, b.predictions);
  assert.deepEqual(a.extras, b.extras);
};

describe('TreeSHAP on worker threads', () => {
  it('gives exactly the one-thread numbers (path-dependent, interventional, interactions), with workers taking part', async () => {
    // A loaded worker, so that it takes chunks even though 1000 rows take a fraction of a second.
    await warmWorkers(2);
    for (const name of ['adult', 'breast_cancer']) {
      const model = loadXGBoostModel(`${dir}/${name}/model.json`, { output: 'margin' });
      const x = rows(name, 1000);
      const one = new TreeShap(model).explainSync(x);
      const before = workerChunkCount();
      const progress: number[] = [];
      const two = await new TreeShap(model).explain(x, { workers: 2, onProgress: (done, total) => { assert.equal(total, 1000); progress.push(done); } });
      same(two, one);
      assert.equal(progress.at(-1), 1000);
      assert.ok(progress.every((p, i) => i === 0 || p >= progress[i - 1]), 'progress never goes back');
      // A fresh model (no cached leaf tables) on three threads, through explainTabular.
      const fresh = loadXGBoostModel(`${dir}/${name}/model.json`, { output: 'margin' });
      same(await explainTabular(fresh, x, 'tree-shap', { workers: 3 }), one);
      assert.ok(workerChunkCount() > before, `worker threads ran some of the ${name} chunks`);

      const bg = sliceRows(x, 0, 30);
      const small = sliceRows(x, 100, 300);
      same(await new TreeShap(model).explain(small, { background: bg, workers: 2 }), new TreeShap(model).explainSync(small, { background: bg }));
      const inter = sliceRows(x, 0, 60);
      same(await new TreeShap(model).explain(inter, { interactions: true, workers: 2 }), new TreeShap(model).explainSync(inter, { interactions: true }));
    }
  });

  it('reports bad input as the same UsageError as on one thread', async () => {
    const model = loadXGBoostModel(`${dir}/adult/model.json`);
    const x = rows('adult', 200);
    const messageOf = async (p: Promise<unknown>) => { try { await p; } catch (err) { assert.ok(err instanceof UsageError); return err.message; } assert.fail('no error'); };
    const wrongTarget = await messageOf(new TreeShap(model).explain(x, { target: 3, workers: 2 }));
    assert.equal(wrongTarget, await messageOf(new TreeShap(model).explain(x, { target: 3, workers: 1 })));
    assert.match(wrongTarget, /target 3 is out of range/);
    await assert.rejects(new TreeShap(model).explain(x, { workers: 0 }), (err: unknown) => err instanceof UsageError && /workers must be a positive integer/.test(err.message));
    await assert.rejects(new TreeShap(model).explain(x, { interactions: true, background: sliceRows(x, 0, 5), workers: 2 }), UsageError);
  });
});
