import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { useBackend } from '../../src/backend.js';
import { loadLlama2c } from '../../src/models/llama2c/load.js';
import { textIntegratedGradients } from '../../src/attribution/text/integrated-gradients.js';

const T = new URL('../data/llama2c/', import.meta.url).pathname;
const LLAMA = ['--model', `${T}aidreams260K.bin`, '--tokenizer', `${T}tok512.bin`];

/** A valid llama2.c tokenizer file of 3 pieces: it does not match a 512-token model. */
function smallTokenizer(): string {
  const pieces = ['<unk>', '<s>', '</s>'];
  const parts = [Buffer.from(Int32Array.of(5).buffer)];
  for (const p of pieces) {
    const head = Buffer.alloc(8);
    head.writeFloatLE(0, 0);
    head.writeInt32LE(p.length, 4);
    parts.push(head, Buffer.from(p, 'latin1'));
  }
  const path = join(mkdtempSync(join(tmpdir(), 'glassbox-tok-')), 'tok3.bin');
  writeFileSync(path, Buffer.concat(parts));
  return path;
}

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (t) => out.push(t), warn: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('glassbox attention / lens / attribute --text', () => {
  before(async () => useBackend('wasm'));

  it('attention: [layer][head][query][key] rows sum to 1 under the causal mask, with rollout and flow', async () => {
    const { code, out, err } = await run(['attention', ...LLAMA, '--text', 'Once upon a', '--rollout', '--flow', '--format', 'json']);
    assert.equal(code, 0, err);
    const json = JSON.parse(out) as { tokens: string[]; attentions: number[][][][]; rollout: number[][]; flow: number[][]; flowRows: number[]; layers: number[] };
    const n = json.tokens.length;
    assert.equal(json.tokens[0], '<s>');
    assert.equal(json.attentions.length, 4);
    assert.equal(json.attentions[0].length, 4);
    for (const layer of json.attentions) for (const head of layer) {
      head.forEach((row, q) => {
        assert.equal(row.length, n);
        assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5);
        row.forEach((w, k) => { if (k > q) assert.equal(w, 0); });
      });
    }
    assert.equal(json.rollout.length, n);
    json.rollout.forEach((row) => assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5));
    // By default flow is computed for the position a language model reads, its last token; --rows all is the matrix.
    assert.deepEqual(json.flowRows, [n - 1]);
    assert.equal(json.flow.length, 1);
    assert.ok(Math.abs(json.flow[0].reduce((a, b) => a + b, 0) - 1) < 1e-5);
    const all = JSON.parse((await run(['attention', ...LLAMA, '--text', 'Once upon a', '--flow', '--rows', 'all'])).out) as typeof json;
    assert.deepEqual(all.flowRows, Array.from({ length: n }, (_, q) => q));
    assert.deepEqual(all.flow[n - 1], json.flow[0]);
    const chosen = JSON.parse((await run(['attention', ...LLAMA, '--text', 'Once upon a', '--flow', '--rows', '1,0'])).out) as typeof json;
    assert.deepEqual(chosen.flow, [all.flow[1], all.flow[0]]);
    const bad = await run(['attention', ...LLAMA, '--text', 'Once upon a', '--flow', '--rows', '99']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--rows must be query positions from 0 to/);
    const one = JSON.parse((await run(['attention', ...LLAMA, '--text', 'Once upon a', '--layer', '2', '--head', '1'])).out) as typeof json;
    assert.deepEqual(one.layers, [2]);
    assert.deepEqual(one.attentions[0][0], json.attentions[2][1]);
  });

  it('attention --format html writes the head view page', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'glassbox-text-'));
    const path = join(dir, 'heads.html');
    const { code, err } = await run(['attention', '--model', 'spam', '--text', 'free prize, call now', '--rollout', '--format', 'html', '--out', path]);
    assert.equal(code, 0, err);
    const html = readFileSync(path, 'utf8');
    assert.ok(html.startsWith('<!DOCTYPE html>'));
    assert.ok(html.includes('Content-Security-Policy'));
    assert.ok(html.includes('rollout'));
  });

  it('lens: a layer x position grid and direct logit attribution summing to the logit', async () => {
    const { code, out, err } = await run(['lens', ...LLAMA, '--text', 'Once upon a time', '--top', '3']);
    assert.equal(code, 0, err);
    const json = JSON.parse(out) as {
      tokens: string[]; layerNames: string[]; top: { id: number; probability: number }[][][]; chosen: { id: number }[];
      directLogitAttribution: { logit: number; constant: number; components: { value: number }[]; target: number };
    };
    assert.equal(json.layerNames.length, 5);
    assert.equal(json.top[4].length, json.tokens.length);
    assert.equal(json.top[4][0].length, 3);
    const last = json.tokens.length - 1;
    assert.equal(json.top[4][last][0].id, json.chosen[last].id, 'the last layer\'s top token is the prediction');
    const dla = json.directLogitAttribution;
    assert.equal(dla.target, json.chosen[last].id);
    const total = dla.components.reduce((a, c) => a + c.value, 0) + dla.constant;
    assert.ok(Math.abs(total - dla.logit) < 1e-3);
  });

  it('lens on a classifier: the class lens per layer and the direct logit attribution of spam - ham', async () => {
    const { code, out, err } = await run(['lens', '--model', 'spam', '--text', 'WIN a free prize, call now', '--format', 'json']);
    assert.equal(code, 0, err);
    const json = JSON.parse(out) as {
      classLens: { layerNames: string[]; probabilities: number[][]; logits: number[][]; predicted: number[] };
      directLogitAttribution: { readout: string; target: number; contrast: number; logit: number; constant: number; components: { value: number }[] };
    };
    assert.deepEqual(json.classLens.layerNames, ['embed', 'layer 0', 'layer 1']);
    const dla = json.directLogitAttribution;
    assert.equal(dla.readout, 'class');
    assert.equal(dla.target, json.classLens.predicted[2]);
    assert.equal(dla.contrast, 1 - dla.target, 'two classes: the other class is the contrast');
    const last = json.classLens.logits[2];
    assert.ok(Math.abs(dla.logit - (last[dla.target] - last[dla.contrast])) < 1e-4);
    assert.ok(Math.abs(dla.components.reduce((a, c) => a + c.value, 0) + dla.constant - dla.logit) < 1e-4);
  });

  it('lens --format html and svg draw the layer x position grid', async () => {
    const svg = await run(['lens', ...LLAMA, '--text', 'Once upon', '--format', 'svg']);
    assert.equal(svg.code, 0, svg.err);
    assert.ok(svg.out.trimStart().startsWith('<svg'));
    const html = await run(['lens', ...LLAMA, '--text', 'Once upon', '--format', 'html']);
    assert.equal(html.code, 0, html.err);
    assert.ok(html.out.startsWith('<!DOCTYPE html>') && html.out.includes('<svg'));
  });

  it('attribute --text integrated-gradients: one score per token, matching the library, completeness', async () => {
    const { code, out, err } = await run(['attribute', ...LLAMA, '--text', 'Once upon a time', '--method', 'integrated-gradients', '--steps', '50', '--format', 'json']);
    assert.equal(code, 0, err);
    const json = JSON.parse(out) as { tokens: string[]; ids: number[]; attributions: number[]; target: number; prediction: number; convergenceDelta: number; params: { baselineOutput: number } };
    assert.equal(json.attributions.length, json.tokens.length);
    assert.equal(json.attributions[0], 0, 'BOS is kept in the baseline');
    const model = await loadLlama2c(`${T}aidreams260K.bin`, `${T}tok512.bin`);
    const expected = textIntegratedGradients(model.transformer, json.ids, { steps: 50, baseline: 'pad', specials: { pad: 0 }, keep: [0] });
    model.dispose();
    json.attributions.forEach((s, i) => assert.ok(Math.abs(s - expected.scores[i]) < 1e-6));
    assert.equal(json.target, expected.target);
    const total = json.attributions.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - (json.prediction - json.params.baselineOutput)) < 0.01 * Math.abs(json.prediction - json.params.baselineOutput));
  });

  it('attribute --text on the spam classifier: every method, targets and contrast', async () => {
    for (const method of ['saliency', 'input-x-gradient', 'occlusion', 'lime', 'kernel-shap']) {
      const { code, out, err } = await run(['attribute', '--model', 'spam', '--text', 'free prize, call now', '--method', method, '--samples', '200', '--target', '1', '--format', 'json']);
      assert.equal(code, 0, `${method}: ${err}`);
      const json = JSON.parse(out) as { tokens: string[]; attributions: number[]; target: number };
      assert.equal(json.tokens[0], '[CLS]');
      assert.equal(json.attributions.length, json.tokens.length);
      assert.equal(json.target, 1);
      assert.ok(json.attributions.every(Number.isFinite));
    }
    const a = JSON.parse((await run(['attribute', '--model', 'spam', '--text', 'free prize', '--method', 'input-x-gradient', '--target', '1'])).out) as { attributions: number[] };
    const b = JSON.parse((await run(['attribute', '--model', 'spam', '--text', 'free prize', '--method', 'input-x-gradient', '--target', '0'])).out) as { attributions: number[] };
    const c = JSON.parse((await run(['attribute', '--model', 'spam', '--text', 'free prize', '--method', 'input-x-gradient', '--target', '1', '--contrast', '0'])).out) as { attributions: number[] };
    c.attributions.forEach((s, i) => assert.ok(Math.abs(s - (a.attributions[i] - b.attributions[i])) < 1e-5));
  });

  it('attribute --text --generate: each generated token over the tokens before it (the greedy continuation)', async () => {
    const { code, out, err } = await run(['attribute', ...LLAMA, '--text', 'Once upon a time', '--method', 'input-x-gradient', '--generate', '3']);
    assert.equal(code, 0, err);
    const json = JSON.parse(out) as { tokens: string[]; promptLength: number; generated: number[]; attributions: number[][] };
    const model = await loadLlama2c(`${T}aidreams260K.bin`, `${T}tok512.bin`);
    const prompt = model.encode('Once upon a time');
    assert.deepEqual(json.generated, model.transformer.generate(prompt, 3, { stopTokens: [1] }));
    model.dispose();
    assert.equal(json.promptLength, prompt.length);
    json.attributions.forEach((row, i) => assert.equal(row.length, prompt.length + i));
    const bad = await run(['attribute', '--model', 'spam', '--text', 'free', '--method', 'saliency', '--generate', '2']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--generate needs a language model/);
  });

  it('unknown words: the classifier warns about [UNK] tokens', async () => {
    const { code, err } = await run(['attribute', '--model', 'spam', '--text', '\u{1D518}\u{1D52B} free', '--method', 'saliency']);
    assert.equal(code, 0, err);
    assert.match(err, /not in spam's vocabulary and became \[UNK\]/);
  });

  it('bad input gets a clear usage error (exit 2)', async () => {
    const long = 'once upon a time '.repeat(60);
    const cases: [string[], RegExp][] = [
      [['attention', ...LLAMA, '--text', '  '], /the text is empty/],
      [['attention', ...LLAMA], /--text is required/],
      [['lens', ...LLAMA, '--text', long], /more than the model's context of 128.*\n.*--truncate/],
      [['attention', ...LLAMA, '--text', 'Once', '--layer', '4'], /--layer 4 is out of range: the model has 4 layers/],
      [['attention', ...LLAMA, '--text', 'Once', '--head', '7'], /--head 7 is out of range: the model has 4 heads/],
      [['attention', '--model', `${T}aidreams260K.bin`, '--text', 'Once'], /needs its tokenizer/],
      [['attention', '--model', `${T}aidreams260K.bin`, '--tokenizer', smallTokenizer(), '--text', 'Once'], /has 3 tokens but the model's vocabulary has 512/],
      [['lens', '--model', 'spam', '--text', 'free prize', '--format', 'svg'], /classifier: its class lens has JSON output only/],
      [['lens', '--model', 'spam', '--text', 'free prize', '--position', '1'], /reads position 0 only/],
      [['attribute', ...LLAMA, '--text', 'Once', '--method', 'grad-cam'], /not a text method/],
      [['attribute', ...LLAMA, '--text', 'Once', '--method', 'saliency', '--target', '600'], /target 600 is out of range/],
      [['attribute', '--model', 'spam', '--text', 'free', '--method', 'saliency', '--position', '1'], /--position is for language models/],
      [['attribute', '--model', 'spam', '--tokenizer', `${T}tok512.bin`, '--text', 'free', '--method', 'saliency'], /--tokenizer is for llama2.c/],
    ];
    for (const [args, pattern] of cases) {
      const { code, err } = await run(args);
      assert.equal(code, 2, `${args.join(' ')}: ${err}`);
      assert.match(err, /fix: /);
      assert.match(err, pattern);
      assert.ok(!err.includes('    at '), 'no stack trace');
    }
    // A file that is not a tokenizer at all is a failure (exit 1) with the same kind of message.
    const corrupt = await run(['attention', '--model', `${T}aidreams260K.bin`, '--tokenizer', `${T}greedy_reference.json`, '--text', 'Once']);
    assert.equal(corrupt.code, 1);
    assert.match(corrupt.err, /is not a valid llama2.c tokenizer/);
    const { code, err, out } = await run(['lens', ...LLAMA, '--text', long, '--truncate', '--top', '1']);
    assert.equal(code, 0, err);
    assert.match(err, /cut to the first 128/);
    assert.equal((JSON.parse(out) as { tokens: string[] }).tokens.length, 128);
  });
});
