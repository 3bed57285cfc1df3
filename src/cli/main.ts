import { readFileSync } from 'node:fs';
import { GlassboxError } from '../errors.js';
import { helpText, parseCommand, type CommandSpec, type ParsedOptions } from './args.js';
import { attentionSpec, runAttention } from './attention.js';
import { attributeSpec, runAttribute, type CommandIo } from './attribute.js';
import { explainSpec, runExplain } from './explain.js';
import { importanceSpec, runImportance } from './importance.js';
import { lensSpec, runLens } from './lens.js';
import { methodsSpec, runMethods } from './methods.js';
import { embedSpec, runEmbed } from './embed.js';
import { tcavSpec, runTcav } from './tcav.js';
import { projectSpec, runProject } from './project.js';
import { neighborsSpec, runNeighbors } from './neighbors.js';
import { directionSpec, runDirection } from './direction.js';
import { attackSpec, runAttack } from './attack.js';
import { evaluateSpec, runEvaluate } from './evaluate.js';

interface Command {
  spec: CommandSpec;
  run: (flags: ParsedOptions, io: CommandIo) => Promise<number>;
}

const COMMANDS: Command[] = [
  { spec: explainSpec, run: runExplain },
  { spec: attributeSpec, run: runAttribute },
  { spec: importanceSpec, run: runImportance },
  { spec: attentionSpec, run: runAttention },
  { spec: lensSpec, run: runLens },
  { spec: methodsSpec, run: (flags, io) => runMethods(flags, io.out) },
  { spec: embedSpec, run: runEmbed },
  { spec: projectSpec, run: runProject },
  { spec: neighborsSpec, run: runNeighbors },
  { spec: directionSpec, run: runDirection },
  { spec: tcavSpec, run: runTcav },
  { spec: evaluateSpec, run: runEvaluate },
  { spec: attackSpec, run: runAttack },
];

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.spec.name.length)) + 2;
  return [
    'glassbox: explain what deep models do',
    '',
    'usage: glassbox <command> [options]',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.spec.name.padEnd(width)}${c.spec.summary}`),
    '',
    'Run glassbox <command> --help for its options. Exit codes: 0 ok, 1 failure, 2 usage error.',
  ].join('\n');
}

/** Runs the CLI; returns the exit code. Errors become one message (and a fix), never a stack trace. */
export async function main(argv: string[], io: CommandIo = defaultIo()): Promise<number> {
  const debug = argv.includes('--debug');
  const args = argv.filter((a) => a !== '--debug');
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.out(version());
    return 0;
  }
  const command = COMMANDS.find((c) => c.spec.name === name);
  if (!command) {
    io.warn(`glassbox: unknown command "${name}"\n  fix: use one of ${COMMANDS.map((c) => c.spec.name).join(', ')} (glassbox --help)`);
    return 2;
  }
  try {
    const flags = parseCommand(command.spec, rest);
    if (flags.help) {
      io.out(helpText(command.spec));
      return 0;
    }
    return await command.run(flags, io);
  } catch (err) {
    if (err instanceof GlassboxError) {
      io.warn(`glassbox ${name}: ${err.message}`);
      if (debug && err.stack) io.warn(err.stack);
      return err.kind === 'usage' ? 2 : 1;
    }
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    io.warn(`glassbox ${name}: unexpected error: ${message}`);
    io.warn(debug && err instanceof Error && err.stack ? err.stack : '  (this is a bug in Glassbox; run again with --debug for details and report it)');
    return 1;
  }
}

function defaultIo(): CommandIo {
  return {
    out: (text) => process.stdout.write(`${text}\n`),
    warn: (line) => process.stderr.write(`${line}\n`),
  };
}
