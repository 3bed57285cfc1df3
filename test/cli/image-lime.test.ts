import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/backend.js';
import { main } from '../../src/cli/main.js';
import { findMethod } from '../../src/attribution/registry.js';
import { loadModel } from '../../src/models/load.js';

const SEVEN = 'samples/digits/digit-7.png';

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), warn: (l) => err.push(l) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

interface AttributeOutput {
  method: string;
  target: number;
  shape: number[];
  attributions: number[];
  convergenceDelta?: number;
  prediction: { logits: number[]; probabilities: number[] };
}

async function attribute(...extra: string[]): Promise<AttributeOutput> {
  const r = await run('attribute', '--model', 'digits', '--input', SEVEN, ...extra, '--format', 'json');
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as AttributeOutput;
}

/** Each 7 x 7 block's value (the attribution of its top-left pixel) of a 28 x 28 map: 16 blocks. */
const blockValues = (a: number[]) => Array.from({ length: 16 }, (_, k) => a[Math.floor(k / 4) * 7 * 28 + (k % 4) * 7]);

describe('glassbox CLI: lime and kernel-shap on images', () => {
  before(async () => useBackend('wasm'));

  it('attribute --method lime: the JSON contract, one value per segment spread over its pixels, seeded', async () => {
    const j = await attribute('--method', 'lime', '--samples', '300', '--segments', '20');
    assert.equal(j.method, 'lime');
    assert.equal(j.target, 7, 'the predicted class');
    assert.deepEqual(j.shape, [1, 28, 28, 1]);
    assert.equal(j.attributions.length, 784);
    assert.ok(j.attributions.every(Number.isFinite));
    const distinct = new Set(j.attributions).size;
    assert.ok(distinct > 5 && distinct <= 30, `${distinct} distinct values: one per superpixel`);
    assert.equal(j.convergenceDelta, undefined);
    assert.equal(j.prediction.logits.length, 10);
    assert.deepEqual((await attribute('--method', 'lime', '--samples', '300', '--segments', '20')).attributions, j.attributions);
    assert.notDeepEqual((await attribute('--method', 'lime', '--samples', '300', '--segments', '20', '--seed', '9')).attributions, j.attributions);
  });

  it('attribute --method kernel-shap --block 7: 16 block values that add up to f(x) - f(black), and a convergence delta', async () => {
    const j = await attribute('--method', 'kernel-shap', '--block', '7', '--samples', '400', '--target', '7');
    assert.equal(j.method, 'kernel-shap');
    assert.equal(j.target, 7);
    assert.deepEqual(j.shape, [1, 28, 28, 1]);
    const blocks = blockValues(j.attributions);
    for (let i = 0; i < 784; i++) assert.equal(j.attributions[i], blocks[Math.floor(Math.floor(i / 28) / 7) * 4 + Math.floor((i % 28) / 7)]);
    const model = await loadModel('digits');
    const zeros = tf.zeros([1, 28, 28, 1]);
    const out = await model.forward(zeros);
    const f0 = (await out.data())[7];
    tf.dispose([zeros, out]);
    model.dispose();
    const sum = blocks.reduce((a, b) => a + b, 0);
    const gap = j.prediction.logits[7] - f0;
    assert.ok(Math.abs(sum - gap) < 1e-3 * Math.abs(gap), `sum ${sum} vs f(x) - f(0) ${gap}`);
    assert.equal(typeof j.convergenceDelta, 'number');
    assert.ok(Math.abs(j.convergenceDelta!) < 1e-3);
    // --baseline mean paints absent blocks with their mean: other values.
    const mean = await attribute('--method', 'kernel-shap', '--block', '7', '--samples', '400', '--target', '7', '--baseline', 'mean');
    assert.notDeepEqual(blockValues(mean.attributions), blocks);
  });

  it('refuses --segments with --block, and --baseline mean for methods without segments', async () => {
    const both = await run('attribute', '--model', 'digits', '--input', SEVEN, '--method', 'lime', '--segments', '10', '--block', '4', '--format', 'json');
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--segments and --block were both given/);
    const mean = await run('attribute', '--model', 'digits', '--input', SEVEN, '--method', 'feature-ablation', '--baseline', 'mean', '--format', 'json');
    assert.equal(mean.code, 2);
    assert.match(mean.stderr, /--baseline mean applies to lime and kernel-shap/);
  });

  it('the tabular lime and kernel-shap still run with --data, and methods lists both kinds once each', async () => {
    for (const method of ['lime', 'kernel-shap']) {
      const r = await run('attribute', '--model', 'models/credit/model.onnx', '--data', 'data/tabular/german_credit.csv', '--row', '0',
        '--method', method, '--samples', '200', '--format', 'json');
      assert.equal(r.code, 0, r.stderr);
      const j = JSON.parse(r.stdout) as { method: string; featureNames: string[] };
      assert.equal(j.method, method);
      assert.ok(j.featureNames.length >= 20, 'the credit columns, not pixels');
    }
    const list = JSON.parse((await run('methods', '--json')).stdout) as { name: string; family: string; input: string }[];
    for (const name of ['lime', 'kernel-shap']) {
      assert.deepEqual(list.filter((m) => m.name === name).map((m) => [m.family, m.input]), [['perturbation', '--input'], ['tabular', '--data']]);
    }
    const text = (await run('methods')).stdout;
    assert.match(text, /--input runs the image version, --data the tabular one/);
  });

  it('explain draws both (SLIC superpixels, not explain\'s 2 x 2 blocks), and both are in its default set', async () => {
    for (const name of ['lime', 'kernel-shap']) assert.ok(!findMethod(name)!.onRequestOnly, name);
    const dir = mkdtempSync(join(tmpdir(), 'glassbox-lime-'));
    const r = await run('explain', '--model', 'digits', '--input', SEVEN, '--methods', 'lime,kernel-shap', '--samples', '200', '--out', dir);
    assert.equal(r.code, 0, r.stderr);
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { results: { method: string; params: { segmentation: string } }[] };
    assert.deepEqual(results.results.map((x) => [x.method, x.params.segmentation]), [['lime', 'slic'], ['kernel-shap', 'slic']]);
  });
});
