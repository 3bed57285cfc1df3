import type { SurrogateTree, TreeNode } from '../../global/types.js';
import { UsageError } from '../../errors.js';
import { AXIS, BLUE, INK, MUTED, RED, drawTitle, formatSignificant, formatValue, redBlue, tint, titleExtra } from './common.js';
import { Svg, textWidth } from './svg.js';

export interface TreePlotOptions {
  title?: string;
  /** Significant digits of thresholds and values, default 4 (thresholds) and 3 (values). */
  thresholdDigits?: number;
  valueDigits?: number;
}

const LINE = 16;
const PAD = 8;
const GAP_X = 14;
const GAP_Y = 44;
const CLASS_COLORS = [BLUE, RED, '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];

/** Fails with a clear message when a node names a feature the tree does not have or holds no value. */
export function checkTree(tree: SurrogateTree): void {
  const visit = (node: TreeNode, path: string): void => {
    if (!Array.isArray(node.value) || node.value.length === 0 || node.value.some((v) => !Number.isFinite(v))) {
      throw new UsageError(`tree node ${path} has no finite value`, 'give every node its mean target or class distribution');
    }
    if (node.kind === 'split') {
      if (!Number.isInteger(node.feature) || node.feature < 0 || node.feature >= tree.featureNames.length) {
        throw new UsageError(`tree node ${path} splits on feature ${node.feature} of ${tree.featureNames.length}`, 'give featureNames for every feature the tree uses');
      }
      if (!Number.isFinite(node.threshold)) throw new UsageError(`tree node ${path} has threshold ${node.threshold}`, 'give finite thresholds');
      visit(node.left, `${path}L`);
      visit(node.right, `${path}R`);
    }
  };
  visit(tree.root, 'root ');
}

function valueText(tree: SurrogateTree, value: number[], digits: number): string {
  return tree.task === 'classification' || value.length > 1
    ? `value = [${value.map((v) => formatSignificant(v, digits)).join(', ')}]`
    : `value = ${formatSignificant(value[0], digits)}`;
}

function majority(value: number[]): number {
  return value.reduce((best, v, i) => (v > value[best] ? i : best), 0);
}

function splitText(tree: SurrogateTree, node: Extract<TreeNode, { kind: 'split' }>, digits: number, side: 'left' | 'right'): string {
  const name = node.featureName || tree.featureNames[node.feature];
  return `${name} ${side === 'left' ? '<=' : '> '} ${formatSignificant(node.threshold, digits)}`;
}

/** Whether missing values go right anywhere: only then was their side learned, and worth showing (left is the default). */
function learnedMissing(node: TreeNode): boolean {
  return node.kind === 'split' && (node.missing === 'right' || learnedMissing(node.left) || learnedMissing(node.right));
}

function nodeLines(tree: SurrogateTree, node: TreeNode, options: TreePlotOptions): string[] {
  const lines: string[] = [];
  if (node.kind === 'split') lines.push(splitText(tree, node, options.thresholdDigits ?? 4, 'left').replace(' <= ', ' ≤ '));
  lines.push(`samples = ${node.samples}`, valueText(tree, node.value, options.valueDigits ?? 3));
  if (tree.task === 'classification' && tree.classNames) lines.push(`class = ${tree.classNames[majority(node.value)] ?? majority(node.value)}`);
  return lines;
}

interface Placed {
  node: TreeNode;
  lines: string[];
  w: number;
  h: number;
  depth: number;
  /** Centre x and top y. */
  x: number;
  y: number;
  children: Placed[];
}

/**
 * A surrogate tree as boxes and edges, sklearn's plot_tree in spirit: split boxes read
 * "feature ≤ threshold", samples and value; leaves are filled by their value (regression: shap's
 * blue-to-red over the leaves' range; classification: the majority class's colour, paler when less
 * pure). Left edges are "yes" (value ≤ threshold), right edges "no"; the side missing values take is
 * marked when the tree learned it (some go right).
 */
export function treePlot(tree: SurrogateTree, options: TreePlotOptions = {}): string {
  checkTree(tree);
  const build = (node: TreeNode, depth: number): Placed => {
    const lines = nodeLines(tree, node, options);
    const w = Math.max(...lines.map((l, i) => textWidth(l, 12, i === 0 && node.kind === 'split'))) + 2 * PAD;
    return { node, lines, w, h: lines.length * LINE + 2 * PAD - 4, depth, x: 0, y: 0, children: node.kind === 'split' ? [build(node.left, depth + 1), build(node.right, depth + 1)] : [] };
  };
  const root = build(tree.root, 0);
  // Tidy layout: each subtree takes the width of its widest level of boxes side by side.
  const span = (p: Placed): number => (p.children.length ? Math.max(p.w, span(p.children[0]) + GAP_X + span(p.children[1])) : p.w);
  const levelH: number[] = [];
  const collect = (p: Placed) => { levelH[p.depth] = Math.max(levelH[p.depth] ?? 0, p.h); p.children.forEach(collect); };
  collect(root);
  // The picture is at least 360 wide; a title too wide for the tree's own width would wrap, so size by that.
  const titleExtraH = options.title ? titleExtra(Math.max(span(root) + 24, 360), options.title) : 0;
  const titleH = (options.title ? 28 + titleExtraH : 0) + 26;
  const levelY = levelH.reduce<number[]>((ys, _, d) => [...ys, d === 0 ? titleH + 8 : ys[d - 1] + levelH[d - 1] + GAP_Y], []);
  const place = (p: Placed, x0: number): void => {
    const total = span(p);
    p.y = levelY[p.depth];
    if (!p.children.length) { p.x = x0 + total / 2; return; }
    const [l, r] = p.children;
    const inner = span(l) + GAP_X + span(r);
    const start = x0 + (total - inner) / 2;
    place(l, start);
    place(r, start + span(l) + GAP_X);
    p.x = (l.x + r.x) / 2;
  };
  place(root, 12);
  const width = span(root) + 24;
  const height = levelY[levelY.length - 1] + levelH[levelH.length - 1] + 14;
  const svg = new Svg(Math.max(width, 360), height, options.title ?? 'surrogate decision tree');
  const dx = (svg.width - width) / 2;
  if (options.title) drawTitle(svg, options.title);
  const fid = `${tree.fidelityMetric === 'r2' ? 'R²' : 'accuracy'} against the model ${formatValue(tree.fidelity, 3)}`
    + (tree.heldOutFidelity !== undefined ? ` (held out ${formatValue(tree.heldOutFidelity, 3)})` : '');
  svg.text(svg.width / 2, (options.title ? 28 + titleExtraH : 0) + 16, `depth ${tree.maxDepth}, ${fid}`, { size: 12, anchor: 'middle', fill: MUTED });

  const leaves: number[] = [];
  const gather = (n: TreeNode): void => { if (n.kind === 'leaf') leaves.push(n.value[0]); else { gather(n.left); gather(n.right); } };
  gather(tree.root);
  const lo = Math.min(...leaves);
  const hi = Math.max(...leaves);
  const fill = (n: TreeNode): string => {
    if (n.kind === 'split') return '#ffffff';
    if (tree.task === 'classification' || n.value.length > 1) {
      const total = n.value.reduce((s, v) => s + v, 0) || 1;
      const k = majority(n.value);
      const purity = n.value[k] / total;
      const floor = 1 / n.value.length;
      return tint(CLASS_COLORS[k % CLASS_COLORS.length], 0.85 - 0.6 * Math.max(0, (purity - floor) / (1 - floor || 1)));
    }
    return tint(redBlue(hi > lo ? (n.value[0] - lo) / (hi - lo) : 0.5), 0.55);
  };

  const showMissing = learnedMissing(tree.root);
  const draw = (p: Placed): void => {
    const cx = p.x + dx;
    p.children.forEach((c, side) => {
      const split = p.node as Extract<TreeNode, { kind: 'split' }>;
      const x1 = c.x + dx;
      svg.line(cx, p.y + p.h, x1, c.y, { stroke: AXIS });
      const label = (side === 0 ? 'yes' : 'no') + (showMissing && (split.missing === 'left') === (side === 0) ? ', missing' : '');
      const mx = (cx + x1) / 2;
      const my = (p.y + p.h + c.y) / 2;
      svg.text(mx + (side === 0 ? -5 : 5), my, label, { size: 10, anchor: side === 0 ? 'end' : 'start', baseline: 'middle', fill: MUTED });
      draw(c);
    });
    svg.group({ class: p.node.kind }, () => {
      svg.rect(cx - p.w / 2, p.y, p.w, p.h, { rx: 4, fill: fill(p.node), stroke: p.node.kind === 'leaf' ? '#777777' : '#aaaaaa' });
      p.lines.forEach((l, i) => svg.text(cx, p.y + PAD + i * LINE, l, {
        size: 12, anchor: 'middle', baseline: 'top', bold: i === 0 && p.node.kind === 'split', fill: i === 0 ? INK : '#444444',
      }));
    });
  };
  draw(root);
  return svg.toString();
}

/** The tree as text, in the shape of sklearn's export_text, with samples and values on the leaves. */
export function treeText(tree: SurrogateTree, options: TreePlotOptions = {}): string {
  checkTree(tree);
  const digits = options.valueDigits ?? 3;
  const out: string[] = [];
  const showMissing = learnedMissing(tree.root);
  const walk = (n: TreeNode, depth: number): void => {
    const indent = '|   '.repeat(depth);
    if (n.kind === 'leaf') {
      out.push(`${indent}|--- ${valueText(tree, n.value, digits)}, samples = ${n.samples}`
        + (tree.task === 'classification' && tree.classNames ? `, class = ${tree.classNames[majority(n.value)]}` : ''));
      return;
    }
    const miss = (side: 'left' | 'right') => (showMissing && n.missing === side ? ' (or missing)' : '');
    out.push(`${indent}|--- ${splitText(tree, n, options.thresholdDigits ?? 4, 'left')}${miss('left')}`);
    walk(n.left, depth + 1);
    out.push(`${indent}|--- ${splitText(tree, n, options.thresholdDigits ?? 4, 'right')}${miss('right')}`);
    walk(n.right, depth + 1);
  };
  walk(tree.root, 0);
  const metric = tree.fidelityMetric === 'r2' ? 'R^2' : 'accuracy';
  const header = `surrogate tree, depth ${tree.maxDepth}: ${metric} against the model ${formatValue(tree.fidelity, 3)}`
    + (tree.heldOutFidelity !== undefined ? ` (held out ${formatValue(tree.heldOutFidelity, 3)})` : '');
  return `${header}\n${out.join('\n')}\n`;
}
