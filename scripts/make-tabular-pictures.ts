/**
 * Draws the tabular pictures in docs/images/ (tabular-<name>.png) from the committed breast-cancer logistic
 * regression (test/data/reference/tabular.json): exact logit-space Shapley values coef * (x - mean) of its
 * test rows, its partial dependence and a surrogate tree, and a real LIME run.
 * Run: npx tsx scripts/make-tabular-pictures.ts [waterfall beeswarm bar force dependence pdp tree lime] (default all)
 */
import { logisticShap, explainedRow, testRows, logisticPartialDependence, logisticSurrogate } from '../test/viz/tabular/fixtures.js';
import { waterfallPlot } from '../src/viz/tabular/waterfall.js';
import { barPlot } from '../src/viz/tabular/bar.js';
import { beeswarmPlot } from '../src/viz/tabular/beeswarm.js';
import { forcePlot } from '../src/viz/tabular/force.js';
import { dependencePlot } from '../src/viz/tabular/dependence.js';
import { limeBarPlot } from '../src/viz/tabular/lime-bar.js';
import { pdpPlot } from '../src/viz/tabular/pdp.js';
import { treePlot, treeText } from '../src/viz/tabular/tree.js';
import { writePlotPng } from '../src/viz/tabular/png.js';
const which = process.argv.length > 2 ? process.argv.slice(2) : ['waterfall', 'beeswarm', 'bar', 'force', 'dependence', 'pdp', 'tree', 'lime'];
const one = logisticShap([explainedRow()]);
const all = logisticShap(testRows());
const mods: Record<string, () => Promise<string>> = {
  bar: async () => barPlot(all, { title: 'Global importance, 143 test rows' }),
  beeswarm: async () => beeswarmPlot(all, { title: 'SHAP values of 143 test rows (log-odds of benign)' }),
  force: async () => forcePlot(one),
  dependence: async () => dependencePlot(all, { feature: 'worst texture' }),
  pdp: async () => pdpPlot(logisticPartialDependence(21), { title: 'p(benign) as worst texture varies' }),
  tree: async () => { const t = logisticSurrogate(3); console.log(treeText(t)); return treePlot(t, { title: 'Surrogate tree for p(benign)' }); },
  lime: async () => {
    // A real LIME run (src/attribution/lime) on the logistic model's p(benign), training rows as background.
    const { LimeTabular } = await import('../src/attribution/lime/lime-tabular.js');
    const { multiOutputFunctionModel } = await import('../src/models/tabular/function.js');
    const { fromRows } = await import('../src/tabular/matrix.js');
    const { reference, probability } = await import('../test/viz/tabular/fixtures.js');
    const model = multiOutputFunctionModel((rows) => rows.map((r) => { const p = probability(Array.from(r)); return [1 - p, p]; }),
      { numFeatures: 30, numOutputs: 2, featureNames: reference.feature_names, name: 'breast-cancer logistic regression', output: 'probability' });
    const lime = new LimeTabular(model, fromRows(reference.train_idx.map((i) => reference.X[i])), { featureNames: reference.feature_names, seed: 0 });
    const e = await lime.explain(fromRows([explainedRow()]), { target: 1 });
    
    return limeBarPlot(e, { className: 'benign' });
  },
  waterfall: async () => waterfallPlot(one, { title: 'Breast cancer: log-odds of benign' }),
};
for (const w of which) { const t = Date.now(); const svg = await mods[w](); writePlotPng(`docs/images/tabular-${w}.png`, svg); console.log(w, Date.now() - t, 'ms', svg.length); }
