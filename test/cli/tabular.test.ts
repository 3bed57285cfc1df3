import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { main } from '../../src/cli/main.js';
import { loadTabularModel } from '../../src/models/tabular/load.js';
import { loadTabularData } from '../../src/tabular/dataset.js';
import { sliceRows } from '../../src/tabular/matrix.js';

const CREDIT = ['--model', 'models/credit/model.onnx', '--data', 'data/tabular/german_credit.csv'];
const CANCER = ['--model', 'models/cancer-xgb/model.json', '--data', 'data/tabular/breast_cancer.csv'];

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), warn: (l) => err.push(l) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

interface RowJson {
  method: string; target: number; featureNames: string[]; attributions: number[]; baseValue: number; prediction: number;
  values: (number | null)[]; displayValues?: string[]; standardErrors?: number[];
  intercept?: number; localPrediction?: number; score?: number; conditions?: string[]; interactions?: number[][];
}

async function attribute(...extra: string[]): Promise<RowJson> {
  const r = await run('attribute', ...extra, '--format', 'json');
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as RowJson;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('glassbox CLI on tabular models', () => {
  it('kernel-shap on the credit model: the JSON contract, one value per column, efficiency, and the model\'s own output', async () => {
    const j = await attribute(...CREDIT, '--row', '4', '--method', 'kernel-shap', '--target', '1');
    assert.equal(j.method, 'kernel-shap');
    assert.equal(j.target, 1);
    // One-hot columns are explained as one feature each: the 20 columns of the CSV.
    assert.equal(j.featureNames.length, 20);
    assert.equal(j.featureNames[0], 'checking_account_status');
    assert.equal(j.attributions.length, 20);
    assert.equal(j.displayValues?.[0], 'A11');
    assert.ok(Math.abs(sum(j.attributions) - (j.prediction - j.baseValue)) < 1e-9, 'values sum to f(x) - E[f(background)]');
    const model = await loadTabularModel('models/credit/model.onnx');
    const data = loadTabularData('data/tabular/german_credit.csv', { schema: 'models/credit/schema.json' });
    const out = await model.predict(sliceRows(data.x, 4, 5));
    assert.ok(Math.abs(out.data[1] - j.prediction) < 1e-6);
    model.dispose?.();
  });

  it('tree-shap on the XGBoost model explains the margin and adds up to it; interactions on request', async () => {
    const j = await attribute(...CANCER, '--row', '7', '--method', 'tree-shap', '--interactions');
    assert.equal(j.featureNames.length, 30);
    assert.ok(Math.abs(sum(j.attributions) - (j.prediction - j.baseValue)) < 1e-5);
    const margin = await loadTabularModel('models/cancer-xgb/model.json', { output: 'margin' });
    const data = loadTabularData('data/tabular/breast_cancer.csv', { schema: 'models/cancer-xgb/schema.json' });
    assert.ok(Math.abs((await margin.predict(sliceRows(data.x, 7, 8))).data[0] - j.prediction) < 1e-5);
    assert.equal(j.interactions?.length, 30);
    // Each row of the interaction matrix sums to the feature's SHAP value.
    for (let f = 0; f < 30; f++) assert.ok(Math.abs(sum(j.interactions![f]) - j.attributions[f]) < 1e-5);
  });

  it('lime reports its intercept, local prediction, score and conditions', async () => {
    const j = await attribute(...CANCER, '--row', '0', '--method', 'lime', '--samples', '2000', '--num-features', '5', '--output', 'probability');
    assert.equal(j.attributions.filter((v) => v !== 0).length, 5);
    assert.equal(typeof j.intercept, 'number');
    assert.equal(typeof j.localPrediction, 'number');
    assert.ok(j.score! > 0 && j.score! <= 1);
    assert.ok(j.conditions!.some((c) => /<=|>/.test(c)));
    assert.ok(j.prediction > 0 && j.prediction < 1, 'probability output');
  });

  it('permutation-shap and exact-shapley agree with kernel-shap where all are exact enough', async () => {
    const args = [...CANCER, '--row', '3', '--output', 'margin', '--background-kmeans', '5'];
    const kernel = await attribute(...args, '--method', 'kernel-shap', '--samples', '4000');
    const perm = await attribute(...args, '--method', 'permutation-shap', '--samples', '4000');
    assert.ok(perm.standardErrors && perm.standardErrors.length === 30);
    assert.ok(Math.abs(sum(perm.attributions) - (perm.prediction - perm.baseValue)) < 1e-6);
    const top = kernel.attributions.map((v, i) => [Math.abs(v), i] as const).sort((a, b) => b[0] - a[0])[0][1];
    assert.ok(Math.abs(kernel.attributions[top] - perm.attributions[top]) < 0.25 * Math.abs(kernel.attributions[top]));
    const exact = await run('attribute', ...args, '--method', 'exact-shapley', '--format', 'json');
    assert.equal(exact.code, 2);
    assert.match(exact.stderr, /2\^30 coalitions[\s\S]*fix: /);
  });

  it('importance gives the global views as JSON', async () => {
    const r = await run('importance', ...CANCER, '--limit', '40', '--format', 'json');
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as {
      shap: { meanAbs: number[]; rows: number[] }; permutation: { mean: number[]; metric: string };
      partialDependence: { grid: number[]; average: number[] }[]; surrogate: { fidelity: number; text: string }; columnOrder: string[];
    };
    assert.equal(j.shap.rows.length, 40);
    assert.equal(j.shap.meanAbs.length, 30);
    assert.equal(j.permutation.metric, 'accuracy');
    assert.equal(j.partialDependence.length, 3);
    assert.equal(j.partialDependence[0].grid.length, j.partialDependence[0].average.length);
    assert.ok(j.surrogate.fidelity > 0.8 && j.surrogate.fidelity <= 1);
    assert.match(j.surrogate.text, /<=/);
    // The most important column by mean |SHAP| comes first.
    const best = j.shap.meanAbs.indexOf(Math.max(...j.shap.meanAbs));
    const names = JSON.parse(readFileSync('models/cancer-xgb/metadata.json', 'utf8')).featureNames as string[];
    assert.equal(j.columnOrder[0], names[best]);
  });

  it('explain --data writes the tabular report, its pictures and results', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'glassbox-tabular-'));
    const r = await run('explain', ...CREDIT, '--row', '2', '--limit', '20', '--samples', '500', '--out', dir);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(dir).sort(), ['beeswarm.png', 'lime.png', 'report.html', 'results.json', 'waterfall.png']);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    assert.match(html, /<svg/);
    assert.doesNotMatch(html, /<script|(?:src|href)=["']https?:/);
    const png = PNG.sync.read(readFileSync(join(dir, 'waterfall.png')));
    assert.ok(png.width > 400 && png.height > 200);
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { results: RowJson[] };
    assert.deepEqual(results.results.map((x) => x.method), ['kernel-shap', 'lime']);
  });

  it('bad tabular input gets a clear error', async () => {
    const cases: [string[], RegExp][] = [
      [[...CREDIT, '--row', '1000', '--method', 'kernel-shap'], /row 1000 is out of range: the data has 1000 rows[\s\S]*fix: pass --row from 0 to 999/],
      [[...CREDIT, '--method', 'kernel-shap'], /--row is required/],
      [[...CREDIT, '--row', '0', '--method', 'occlusion'], /"occlusion" is not a tabular method[\s\S]*fix: occlusion explains image models/],
      [[...CREDIT, '--row', '0', '--method', 'tree-shap'], /tree-shap needs a tree ensemble/],
      [[...CREDIT, '--row', '0', '--method', 'kernel-shap', '--output', 'logits'], /--output must be one of margin, probability/],
      [['--model', 'models/credit/model.onnx', '--data', 'data/tabular/breast_cancer.csv', '--row', '0', '--method', 'lime'],
        /breast_cancer\.csv[\s\S]*fix: /],
      [['--model', 'models/credit/model.onnx', '--input', 'x.png', '--data', 'data/tabular/german_credit.csv', '--row', '0', '--method', 'lime'],
        /--input and --data were both given/],
    ];
    for (const [args, message] of cases) {
      const r = await run('attribute', ...args, '--format', 'json');
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
  });

  it('a CSV with an unknown category or a missing column is refused with the column named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'glassbox-tabular-'));
    const lines = readFileSync('data/tabular/german_credit.csv', 'utf8').split('\n').slice(0, 4);
    writeFileSync(join(dir, 'unknown.csv'), [lines[0], lines[1].replace(/^A11/, 'A19'), lines[2]].join('\n'));
    const unknown = await run('attribute', '--model', 'models/credit/model.onnx', '--data', join(dir, 'unknown.csv'), '--row', '0', '--method', 'kernel-shap');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /A19/);
    assert.match(unknown.stderr, /checking_account_status/);
    const header = lines[0].split(',');
    const drop = header.indexOf('purpose');
    const cut = (l: string) => l.split(',').filter((_, i) => i !== drop).join(',');
    writeFileSync(join(dir, 'missing.csv'), lines.slice(0, 3).map(cut).join('\n'));
    const missing = await run('attribute', '--model', 'models/credit/model.onnx', '--data', join(dir, 'missing.csv'), '--row', '0', '--method', 'kernel-shap');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /purpose/);
    assert.ok(!existsSync(join(dir, 'out.json')));
  });
});
