import type { TabularExplanationData } from '../../attribution/tabular-explanation.js';
import type { JsonValue } from '../../attribution/result.js';
import { UsageError } from '../../errors.js';
import { BLUE, RED, checkExplanation, checkMaxDisplay, checkRow, displayValue, formatValue } from './common.js';
import { horizontalBars, type BarItem } from './bar.js';

export interface LimeBarOptions {
  /** Which explained row, default 0. */
  row?: number;
  /** Conditions shown, largest |weight| first; default 10 (LIME's num_features). */
  maxDisplay?: number;
  /** The explained class's name for the title, default "class <target>". */
  className?: string;
  /** 'lime': green for, red against (LIME's own colours); 'shap': red for, blue against. Default 'lime'. */
  colors?: 'lime' | 'shap';
  /** Total width in pixels, default 640. */
  width?: number;
}

const LIME_GREEN = '#2ca02c';
const LIME_RED = '#d62728';

function stringList(v: JsonValue | undefined, n: number): string[] | undefined {
  return Array.isArray(v) && v.length === n && v.every((s) => typeof s === 'string') ? (v as string[]) : undefined;
}

/**
 * The bars of LIME's as_pyplot_figure for one row: the features with a non-zero weight, largest
 * |weight| first, labelled with LIME's condition strings ("worst radius <= 13.01") when the
 * explanation carries them in extras.conditions, else "feature = value".
 */
export function limeBarItems(e: TabularExplanationData, row = 0, maxDisplay = 10): BarItem[] {
  checkExplanation(e, 'LIME explanation');
  checkRow(e, row);
  checkMaxDisplay(maxDisplay);
  const weights = e.attributions[row];
  const extras = e.extras?.[row];
  const given = extras?.conditions;
  const conditions = stringList(given, weights.length);
  if (given !== undefined && !conditions) {
    throw new UsageError(`extras.conditions of row ${row} is not a list of ${weights.length} strings`, 'give one condition string per feature');
  }
  const order = weights.map((_, j) => j).filter((j) => weights[j] !== 0)
    .sort((a, b) => Math.abs(weights[b]) - Math.abs(weights[a]) || a - b).slice(0, maxDisplay);
  if (order.length === 0) throw new UsageError(`every weight of row ${row} is 0`, 'explain with more features or a wider kernel');
  return order.map((j) => ({ label: conditions?.[j] ?? `${e.featureNames[j]} = ${displayValue(e, row, j)}`, value: weights[j] }));
}

/** LIME's horizontal bar chart of one row's weights, titled with the class and the local prediction. */
export function limeBarPlot(e: TabularExplanationData, options: LimeBarOptions = {}): string {
  const row = options.row ?? 0;
  const items = limeBarItems(e, row, options.maxDisplay ?? 10);
  const extras = e.extras?.[row];
  const local = typeof extras?.localPrediction === 'number' ? extras.localPrediction : undefined;
  const score = typeof extras?.score === 'number' ? extras.score : undefined;
  const name = options.className ?? `class ${e.target}`;
  const facts = [local !== undefined ? `local prediction ${formatValue(local, 3)}` : '', `model ${formatValue(e.predictions[row], 3)}`,
    score !== undefined ? `R² ${formatValue(score, 3)}` : ''].filter(Boolean).join(', ');
  const [pos, neg] = options.colors === 'shap' ? [RED, BLUE] : [LIME_GREEN, LIME_RED];
  return horizontalBars(items, {
    width: options.width ?? 640,
    title: `Local explanation for ${name} (${facts})`,
    xLabel: 'weight',
    colors: (v) => (v >= 0 ? pos : neg),
    decimals: 3,
  });
}
