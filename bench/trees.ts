/**
 * TreeSHAP speed: rows/s of Glassbox's path-dependent TreeSHAP (and interaction values) on the fixture
 * models, next to XGBoost's native pred_contribs on the same model and rows (measured by
 * scripts/fixtures/trees.py, stored in the fixture with machine and date). Run: npx tsx bench/trees.ts
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { TreeShap } from '../src/attribution/tree/tree-shap.js';
import { compareThreads } from '../src/parallel/bench-compare.js';
import { loadXGBoostModel } from '../src/models/tabular/trees/xgboost.js';
import { fromRows, sliceRows, type Matrix } from '../src/tabular/matrix.js';

interface Case {
  rows: (number | null)[][];
  xgboostSpeed?: { rows: number; rowsPerSecond1Thread: number; rowsPerSecond2Threads: number; interactionsRowsPerSecond1Thread: number; machine: string; date: string };
}

function tile(rows: (number | null)[][], n: number): Matrix {
  const base = rows.map((r) => r.map((v) => (v === null ? NaN : v)));
  return fromRows(Array.from({ length: n }, (_, i) => base[i % base.length]));
}

function best(times: number, fn: () => void): number {
  let min = Infinity;
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    fn();
    min = Math.min(min, performance.now() - t);
  }
  return min / 1000;
}

const fmt = (v: number) => Math.round(v).toLocaleString('en-US');
console.log(`TreeSHAP speed, ${new Date().toISOString().slice(0, 10)}, ${cpus()[0]?.model ?? 'cpu'} (${cpus().length} cores), Node ${process.version}, one thread`);
for (const name of ['breast_cancer', 'adult']) {
  const c = JSON.parse(readFileSync(`test/data/trees/xgboost/${name}/cases.json`, 'utf8')) as Case;
  const model = loadXGBoostModel(`test/data/trees/xgboost/${name}/model.json`);
  const shap = new TreeShap(model);
  const n = c.xgboostSpeed?.rows ?? 2000;
  const X = tile(c.rows, n);
  // Warm-up: V8 needs a few thousand rows before the hot loops are optimised; steady state is measured.
  for (let i = 0; i < 3; i++) shap.explainSync(X);
  const path = n / best(5, () => shap.explainSync(X));
  const small = sliceRows(X, 0, 200);
  shap.explainSync(small, { interactions: true });
  const inter = 200 / best(2, () => shap.explainSync(small, { interactions: true }));
  const bg = tile(c.rows, 100);
  const rowsI = sliceRows(X, 0, 100);
  shap.explainSync(rowsI, { background: bg });
  const interventional = 100 / best(2, () => shap.explainSync(rowsI, { background: bg }));
  const trees = model.ensemble.trees.length;
  const depth = Math.max(...model.ensemble.trees.map((t) => t.maxDepth));
  console.log(`\n${name}: ${trees} trees, depth ${depth}, ${model.info.numFeatures} features, ${n} rows`);
  console.log(`  path-dependent     Glassbox ${fmt(path)} rows/s` + (c.xgboostSpeed ? ` | XGBoost pred_contribs ${fmt(c.xgboostSpeed.rowsPerSecond1Thread)} rows/s (1 thread), ${fmt(c.xgboostSpeed.rowsPerSecond2Threads)} (2 threads)` : ''));
  console.log(`  interactions       Glassbox ${fmt(inter)} rows/s` + (c.xgboostSpeed ? ` | XGBoost pred_interactions ${fmt(c.xgboostSpeed.interactionsRowsPerSecond1Thread)} rows/s (1 thread)` : ''));
  console.log(`  interventional     Glassbox ${fmt(interventional)} rows/s against 100 background rows`);
  if (c.xgboostSpeed) console.log(`  (XGBoost measured ${c.xgboostSpeed.date} on ${c.xgboostSpeed.machine})`);
  // Worker threads (src/parallel): the same rows through explain() on 1 and 2 threads, numbers identical.
  for (const rowsN of [2000, 20000]) {
    const Xn = tile(c.rows, rowsN);
    const cmp = await compareThreads((workers) => shap.explain(Xn, { workers }), 2, rowsN > 5000 ? 5 : 9);
    console.log(`  ${rowsN} rows, 2 threads   ${cmp.manyMs.toFixed(0)} ms vs ${cmp.oneMs.toFixed(0)} ms on 1 (median): x${cmp.speedup.toFixed(2)}; first call ${cmp.firstCallMs.toFixed(0)} ms; CPU ${cmp.manyCpuMs.toFixed(0)} vs ${cmp.oneCpuMs.toFixed(0)} ms`);
  }
}
