/**
 * A fitted tree as indented text, in the layout of sklearn's export_text, with sample counts:
 *
 *   |--- duration_months <= 22.50  (800 samples)
 *   |   |--- class: good (0.79, 512 samples)
 *   |--- duration_months >  22.50  (800 samples)
 */
import type { SurrogateTree, TreeNode } from './types.js';

export interface TreeTextOptions {
  /** Decimals of thresholds and values. Default 2. */
  decimals?: number;
}

export function renderTreeText(tree: SurrogateTree, options: TreeTextOptions = {}): string {
  const decimals = options.decimals ?? 2;
  const fmt = (v: number) => v.toFixed(decimals);
  const lines: string[] = [];
  const leafText = (node: Extract<TreeNode, { kind: 'leaf' }>): string => {
    if (tree.task === 'regression') return `value: ${fmt(node.value[0])} (${node.samples} samples)`;
    const k = node.value.reduce((best, p, c) => (p > node.value[best] ? c : best), 0);
    return `class: ${tree.classNames?.[k] ?? k} (${fmt(node.value[k])}, ${node.samples} samples)`;
  };
  const walk = (node: TreeNode, depth: number): void => {
    const indent = '|   '.repeat(depth);
    if (node.kind === 'leaf') {
      lines.push(`${indent}|--- ${leafText(node)}`);
      return;
    }
    lines.push(`${indent}|--- ${node.featureName} <= ${fmt(node.threshold)}  (${node.left.samples} samples)`);
    walk(node.left, depth + 1);
    lines.push(`${indent}|--- ${node.featureName} >  ${fmt(node.threshold)}  (${node.right.samples} samples)`);
    walk(node.right, depth + 1);
  };
  walk(tree.root, 0);
  const fidelity = `fidelity (${tree.fidelityMetric} against the model): ${tree.fidelity.toFixed(3)}`
    + (tree.heldOutFidelity !== undefined ? `, held out ${tree.heldOutFidelity.toFixed(3)}` : '');
  return `${lines.join('\n')}\n${fidelity}\n`;
}
