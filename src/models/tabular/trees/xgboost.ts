import { readFileSync } from 'node:fs';
import { GlassboxError, UsageError } from '../../../errors.js';
import { depthOf, SplitRule, type Link, type Tree, type TreeEnsemble } from './ensemble.js';
import { modelNameFromPath, TreeEnsembleModel, type TreeModelOptions } from './model.js';

/**
 * XGBoost's JSON model format (Booster.save_model('m.json'), XGBoost 1.0 and later).
 *
 * base_score is stored as the user gives it, in the objective's output space (a probability for
 * logistic objectives, a mean count for Poisson); XGBoost turns it into a margin when it loads the
 * model (ProbToMargin), and so do we. Leaf values already include the learning rate.
 */

type Json = Record<string, unknown>;

/** Objective -> link and how base_score becomes a margin. */
const OBJECTIVES: Record<string, { link: Link; baseToMargin: (b: number) => number }> = {
  'reg:squarederror': { link: 'identity', baseToMargin: (b) => b },
  'reg:linear': { link: 'identity', baseToMargin: (b) => b },
  'reg:absoluteerror': { link: 'identity', baseToMargin: (b) => b },
  'reg:pseudohubererror': { link: 'identity', baseToMargin: (b) => b },
  'reg:logistic': { link: 'logistic', baseToMargin: logit },
  'binary:logistic': { link: 'logistic', baseToMargin: logit },
  // logitraw's base_score is already a margin (checked against XGBoost 1.7's predictions).
  'binary:logitraw': { link: 'identity', baseToMargin: (b) => b },
  'count:poisson': { link: 'exp', baseToMargin: Math.log },
  'multi:softprob': { link: 'softmax', baseToMargin: (b) => b },
  'multi:softmax': { link: 'softmax', baseToMargin: (b) => b },
};

function logit(p: number): number {
  return -Math.log(1 / p - 1);
}

function bad(what: string): GlassboxError {
  return new UsageError(`not an XGBoost JSON model: ${what}`,
    "save the model with booster.save_model('model.json') (XGBoost 1.0 or later; the .json extension selects JSON)");
}

function field(obj: unknown, key: string, where: string): unknown {
  if (typeof obj !== 'object' || obj === null || !(key in obj)) throw bad(`${where} has no "${key}"`);
  return (obj as Json)[key];
}

function numbers(obj: unknown, key: string, where: string): number[] {
  const v = field(obj, key, where);
  if (!Array.isArray(v)) throw bad(`${where}.${key} is not an array`);
  return v.map((x) => Number(x));
}

/** base_score is a string: "5E-1" (1.x, 2.x) or "[5E-1,3E-1]" (per-target intercepts in 3.x). */
function parseBaseScore(raw: unknown, groups: number): number[] {
  const text = String(raw ?? '0.5').trim().replace(/^\[|\]$/g, '');
  const values = text.split(',').map((s) => Number(s.trim()));
  if (values.some((v) => !Number.isFinite(v))) throw bad(`base_score "${String(raw)}" is not a number`);
  if (values.length === 1) return new Array<number>(groups).fill(values[0]);
  if (values.length !== groups) throw bad(`base_score has ${values.length} values for ${groups} outputs`);
  return values;
}

function parseTree(raw: unknown, index: number, group: number, weight: number): Tree {
  const where = `tree ${index}`;
  const left = numbers(raw, 'left_children', where);
  const right = numbers(raw, 'right_children', where);
  const feature = numbers(raw, 'split_indices', where);
  const cond = numbers(raw, 'split_conditions', where);
  const defaultLeft = numbers(raw, 'default_left', where);
  const hess = numbers(raw, 'sum_hessian', where);
  const n = left.length;
  if ([right, feature, cond, defaultLeft, hess].some((a) => a.length !== n)) throw bad(`${where} has arrays of different lengths`);
  const splitType = (raw as Json).split_type;
  // Categorical splits (enable_categorical): each such node lists its categories, which go right.
  const categorySets = new Map<number, number[]>();
  if (Array.isArray(splitType) && splitType.some((s, i) => Number(s) === 1 && left[i] !== -1)) {
    const nodes = numbers(raw, 'categories_nodes', where);
    const segments = numbers(raw, 'categories_segments', where);
    const sizes = numbers(raw, 'categories_sizes', where);
    const cats = numbers(raw, 'categories', where);
    nodes.forEach((node, k) => categorySets.set(node, cats.slice(segments[k], segments[k] + sizes[k])));
  }
  const t: Tree = {
    feature: new Int32Array(n), threshold: new Float64Array(n), left: new Int32Array(n), right: new Int32Array(n),
    defaultLeft: new Uint8Array(n), rule: new Uint8Array(n).fill(SplitRule.XGBoostLess), categories: [],
    cover: new Float64Array(hess), value: new Float64Array(n), group, maxDepth: 0,
  };
  for (let i = 0; i < n; i++) {
    if (left[i] === -1) {
      t.feature[i] = -1;
      t.left[i] = t.right[i] = -1;
      // A leaf's value is kept in split_conditions, as a float32.
      t.value[i] = weight === 1 ? Math.fround(cond[i]) : Math.fround(Math.fround(cond[i]) * weight);
    } else {
      t.feature[i] = feature[i];
      if (Array.isArray(splitType) && Number(splitType[i]) === 1) {
        const set = categorySets.get(i);
        if (!set) throw bad(`${where} node ${i} is a categorical split without categories`);
        const bits = new Uint32Array(set.length ? (Math.max(...set) >> 5) + 1 : 0);
        for (const c of set) bits[c >> 5] |= 1 << (c & 31);
        t.rule[i] = SplitRule.XGBoostCategoryRight;
        t.categories[i] = bits;
      } else {
        t.threshold[i] = Math.fround(cond[i]);
      }
      t.left[i] = left[i];
      t.right[i] = right[i];
      t.defaultLeft[i] = defaultLeft[i] ? 1 : 0;
    }
  }
  try {
    t.maxDepth = depthOf(t);
  } catch (err) {
    throw bad(`${where}: ${(err as Error).message}`);
  }
  return t;
}

