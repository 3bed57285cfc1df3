import { readFileSync } from 'node:fs';
import { UsageError } from '../../../errors.js';
import { depthOf, SplitRule, type Link, type Tree, type TreeEnsemble } from './ensemble.js';
import { modelNameFromPath, TreeEnsembleModel, type TreeModelOptions } from './model.js';

/**
 * LightGBM's text model format (Booster.save_model('m.txt'), the CLI's output_model). Leaf values
 * already include shrinkage and the initial score. Nodes are renumbered so that split nodes keep their
 * index and leaf k follows them (LightGBM writes a child -1 - k for leaf k). The counts of training rows
 * through each node (internal_count, leaf_count) are the cover for path-dependent TreeSHAP, as in
 * LightGBM's own pred_contrib.
 */

function bad(what: string): UsageError {
  return new UsageError(`not a LightGBM text model: ${what}`,
    "save the model with booster.save_model('model.txt') (the text format; JSON dumps are not read)");
}

interface ObjectiveSpec { link: Link; sigmoidScale: number; numClass: number }

/** "binary sigmoid:1", "multiclass num_class:3", "regression", "poisson" ... */
function parseObjective(text: string | undefined): ObjectiveSpec {
  const [name = 'regression', ...rest] = (text ?? 'regression').trim().split(/\s+/);
  const opts = new Map(rest.map((t) => t.split(':') as [string, string]));
  const num = (key: string, fallback: number): number => (opts.has(key) ? Number(opts.get(key)) : fallback);
  if (opts.has('sqrt')) {
    throw new UsageError(`LightGBM objective "${text}" (reg_sqrt) is not supported`, 'retrain without reg_sqrt');
  }
  switch (name) {
    case 'binary':
      return { link: 'logistic', sigmoidScale: num('sigmoid', 1), numClass: 1 };
    case 'cross_entropy':
    case 'xentropy':
      return { link: 'logistic', sigmoidScale: 1, numClass: 1 };
    case 'multiclass':
    case 'softmax':
      return { link: 'softmax', sigmoidScale: 1, numClass: num('num_class', 1) };
    case 'multiclassova':
    case 'ova':
      return { link: 'logistic', sigmoidScale: num('sigmoid', 1), numClass: num('num_class', 1) };
    case 'regression': case 'regression_l2': case 'regression_l1': case 'l2': case 'l1': case 'mse': case 'mae':
    case 'huber': case 'fair': case 'quantile': case 'mape': case 'lambdarank': case 'rank_xendcg':
      return { link: 'identity', sigmoidScale: 1, numClass: 1 };
    case 'poisson': case 'gamma': case 'tweedie':
      return { link: 'exp', sigmoidScale: 1, numClass: 1 };
    default:
      throw new UsageError(`LightGBM objective "${text}" is not supported`,
        'Glassbox reads binary, cross_entropy, multiclass, multiclassova, regression (l1, l2, huber, fair, quantile, mape), lambdarank, poisson, gamma and tweedie models');
  }
}

