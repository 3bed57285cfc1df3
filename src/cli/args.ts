import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  description: string;
  /** Shown in help; the command applies defaults itself. */
  placeholder?: string;
  short?: string;
}

export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, OptionSpec>;
  examples?: string[];
}

export type ParsedOptions = Record<string, string | boolean | undefined>;

const COMMON: Record<string, OptionSpec> = {
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

/** Parses argv for one command; unknown flags and stray arguments are usage errors. */
export function parseCommand(spec: CommandSpec, argv: string[]): ParsedOptions {
  const options = { ...spec.options, ...COMMON };
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: Object.fromEntries(Object.entries(options).map(([k, o]) => [k, { type: o.type, ...(o.short ? { short: o.short } : {}) }])),
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length > 0) {
      throw new UsageError(`unexpected argument "${positionals[0]}" for glassbox ${spec.name}`, `see glassbox ${spec.name} --help`);
    }
    return values as ParsedOptions;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const message = (err as Error).message.replace(/\. To specify a positional argument.*$/, '');
    throw new UsageError(`${message} (glassbox ${spec.name})`, `see glassbox ${spec.name} --help`);
  }
}

export function helpText(spec: CommandSpec): string {
  const lines = [`glassbox ${spec.name}: ${spec.summary}`, '', `usage: ${spec.usage}`, '', 'options:'];
  const entries = Object.entries({ ...spec.options, ...COMMON });
  const labels = entries.map(([k, o]) => `${o.short ? `-${o.short}, ` : '    '}--${k}${o.type === 'string' ? ` <${o.placeholder ?? 'value'}>` : ''}`);
  const width = Math.max(...labels.map((l) => l.length)) + 2;
  entries.forEach(([, o], i) => lines.push(`  ${labels[i].padEnd(width)}${o.description}`));
  if (spec.examples?.length) lines.push('', 'examples:', ...spec.examples.map((e) => `  ${e}`));
  return lines.join('\n');
}

export function stringOption(values: ParsedOptions, key: string): string | undefined {
  const v = values[key];
  return typeof v === 'string' ? v : undefined;
}

export function intOption(values: ParsedOptions, key: string, range: { min?: number; max?: number } = {}): number | undefined {
  const raw = stringOption(values, key);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || (range.min !== undefined && n < range.min) || (range.max !== undefined && n > range.max)) {
    const bounds = range.max !== undefined ? ` from ${range.min ?? '-inf'} to ${range.max}` : range.min !== undefined ? ` of at least ${range.min}` : '';
    throw new UsageError(`--${key} must be a whole number${bounds}, got "${raw}"`, `e.g. --${key} ${range.min ?? 0}`);
  }
  return n;
}

export function numberOption(values: ParsedOptions, key: string, range: { min?: number } = {}): number | undefined {
  const raw = stringOption(values, key);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || (range.min !== undefined && n < range.min)) {
    throw new UsageError(`--${key} must be a number${range.min !== undefined ? ` of at least ${range.min}` : ''}, got "${raw}"`, `e.g. --${key} 0.15`);
  }
  return n;
}

export function listOption(values: ParsedOptions, key: string): number[] | undefined {
  const raw = stringOption(values, key);
  if (raw === undefined) return undefined;
  const parts = raw.split(',').map((s) => Number(s.trim()));
  if (parts.length === 0 || parts.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new UsageError(`--${key} must be positive whole numbers separated by commas, got "${raw}"`, `e.g. --${key} 4,4,1`);
  }
  return parts;
}

export function choiceOption<T extends string>(values: ParsedOptions, key: string, choices: readonly T[]): T | undefined {
  const raw = stringOption(values, key);
  if (raw === undefined) return undefined;
  if (!choices.includes(raw as T)) {
    throw new UsageError(`--${key} must be one of ${choices.join(', ')}, got "${raw}"`, `e.g. --${key} ${choices[0]}`);
  }
  return raw as T;
}
