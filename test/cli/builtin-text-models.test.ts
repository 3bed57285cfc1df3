import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { attentionGradients } from '../../src/attribution/text/attention-gradients.js';
import { gradientWeightedRollout } from '../../src/attention/gradient-weighted.js';
import { loadTextClassifier } from '../../src/models/text/load.js';

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), warn: (l) => err.push(l) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

interface AttentionJson { tokens: string[]; attentions: number[][][][]; rollout?: number[][]; flowRows?: number[]; flow?: number[][] }

const TEXT = 'WIN a free prize now, call 0800 today';

describe('text commands on the built-in ONNX export and language model', () => {
  it('attention on the ONNX export of spam gives the TF.js model\'s weights, rollout and flow', async () => {
    const tfjs = await run('attention', '--model', 'spam', '--text', TEXT, '--rollout', '--flow');
    const onnx = await run('attention', '--model', 'spam-onnx', '--text', TEXT, '--rollout', '--flow');
    assert.equal(tfjs.code, 0, tfjs.stderr);
    assert.equal(onnx.code, 0, onnx.stderr);
    const a = JSON.parse(tfjs.stdout) as AttentionJson;
    const b = JSON.parse(onnx.stdout) as AttentionJson;
    assert.deepEqual(b.tokens, a.tokens);
    assert.deepEqual(b.flowRows, [0], 'a [CLS] classifier\'s flow is computed for the row it reads');
    const flat = (x: unknown): number[] => (Array.isArray(x) ? x.flatMap(flat) : [x as number]);
    for (const key of ['attentions', 'rollout', 'flow'] as const) {
      const x = flat(a[key]);
      const y = flat(b[key]);
      assert.equal(y.length, x.length, key);
      assert.ok(x.every((v, i) => Math.abs(v - y[i]) < 1e-4), `${key} agree`);
    }
    const bad = await run('attention', '--model', 'spam-onnx', '--text', TEXT, '--layer', '5');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--layer 5 is out of range: the model has 2 layers/);
  });

  it('sms-lm loads by name for the logit lens, and refuses a second tokenizer', async () => {
    const r = await run('lens', '--model', 'sms-lm', '--text', 'Sorry, I will call you later', '--top', '2');
    assert.equal(r.code, 0, r.stderr);
    const lens = JSON.parse(r.stdout) as { tokens: string[]; layerNames: string[]; top: { token: string; probability: number }[][][] };
    assert.equal(lens.tokens[0], '<s>');
    assert.deepEqual(lens.layerNames, ['embed', 'layer 0', 'layer 1', 'layer 2', 'layer 3']);
    for (const layer of lens.top) for (const position of layer) {
      assert.equal(position.length, 2);
      assert.ok(position[0].probability >= position[1].probability);
    }
    const bad = await run('lens', '--model', 'sms-lm', '--tokenizer', 'tok.bin', '--text', 'hi');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /built-in language model with its own tokenizer/);
  });

  it('attention draws a static heatmap: the head mean of the last layer by default, one head, or the rollout', async () => {
    const svg = await run('attention', '--model', 'sms-lm', '--text', 'Sorry, I will call you later', '--format', 'svg');
    assert.equal(svg.code, 0, svg.stderr);
    assert.match(svg.stdout, /^<svg/);
    assert.match(svg.stdout, /layer 3, mean of 4 heads/);
    assert.match((await run('attention', '--model', 'spam', '--text', TEXT, '--rollout', '--format', 'svg')).stdout, /Attention: spam, rollout/);
    const png = join(mkdtempSync(join(tmpdir(), 'glassbox-attention-')), 'head.png');
    const r = await run('attention', '--model', 'spam-onnx', '--text', TEXT, '--layer', '0', '--head', '1', '--format', 'png', '--out', png);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual([...readFileSync(png).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    const bad = await run('attention', '--model', 'spam', '--text', TEXT, '--flow', '--format', 'svg');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /draws one map/);
  });

  it('attention --gradient-weighted gives the library\'s relevance rollout for the chosen class; an ONNX model says it has no gradients', async () => {
    const r = await run('attention', '--model', 'spam', '--text', TEXT, '--gradient-weighted', '--target', '1');
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout) as { gradientWeighted: { target: number; targetName: string; layers: number[][][]; rollout: number[][] } };
    assert.equal(json.gradientWeighted.target, 1);
    assert.equal(json.gradientWeighted.targetName, 'spam');
    const model = await loadTextClassifier('spam');
    try {
      const ids = model.tokenizer.encode(TEXT).ids;
      const { maps, gradients } = attentionGradients(model.transformer, ids, { target: 1 });
      const expected = gradientWeightedRollout(maps, gradients);
      assert.equal(json.gradientWeighted.layers.length, maps.layers);
      json.gradientWeighted.rollout.flat().forEach((v, i) => assert.ok(Math.abs(v - expected.values[i]) < 1e-5, `relevance ${i}`));
    } finally {
      model.dispose();
    }
    const onnx = await run('attention', '--model', 'spam-onnx', '--text', TEXT, '--gradient-weighted');
    assert.equal(onnx.code, 2);
    assert.match(onnx.stderr, /black box: gradient-weighted attention needs gradients/);
    const stray = await run('attention', '--model', 'spam', '--text', TEXT, '--target', '1');
    assert.equal(stray.code, 2);
    assert.match(stray.stderr, /add --gradient-weighted/);
  });

  it('attention --stats and --fusion: head statistics and heads fused by max, from the same weights', async () => {
    const r = await run('attention', '--model', 'sms-lm', '--text', 'Sorry, I will call you later', '--stats', '--fusion', 'max');
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout) as AttentionJson & { headStatistics: { entropy: number[][]; previousTokenAttention: number[][]; specialPositions: number[] }; fused: { fusion: string; layers: number[][][] } };
    assert.deepEqual(json.headStatistics.specialPositions, [0], 'the BOS token <s>');
    json.attentions.forEach((layer, l) => {
      const n = json.tokens.length;
      layer.forEach((head, h) => {
        // Entropy by hand, mean over queries.
        const entropy = head.reduce((sum, row) => sum - row.reduce((e, a) => e + (a > 0 ? a * Math.log(a) : 0), 0), 0) / n;
        assert.ok(Math.abs(entropy - json.headStatistics.entropy[l][h]) < 1e-5, `entropy ${l},${h}`);
      });
      for (let q = 0; q < n; q++) for (let k = 0; k < n; k++) {
        const max = Math.max(...layer.map((head) => head[q][k]));
        assert.ok(Math.abs(json.fused.layers[l][q][k] - max) < 1e-6);
      }
    });
  });
});
