import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import jpeg from 'jpeg-js';
import { useBackend } from '../../src/backend.js';
import { UsageError } from '../../src/errors.js';
import type { ImagePreprocessing } from '../../src/models/preprocessing.js';
import {
  convertChannels, decodeImage, imageToInput, normalizePixels, resizePixels, sniffFormat, type Pixels,
} from '../../src/io/image.js';
import { rawPng, writePng } from './fixtures.js';

const grey = (width: number, height: number, values: number[]): Pixels => ({ width, height, channels: 1, data: Float32Array.from(values) });
const close = (actual: ArrayLike<number>, expected: number[], tol = 1e-4, label = '') => {
  assert.equal(actual.length, expected.length, `${label} length`);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${label}[${i}]: ${actual[i]} vs ${expected[i]}`);
};
const usage = (pattern: RegExp) => (e: unknown) => e instanceof UsageError && pattern.test(e.message);

describe('format sniffing', () => {
  it('goes by magic bytes', () => {
    const text = (s: string) => new TextEncoder().encode(s);
    assert.equal(sniffFormat(writePng(1, 1, [0], 0)).kind, 'png');
    assert.equal(sniffFormat(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0])).kind, 'jpeg');
    assert.equal(sniffFormat(Uint8Array.from([0x93, ...text('NUMPY'), 1, 0])).kind, 'npy');
    assert.equal(sniffFormat(text('\ufeff  \n {"shape": [1]}')).kind, 'json');
    assert.equal(sniffFormat(text('[[1, 2]]')).kind, 'json');
    const described = (bytes: Uint8Array) => {
      const f = sniffFormat(bytes);
      return f.kind === 'unsupported' ? f.description : f.kind;
    };
    assert.equal(described(text('GIF89a....')), 'a GIF image');
    assert.equal(described(Uint8Array.from([0x42, 0x4d, 1, 2, 3, 4, 0, 0, 0, 0])), 'a BMP image');
    assert.equal(described(text('RIFF\x00\x00\x00\x00WEBPVP8 ')), 'a WebP image');
    assert.equal(described(text('hello, world')), 'a text file that is not JSON (it starts with "hello, world")');
    assert.equal(described(new Uint8Array(0)), 'an empty file');
    assert.equal(described(Uint8Array.from([0, 1, 2, 3, 200, 0])), 'a binary file of unknown format');
  });
});

describe('image decoding', () => {
  it('reads 8-bit grey, grey+alpha, RGB and RGBA PNGs written by pngjs', () => {
    const g = decodeImage(writePng(2, 1, [0, 200], 0), 'g.png');
    assert.deepEqual([g.format, g.channels, g.hadAlpha, [...g.data]], ['png', 1, false, [0, 200]]);
    const rgb = decodeImage(writePng(1, 1, [10, 20, 30], 2), 'rgb.png');
    assert.deepEqual([rgb.channels, [...rgb.data]], [3, [10, 20, 30]]);
    // Alpha is composited over black by default: 200 at alpha 51/255 = 0.2 -> 40.
    const ga = decodeImage(writePng(2, 1, [200, 255, 200, 51], 4), 'ga.png');
    assert.deepEqual([ga.channels, ga.hadAlpha], [1, true]);
    close(ga.data, [200, 40]);
    const rgba = decodeImage(writePng(1, 1, [100, 50, 250, 0], 6), 'rgba.png', { background: 255 });
    close(rgba.data, [255, 255, 255], 1e-4, 'over white');
  });

  it('keeps the precision of 16-bit PNGs, and reads palettes and 1-bit grey', () => {
    const g16 = decodeImage(writePng(3, 1, [0, 32768, 65535], 0, 16), 'g16.png');
    assert.equal(g16.bitDepth, 16);
    close(g16.data, [0, 32768 * 255 / 65535, 255], 1e-3);
    const rgba16 = decodeImage(writePng(1, 1, [65535, 0, 13107, 32768], 6, 16), 'rgba16.png');
    close(rgba16.data, [255 * 32768 / 65535, 0, 51 * 32768 / 65535], 1e-3);
    // Palette: indices 1, 0 -> colours (255, 0, 0) and (0, 0, 255).
    const pal = decodeImage(rawPng(2, 1, 3, 8, [[1, 0]], [{ type: 'PLTE', body: [0, 0, 255, 255, 0, 0] }]), 'pal.png');
    assert.deepEqual([pal.channels, [...pal.data]], [3, [255, 0, 0, 0, 0, 255]]);
    // 1-bit grey: bits 1 0 1 -> 255 0 255.
    const bits = decodeImage(rawPng(3, 1, 0, 1, [[0b10100000]]), 'bits.png');
    assert.deepEqual([...bits.data], [255, 0, 255]);
  });

  it('reads a JPEG encoded with jpeg-js', () => {
    const w = 16, h = 8;
    const rgba = Buffer.alloc(w * h * 4);
    for (let p = 0; p < w * h; p++) rgba.set([200, 100, 50, 255], p * 4);
    const bytes = new Uint8Array(jpeg.encode({ width: w, height: h, data: rgba }, 100).data);
    const img = decodeImage(bytes, 'flat.jpg');
    assert.deepEqual([img.format, img.width, img.height, img.channels], ['jpeg', 16, 8, 3]);
    for (let p = 0; p < w * h; p++) close(img.data.subarray(p * 3, p * 3 + 3), [200, 100, 50], 3, `pixel ${p}`);
  });

  it('refuses truncated, corrupt, oversized and non-image files with a clear message', () => {
    const png = writePng(8, 8, Array.from({ length: 64 * 3 }, (_, i) => i % 256), 2);
    assert.throws(() => decodeImage(png.subarray(0, png.length - 20), 'cut.png'),
      usage(/^cut\.png is not a readable PNG: the file ends too early \(it looks truncated\)/));
    const corrupt = Uint8Array.from(png);
    corrupt[40] ^= 0xff;
    assert.throws(() => decodeImage(corrupt, 'bad.png'), usage(/^bad\.png is not a readable PNG: the data is corrupt/));
    const rgba = Buffer.alloc(64 * 64 * 4, 120);
    const jpg = new Uint8Array(jpeg.encode({ width: 64, height: 64, data: rgba }, 90).data);
    assert.throws(() => decodeImage(jpg.subarray(0, jpg.length >> 1), 'cut.jpg'), usage(/^cut\.jpg is not a readable JPEG: the file ends too early/));
    // A header that claims 100000 x 100000 pixels is refused before decoding.
    const huge = rawPng(100000, 100000, 0, 8, [[0]]);
    assert.throws(() => decodeImage(huge, 'huge.png'), usage(/huge\.png is too large an image \(100000 x 100000\): Glassbox reads images of up to 40 megapixels/));
    assert.throws(() => decodeImage(new TextEncoder().encode('GIF89a...'), 'anim.gif'),
      usage(/anim\.gif is a GIF image, which Glassbox cannot read[\s\S]*PNG or JPEG image, a JSON tensor .* or a \.npy file/));
  });
});

describe('pixel operations', () => {
  it('converts grey to RGB by repetition and RGB to grey by BT.601 luma', () => {
    assert.deepEqual([...convertChannels(grey(2, 1, [7, 9]), 3).data], [7, 7, 7, 9, 9, 9]);
    const rgb: Pixels = { width: 2, height: 1, channels: 3, data: Float32Array.from([100, 150, 200, 42, 42, 42]) };
    close(convertChannels(rgb, 1).data, [0.299 * 100 + 0.587 * 150 + 0.114 * 200, 42]);
    assert.equal(convertChannels(rgb, 1).data[1], 42, 'grey pixels stay exact');
  });

  it('shrinks by area averaging and enlarges bilinearly (half-pixel centres) on a gradient', () => {
    const ramp = grey(8, 1, [0, 10, 20, 30, 40, 50, 60, 70]);
    close(resizePixels(ramp, 4, 1).data, [5, 25, 45, 65], 1e-4, 'halve');
    // 10 -> 4: each output averages 2.5 inputs, e.g. (0 + 10 + 0.5 * 20) / 2.5 = 8.
    close(resizePixels(grey(10, 1, [0, 10, 20, 30, 40, 50, 60, 70, 80, 90]), 4, 1).data, [8, 32, 58, 82], 1e-4, '10 -> 4');
    // 4 -> 8: sample x_src = (j + 0.5) / 2 - 0.5, clamped at the edges; linear inside.
    close(resizePixels(grey(4, 1, [0, 10, 20, 30]), 8, 1).data, [0, 2.5, 7.5, 12.5, 17.5, 22.5, 27.5, 30], 1e-4, 'double');
    // Axes are independent: a vertical ramp halves in height while the width doubles.
    const v = resizePixels(grey(1, 4, [0, 10, 20, 30]), 2, 2);
    close(v.data, [5, 5, 25, 25], 1e-4, '2-D');
    // A 280 x 280 image of 10 x 10 blocks shrinks to exactly its block values (the MNIST case).
    const big = grey(280, 280, Array.from({ length: 280 * 280 }, (_, i) => (Math.floor(i / 2800) * 28 + Math.floor((i % 280) / 10)) % 256));
    const small = resizePixels(big, 28, 28);
    close(small.data, Array.from({ length: 784 }, (_, i) => i % 256), 1e-3, '280 -> 28');
  });

  it('normalises (v * scale - mean[c]) / std[c] in NHWC and NCHW', () => {
    const img: Pixels = { width: 2, height: 1, channels: 3, data: Float32Array.from([255, 0, 51, 0, 255, 102]) };
    const p = (layout: 'NHWC' | 'NCHW'): ImagePreprocessing => ({ layout, width: 2, height: 1, channels: 3, scale: 1 / 255, mean: [0.5, 0.25, 0], std: [0.5, 0.25, 2] });
    const nhwc = [(1 - 0.5) / 0.5, (0 - 0.25) / 0.25, 0.2 / 2, (0 - 0.5) / 0.5, (1 - 0.25) / 0.25, 0.4 / 2];
    close(normalizePixels(img, p('NHWC')), nhwc, 1e-6, 'NHWC');
    close(normalizePixels(img, p('NCHW')), [nhwc[0], nhwc[3], nhwc[1], nhwc[4], nhwc[2], nhwc[5]], 1e-6, 'NCHW');
  });
});

describe('images to model inputs', () => {
  before(async () => useBackend('wasm'));

  it('turns an RGBA PNG into a grey NHWC input and an RGB display image', () => {
    // 4x2 RGBA, white opaque on the left half, transparent on the right; model wants 2x1x1.
    const samples: number[] = [];
    for (let y = 0; y < 2; y++) for (let x = 0; x < 4; x++) samples.push(...(x < 2 ? [255, 255, 255, 255] : [255, 255, 255, 0]));
    const prep: ImagePreprocessing = { layout: 'NHWC', width: 2, height: 1, channels: 1, scale: 1 / 255, mean: [0], std: [1] };
    const r = imageToInput(writePng(4, 2, samples, 6), prep, 'digit.png');
    assert.deepEqual(r.tensor.shape, [1, 1, 2, 1]);
    close(r.tensor.dataSync(), [1, 0], 1e-6, 'values');
    assert.deepEqual([r.display.width, r.display.height, r.display.channels, [...r.display.data]], [2, 1, 3, [255, 255, 255, 0, 0, 0]]);
    assert.deepEqual(r.decoded, { format: 'png', width: 4, height: 2, channels: 3, hadAlpha: true, bitDepth: 8 });
    r.tensor.dispose();
  });

  it('turns a grey PNG into a normalised 3-channel NCHW input', () => {
    const prep: ImagePreprocessing = { layout: 'NCHW', width: 1, height: 1, channels: 3, scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
    const r = imageToInput(writePng(1, 1, [255], 0), prep, 'g.png');
    assert.deepEqual(r.tensor.shape, [1, 3, 1, 1]);
    close(r.tensor.dataSync(), [(1 - 0.485) / 0.229, (1 - 0.456) / 0.224, (1 - 0.406) / 0.225], 1e-5);
    r.tensor.dispose();
    assert.throws(() => imageToInput(writePng(1, 1, [255], 0), { ...prep, mean: [0, 0] }, 'g.png'), usage(/image preprocessing mean is \[0,0\]: give 1 or 3 numbers/));
    assert.equal(tf.memory().numTensors >= 0, true);
  });
});
