import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useBackend, type BackendName } from '../../src/backend.js';
import { loadModel } from '../../src/models/load.js';
import { METHODS } from '../../src/attribution/registry.js';
import { blockMask } from '../../src/attribution/perturbation/feature-ablation.js';
import { readIdx } from '../../src/io/idx.js';

/**
 * Every method gives the same attributions on the wasm and the cpu backend. The cpu backend is plain
 * JavaScript and the reference here: this is the test that caught wasm's wrong MaxPoolGrad.
 */
const OPTIONS: Record<string, Record<string, unknown>> = {
  'integrated-gradients': { steps: 6 },
  smoothgrad: { samples: 2, seed: 3 },
  'gradient-shap': { samples: 2, seed: 3 },
  'grad-cam': { layer: 'conv2', upsample: 'bilinear' },
  'guided-grad-cam': { layer: 'conv2' },
  occlusion: { window: [7, 7, 1], strides: [7, 7, 1] },
  'feature-ablation': { featureMask: blockMask([28, 28, 1], 7, 'NHWC') },
  'shapley-values': { featureMask: blockMask([28, 28, 1], 14, 'NHWC') },
  lime: { samples: 100, slic: { nSegments: 16 } },
  'kernel-shap': { samples: 100, slic: { nSegments: 16 } },
};

async function attributions(backend: BackendName): Promise<Map<string, Float32Array>> {
  await useBackend(backend);
  const model = await loadModel('digits', { backend, engine: 'tfjs' });
  const images = readIdx('data/mnist/t10k-images-idx3-ubyte.gz');
  const input = { shape: [2, 28, 28, 1], data: Float32Array.from(images.data.subarray(784, 3 * 784), (v) => v / 255) };
  const out = new Map<string, Float32Array>();
  for (const entry of METHODS) {
    out.set(entry.name, (await entry.create(model).attribute(input, { target: [2, 1], ...OPTIONS[entry.name] })).attributions);
  }
  model.dispose();
  return out;
}

describe('wasm and cpu backends agree', () => {
  it('on every method, on the digit CNN', async () => {
    const cpu = await attributions('cpu');
    const wasm = await attributions('wasm');
    for (const [name, reference] of cpu) {
      const got = wasm.get(name)!;
      const scale = Math.max(...reference.map(Math.abs));
      const worst = Math.max(...got.map((v, i) => Math.abs(v - reference[i])));
      assert.ok(worst <= 1e-3 * scale, `${name}: max |wasm - cpu| = ${worst} (scale ${scale})`);
    }
  });
});
