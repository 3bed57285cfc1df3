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
  const tabular = TABULAR_METHOD_NAMES.map((name) => ({ name, family: 'tabular' as const, needsLayer: false, summary: TABULAR_METHOD_SUMMARIES[name] }));
  if (flags.json) {
    out(JSON.stringify([...METHODS.map(({ name, summary, family, needsLayer }) => ({ name, family, needsLayer, summary })), ...tabular], null, 2));
    return 0;
  }
  const width = Math.max(...METHODS.map((m) => m.name.length), ...tabular.map((m) => m.name.length)) + 2;
  for (const family of ['gradient', 'perturbation'] as const) {
    out(`${family} methods (images and tensors, --input):`);
    for (const m of METHODS.filter((x) => x.family === family)) out(`  ${m.name.padEnd(width)}${m.summary}`);
  }
  out('tabular methods (rows of a CSV, --data):');
  for (const m of tabular) out(`  ${m.name.padEnd(width)}${m.summary}`);
  return 0;
}