function parseTree(fields: Map<string, string>, index: number, group: number, numFeatures: number, scale: number): Tree {
  const where = `Tree=${index}`;
  const get = (key: string): number[] => {
    const v = fields.get(key);
    if (v === undefined) throw bad(`${where} has no ${key}`);
    return v.trim() === '' ? [] : v.trim().split(/\s+/).map(Number);
  };
  if (fields.get('is_linear') === '1') {
    throw new UsageError(`LightGBM ${where} is a linear tree, which Glassbox does not read`, 'retrain with linear_tree=false');
  }
  const numLeaves = Number(fields.get('num_leaves'));
  if (!Number.isInteger(numLeaves) || numLeaves < 1) throw bad(`${where} has no valid num_leaves`);
  const leafValue = get('leaf_value');
  if (leafValue.length !== numLeaves) throw bad(`${where} has ${leafValue.length} leaf values for ${numLeaves} leaves`);
  const inner = numLeaves - 1;
  const n = inner + numLeaves;
  const t: Tree = {
    feature: new Int32Array(n).fill(-1), threshold: new Float64Array(n), left: new Int32Array(n).fill(-1),
    right: new Int32Array(n).fill(-1), defaultLeft: new Uint8Array(n), rule: new Uint8Array(n), categories: new Array(n),
    cover: new Float64Array(n).fill(1), value: new Float64Array(n), group, maxDepth: 0,
  };
  for (let k = 0; k < numLeaves; k++) t.value[inner + k] = leafValue[k] * scale;
  if (numLeaves > 1) {
    const feature = get('split_feature');
    const threshold = get('threshold');
    const decision = get('decision_type');
    const left = get('left_child');
    const right = get('right_child');
    const internalCount = fields.has('internal_count') ? get('internal_count') : get('internal_weight');
    const leafCount = fields.has('leaf_count') ? get('leaf_count') : get('leaf_weight');
    if ([feature, threshold, decision, left, right, internalCount].some((a) => a.length !== inner) || leafCount.length !== numLeaves) {
      throw bad(`${where} has arrays of the wrong length for ${numLeaves} leaves`);
    }
    const boundaries = fields.has('cat_boundaries') ? get('cat_boundaries') : [];
    const bits = fields.has('cat_threshold') ? get('cat_threshold') : [];
    const child = (c: number): number => (c >= 0 ? c : inner + (-c - 1));
    for (let i = 0; i < inner; i++) {
      if (feature[i] < 0 || feature[i] >= numFeatures) throw bad(`${where} splits on feature ${feature[i]}, but the model has ${numFeatures}`);
      t.feature[i] = feature[i];
      t.left[i] = child(left[i]);
      t.right[i] = child(right[i]);
      t.cover[i] = internalCount[i];
      const d = decision[i];
      t.defaultLeft[i] = (d >> 1) & 1;
      if (d & 1) {
        const c = threshold[i];
        if (!(c >= 0 && c + 1 < boundaries.length)) throw bad(`${where} has a categorical split without its cat_boundaries`);
        t.rule[i] = SplitRule.CategoryIn;
        t.categories[i] = Uint32Array.from(bits.slice(boundaries[c], boundaries[c + 1]));
      } else {
        const missing = (d >> 2) & 3;
        t.rule[i] = missing === 1 ? SplitRule.LessEqualZeroMissing : missing === 2 ? SplitRule.LessEqualNanMissing : SplitRule.LessEqualNoMissing;
        t.threshold[i] = threshold[i];
      }
    }
    for (let k = 0; k < numLeaves; k++) t.cover[inner + k] = leafCount[k];
  }
  try {
    t.maxDepth = depthOf(t);
  } catch (err) {
    throw bad(`${where}: ${(err as Error).message}`);
  }
  return t;
}

export function parseLightGBMText(text: string, options: TreeModelOptions = {}): TreeEnsembleModel {
  const lines = text.split(/\r?\n/);
  if (lines[0]?.trim() !== 'tree') throw bad('the first line is not "tree"');
  const header = new Map<string, string>();
  const blocks: Map<string, string>[] = [];
  let current: Map<string, string> | undefined;
  let ended = false;
  for (const line of lines.slice(1)) {
    if (line.startsWith('end of trees')) { ended = true; break; }
    if (line.startsWith('Tree=')) { current = new Map(); blocks.push(current); continue; }
    const eq = line.indexOf('=');
    const key = eq < 0 ? line.trim() : line.slice(0, eq);
    if (!key) continue;
    (current ?? header).set(key, eq < 0 ? '' : line.slice(eq + 1));
  }
  if (!ended) throw bad('no "end of trees" line: the file is cut short');
  if (blocks.length === 0) throw bad('no trees');
  const numFeatures = Number(header.get('max_feature_idx')) + 1;
  if (!Number.isInteger(numFeatures) || numFeatures < 1) throw bad('no max_feature_idx');
  const objective = header.get('objective') ?? 'regression';
  const spec = parseObjective(objective);
  const perIteration = Number(header.get('num_tree_per_iteration') ?? header.get('num_class') ?? 1);
  const numGroups = Math.max(1, Number(header.get('num_class') ?? 1), spec.numClass);
  if (perIteration !== numGroups) throw bad(`num_tree_per_iteration ${perIteration} does not match num_class ${numGroups}`);
  // Random-forest models (average_output) predict the mean of their iterations, not the sum.
  const scale = header.has('average_output') ? perIteration / blocks.length : 1;
  const trees = blocks.map((b, i) => parseTree(b, i, i % perIteration, numFeatures, scale));
  const names = header.get('feature_names')?.trim().split(/\s+/);
  const ensemble: TreeEnsemble = {
    source: 'lightgbm', trees, numFeatures, numGroups, baseMargin: new Float64Array(numGroups),
    objective, link: spec.link, sigmoidScale: spec.sigmoidScale, float32: false,
    ...(names && names.length === numFeatures ? { featureNames: names } : {}),
  };
  return new TreeEnsembleModel(ensemble, options);
}

export function loadLightGBMModel(path: string, options: TreeModelOptions = {}): TreeEnsembleModel {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read the LightGBM model ${path}: ${(err as Error).message}`, 'check the path');
  }
  return parseLightGBMText(text, { name: modelNameFromPath(path), ...options });
}
