import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/backend.js';
import { UsageError } from '../../src/errors.js';
import type { ModelInfo } from '../../src/models/model.js';
import { batchShapeFor, loadInput } from '../../src/io/load-input.js';
import { encodeNpy } from '../../src/io/npy.js';
import { writePng } from './fixtures.js';

const usage = (pattern: RegExp) => (e: unknown) => e instanceof UsageError && pattern.test(e.message);

/** An MNIST-like model description: 28 x 28 grey, NHWC, values in [0, 1]. */
const mnist: ModelInfo = {
  name: 'mnist', engine: 'test', inputShape: [28, 28, 1], numOutputs: 10, outputKind: 'logits', layers: [],
  preprocessing: { layout: 'NHWC', width: 28, height: 28, channels: 1, scale: 1 / 255, mean: [0], std: [1] },
};

let dir: string;
const file = (name: string, content: string | Uint8Array) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

describe('loadInput', () => {
  before(async () => {
    await useBackend('wasm');
    dir = mkdtempSync(join(tmpdir(), 'glassbox-input-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a PNG by its content (whatever the extension), resized and normalised for the model', async () => {
    // 56 x 56 grey: the left half white. Named .dat to show the extension does not matter.
    const samples = Array.from({ length: 56 * 56 }, (_, i) => (i % 56 < 28 ? 255 : 0));
    const r = await loadInput(file('digit.dat', writePng(56, 56, samples, 0)), mnist);
    assert.deepEqual(r.tensor.shape, [1, 28, 28, 1]);
    const values = r.tensor.dataSync();
    assert.equal(values[0], 1);
    assert.equal(values[13], 1);
    assert.equal(values[14], 0);
    assert.equal(r.display?.width, 28);
    assert.deepEqual([...r.display!.data.subarray(0, 3)], [255, 255, 255]);
    assert.equal(r.source, 'digit.dat (PNG 56 x 56 grey, resized to 28 x 28)');
    r.tensor.dispose();
  });

  it('reads JSON and .npy with or without a batch dimension, and up to sizes of 1', async () => {
    const row = Array.from({ length: 784 }, (_, i) => i / 784);
    const cases: [string, string | Uint8Array, number[]][] = [
      ['one.json', JSON.stringify({ shape: [28, 28, 1], data: row }), [1, 28, 28, 1]],
      ['squeezed.json', JSON.stringify({ shape: [28, 28], data: row }), [1, 28, 28, 1]],
      ['flat.json', JSON.stringify(row), [1, 28, 28, 1]],
      ['batch.json', JSON.stringify({ shape: [2, 784], data: [...row, ...row] }), [2, 28, 28, 1]],
      ['batch.npy', encodeNpy({ shape: [2, 28, 28, 1], data: Float32Array.from([...row, ...row]) }), [2, 28, 28, 1]],
      ['nchw-like.npy', encodeNpy({ shape: [1, 1, 28, 28], data: Float32Array.from(row) }), [1, 28, 28, 1]],
    ];
    for (const [name, content, shape] of cases) {
      const r = await loadInput(file(name, content), mnist);
      assert.deepEqual(r.tensor.shape, shape, name);
      assert.equal(r.display, undefined);
      const values = r.tensor.dataSync();
      assert.equal(values[783], Math.fround(783 / 784), name);
      r.tensor.dispose();
    }
    const r = await loadInput(file('a.npy', encodeNpy({ shape: [784], data: Float32Array.from(row) })), mnist);
    assert.equal(r.source, 'a.npy (.npy float32 [784])');
    r.tensor.dispose();
    assert.equal(batchShapeFor([3, 28, 28], [28, 28, 1])?.join(), '3,28,28,1');
    assert.equal(batchShapeFor([28, 1, 28], [28, 28, 1])?.join(), '1,28,28,1');
  });

  it('refuses arrays that do not fit, with a hint when only the layout is off', async () => {
    const rgb: ModelInfo = { ...mnist, name: 'cifar', inputShape: [32, 32, 3], preprocessing: undefined };
    const chw = encodeNpy({ shape: [3, 32, 32], data: new Float32Array(3072) });
    await assert.rejects(loadInput(file('chw.npy', chw), rgb),
      usage(/chw\.npy holds an array of shape \[3, 32, 32\] \(3072 values\), which does not fit model cifar: it takes \[32, 32, 3\] \(3072 values per row\)[\s\S]*another arrangement.*transpose/));
    await assert.rejects(loadInput(file('small.json', '[[1, 2], [3, 4]]'), mnist),
      usage(/holds an array of shape \[2, 2\] \(4 values\), which does not fit model mnist[\s\S]*give an array of shape \[28, 28, 1\] or \[batch, 28, 28, 1\]/));
  });

  it('names the file when values are not finite', async () => {
    const bad = encodeNpy({ shape: [784], data: Float32Array.from({ length: 784 }, (_, i) => (i === 5 ? NaN : 0)) });
    const path = file('nan.npy', bad);
    await assert.rejects(loadInput(path, mnist), usage(new RegExp(`^${path.replace(/[.\\/]/g, '\\$&')} holds a NaN at flat index 5`)));
    await assert.rejects(loadInput(file('nan.json', '[1, NaN]'), mnist), usage(/nan\.json holds NaN, which is not valid JSON/));
  });

  it('needs image preprocessing for images, and one that fits the model', async () => {
    const png = writePng(1, 1, [0], 0);
    const bare: ModelInfo = { ...mnist, preprocessing: undefined };
    await assert.rejects(loadInput(file('x.png', png), bare),
      usage(/x\.png is an image, but model mnist \(input \[28, 28, 1\]\) does not say how images become inputs[\s\S]*JSON or \.npy/));
    const wrong: ModelInfo = { ...mnist, preprocessing: { ...mnist.preprocessing!, width: 32 } };
    await assert.rejects(loadInput(file('x.png', png), wrong), usage(/makes inputs of shape \[28, 32, 1\], but the model takes \[28, 28, 1\]/));
  });

  it('refuses unsupported formats, missing files, folders and oversized files', async () => {
    await assert.rejects(loadInput(file('a.png', 'GIF89a\x01\x00\x01\x00'), mnist),
      usage(/a\.png is a GIF image, which Glassbox cannot read[\s\S]*give a PNG or JPEG image, a JSON tensor .* or a \.npy file/));
    await assert.rejects(loadInput(file('notes.txt', 'label: 7\n'), mnist), usage(/notes\.txt is a text file that is not JSON \(it starts with "label: 7"\)/));
    await assert.rejects(loadInput(join(dir, 'nope.png'), mnist), usage(/input file .*nope\.png does not exist/));
    mkdirSync(join(dir, 'folder'));
    await assert.rejects(loadInput(join(dir, 'folder'), mnist), usage(/folder is a folder, not a file/));
    const big = file('big.npy', '');
    truncateSync(big, 51 * 1024 * 1024); // sparse: nothing is written
    await assert.rejects(loadInput(big, mnist), usage(/big\.npy is 51 MB, more than the 50 MB Glassbox reads/));
    await assert.rejects(loadInput(file('small.json', '[1]'), mnist, { maxBytes: 2 }), usage(/small\.json is 3 bytes, more than the 2 bytes Glassbox reads/));
  });

  it('holds no tensors beyond the one it returns', async () => {
    const start = tf.memory().numTensors;
    const r = await loadInput(file('n.png', writePng(3, 3, new Array(27).fill(9), 2)), mnist);
    assert.equal(tf.memory().numTensors, start + 1);
    r.tensor.dispose();
  });
});
