/**
 * LIME tabular speed: one row of the breast-cancer logistic regression (test/data/reference/tabular.json),
 * 5000 samples, lime's defaults (quartile bins, 10 features, auto selection = highest weights).
 * Reference: lime 0.2's LimeTabularExplainer.explain_instance takes about 36 ms here for the same work.
 * Run: npx tsx bench/lime.ts
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { LimeTabular } from '../src/attribution/lime/lime-tabular.js';
import type { TabularModel } from '../src/models/tabular/model.js';
import { fromRows, matrix, type Matrix } from '../src/tabular/matrix.js';

const fixture = JSON.parse(readFileSync(new URL('../test/data/reference/tabular.json', import.meta.url), 'utf8')) as {
  X: number[][]; train_idx: number[]; test_idx: number[]; scaler_mean: number[]; scaler_scale: number[];
  coef: number[] | number[][]; intercept: number | number[];
};
const coef = (Array.isArray(fixture.coef[0]) ? (fixture.coef as number[][])[0] : fixture.coef) as number[];
const intercept = Array.isArray(fixture.intercept) ? fixture.intercept[0] : fixture.intercept;
const p = coef.length;

const model: TabularModel = {
  info: { name: 'breast-cancer-logistic', kind: 'function', numFeatures: p, numOutputs: 2, output: 'probability', acceptsMissing: false },
  async predict(rows: Matrix) {
    const out = matrix(rows.rows, 2);
    for (let i = 0; i < rows.rows; i++) {
      let z = intercept;
      for (let j = 0; j < p; j++) z += coef[j] * (rows.data[i * p + j] - fixture.scaler_mean[j]) / fixture.scaler_scale[j];
      const prob = 1 / (1 + Math.exp(-z));
      out.data[2 * i] = 1 - prob;
      out.data[2 * i + 1] = prob;
    }
    return out;
  },
};

const training = fromRows(fixture.train_idx.map((i) => fixture.X[i]));
const row = fromRows([fixture.X[fixture.test_idx[0]]]);
const explainer = new LimeTabular(model, training, { seed: 0 });
// Wall time is what a user waits; CPU time (this process only) is steadier when the machine is shared.
const wall: number[] = [];
const cpu: number[] = [];
for (let run = 0; run < 40; run++) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await explainer.explain(row, { numSamples: 5000 });
  const c = process.cpuUsage(c0);
  wall.push(performance.now() - t0);
  cpu.push((c.user + c.system) / 1000);
}
const median = (xs: number[]) => {
  const s = xs.slice(5).sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
console.log(`LIME tabular, 1 row x 5000 samples, 30 features (35 runs after 5 warm-up): median wall ${median(wall).toFixed(1)} ms `
  + `(min ${Math.min(...wall.slice(5)).toFixed(1)}), median CPU ${median(cpu).toFixed(1)} ms; load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores; lime 0.2: ~36 ms`);
