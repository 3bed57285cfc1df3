import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../../src/errors.js';
import type { SurrogateTree, TreeNode } from '../../../src/global/types.js';
import { pdpPlot } from '../../../src/viz/tabular/pdp.js';
import { treePlot, treeText } from '../../../src/viz/tabular/tree.js';
import { logisticPartialDependence, logisticSurrogate, reference } from './fixtures.js';
import { findAll, parseXml, texts } from './xml.js';

const texture = reference.feature_names.indexOf('worst texture');

function points(attr: string): [number, number][] {
  return attr.split(' ').map((p) => p.split(',').map(Number) as [number, number]);
}

describe('partial dependence plot', () => {
  const pd = logisticPartialDependence(texture, 20);

  it('draws the average through every grid point, in proportion, over one ICE curve per row and a rug', () => {
    const doc = parseXml(pdpPlot(pd));
    const average = findAll(doc, 'polyline').find((p) => p.attrs.class === 'average');
    assert.ok(average);
    const pts = points(average.attrs.points);
    assert.equal(pts.length, pd.grid.length);
    // x and y are increasing/decreasing linear maps of grid and average.
    const sx = (pts[19][0] - pts[0][0]) / (pd.grid[19] - pd.grid[0]);
    const sy = (pts[19][1] - pts[0][1]) / (pd.average[19] - pd.average[0]);
    assert.ok(sx > 0 && sy < 0);
    pts.forEach(([x, y], k) => {
      assert.ok(Math.abs(x - (pts[0][0] + sx * (pd.grid[k] - pd.grid[0]))) < 0.02);
      assert.ok(Math.abs(y - (pts[0][1] + sy * (pd.average[k] - pd.average[0]))) < 0.02);
    });
    const ice = findAll(doc, 'g').find((g) => g.attrs.class === 'ice');
    assert.equal(findAll(ice as never, 'polyline').length, pd.ice?.length);
    assert.ok(Number(ice?.attrs['stroke-opacity']) < 0.5);
    const rug = findAll(doc, 'path').find((p) => p.attrs.class === 'rug');
    // The axis spans the grid (5th to 95th percentile, padded 3%), as sklearn's; the rug shows the rows inside it.
    const span = pd.grid[19] - pd.grid[0];
    const inside = (pd.rowValues ?? []).filter((v) => v >= pd.grid[0] - 0.03 * span && v <= pd.grid[19] + 0.03 * span);
    assert.ok(inside.length > 0.85 * (pd.rowValues?.length ?? 0));
    assert.equal(rug?.attrs.d.match(/M/g)?.length, inside.length);
    const all = texts(doc);
    assert.ok(all.includes('worst texture') && all.includes('partial dependence'));
    assert.ok(all.includes(`ICE, ${pd.ice?.length} rows`));
    assert.ok(all.includes(`data values (${(pd.rowValues?.length ?? 0) - inside.length} beyond the grid)`), all.join(' | '));
  });

  it('thins ICE curves evenly, and draws categories as markers with their labels', () => {
    const doc = parseXml(pdpPlot(pd, { maxIce: 10 }));
    assert.equal(findAll(findAll(doc, 'g').find((g) => g.attrs.class === 'ice') as never, 'polyline').length, 10);
    assert.ok(texts(doc).includes(`ICE, 10 of ${pd.ice?.length} rows`), texts(doc).join(" | "));
    const cat = parseXml(pdpPlot({ feature: 'colour', featureIndex: 0, grid: [0, 1, 2], gridLabels: ['red', 'green', 'blue'], average: [0.2, 0.5, 0.4], target: 0 }));
    const marks = findAll(cat, 'line').filter((l) => l.attrs.class === 'average');
    assert.equal(marks.length, 3);
    assert.ok(['red', 'green', 'blue'].every((c) => texts(cat).includes(c)));
    const ys = marks.map((m) => Number(m.attrs.y1));
    assert.ok(ys[1] < ys[2] && ys[2] < ys[0]);
    assert.ok(Math.abs(ys[0] + (ys[1] - ys[0]) * (0.4 - 0.2) / (0.5 - 0.2) - ys[2]) < 0.02);
  });

  it('rejects arrays that do not match the grid', () => {
    assert.throws(() => pdpPlot({ ...pd, average: pd.average.slice(1) }), (e: unknown) => e instanceof UsageError && /19 averages for 20 grid values/.test(e.message));
    assert.throws(() => pdpPlot({ ...pd, ice: [pd.grid.slice(2)] }), (e: unknown) => e instanceof UsageError && /ICE curve 0 has 18 points/.test(e.message));
    assert.throws(() => pdpPlot({ ...pd, gridLabels: ['a'] }), UsageError);
    assert.throws(() => pdpPlot({ ...pd, grid: [] , average: [] }), UsageError);
  });
});

