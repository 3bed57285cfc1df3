import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { loadModel, BUILTIN_MODELS } from '../../src/models/load.js';
import { loadInput } from '../../src/io/load-input.js';

describe('loadModel and the vision transformer', () => {
  it('loads vit-digits by name and by folder, reads a sample digit as the CNN does, and gets it right', async () => {
    assert.ok(BUILTIN_MODELS['vit-digits']);
    for (const name of ['vit-digits', 'models/vit-digits']) {
      const model = await loadModel(name);
      assert.deepEqual(model.info.inputShape, [28, 28, 1]);
      const { tensor } = await loadInput('samples/digits/digit-7.png', model.info);
      const out = await model.forward(tensor);
      assert.equal((await out.argMax(1).data())[0], 7);
      tf.dispose([tensor, out]);
      model.dispose();
    }
  });

  it('refuses the native engine with a fix', async () => {
    await assert.rejects(loadModel('vit-digits', { engine: 'native' }), /vision transformer, which runs on TF.js[\s\S]*fix: leave out --engine native/);
  });
});