export function parseXGBoostJson(text: string, options: TreeModelOptions = {}): TreeEnsembleModel {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    // XGBoost writes non-finite numbers bare (NaN as the split condition of categorical nodes), which JSON
    // does not allow: read them as strings, which Number() turns back into NaN and Infinity.
    try {
      doc = JSON.parse(text.replace(/([[,:]\s*)(NaN|-?Infinity)(?=\s*[,\]}])/g, '$1"$2"'));
    } catch {
      throw bad(`the file is not JSON (${(err as Error).message}); the binary .model/.ubj formats are not read`);
    }
  }
  const learner = field(doc, 'learner', 'the file');
  const params = field(learner, 'learner_model_param', 'learner') as Json;
  const objective = String(field(field(learner, 'objective', 'learner'), 'name', 'learner.objective'));
  const spec = OBJECTIVES[objective];
  if (!spec) {
    throw new UsageError(`XGBoost objective "${objective}" is not supported`,
      `Glassbox reads models trained with ${Object.keys(OBJECTIVES).join(', ')}`);
  }
  let booster = field(learner, 'gradient_booster', 'learner') as Json;
  let weights: number[] | undefined;
  if (booster.name === 'dart') {
    weights = numbers(booster, 'weight_drop', 'dart booster');
    booster = field(booster, 'gbtree', 'dart booster') as Json;
  } else if (booster.name !== 'gbtree') {
    throw new UsageError(`XGBoost booster "${String(booster.name)}" is not a tree ensemble`, 'TreeSHAP and the tree loader need booster="gbtree" (or "dart")');
  }
  const model = field(booster, 'model', 'gradient_booster');
  const rawTrees = field(model, 'trees', 'gradient_booster.model');
  if (!Array.isArray(rawTrees)) throw bad('gradient_booster.model.trees is not an array');
  const treeInfo = numbers(model, 'tree_info', 'gradient_booster.model');
  const numClass = Number(params.num_class ?? 0);
  const numTarget = Number(params.num_target ?? 1);
  const numGroups = Math.max(1, numClass, numTarget);
  const numFeatures = Number(params.num_feature);
  if (!Number.isInteger(numFeatures) || numFeatures < 1) throw bad('learner_model_param.num_feature is missing');
  const trees = rawTrees.map((raw, i) => {
    const group = treeInfo[i] ?? 0;
    if (group < 0 || group >= numGroups) throw bad(`tree ${i} adds to output ${group}, but the model has ${numGroups}`);
    return parseTree(raw, i, group, weights ? weights[i] : 1);
  });
  for (const t of trees) {
    for (let n = 0; n < t.feature.length; n++) {
      if (t.feature[n] >= numFeatures) throw bad(`a tree splits on feature ${t.feature[n]}, but the model has ${numFeatures} features`);
    }
  }
  const names = (learner as Json).feature_names;
  const featureNames = Array.isArray(names) && names.length === numFeatures ? names.map(String) : undefined;
  const ensemble: TreeEnsemble = {
    source: 'xgboost', trees, numFeatures, numGroups,
    baseMargin: new Float64Array(parseBaseScore(params.base_score, numGroups).map((b) => Math.fround(spec.baseToMargin(Math.fround(b))))),
    objective, link: spec.link, sigmoidScale: 1, float32: true,
    ...(featureNames ? { featureNames } : {}),
  };
  return new TreeEnsembleModel(ensemble, options);
}

export function loadXGBoostModel(path: string, options: TreeModelOptions = {}): TreeEnsembleModel {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read the XGBoost model ${path}: ${(err as Error).message}`, 'check the path');
  }
  return parseXGBoostJson(text, { name: modelNameFromPath(path), ...options });
}
