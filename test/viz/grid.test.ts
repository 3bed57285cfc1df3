import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { attributionGrid, renderGrid } from '../../src/viz/grid.js';
import { renderHeatmap } from '../../src/viz/heatmap.js';
import { encodePng } from '../../src/viz/png.js';
import { decodePng, isBluish, isReddish, rgbaAt } from './helpers.js';
import { digitImage, exampleResults } from './fixtures.js';

describe('method grid', () => {
  it('puts the input and one framed heat map per method in a row, on white, with room for labels', () => {
    const image = digitImage();
    const results = exampleResults();
    const png = decodePng(encodePng(attributionGrid(image, results, { title: 'example' })));
    // 4 cells of 224 px plus margins and gaps; taller than the 224-px images for titles and bars.
    assert.ok(png.width > 4 * 224 && png.width < 4 * 224 + 200, `width ${png.width}`);
    assert.ok(png.height > 224 + 60 && png.height < 224 + 250, `height ${png.height}`);
    for (const [x, y] of [[0, 0], [png.width - 1, 0], [0, png.height - 1], [png.width - 1, png.height - 1]]) {
      assert.deepEqual(rgbaAt(png, x, y), [255, 255, 255, 255], 'white margins');
    }
  });

  it('lays cells out by the given column count and keeps every heat map pixel-exact', () => {
    const data = new Float32Array(28 * 28);
    data[14 * 28 + 14] = 1;
    data[0] = -1;
    const heatmap = renderHeatmap({ shape: [28, 28], data });
    const grid = renderGrid(digitImage(), [{ title: 'a', heatmap }, { title: 'b', heatmap }, { title: 'c', heatmap }],
      { columns: 2, margin: 10, gap: 20 });
    const png = decodePng(encodePng(grid));
    assert.equal(png.width, 2 * 10 + 2 * 224 + 20);
    // Find heat map 'a' (second cell, first row): scan the row for the reddish centre block.
    let found = false;
    for (let y = 0; y < png.height && !found; y++) {
      for (let x = 10 + 224 + 20; x < png.width && !found; x++) {
        if (isReddish(rgbaAt(png, x, y))) {
          found = true;
          // The block is 8x8 and the blue corner pixel is 112 px up-left of it.
          assert.ok(isReddish(rgbaAt(png, x + 7, y + 7)));
          assert.ok(isBluish(rgbaAt(png, x - 112, y - 112)));
        }
      }
    }
    assert.ok(found, 'red block found');
  });
});
