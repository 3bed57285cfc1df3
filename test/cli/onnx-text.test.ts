import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { useBackend } from '../../src/backend.js';
import type { TextAttributeOutput } from '../../src/cli/text-attribute.js';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (t) => out.push(t), warn: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** What `attribute --text` prints. */
type TextJson = TextAttributeOutput;

const TEXT = 'Congratulations! You won a FREE holiday. Text WIN to 80086 now';

describe('glassbox attribute --text on an ONNX text model (models/spam-onnx)', () => {
  before(async () => useBackend('wasm'));

  it('occlusion and kernel-shap give the TF.js spam model\'s attributions (1e-4)', async () => {
    for (const extra of [['--method', 'occlusion'], ['--method', 'kernel-shap', '--samples', '300', '--seed', '2']]) {
      const onnx = await run(['attribute', '--model', 'models/spam-onnx', '--text', TEXT, ...extra, '--format', 'json']);
      const tfjs = await run(['attribute', '--model', 'spam', '--text', TEXT, ...extra, '--format', 'json']);
      assert.equal(onnx.code, 0, onnx.err);
      assert.equal(tfjs.code, 0, tfjs.err);
      const a = JSON.parse(onnx.out) as TextJson;
      const b = JSON.parse(tfjs.out) as TextJson;
      assert.equal(a.model, 'spam-onnx');
      assert.deepEqual([a.tokens, a.ids, a.target, a.targetName], [b.tokens, b.ids, b.target, b.targetName]);
      assert.equal(a.targetName, 'spam');
      assert.ok(Math.abs(a.prediction - b.prediction) < 1e-4);
      const worst = Math.max(...a.attributions.map((v, i) => Math.abs(v - b.attributions[i])));
      assert.ok(worst < 1e-4, `${extra[1]}: largest difference ${worst}`);
      // [CLS] and [SEP] are kept, so they score 0.
      assert.equal(a.attributions[0], 0);
      assert.equal(a.attributions[a.attributions.length - 1], 0);
    }
  });

  it('lime runs on it and the built-in name spam-onnx loads the same folder', async () => {
    const { code, out, err } = await run(['attribute', '--model', 'spam-onnx', '--text', TEXT, '--method', 'lime', '--samples', '200', '--target', '0']);
    assert.equal(code, 0, err);
    const json = JSON.parse(out) as TextJson;
    assert.equal(json.method, 'lime');
    assert.equal(json.targetName, 'ham');
    assert.equal(json.attributions.length, json.tokens.length);
  });

  it('a folder copied anywhere works: model.onnx and tokenizer.json are all it needs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'glassbox-onnx-cli-'));
    for (const f of ['model.onnx', 'tokenizer.json']) copyFileSync(join('models/spam-onnx', f), join(dir, f));
    const { code, out, err } = await run(['attribute', '--model', dir, '--text', 'free prize', '--method', 'occlusion']);
    assert.equal(code, 0, err);
    const json = JSON.parse(out) as TextJson;
    // Without config.json the classes have no names, and the context comes from tokenizer.json's truncation.
    assert.equal(json.targetName, undefined);
    assert.deepEqual(json.tokens, ['[CLS]', 'free', 'prize', '[SEP]']);
  });

  it('gradient methods say that an ONNX text model is a black box; so do lens and explain', async () => {
    for (const method of ['saliency', 'input-x-gradient', 'integrated-gradients']) {
      const { code, err } = await run(['attribute', '--model', 'models/spam-onnx', '--text', TEXT, '--method', method]);
      assert.equal(code, 2);
      assert.match(err, new RegExp(`models/spam-onnx is an ONNX text model, a black box: ${method} needs gradients`));
      assert.match(err, /fix: use --method occlusion, lime or kernel-shap/);
    }
    for (const command of ['lens', 'explain']) {
      const { code, err } = await run([command, '--model', 'models/spam-onnx', '--text', TEXT]);
      assert.equal(code, 2);
      assert.match(err, /is an ONNX text model, a black box/);
    }
  });

  it('a text beyond the context fails unless --truncate; --tokenizer is refused', async () => {
    const long = Array.from({ length: 200 }, () => 'free').join(' ');
    const bad = await run(['attribute', '--model', 'models/spam-onnx', '--text', long, '--method', 'occlusion']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /the text is 202 tokens \(special tokens included\), more than the model's context of 128/);
    assert.match(bad.err, /--truncate/);
    const cut = await run(['attribute', '--model', 'models/spam-onnx', '--text', long, '--method', 'occlusion', '--span', '16', '--stride', '16', '--truncate']);
    assert.equal(cut.code, 0, cut.err);
    assert.match(cut.err, /cut to the first 128/);
    assert.equal((JSON.parse(cut.out) as TextJson).ids.length, 128);
    const tok = await run(['attribute', '--model', 'models/spam-onnx', '--tokenizer', 'x.bin', '--text', 'hi', '--method', 'occlusion']);
    assert.equal(tok.code, 2);
    assert.match(tok.err, /brings its own tokenizer\.json/);
  });
});
