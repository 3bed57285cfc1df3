import { METHODS } from '../attribution/registry.js';
import { TABULAR_METHOD_NAMES, TABULAR_METHOD_SUMMARIES } from '../attribution/tabular-methods.js';
import type { CommandSpec, ParsedOptions } from './args.js';

export const methodsSpec: CommandSpec = {
  name: 'methods',
  summary: 'list the attribution methods',
  usage: 'glassbox methods [--json]',
  options: { json: { type: 'boolean', description: 'print the list as JSON' } },
};

export async function runMethods(flags: ParsedOptions, out: (text: string) => void): Promise<number> {
  const tabular = TABULAR_METHOD_NAMES.map((name) => ({ name, family: 'tabular' as const, input: '--data' as const, needsLayer: false, summary: TABULAR_METHOD_SUMMARIES[name] }));
  if (flags.json) {
    // A name may appear twice (lime, kernel-shap): once per kind of input, told apart by family and input.
    out(JSON.stringify([...METHODS.map(({ name, summary, family, needsLayer }) => ({ name, family, input: '--input' as const, needsLayer, summary })), ...tabular], null, 2));
    return 0;
  }
  const width = Math.max(...METHODS.map((m) => m.name.length), ...tabular.map((m) => m.name.length)) + 2;
  for (const family of ['gradient', 'perturbation', 'control'] as const) {
    out(family === 'control' ? 'controls (ignore the model: baselines for glassbox evaluate):' : `${family} methods (images and tensors, --input):`);
    for (const m of METHODS.filter((x) => x.family === family)) out(`  ${m.name.padEnd(width)}${m.summary}`);
  }
  out('tabular methods (rows of a CSV, --data):');
  for (const m of tabular) out(`  ${m.name.padEnd(width)}${m.summary}`);
  const both = tabular.filter((t) => METHODS.some((m) => m.name === t.name)).map((t) => t.name);
  if (both.length > 0) out(`${both.join(' and ')}: the same name for both kinds; --input runs the image version, --data the tabular one.`);
  return 0;
}
