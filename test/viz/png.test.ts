import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createImage, type Image } from '../../src/viz/image.js';
import { drawText, encodePng, fitText, formatNumber, measureText, pngDataUri, wrapText, writePng } from '../../src/viz/png.js';
import { decodePng, rgbaAt } from './helpers.js';

describe('PNG encoding', () => {
  it('RGB, RGBA and grey round-trip through pngjs', () => {
    const rgb: Image = { width: 3, height: 2, channels: 3, data: Uint8Array.from({ length: 18 }, (_, i) => i * 14) };
    const a = decodePng(encodePng(rgb));
    assert.deepEqual([a.width, a.height], [3, 2]);
    assert.deepEqual(rgbaAt(a, 2, 1), [210, 224, 238, 255]); // pixel 5: bytes 15..17, times 14
    const rgba: Image = { width: 1, height: 1, channels: 4, data: Uint8Array.from([10, 20, 30, 40]) };
    assert.deepEqual(rgbaAt(decodePng(encodePng(rgba)), 0, 0), [10, 20, 30, 40]);
    const grey: Image = { width: 2, height: 1, channels: 1, data: Uint8Array.from([0, 200]) };
    assert.deepEqual(rgbaAt(decodePng(encodePng(grey)), 1, 0), [200, 200, 200, 255]);
  });

  it('rejects an image whose data does not match its size', () => {
    assert.throws(() => encodePng({ width: 2, height: 2, channels: 3, data: new Uint8Array(5) }), /needs 12/);
  });

  it('writePng writes the file whole (no temporary files left) and pngDataUri inlines it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'glassbox-png-'));
    try {
      const path = join(dir, 'sub', 'x.png');
      writePng(path, createImage(5, 4, [1, 2, 3]));
      const back = decodePng(new Uint8Array(readFileSync(path)));
      assert.deepEqual([back.width, back.height], [5, 4]);
      assert.deepEqual(rgbaAt(back, 4, 3), [1, 2, 3, 255]);
      assert.deepEqual(readdirSync(join(dir, 'sub')), ['x.png']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const uri = pngDataUri(createImage(2, 2));
    assert.match(uri, /^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);
    assert.equal(decodePng(new Uint8Array(Buffer.from(uri.split(',')[1], 'base64'))).width, 2);
  });
});

describe('bitmap font', () => {
  it('draws ink inside the measured box and nowhere else', () => {
    const img = createImage(60, 20);
    const { width, height } = measureText('-1.5e3', 2);
    assert.equal(height, 18);
    const drawn = drawText(img, '-1.5e3', 3, 1, { scale: 2, color: [0, 0, 0] });
    assert.equal(drawn, width);
    let inside = 0;
    let outside = 0;
    for (let y = 0; y < img.height; y++) {
      for (let x = 0; x < img.width; x++) {
        const dark = img.data[(y * img.width + x) * 3] < 128;
        const inBox = x >= 3 && x < 3 + width && y >= 1 && y < 1 + height;
        if (dark && inBox) inside++;
        if (dark && !inBox) outside++;
      }
    }
    assert.ok(inside > 40, `ink drawn (${inside} px)`);
    assert.equal(outside, 0);
  });

  it('has glyphs for digits, letters and the punctuation labels need; unknown characters become "?"', () => {
    const q = measureText('?').width;
    for (const ch of '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-.+e%()_:,') {
      const img = createImage(10, 12);
      drawText(img, ch, 1, 1);
      assert.ok(img.data.some((v) => v < 128), `glyph for "${ch}"`);
    }
    assert.equal(measureText('\u00e9').width, q);
    assert.ok(measureText('i').width < measureText('m').width, 'proportional');
  });

  it('formats numbers for labels', () => {
    assert.equal(formatNumber(0), '0');
    assert.equal(formatNumber(-0), '0');
    assert.equal(formatNumber(0.11), '0.11');
    assert.equal(formatNumber(-0.013712), '-0.0137');
    assert.equal(formatNumber(1.5), '1.5');
    assert.equal(formatNumber(123.456), '123');
    assert.equal(formatNumber(0.00015), '1.5e-4');
    assert.equal(formatNumber(-25000), '-2.5e4');
  });

  it('fits and wraps text to a width', () => {
    assert.equal(fitText('short', 100, 1), 'short');
    const cut = fitText('integrated-gradients', 60, 1);
    assert.ok(cut.endsWith('..') && measureText(cut).width <= 60);
    assert.deepEqual(wrapText('integrated-gradients', 224, 2), ['integrated-', 'gradients']);
    const lines = wrapText('a very long title that cannot possibly fit on two narrow lines', 80, 1, 2);
    assert.equal(lines.length, 2);
    assert.ok(lines[1].endsWith('..'));
    for (const l of lines) assert.ok(measureText(l).width <= 80, l);
  });
});
