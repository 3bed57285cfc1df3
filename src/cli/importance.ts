import { resolve } from 'node:path';
import { TABULAR_METHOD_NAMES, isTabularMethod, type TabularMethodName } from '../attribution/tabular-methods.js';
import { UsageError } from '../errors.js';
import { OVERVIEW_VIEWS, tabularOverview, type Overview, type OverviewView } from '../global/overview.js';
import { renderTreeText } from '../global/tree-text.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { TreeEnsembleModel } from '../models/tabular/trees/model.js';
import { writeTabularReport } from '../viz/tabular/report.js';
import { intOption, stringOption, type CommandSpec, type ParsedOptions } from './args.js';
import type { CommandIo } from './attribute.js';
import { ProgressBar } from './progress.js';
import { TABULAR_DATA_FLAGS, TABULAR_METHOD_FLAGS, loadTabularSetup, tabularMethodOptions, type TabularSetup } from './tabular.js';

export const importanceSpec: CommandSpec = {
  name: 'importance',
  summary: 'global views of a tabular model over a CSV: mean |SHAP|, permutation importance, partial dependence, a surrogate tree',
  usage: 'glassbox importance --model <model.onnx|xgb.json|lgbm.txt> --data <file.csv> [--views shap,permutation,pdp,surrogate] [--limit N] --format json|html [--out file]',
  options: {
    model: { type: 'string', placeholder: 'file', description: 'ONNX, XGBoost JSON, LightGBM text or TF.js model.json of a tabular model' },
    ...TABULAR_DATA_FLAGS,
    views: { type: 'string', placeholder: 'a,b,...', description: `views to compute (default all): ${OVERVIEW_VIEWS.join(', ')}` },
    method: { type: 'string', placeholder: 'name', description: 'SHAP method of the shap view (default tree-shap for tree ensembles, else kernel-shap)' },
    limit: { type: 'string', placeholder: 'N', description: 'rows explained by the shap view: a seeded sample of at most N (default 100)' },
    target: { type: 'string', placeholder: 'N', description: 'output to explain (default: the only output, or the positive class of two)' },
    samples: { ...TABULAR_METHOD_FLAGS.samples, description: 'budget of the shap view: kernel-shap nsamples, permutation-shap max evaluations' },
    seed: TABULAR_METHOD_FLAGS.seed,
    workers: TABULAR_METHOD_FLAGS.workers,
    'max-depth': { type: 'string', placeholder: 'D', description: 'surrogate tree depth (default 3)' },
    format: { type: 'string', placeholder: 'json|html', description: 'json prints the results; html writes a report (default json)' },
    out: { type: 'string', placeholder: 'file', short: 'o', description: 'write the JSON or HTML to this file (html default: glassbox-importance.html)' },
  },
  examples: [
    'glassbox importance --model models/cancer-xgb/model.json --data data/tabular/breast_cancer.csv --format html --out cancer.html',
    'glassbox importance --model models/credit/model.onnx --data data/tabular/german_credit.csv --views permutation,surrogate --format json',
  ],
};

export function defaultShapMethod(setup: TabularSetup): TabularMethodName {
  return setup.model instanceof TreeEnsembleModel ? 'tree-shap' : 'kernel-shap';
}

function parseViews(raw: string | undefined): OverviewView[] | undefined {
  if (raw === undefined) return undefined;
  const views = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = views.find((v) => !(OVERVIEW_VIEWS as readonly string[]).includes(v));
  if (unknown !== undefined || views.length === 0) throw new UsageError(`unknown view "${unknown ?? raw}"`, `choose from: ${OVERVIEW_VIEWS.join(', ')}`);
  return views as OverviewView[];
}

/** The overview as JSON: plain numbers, with the surrogate tree's text rendering. */
export function overviewJson(setup: TabularSetup, overview: Overview, target: number | undefined): Record<string, unknown> {
  return {
    model: setup.model.info.name,
    output: setup.model.info.output,
    target: target ?? null,
    rowsInData: setup.data.x.rows,
    columnOrder: overview.columnOrder,
    ...(overview.shap ? {
      shap: {
        method: overview.shap.method, rows: overview.rows, featureNames: overview.shap.featureNames,
        meanAbs: overview.shap.meanAbs(), baseValue: overview.shap.baseValues[0], attributions: overview.shap.attributions,
      },
    } : {}),
    ...(overview.permutation ? { permutation: overview.permutation } : {}),
    ...(overview.partialDependence ? { partialDependence: overview.partialDependence } : {}),
    ...(overview.surrogate ? { surrogate: { ...overview.surrogate, text: renderTreeText(overview.surrogate) } } : {}),
    skipped: overview.skipped,
  };
}