describe('surrogate tree', () => {
  const tree = logisticSurrogate(3);
  const count = (n: TreeNode): [number, number] => (n.kind === 'leaf' ? [0, 1] : [count(n.left), count(n.right)].reduce((a, b) => [a[0] + b[0], a[1] + b[1]], [1, 0]) as [number, number]);
  const [splits, leaves] = count(tree.root);

  it('draws one box per node with its split, samples and value, and one edge per child', () => {
    const doc = parseXml(treePlot(tree));
    const groups = findAll(doc, 'g');
    assert.equal(groups.filter((g) => g.attrs.class === 'split').length, splits);
    assert.equal(groups.filter((g) => g.attrs.class === 'leaf').length, leaves);
    assert.equal(findAll(doc, 'line').length, splits * 2);
    const all = texts(doc);
    const root = tree.root as Extract<TreeNode, { kind: 'split' }>;
    assert.ok(all.includes(`${root.featureName} ≤ ${Number(root.threshold.toPrecision(4))}`), all.slice(0, 6).join(' | '));
    assert.ok(all.includes(`samples = ${root.samples}`));
    assert.ok(all.some((t) => t.startsWith('depth 3, R² against the model 0.9')));
    // Leaves are filled by value: the most benign leaf reddest, the least bluest.
    const leafFills = groups.filter((g) => g.attrs.class === 'leaf').map((g) => findAll(g, 'rect')[0].attrs.fill);
    assert.ok(new Set(leafFills).size > 2);
    for (const b of groups.filter((g) => g.attrs.class === 'split')) assert.equal(findAll(b, 'rect')[0].attrs.fill, '#ffffff');
  });

  it('renders as text in the shape of sklearn export_text', () => {
    const text = treeText(tree);
    const lines = text.trimEnd().split('\n');
    assert.equal(lines.length, 1 + 2 * splits + leaves);
    assert.match(lines[1], /^\|--- worst perimeter <= 106\.1$/);
    assert.ok(lines.some((l) => /^\|   \|   \|   \|--- value = 0\.\d+, samples = \d+$/.test(l)));
    assert.equal(lines.filter((l) => l.includes('samples =')).length, leaves);
  });

  it('shows classes for classification and the learned side of missing values', () => {
    const cls: SurrogateTree = {
      task: 'classification', featureNames: ['x', 'y'], classNames: ['no', 'yes'], maxDepth: 1, fidelity: 0.9, fidelityMetric: 'accuracy', target: 0,
      root: { kind: 'split', feature: 1, featureName: 'y', threshold: 0.5, missing: 'right', samples: 10, value: [0.5, 0.5], gain: 1,
        left: { kind: 'leaf', samples: 6, value: [0.9, 0.1] }, right: { kind: 'leaf', samples: 4, value: [0, 1] } },
    };
    assert.ok(treeText(cls).includes('|--- y >  0.5 (or missing)\n|   |--- value = [0, 1], samples = 4, class = yes'));
    const all = texts(parseXml(treePlot(cls)));
    assert.ok(all.includes('class = no') && all.includes('no, missing'));
  });

  it('rejects nodes that name features the tree does not have', () => {
    const bad: SurrogateTree = { ...tree, featureNames: ['only one'] };
    assert.throws(() => treePlot(bad), (e: unknown) => e instanceof UsageError && /splits on feature \d+ of 1/.test(e.message));
  });
});
