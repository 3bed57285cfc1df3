import { meanDifferenceDirection } from '../embedding/concepts/mean-difference-direction.js';
import { projectOnto } from '../embedding/concepts/project-onto.js';
import { readEmbeddings } from '../embedding/io/read-embeddings.js';
import type { Embeddings } from '../embedding/types.js';
import { UsageError } from '../errors.js';
import { intOption, stringOption, type CommandSpec, type ParsedOptions } from './args.js';
import { required, type CommandIo } from './attribute.js';
import { emit, toJson } from './text-model.js';

export const directionSpec: CommandSpec = {
  name: 'direction',
  summary: 'the mean-difference direction between two sets of embeddings (chosen by metadata), and every point projected onto it',
  usage: 'glassbox direction --embeddings <dir> --from column=value --to column=value [--top K] --format json',
  options: {
    embeddings: { type: 'string', placeholder: 'dir|tsv', description: 'a directory written by glassbox embed, a TensorBoard projector folder, or a vectors TSV' },
    metadata: { type: 'string', placeholder: 'tsv', description: 'a metadata TSV for a plain vectors TSV' },
    from: { type: 'string', placeholder: 'column=value', description: 'the points the direction starts from, e.g. label=3' },
    to: { type: 'string', placeholder: 'column=value', description: 'the points it points to, e.g. label=8' },
    top: { type: 'string', placeholder: 'K', description: 'list the K points furthest along the direction and the K furthest against it (default 10)' },
    format: { type: 'string', placeholder: 'json', description: 'output format (json)' },
    out: { type: 'string', short: 'o', placeholder: 'file', description: 'write the JSON to this file instead of stdout' },
  },
  examples: [
    'glassbox direction --embeddings digits-dense1 --from label=3 --to label=8 --top 5',
    'glassbox direction --embeddings spam-layer1 --from label=ham --to label=spam',
  ],
};

/** What `glassbox direction` prints. */
export interface DirectionOutput {
  from: { selector: string; count: number; meanProjection: number };
  to: { selector: string; count: number; meanProjection: number };
  /** Unit vector from the mean of `from` to the mean of `to`. */
  direction: number[];
  /** Each point's coordinate along the direction, measured from the midpoint of the two means. */
  projections: number[];
  /** The points furthest towards `to` and towards `from`, with their metadata. */
  furthestTo: { index: number; projection: number; metadata: Record<string, string | number> }[];
  furthestFrom: { index: number; projection: number; metadata: Record<string, string | number> }[];
}

function select(e: Embeddings, selector: string, flag: string): Embeddings & { rows: number[] } {
  const at = selector.indexOf('=');
  if (at <= 0) throw new UsageError(`--${flag} "${selector}" is not column=value`, 'e.g. --from label=3');
  const column = selector.slice(0, at).trim();
  const value = selector.slice(at + 1).trim();
  const values = e.metadata[column];
  if (!values) throw new UsageError(`--${flag}: "${column}" is not a metadata column`, `choose one of: ${Object.keys(e.metadata).join(', ') || '(the embeddings have no metadata)'}`);
  const rows = values.flatMap((v, i) => (String(v) === value ? [i] : []));
  if (rows.length === 0) {
    const seen = [...new Set(values.map(String))].slice(0, 12);
    throw new UsageError(`--${flag}: no point has ${column} = ${value}`, `values of ${column} include: ${seen.join(', ')}`);
  }
  const vectors = new Float32Array(rows.length * e.dim);
  rows.forEach((r, i) => vectors.set(e.vectors.subarray(r * e.dim, (r + 1) * e.dim), i * e.dim));
  return { count: rows.length, dim: e.dim, vectors, metadata: {}, rows };
}

export async function runDirection(flags: ParsedOptions, io: CommandIo): Promise<number> {
  const path = required(flags, 'embeddings', 'e.g. --embeddings digits-dense1 (written by glassbox embed)');
  const fromSelector = required(flags, 'from', 'e.g. --from label=3');
  const toSelector = required(flags, 'to', 'e.g. --to label=8');
  const format = stringOption(flags, 'format') ?? 'json';
  if (format !== 'json') throw new UsageError(`unknown --format "${format}"`, 'use --format json');
  const top = intOption(flags, 'top', { min: 1 }) ?? 10;
  const metadataPath = stringOption(flags, 'metadata');
  const data = readEmbeddings(path, metadataPath ? { metadata: metadataPath } : {});
  const from = select(data, fromSelector, 'from');
  const to = select(data, toSelector, 'to');
  const direction = meanDifferenceDirection(to, from);
  // Measured from the midpoint of the two means, so the sets sit on either side of zero.
  const mean = (s: Embeddings) => Array.from({ length: s.dim }, (_, k) => { let m = 0; for (let i = 0; i < s.count; i++) m += s.vectors[i * s.dim + k]; return m / s.count; });
  const mFrom = mean(from);
  const mTo = mean(to);
  const origin = mFrom.map((v, k) => (v + mTo[k]) / 2);
  const projections = projectOnto(data, direction, { origin });
  const average = (rows: number[]) => rows.reduce((sum, r) => sum + projections[r], 0) / rows.length;
  const order = Array.from(projections.keys()).sort((a, b) => projections[b] - projections[a]);
  const describe = (i: number) => ({ index: i, projection: projections[i], metadata: Object.fromEntries(Object.entries(data.metadata).map(([c, v]) => [c, v[i]])) });
  const output: DirectionOutput = {
    from: { selector: fromSelector, count: from.count, meanProjection: average(from.rows) },
    to: { selector: toSelector, count: to.count, meanProjection: average(to.rows) },
    direction: Array.from(direction),
    projections: Array.from(projections),
    furthestTo: order.slice(0, top).map(describe),
    furthestFrom: order.slice(-top).reverse().map(describe),
  };
  emit(flags, toJson(output), io.out);
  return 0;
}
