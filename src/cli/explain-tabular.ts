/**
 * `glassbox explain --data file.csv --row N`: one row of a tabular model explained with a SHAP method and
 * LIME, plus the global views over the data, as an HTML report with PNG plots and the results as JSON.
 */
import { join } from 'node:path';
import { explainTabular, isTabularMethod, pickRows, TABULAR_METHOD_NAMES, withDisplay, type TabularMethodName } from '../attribution/tabular-methods.js';
import type { TabularExplanation } from '../attribution/tabular-explanation.js';
import { UsageError } from '../errors.js';
import { renderTreeText } from '../global/tree-text.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { beeswarmPlot } from '../viz/tabular/beeswarm.js';
import { limeBarPlot } from '../viz/tabular/lime-bar.js';
import { writePlotPng } from '../viz/tabular/png.js';
import { writeTabularReport } from '../viz/tabular/report.js';
import { waterfallPlot } from '../viz/tabular/waterfall.js';
import { intOption, stringOption, type ParsedOptions } from './args.js';
import type { CommandIo } from './attribute.js';
import { computeOverview, defaultShapMethod, overviewJson } from './importance.js';
import { ProgressBar } from './progress.js';
import { loadTabularSetup, resolveTabularTarget, tabularMethodOptions } from './tabular.js';

function parseTabularMethods(raw: string | undefined): TabularMethodName[] | undefined {
  if (raw === undefined) return undefined;
  const names = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = names.find((n) => !isTabularMethod(n));
  if (bad !== undefined || names.length === 0) {
    throw new UsageError(`unknown tabular method "${bad ?? raw}" in --methods`, `choose from: ${TABULAR_METHOD_NAMES.join(', ')}`);
  }
  return names as TabularMethodName[];
}

export async function runTabularExplain(flags: ParsedOptions, io: CommandIo, outDir: string): Promise<number> {
  const requested = parseTabularMethods(stringOption(flags, 'methods'));
  const rowIndex = intOption(flags, 'row', { min: 0 }) ?? 0;
  const setup = await loadTabularSetup(flags, requested?.find((m) => m !== 'lime'), io.warn);
  try {
    for (const note of setup.notes) io.warn(`glassbox: ${note}`);
    const rows = pickRows(setup.data.x, rowIndex);
    const target = await resolveTabularTarget(setup.model, rows, flags);
    const methods = requested ?? [defaultShapMethod(setup), 'lime'];
    const display = setup.data.display.slice(rowIndex, rowIndex + 1);
    const results: TabularExplanation[] = [];
    for (const method of methods) {
      const bar = new ProgressBar(method);
      const options = tabularMethodOptions(setup, method, flags, target);
      options.onProgress = (done, total) => bar.update(done, total);
      try {
        results.push(withDisplay(await explainTabular(setup.model, rows, method, options), display, options.groups, rows));
      } finally {
        bar.done();
      }
    }
    const shap = results.find((r) => r.method !== 'lime');
    const lime = results.find((r) => r.method === 'lime');
    const main = shap ?? lime!;
    // The global views explain the same output as the row.
    const globalFlags: ParsedOptions = { ...flags, target: String(target), ...(shap ? { method: shap.method } : {}) };
    const { overview } = await computeOverview(setup, globalFlags, undefined, io);
    const classNames = setup.model.info.outputNames ?? setup.data.classNames;
    const className = classNames?.[target] ?? (setup.model.info.numOutputs === 1 && classNames?.length === 2 ? classNames[1] : undefined);
    const title = `Why ${setup.model.info.name} gave row ${rowIndex} the output it did`;
    const reportPath = join(outDir, 'report.html');
    writeTabularReport(reportPath, {
      explanation: main,
      ...(lime && shap ? { lime } : {}),
      ...(overview.shap ? { global: overview.shap } : {}),
      ...(overview.partialDependence ? { partialDependence: overview.partialDependence } : {}),
      ...(overview.surrogate ? { surrogate: overview.surrogate } : {}),
      ...(className ? { className } : {}),
      title,
    });
    if (shap) writePlotPng(join(outDir, 'waterfall.png'), waterfallPlot(shap, { title: `${setup.model.info.name}, row ${rowIndex}` }));
    if (lime) writePlotPng(join(outDir, 'lime.png'), limeBarPlot(lime, className ? { className } : {}));
    if (overview.shap) writePlotPng(join(outDir, 'beeswarm.png'), beeswarmPlot(overview.shap, { title: `${overview.shap.method} over ${overview.rows.length} rows` }));
    const json = {
      model: setup.model.info.name,
      data: stringOption(flags, 'data'),
      row: rowIndex,
      schema: setup.schemaSource,
      results: results.map((r) => ({ ...r.row(0), ...(r.displayValues ? { displayValues: r.displayValues[0] } : {}) })),
      global: overviewJson(setup, overview, target),
      ...(overview.surrogate ? { surrogateText: renderTreeText(overview.surrogate) } : {}),
    };
    writeFileAtomic(join(outDir, 'results.json'), `${JSON.stringify(json, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 1)}\n`);
    io.out(reportPath);
    return 0;
  } finally {
    setup.model.dispose?.();
  }
}
