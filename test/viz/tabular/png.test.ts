import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GlassboxError, UsageError } from '../../../src/errors.js';
import { svgToPng, writePlotPng, writePlotSvg } from '../../../src/viz/tabular/png.js';
import { waterfallPlot } from '../../../src/viz/tabular/waterfall.js';
import { beeswarmPlot } from '../../../src/viz/tabular/beeswarm.js';
import { forcePlot } from '../../../src/viz/tabular/force.js';
import { treePlot } from '../../../src/viz/tabular/tree.js';
import { pdpPlot } from '../../../src/viz/tabular/pdp.js';
import { Svg } from '../../../src/viz/tabular/svg.js';
import { decodePng, isBluish, isReddish, rgbaAt } from '../helpers.js';
import { explainedRow, logisticPartialDependence, logisticShap, logisticSurrogate, testRows } from './fixtures.js';

function counts(png: { width: number; height: number; rgba: Uint8Array }): { red: number; blue: number; dark: number } {
  let red = 0; let blue = 0; let dark = 0;
  for (let y = 0; y < png.height; y++) {
    for (let x = 0; x < png.width; x++) {
      const c = rgbaAt(png, x, y);
      if (isReddish(c)) red++;
      else if (isBluish(c)) blue++;
      else if (c[0] < 90 && c[1] < 90 && c[2] < 90) dark++;
    }
  }
  return { red, blue, dark };
}

describe('PNG plots', () => {
  const one = logisticShap([explainedRow()]);

  it('rasterises at scale x the SVG size, with red and blue bars and dark text', () => {
    const svg = waterfallPlot(one);
    const w = Number(/width="(\d+)"/.exec(svg)?.[1]);
    const h = Number(/height="(\d+)"/.exec(svg)?.[1]);
    for (const scale of [1, 2]) {
      const png = decodePng(svgToPng(svg, { scale }));
      assert.equal(png.width, w * scale);
      assert.equal(png.height, h * scale);
      const c = counts(png);
      assert.ok(c.red > 500 * scale * scale && c.blue > 500 * scale * scale, JSON.stringify(c));
      // Labels are drawn from the shipped font (system fonts are never loaded): plenty of dark ink.
      assert.ok(c.dark > 800 * scale * scale, JSON.stringify(c));
    }
  });

  it('draws every kind of plot non-blank', () => {
    const plots = [
      forcePlot(one), beeswarmPlot(logisticShap(testRows()), { maxDisplay: 4 }), treePlot(logisticSurrogate(2)), pdpPlot(logisticPartialDependence(21, 10)),
    ];
    for (const svg of plots) {
      const png = decodePng(svgToPng(svg, { scale: 1 }));
      const c = counts(png);
      assert.ok(c.dark > 150 && c.red + c.blue > 300, JSON.stringify(c));
    }
  });

  it('puts text where the SVG says, in the shipped font', () => {
    const svg = new Svg(120, 30);
    svg.text(60, 20, 'Hello', { size: 16, anchor: 'middle', fill: '#000000' });
    const png = decodePng(svgToPng(svg.toString(), { scale: 1 }));
    let minX = 999; let maxX = -1;
    for (let y = 0; y < 30; y++) for (let x = 0; x < 120; x++) if (rgbaAt(png, x, y)[0] < 128) { minX = Math.min(minX, x); maxX = Math.max(maxX, x); }
    // DejaVu Sans "Hello" at 16 px is 41 px of advance: centred on 60.
    assert.ok(Math.abs((minX + maxX) / 2 - 60) <= 2 && maxX - minX > 34 && maxX - minX < 44, `${minX}..${maxX}`);
  });

  it('writes files atomically and reports bad input clearly', () => {
    const dir = mkdtempSync(join(tmpdir(), 'glassbox-plots-'));
    try {
      const svg = forcePlot(one);
      writePlotPng(join(dir, 'force.png'), svg, { scale: 1 });
      writePlotSvg(join(dir, 'force.svg'), svg);
      assert.deepEqual(readdirSync(dir).sort(), ['force.png', 'force.svg']);
      assert.equal(decodePng(new Uint8Array(readFileSync(join(dir, 'force.png')))).width, Number(/width="(\d+)"/.exec(svg)?.[1]));
      assert.equal(readFileSync(join(dir, 'force.svg'), 'utf8'), svg);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.throws(() => svgToPng('<svg'), GlassboxError);
    assert.throws(() => svgToPng(forcePlot(one), { scale: 0 }), UsageError);
  });
});