export async function computeOverview(setup: TabularSetup, flags: ParsedOptions, views: OverviewView[] | undefined, io: CommandIo): Promise<{ overview: Overview; target: number | undefined }> {
  const methodFlag = stringOption(flags, 'method');
  if (methodFlag !== undefined && (!isTabularMethod(methodFlag) || methodFlag === 'lime')) {
    throw new UsageError(`--method ${methodFlag} cannot give the SHAP view`, `use one of: ${TABULAR_METHOD_NAMES.filter((m) => m !== 'lime').join(', ')}`);
  }
  const method = (methodFlag as TabularMethodName | undefined) ?? defaultShapMethod(setup);
  const n = setup.model.info.numOutputs;
  const target = intOption(flags, 'target', { min: 0, max: n - 1 }) ?? (n === 1 ? 0 : n === 2 ? 1 : undefined);
  if (target === undefined) throw new UsageError(`model ${setup.model.info.name} has ${n} outputs`, `pass --target 0 to ${n - 1}`);
  const methodOptions = tabularMethodOptions(setup, method, flags, target);
  let bar: ProgressBar | undefined;
  let current: OverviewView | undefined;
  const overview = await tabularOverview(setup.model, setup.data.x, {
    ...(views ? { views } : {}),
    method,
    methodOptions,
    featureNames: setup.data.featureNames,
    featureColumns: setup.data.featureColumns,
    limit: intOption(flags, 'limit', { min: 1 }) ?? 100,
    ...(setup.data.y ? { labels: setup.data.y } : {}),
    display: setup.data.display,
    surrogateDepth: intOption(flags, 'max-depth', { min: 1, max: 12 }) ?? 3,
    seed: intOption(flags, 'seed', { min: 0 }) ?? 0,
    onProgress: (view, done, total) => {
      if (view !== current) {
        bar?.done();
        bar = new ProgressBar(view === 'shap' ? `${view} (${method})` : view);
        current = view;
      }
      bar?.update(done, total);
    },
  });
  bar?.done();
  for (const s of overview.skipped) io.warn(`glassbox: ${s.view} skipped: ${s.reason}`);
  return { overview, target };
}

export async function runImportance(flags: ParsedOptions, io: CommandIo): Promise<number> {
  const format = stringOption(flags, 'format') ?? 'json';
  if (format !== 'json' && format !== 'html') throw new UsageError(`unknown --format "${format}"`, 'use --format json or --format html');
  const views = parseViews(stringOption(flags, 'views'));
  const methodFlag = stringOption(flags, 'method');
  const setup = await loadTabularSetup(flags, methodFlag && isTabularMethod(methodFlag) ? methodFlag : undefined, io.warn);
  try {
    for (const note of setup.notes) io.warn(`glassbox: ${note}`);
    const { overview, target } = await computeOverview(setup, flags, views, io);
    const outPath = stringOption(flags, 'out');
    if (format === 'json') {
      const json = JSON.stringify(overviewJson(setup, overview, target), (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
      if (outPath) writeFileAtomic(outPath, `${json}\n`);
      else io.out(json);
      return 0;
    }
    if (!overview.shap) throw new UsageError('the html report is drawn around SHAP values', 'include the shap view (--views shap,...)');
    const path = resolve(outPath ?? 'glassbox-importance.html');
    const classNames = setup.model.info.outputNames ?? setup.data.classNames;
    writeTabularReport(path, {
      explanation: overview.shap,
      global: overview.shap,
      ...(overview.partialDependence ? { partialDependence: overview.partialDependence } : {}),
      ...(overview.surrogate ? { surrogate: overview.surrogate } : {}),
      ...(classNames && target !== undefined && classNames[target] ? { className: classNames[target] } : {}),
      title: `Global explanation of ${setup.model.info.name}`,
    });
    io.out(path);
    return 0;
  } finally {
    setup.model.dispose?.();
  }
}
