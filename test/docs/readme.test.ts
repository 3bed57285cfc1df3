import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
// The package by its own name, as a user imports it.
import { loadModel, loadInput, IntegratedGradients, attribute, renderHeatmap, writePng, imageFromInput, useBackend } from 'glassbox';

describe('the README library example', () => {
  before(async () => useBackend('wasm'));

  it('runs as written and gives what the comments say', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'glassbox-readme-'));
    const model = await loadModel('digits');
    const { tensor } = await loadInput('samples/digits/digit-7.png', model.info);
    const ig = new IntegratedGradients(model);
    const result = await ig.attribute(tensor, { steps: 50, integration: 'gausslegendre', baselines: 0 });
    assert.deepEqual(result.target, [7]);
    assert.deepEqual(result.shape, [1, 28, 28, 1]);
    assert.ok(Math.abs(result.convergenceDelta![0]) < 0.05, `delta ${result.convergenceDelta}`);
    const json = JSON.parse(JSON.stringify(result));
    assert.deepEqual(Object.keys(json).sort(), ['attributions', 'convergenceDelta', 'method', 'model', 'params', 'shape', 'target', 'timeMs']);
    const cam = await attribute(model, 'grad-cam', tensor, { layer: 'conv2', upsample: 'bilinear', relu: true });
    assert.deepEqual(cam.shape, [1, 28, 28, 1]);
    assert.ok(cam.attributions.every((v) => v >= 0));
    const image = imageFromInput(result.row(0), model.info.preprocessing);
    writePng(join(dir, 'ig.png'), renderHeatmap(result.row(0), { image, method: 'blended_heat_map', sign: 'all' }).image);
    const png = PNG.sync.read(readFileSync(join(dir, 'ig.png')));
    assert.equal(png.width, 224);
    tensor.dispose();
    model.dispose();
  });
});
