import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { colorAt, COLORMAP_NAMES, getColormap, labToRgb, parseHex, reverseColormap, rgbToLab } from '../../src/viz/colormaps.js';
import { isBluish, isNearWhite, isReddish } from './helpers.js';

const lightness = (name: Parameters<typeof getColormap>[0]) => {
  const { lut } = getColormap(name);
  return Array.from({ length: 256 }, (_, i) => rgbToLab([lut[i * 3], lut[i * 3 + 1], lut[i * 3 + 2]])[0]);
};

describe('colour maps', () => {
  it('are 256-entry RGB lookup tables', () => {
    for (const name of COLORMAP_NAMES) assert.equal(getColormap(name).lut.length, 256 * 3, name);
  });

  it('sRGB -> CIELAB -> sRGB round-trips, and white is L* 100', () => {
    for (const hex of ['#440154', '#fde725', '#67001f', '#053061', '#808080']) {
      assert.deepEqual(labToRgb(rgbToLab(parseHex(hex))), parseHex(hex), hex);
    }
    assert.ok(Math.abs(rgbToLab([255, 255, 255])[0] - 100) < 1e-3);
    assert.ok(Math.abs(rgbToLab([0, 0, 0])[0]) < 1e-6);
  });

  it('pass through their control points (viridis and magma ends, ColorBrewer RdBu ends and centre)', () => {
    assert.deepEqual(colorAt(getColormap('viridis'), 0), parseHex('#440154'));
    assert.deepEqual(colorAt(getColormap('viridis'), 1), parseHex('#fde725'));
    assert.deepEqual(colorAt(getColormap('magma'), 0), parseHex('#000004'));
    assert.deepEqual(colorAt(getColormap('magma'), 1), parseHex('#fcfdbf'));
    assert.deepEqual(colorAt(getColormap('rdbu_r'), 0), parseHex('#053061'));
    assert.deepEqual(colorAt(getColormap('rdbu_r'), 1), parseHex('#67001f'));
  });

  it('viridis stays close to matplotlib between the control points', () => {
    // matplotlib viridis at 0.25, 0.5 and 0.75 (not control points here).
    const ref: [number, string][] = [[64 / 255, '#3b528b'], [128 / 255, '#21918c'], [191 / 255, '#5ec962']];
    for (const [t, hex] of ref) {
      const ours = colorAt(getColormap('viridis'), t);
      const want = parseHex(hex);
      for (let k = 0; k < 3; k++) assert.ok(Math.abs(ours[k] - want[k]) <= 8, `viridis(${t.toFixed(2)}) ${ours} vs ${want}`);
    }
  });

  it('sequential maps rise monotonically in lightness (L*), within 8-bit rounding', () => {
    for (const name of ['viridis', 'magma', 'gray'] as const) {
      const L = lightness(name);
      for (let i = 1; i < 256; i++) assert.ok(L[i] >= L[i - 1] - 0.05, `${name} L* falls at ${i}: ${L[i - 1]} -> ${L[i]}`);
      assert.ok(L[255] - L[0] > 70, `${name} spans a wide lightness range`);
    }
  });

  it('the diverging map is blue below, near-white at 0.5, red above, and lightness peaks in the middle', () => {
    const map = getColormap('rdbu_r');
    assert.ok(isBluish(colorAt(map, 0)) && isBluish(colorAt(map, 0.2)));
    assert.ok(isReddish(colorAt(map, 1)) && isReddish(colorAt(map, 0.8)));
    assert.ok(isNearWhite(colorAt(map, 0.5)), `centre ${colorAt(map, 0.5)}`);
    const L = lightness('rdbu_r');
    for (let i = 1; i < 128; i++) assert.ok(L[i] >= L[i - 1] - 0.05, `rises to the centre at ${i}`);
    for (let i = 129; i < 256; i++) assert.ok(L[i] <= L[i - 1] + 0.05, `falls from the centre at ${i}`);
    assert.ok(Math.abs(L[0] - L[255]) < 3, 'both ends equally dark, so neither sign looks stronger');
  });

  it('reverse flips the table and the name', () => {
    const map = getColormap('magma');
    const rev = reverseColormap(map);
    assert.equal(rev.name, 'magma_r');
    assert.deepEqual(colorAt(rev, 0), colorAt(map, 1));
    assert.deepEqual(colorAt(rev, 1), colorAt(map, 0));
    assert.equal(reverseColormap(rev).name, 'magma');
  });

  it('colorAt clips t and treats NaN as 0', () => {
    const map = getColormap('gray');
    assert.deepEqual(colorAt(map, -3), [0, 0, 0]);
    assert.deepEqual(colorAt(map, 7), [255, 255, 255]);
    assert.deepEqual(colorAt(map, Number.NaN), [0, 0, 0]);
  });
});
