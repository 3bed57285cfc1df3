import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { useBackend } from '../../src/backend.js';
import { defaultMetrics } from '../../src/metrics/evaluate.js';
import { DEFAULT_METRICS } from '../../src/metrics/registry.js';
import { createImageSubject } from '../../src/metrics/subjects/image.js';
import { loadModel } from '../../src/models/load.js';

describe('default metrics', () => {
  before(async () => {
    await useBackend('wasm');
  });

  it('keep the randomisation test for a model with weights to re-draw and leave it out for one without', async () => {
    const digit = { shape: [1, 28, 28, 1], data: new Float32Array(784).fill(0.5) };
    for (const [name, randomisable] of [['digits', true], ['vit-digits', false]] as const) {
      const model = await loadModel(name);
      try {
        const subject = await createImageSubject(model, digit, 'saliency');
        const expected = DEFAULT_METRICS.filter((m) => randomisable || m !== 'randomisation');
        assert.deepEqual(defaultMetrics(subject), expected, name);
      } finally {
        model.dispose();
      }
    }
  });
});
