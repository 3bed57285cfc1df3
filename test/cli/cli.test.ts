import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { main } from '../../src/cli/main.js';
import { activeBackend, useBackend } from '../../src/backend.js';
import { loadModel } from '../../src/models/load.js';
import { loadInput } from '../../src/io/load-input.js';
import { IntegratedGradients } from '../../src/attribution/gradient/integrated-gradients.js';
import { METHOD_NAMES } from '../../src/attribution/registry.js';
import { TABULAR_METHOD_NAMES } from '../../src/attribution/tabular-methods.js';
import type { AttributeOutput } from '../../src/cli/attribute.js';

const SEVEN = 'samples/digits/digit-7.png';

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), warn: (l) => err.push(l) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

const tmp = () => mkdtempSync(join(tmpdir(), 'glassbox-cli-'));

describe('glassbox CLI', () => {
  before(async () => useBackend('wasm'));

  it('lists every method with a description', async () => {
    const r = await run('methods');
    assert.equal(r.code, 0);
    for (const name of METHOD_NAMES) assert.match(r.stdout, new RegExp(`^  ${name} +\\S`, 'm'));
    for (const name of TABULAR_METHOD_NAMES) assert.match(r.stdout, new RegExp(`^  ${name} +\\S`, 'm'));
    const json = JSON.parse((await run('methods', '--json')).stdout) as { name: string; family: string }[];
    assert.deepEqual(json.filter((m) => m.family !== 'tabular').map((m) => m.name), METHOD_NAMES);
    assert.deepEqual(json.filter((m) => m.family === 'tabular').map((m) => m.name), TABULAR_METHOD_NAMES);
  });

  it('has --help on every command, and usage errors exit 2', async () => {
    for (const command of ['explain', 'attribute', 'importance', 'methods']) {
      const r = await run(command, '--help');
      assert.equal(r.code, 0);
      assert.match(r.stdout, new RegExp(`usage: glassbox ${command}`));
    }
    assert.equal((await run('--help')).code, 0);
    assert.equal((await run()).code, 2);
    const unknown = await run('explian');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "explian"/);
    const flag = await run('attribute', '--modle', 'digits');
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /Unknown option '--modle'.*\n.*fix: see glassbox attribute --help/);
  });

  it('attribute prints the documented JSON contract', async () => {
    const r = await run('attribute', '--model', 'digits', '--input', SEVEN, '--method', 'integrated-gradients',
      '--steps', '32', '--integration', 'riemann-trapezoid', '--format', 'json');
    assert.equal(r.code, 0, r.stderr);
    const o = JSON.parse(r.stdout) as AttributeOutput;
    assert.deepEqual(Object.keys(o).sort(), ['attributions', 'convergenceDelta', 'method', 'prediction', 'shape', 'target']);
    assert.equal(o.method, 'integrated-gradients');
    assert.equal(o.target, 7);
    assert.deepEqual(o.shape, [1, 28, 28, 1]);
    assert.equal(o.attributions.length, 784);
    assert.equal(typeof o.convergenceDelta, 'number');
    const probs = o.prediction.probabilities as number[];
    assert.equal(probs.length, 10);
    assert.ok(Math.abs(probs.reduce((a, b) => a + b, 0) - 1) < 1e-5);
    assert.equal(probs.indexOf(Math.max(...probs)), 7);
    // The same numbers as the library gives for the same call.
    const model = await loadModel('digits');
    const input = await loadInput(SEVEN, model.info);
    const lib = await new IntegratedGradients(model).attribute(input.tensor, { steps: 32, integration: 'riemann-trapezoid' });
    // JSON has no -0, so compare with === rather than deepEqual.
    assert.ok(o.attributions.every((v, i) => v === lib.attributions[i]), 'CLI and library differ');
    input.tensor.dispose();
  });

  it('runs every method from the command line', async () => {
    const extra: Record<string, string[]> = {
      'integrated-gradients': ['--steps', '8'], smoothgrad: ['--samples', '3', '--stdev', '0.1', '--seed', '4'],
      'gradient-shap': ['--samples', '3', '--seed', '1'], 'grad-cam': ['--layer', 'conv2', '--upsample', 'bilinear', '--relu'],
      'guided-grad-cam': ['--layer', 'conv1'], occlusion: ['--window', '4,4,1', '--stride', '4,4,1'], 'feature-ablation': ['--block', '7'],
      'shapley-values': ['--block', '14'],
    };
    for (const method of METHOD_NAMES) {
      const r = await run('attribute', '--model', 'digits', '--input', SEVEN, '--method', method, '--target', '3', ...(extra[method] ?? []));
      assert.equal(r.code, 0, `${method}: ${r.stderr}`);
      const o = JSON.parse(r.stdout) as AttributeOutput;
      assert.equal(o.target, 3, method);
      assert.equal(o.attributions.length, o.shape.reduce((a, b) => a * b, 1), method);
      assert.ok(o.attributions.every(Number.isFinite), method);
      assert.ok(o.attributions.some((v) => v !== 0), `${method} gave all zeros`);
    }
  });

  it('takes a baseline file: IG from the input itself to itself is all zeros', async () => {
    const r = await run('attribute', '--model', 'digits', '--input', SEVEN, '--method', 'integrated-gradients', '--baseline', SEVEN, '--steps', '4');
    assert.equal(r.code, 0, r.stderr);
    const o = JSON.parse(r.stdout) as AttributeOutput;
    assert.ok(o.attributions.every((v) => v === 0));
    const other = await run('attribute', '--model', 'digits', '--input', SEVEN, '--method', 'integrated-gradients', '--baseline', 'samples/digits/digit-1.png', '--steps', '4');
    assert.ok((JSON.parse(other.stdout) as AttributeOutput).attributions.some((v) => v !== 0));
  });

  it('warns about flags that do not apply to the method', async () => {
    const r = await run('attribute', '--model', 'digits', '--input', SEVEN, '--method', 'saliency', '--steps', '10');
    assert.equal(r.code, 0);
    assert.match(r.stderr, /--steps does not apply to saliency; ignored/);
  });

  it('explain writes a report, a grid picture and the numbers', async () => {
    const dir = tmp();
    const r = await run('explain', '--model', 'digits', '--input', 'samples/digits/digit-2.png', '--methods', 'saliency,integrated-gradients,grad-cam,occlusion',
      '--steps', '16', '--out', dir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, join(dir, 'report.html'));
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    assert.equal((html.match(/data:image\/png;base64,/g) ?? []).length >= 5, true);
    assert.doesNotMatch(html, /https?:\/\//);
    const grid = PNG.sync.read(readFileSync(join(dir, 'grid.png')));
    assert.ok(grid.width > 500 && grid.height > 200);
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { results: { method: string; target: number[] }[] };
    assert.deepEqual(results.results.map((x) => x.method), ['saliency', 'integrated-gradients', 'grad-cam', 'occlusion']);
    assert.deepEqual(results.results[0].target, [2]);
    assert.deepEqual(readdirSync(dir).sort(), ['grid.png', 'report.html', 'results.json']);
  });

  describe('bad input: a message with the fix, the right exit code, no partial output', () => {
    const attribute = (...args: string[]) => run('attribute', '--model', 'digits', '--method', 'saliency', ...args);

    it('wrong input shape', async () => {
      const f = join(tmp(), 'x.json');
      writeFileSync(f, JSON.stringify({ shape: [5, 5], data: new Array(25).fill(0) }));
      const r = await attribute('--input', f);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /shape \[5, 5\].*\[28, 28, 1\]/s);
      assert.match(r.stderr, /fix:/);
    });
    it('NaN and infinite values', async () => {
      const f = join(tmp(), 'x.json');
      writeFileSync(f, `{"shape":[28,28,1],"data":[NaN${',0'.repeat(783)}]}`);
      const r = await attribute('--input', f);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /NaN/);
      const g = join(tmp(), 'y.json');
      writeFileSync(g, JSON.stringify({ shape: [28, 28, 1], data: [1e39, ...new Array(783).fill(0)] }));
      assert.equal((await attribute('--input', g)).code, 2);
    });
    it('missing and corrupt model files', async () => {
      const missing = await run('attribute', '--model', '/nope/model.json', '--input', SEVEN, '--method', 'saliency');
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /model not found: \/nope\/model.json\n  fix: /);
      const dir = tmp();
      writeFileSync(join(dir, 'model.json'), '{"modelTopology": {"class_name": "Sequential", "config": {"layers": [{"class_name": "Bogus"}]}}, "weightsManifest": []}');
      const corrupt = await run('attribute', '--model', join(dir, 'model.json'), '--input', SEVEN, '--method', 'saliency');
      assert.equal(corrupt.code, 1);
      assert.match(corrupt.stderr, /cannot load model/);
      assert.doesNotMatch(corrupt.stderr, /\n\s+at /);
    });
    it('unknown layer name', async () => {
      const r = await run('attribute', '--model', 'digits', '--input', SEVEN, '--method', 'grad-cam', '--layer', 'conv9');
      assert.equal(r.code, 2);
      assert.match(r.stderr, /no layer named "conv9"[\s\S]*conv1, pool1, conv2/);
    });
    it('target out of range', async () => {
      const r = await attribute('--input', SEVEN, '--target', '10');
      assert.equal(r.code, 2);
      assert.match(r.stderr, /target 10 is out of range.*10 outputs/s);
    });
    it('unsupported image format', async () => {
      const f = join(tmp(), 'x.gif');
      writeFileSync(f, Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'));
      const r = await attribute('--input', f);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /GIF/);
      assert.match(r.stderr, /PNG/);
    });
    it('bad option values', async () => {
      assert.equal((await attribute('--input', SEVEN, '--target', 'seven')).code, 2);
      assert.equal((await run('attribute', '--model', 'digits', '--input', SEVEN, '--method', 'nope')).code, 2);
      assert.equal((await run('attribute', '--model', 'digits', '--input', SEVEN, '--method', 'occlusion', '--window', '4,x')).code, 2);
      assert.equal((await run('attribute', '--model', 'digits', '--input', SEVEN, '--method', 'saliency', '--format', 'csv')).code, 2);
      assert.equal((await run('attribute', '--model', 'digits', '--input', SEVEN, '--method', 'occlusion', '--window', '4,4')).code, 2);
    });
    it('an output folder that cannot be written leaves nothing behind', async () => {
      const dir = tmp();
      const blocker = join(dir, 'a-file');
      writeFileSync(blocker, 'not a folder');
      const r = await run('explain', '--demo', '--methods', 'saliency', '--out', join(blocker, 'report'));
      assert.equal(r.code, 1);
      assert.match(r.stderr, /cannot create the output folder.*\n  fix: choose a folder you can write to/);
      const j = await attribute('--input', SEVEN, '--out', join(blocker, 'out.json'));
      assert.equal(j.code, 1);
      assert.deepEqual(readdirSync(dir), ['a-file']);
    });
  });

  it('--engine native and --engine tfjs give the same attributions; an ONNX file runs natively', async () => {
    const args = ['attribute', '--model', 'digits', '--input', SEVEN, '--method', 'integrated-gradients', '--steps', '16'];
    const native = JSON.parse((await run(...args, '--engine', 'native')).stdout) as AttributeOutput;
    const tfjs = JSON.parse((await run(...args, '--engine', 'tfjs')).stdout) as AttributeOutput;
    const scale = Math.max(...tfjs.attributions.map(Math.abs));
    assert.ok(native.attributions.every((v, i) => Math.abs(v - tfjs.attributions[i]) <= 1e-4 * scale));
    assert.equal((await run(...args, '--engine', 'gpu')).code, 2);
    const onnx = await run('attribute', '--model', 'test/data/models/mnist-onnx/mnist-cntk-opset7.onnx', '--input', SEVEN,
      '--method', 'grad-cam', '--layer', 'ReLU114_Output_0', '--upsample', 'bilinear');
    assert.equal(onnx.code, 0, onnx.stderr);
    const o = JSON.parse(onnx.stdout) as AttributeOutput;
    assert.deepEqual(o.shape, [1, 1, 28, 28]);
    assert.equal(o.target, 7);
    const refused = await run('attribute', '--model', 'test/data/models/mnist-onnx/mnist-cntk-opset7.onnx', '--input', SEVEN, '--method', 'saliency', '--engine', 'tfjs');
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /ONNX model, which runs on the native engine/);
  });

  it('--backend cpu gives the same saliency as wasm', async () => {
    const wasm = JSON.parse((await run('attribute', '--model', 'digits', '--input', SEVEN, '--method', 'saliency', '--engine', 'tfjs')).stdout) as AttributeOutput;
    const cpu = await run('attribute', '--model', 'digits', '--input', SEVEN, '--method', 'saliency', '--backend', 'cpu', '--engine', 'tfjs');
    assert.equal(cpu.code, 0, cpu.stderr);
    assert.equal(activeBackend(), 'cpu');
    const c = JSON.parse(cpu.stdout) as AttributeOutput;
    const scale = Math.max(...wasm.attributions);
    assert.ok(c.attributions.every((v, i) => Math.abs(v - wasm.attributions[i]) <= 1e-4 * scale));
    assert.equal((await run('attribute', '--model', 'digits', '--input', SEVEN, '--method', 'saliency', '--backend', 'gpu')).code, 2);
    await useBackend('wasm');
  });

  it('the installed binary exits with the right codes and prints no stack trace', () => {
    const bin = (...args: string[]) => spawnSync(process.execPath, ['bin/glassbox.js', ...args], { encoding: 'utf8' });
    const ok = bin('methods');
    assert.equal(ok.status, 0);
    assert.match(ok.stdout, /integrated-gradients/);
    const usage = bin('attribute', '--model', 'digits', '--input', SEVEN, '--method', 'integrated-gradients', '--steps', 'many');
    assert.equal(usage.status, 2);
    assert.doesNotMatch(usage.stderr, /\n\s+at |node_modules/);
    const missing = bin('attribute', '--model', 'digits', '--input', 'no/such/file.png', '--method', 'saliency');
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /no\/such\/file.png/);
    assert.ok(!existsSync('no'));
  });
});
