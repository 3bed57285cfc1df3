import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { useBackend } from '../../src/backend.js';
import { loadInput } from '../../src/io/load-input.js';
import { loadModel } from '../../src/models/load.js';
import { VitModel } from '../../src/models/vit/model.js';
import type { VitAttentionPanels } from '../../src/models/vit/attention-panels.js';

const DIGIT = 'samples/digits/digit-7.png';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (t) => out.push(t), warn: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

interface ExplainJson { model: string; attention?: VitAttentionPanels; results: { method: string }[] }

function readOutputs(dir: string): { html: string; json: ExplainJson } {
  return {
    html: readFileSync(join(dir, 'report.html'), 'utf8'),
    json: JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as ExplainJson,
  };
}

describe('glassbox explain on the vision transformer', () => {
  before(async () => useBackend('wasm'));

  it('adds the attention section and its numbers, which are the library\'s vitAttention for the same input', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'glassbox-explain-vit-'));
    const { code, err } = await run(['explain', '--model', 'vit-digits', '--input', DIGIT, '--methods', 'saliency', '--out', dir]);
    assert.equal(code, 0, err);
    const { html, json } = readOutputs(dir);
    assert.ok(html.includes('<section id="attention">'));
    // Rollout, the 4 heads of the last layer, the head mean of each of the 4 layers.
    assert.equal((html.match(/<figure class="attention"/g) ?? []).length, 1 + 4 + 4);
    assert.ok(html.includes('layer 3, head 2'));
    assert.deepEqual(json.results.map((r) => r.method), ['saliency']);
    const panels = json.attention;
    assert.ok(panels, 'results.json has no attention');

    const model = await loadModel('vit-digits');
    try {
      assert.ok(model instanceof VitModel);
      const { tensor } = await loadInput(DIGIT, model.info);
      const attention = model.attention(tensor);
      tensor.dispose();
      const { layers, heads } = attention.maps;
      const patches = attention.grid * attention.grid;
      assert.deepEqual([panels.layers, panels.heads, panels.grid, panels.patchSize], [layers, heads, attention.grid, attention.patchSize]);
      const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-6, `${what}: ${a} vs ${b}`);
      panels.rollout.patches.forEach((v, p) => near(v, attention.rollout[p], `rollout patch ${p}`));
      near(panels.rollout.clsSelf, attention.rolloutSelf, 'rollout on [CLS]');
      panels.lastLayerHeads.forEach((panel, h) => {
        const offset = ((layers - 1) * heads + h) * patches;
        panel.patches.forEach((v, p) => near(v, attention.cls[offset + p], `last layer head ${h} patch ${p}`));
        near(panel.clsSelf, attention.clsSelf[(layers - 1) * heads + h], `last layer head ${h} on [CLS]`);
      });
      panels.layerMeans.forEach((panel, l) => {
        panel.patches.forEach((v, p) => {
          let mean = 0;
          for (let h = 0; h < heads; h++) mean += attention.cls[(l * heads + h) * patches + p] / heads;
          near(v, mean, `layer ${l} mean patch ${p}`);
        });
      });
    } finally {
      model.dispose();
    }
  });

  it('has no attention section for the CNN', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'glassbox-explain-cnn-'));
    const { code, err } = await run(['explain', '--model', 'digits', '--input', DIGIT, '--methods', 'saliency', '--out', dir]);
    assert.equal(code, 0, err);
    const { html, json } = readOutputs(dir);
    assert.ok(!html.includes('id="attention"'));
    assert.ok(!html.includes('class="attention"'));
    assert.equal(json.attention, undefined);
    assert.deepEqual(json.results.map((r) => r.method), ['saliency']);
  });
});
