import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Svg, escapeXml, fitText, num, textWidth } from '../../../src/viz/tabular/svg.js';
import { colorRange, formatLevel, formatSigned, formatValue, niceTicks, percentile, redBlue, tickDecimals } from '../../../src/viz/tabular/common.js';
import { svgToPng } from '../../../src/viz/tabular/png.js';
import { UsageError } from '../../../src/errors.js';
import { decodePng, rgbaAt } from '../helpers.js';
import { findAll, parseXml, texts } from './xml.js';

/** Columns [first, last] holding ink (any channel below 200) in a decoded PNG. */
function inkSpan(png: { width: number; height: number; rgba: Uint8Array }): [number, number] {
  let first = -1;
  let last = -1;
  for (let x = 0; x < png.width; x++) {
    for (let y = 0; y < png.height; y++) {
      if (rgbaAt(png, x, y)[0] < 200) {
        if (first < 0) first = x;
        last = x;
        break;
      }
    }
  }
  return [first, last];
}

describe('svg builder', () => {
  it('writes well-formed SVG with escaped text and attributes', () => {
    const svg = new Svg(200, 100, 'a <title> & "quotes"');
    svg.text(10, 20, 'x < 3 & y > "2"', { size: 12, anchor: 'middle', bold: true });
    svg.text(10, 40, [{ text: 'a & b', fill: '#ff0000' }, { text: " = 'c'" }]);
    svg.rect(0, 0, 10, 10, { fill: 'url(#x)' });
    svg.polygon([[0, 0], [1.234567, 2], [3, 4]], { fill: '#000' });
    const doc = parseXml(svg.toString());
    assert.equal(doc.name, 'svg');
    assert.equal(doc.attrs.width, '200');
    assert.deepEqual(texts(doc), ['x < 3 & y > "2"', "a & b = 'c'"]);
    assert.equal(findAll(doc, 'polygon')[0].attrs.points, '0,0 1.23,2 3,4');
    assert.equal(escapeXml(`<&>"'`), '&lt;&amp;&gt;&quot;&apos;');
  });

  it('refuses non-finite coordinates and empty sizes', () => {
    assert.throws(() => num(Number.NaN), UsageError);
    assert.throws(() => new Svg(0, 10), UsageError);
  });

  it('estimates text widths that hold the rendered text, with little slack', () => {
    // Rendered with the shipped font through resvg: the estimate (advance widths) must cover the ink
    // and exceed it by no more than the side bearings.
    for (const [text, size, bold] of [['worst concave points = 0.084', 12, false], ['E[f(X)] = −0.331', 12, true], ['Sum of 21 other features', 16, false], ['iiiiiiii', 12, false], ['WWWWWW', 12, false]] as const) {
      const svg = new Svg(400, 40);
      svg.text(10, 28, text, { size, bold, fill: '#000000' });
      const png = decodePng(svgToPng(svg.toString(), { scale: 1 }));
      const [first, last] = inkSpan(png);
      const ink = last - first + 1;
      const estimate = textWidth(text, size, bold);
      assert.ok(estimate >= ink - 1, `${text}: estimate ${estimate.toFixed(1)} px < ink ${ink} px`);
      assert.ok(estimate <= ink + 0.25 * size + 2, `${text}: estimate ${estimate.toFixed(1)} px is far above ink ${ink} px`);
      assert.ok(first >= 10 && first <= 12, `${text} starts at x = ${first}`);
    }
  });

  it('cuts text to a width with an ellipsis', () => {
    const long = 'a very long feature name that will not fit';
    const cut = fitText(long, 100, 12);
    assert.ok(cut.endsWith('…') && cut.length < long.length);
    assert.ok(textWidth(cut, 12) <= 100);
    assert.equal(fitText('short', 100, 12), 'short');
  });
});

describe('plot helpers', () => {
  it("formats numbers as shap's format_value", () => {
    assert.equal(formatValue(0.5, 3), '0.5');
    assert.equal(formatValue(-1.23456, 2, true), '−1.23');
    assert.equal(formatValue(0.004, 2, true), '+0');
    assert.equal(formatValue(-0.0001, 3), '0');
    assert.equal(formatValue(2, 3), '2');
    assert.equal(formatValue(12.3456, 3, true), '+12.346');
    // Values too small for two decimals keep two significant digits rather than read "+0".
    assert.equal(formatSigned(-3e-4), '−0.0003');
    assert.equal(formatSigned(1.234e-5), '+1.2e−5');
    assert.equal(formatSigned(0.25), '+0.25');
    assert.equal(formatSigned(0), '+0');
    assert.equal(formatLevel(-0.067351), '−0.0674');
    assert.equal(formatLevel(0.33124), '0.331');
  });

  it('makes round ticks covering the range', () => {
    assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(niceTicks(-2.6, 0.4, 3), [-2, -1, 0]);
    assert.deepEqual(niceTicks(0, 10, 4), [0, 2.5, 5, 7.5, 10]);
    assert.equal(tickDecimals([0, 2.5, 5]), 1);
    assert.equal(tickDecimals([0, 0.25, 0.5]), 2);
    assert.equal(tickDecimals([-4, -2, 0]), 0);
  });

  it("has shap's red_blue end colours and a dark purple middle", () => {
    assert.equal(redBlue(0), '#008bfb');
    assert.equal(redBlue(1), '#ff0051');
    const mid = redBlue(0.5);
    const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(mid.slice(i, i + 2), 16));
    assert.ok(g < 80 && r > 100 && b > 100, mid);
  });

  it("colours by the 5th to 95th percentile like shap, numpy's linear percentile", () => {
    const xs = Array.from({ length: 101 }, (_, i) => i);
    assert.equal(percentile(xs, 5), 5);
    assert.equal(percentile([1, 2, 3, 4], 50), 2.5);
    assert.deepEqual(colorRange(xs), [5, 95]);
    // A column that is constant over the middle falls back to 1-99, then min-max.
    const spiky = [...new Array<number>(60).fill(0), -5, 5];
    assert.deepEqual(colorRange(spiky), [percentile(spiky, 1), percentile(spiky, 99)]);
    assert.ok(percentile(spiky, 1) < 0 && percentile(spiky, 99) > 0);
    assert.deepEqual(colorRange([...new Array<number>(200).fill(0), 7]), [0, 7]);
    const [lo, hi] = colorRange([0, 0, 0, 0, 7]);
    assert.equal(lo, 0);
    assert.ok(Math.abs(hi - 5.6) < 1e-12, `${hi}`); // numpy: percentile([0, 0, 0, 0, 7], 95) = 5.6
  });
});
