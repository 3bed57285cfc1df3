import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { heatmapColorbar, renderColorbar } from '../../src/viz/colorbar.js';
import { colorAt, getColormap } from '../../src/viz/colormaps.js';
import { renderHeatmap } from '../../src/viz/heatmap.js';
import { encodePng } from '../../src/viz/png.js';
import { decodePng, isBluish, isNearWhite, isReddish, rgbaAt } from './helpers.js';

/** Columns holding dark label ink in the rows below the strip. */
function inkColumns(png: { width: number; height: number; rgba: Uint8Array }, fromRow: number): number[] {
  const cols: number[] = [];
  for (let x = 0; x < png.width; x++) {
    for (let y = fromRow; y < png.height; y++) {
      if (rgbaAt(png, x, y)[0] < 100) {
        cols.push(x);
        break;
      }
    }
  }
  return cols;
}

describe('colour bar', () => {
  it('runs the map from vmin at the left end to vmax at the right end', () => {
    const map = getColormap('rdbu_r');
    const png = decodePng(encodePng(renderColorbar(map, -2, 2, { width: 200, barHeight: 10 })));
    assert.equal(png.width, 200);
    const y = 6; // inside the strip (frame at rows 0 and 11)
    assert.deepEqual(rgbaAt(png, 1, y).slice(0, 3), [...colorAt(map, 0)]);
    assert.deepEqual(rgbaAt(png, 198, y).slice(0, 3), [...colorAt(map, 1)]);
    assert.ok(isBluish(rgbaAt(png, 1, y)));
    assert.ok(isReddish(rgbaAt(png, 198, y)));
    assert.ok(isNearWhite(rgbaAt(png, 100, y)), 'zero in the middle');
  });

  it('labels min, 0 and max: ink at the left end, the centre and the right end', () => {
    const png = decodePng(encodePng(renderColorbar(getColormap('rdbu_r'), -0.5, 0.5, { width: 224, barHeight: 14 })));
    const ink = inkColumns(png, 1 + 14 + 1 + 4 + 2);
    assert.ok(ink.includes(0) || ink.includes(1), 'min label at the left');
    assert.ok(ink.some((x) => Math.abs(x - 112) <= 3), '0 label near the centre');
    assert.ok(ink.some((x) => x >= 220), 'max label at the right');
  });

  it('has no 0 label when the range does not straddle zero', () => {
    const png = decodePng(encodePng(renderColorbar(getColormap('magma'), 0, 12.5, { width: 224 })));
    const ink = inkColumns(png, 1 + 14 + 1 + 4 + 2);
    assert.ok(!ink.some((x) => x > 40 && x < 180), 'nothing between the end labels');
  });

  it("matches a heat map: its width, its range and its map's ends (reversed for 'negative')", () => {
    const data = new Float32Array(28 * 28);
    data[5] = -3;
    const h = renderHeatmap({ shape: [28, 28], data }, { sign: 'negative' });
    const bar = heatmapColorbar(h);
    assert.equal(bar.width, 224);
    const png = decodePng(encodePng(bar));
    // vmin = -3 is the most negative: the hot end of magma.
    assert.deepEqual(rgbaAt(png, 1, 5).slice(0, 3), [...colorAt(getColormap('magma'), 1)]);
    assert.deepEqual(rgbaAt(png, 222, 5).slice(0, 3), [...colorAt(getColormap('magma'), 0)]);
  });

  it('rejects a reversed or non-finite range', () => {
    assert.throws(() => renderColorbar(getColormap('gray'), 1, 0));
    assert.throws(() => renderColorbar(getColormap('gray'), 0, Number.NaN));
  });
});
