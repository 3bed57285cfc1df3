import { existsSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { exactNeighbors } from '../embedding/neighbors/exact.js';
import { HnswIndex } from '../embedding/neighbors/hnsw.js';
import { readEmbeddings } from '../embedding/io/read-embeddings.js';
import { parseVectorsTsv } from '../embedding/io/tsv.js';
import type { Embeddings, Metric, Neighbors } from '../embedding/types.js';
import { UsageError } from '../errors.js';
import { choiceOption, intOption, stringOption, type CommandSpec, type ParsedOptions } from './args.js';
import { required, type CommandIo } from './attribute.js';
import { emit, toJson } from './text-model.js';

const METRICS: readonly Metric[] = ['euclidean', 'cosine', 'dot'];

export const neighborsSpec: CommandSpec = {
  name: 'neighbors',
  summary: 'the nearest points of embeddings to a row or to query vectors (exact, or HNSW with --approximate)',
  usage: 'glassbox neighbors --embeddings <dir|vectors.tsv> --query <row[,row...]|vectors.tsv> --k K [--metric euclidean|cosine|dot] [--approximate] --format json',
  options: {
    embeddings: { type: 'string', placeholder: 'dir|tsv', description: 'a directory written by glassbox embed, a TensorBoard projector folder, or a vectors TSV' },
    metadata: { type: 'string', placeholder: 'tsv', description: 'a metadata TSV for a plain vectors TSV' },
    query: { type: 'string', placeholder: 'row|tsv', description: 'row numbers of the embeddings (0-based, comma-separated; each is left out of its own neighbours), or a TSV of query vectors' },
    k: { type: 'string', placeholder: 'K', description: 'neighbours per query (default 10)' },
    metric: { type: 'string', placeholder: 'euclidean|cosine|dot', description: 'distance (default euclidean); dot ranks by similarity, largest first' },
    approximate: { type: 'boolean', description: 'search an HNSW index instead of comparing every pair (for large sets; recall is measured in BENCHMARKS.md)' },
    format: { type: 'string', placeholder: 'json', description: 'output format (json)' },
    out: { type: 'string', short: 'o', placeholder: 'file', description: 'write the JSON to this file instead of stdout' },
  },
  examples: [
    'glassbox neighbors --embeddings digits-dense1 --query 0 --k 5 --format json',
    'glassbox neighbors --embeddings digits-dense1 --query 3,17 --k 10 --metric cosine',
    'glassbox neighbors --embeddings vectors.tsv --query queries.tsv --k 10 --approximate',
  ],
};

/** One query's answer: the neighbours nearest first, each with its metadata. */
export interface NeighborsQueryJson {
  query: number | string;
  neighbors: { index: number; distance: number; metadata: Record<string, string | number> }[];
}

export async function runNeighbors(flags: ParsedOptions, io: CommandIo): Promise<number> {
  const path = required(flags, 'embeddings', 'e.g. --embeddings digits-dense1 (written by glassbox embed)');
  const queryArg = required(flags, 'query', 'give row numbers (e.g. --query 0,5) or a TSV of query vectors');
  const format = stringOption(flags, 'format') ?? 'json';
  if (format !== 'json') throw new UsageError(`unknown --format "${format}"`, 'use --format json');
  const k = intOption(flags, 'k', { min: 1 }) ?? 10;
  const metric = choiceOption(flags, 'metric', METRICS) ?? 'euclidean';
  const metadataPath = stringOption(flags, 'metadata');
  const data = readEmbeddings(path, metadataPath ? { metadata: metadataPath } : {});

  const rows = /^\s*\d+(\s*,\s*\d+)*\s*$/.test(queryArg) && !existsSync(queryArg) ? queryArg.split(',').map((r) => Number(r.trim())) : undefined;
  let queries: Embeddings;
  let labels: (number | string)[];
  if (rows) {
    for (const r of rows) if (r >= data.count) throw new UsageError(`--query row ${r} is outside the ${data.count} points`, `give rows from 0 to ${data.count - 1}`);
    const vectors = new Float32Array(rows.length * data.dim);
    rows.forEach((r, i) => vectors.set(data.vectors.subarray(r * data.dim, (r + 1) * data.dim), i * data.dim));
    queries = { count: rows.length, dim: data.dim, vectors, metadata: {} };
    labels = rows;
  } else {
    if (!existsSync(queryArg)) throw new UsageError(`--query ${queryArg} is neither row numbers nor a file`, 'give row numbers (e.g. --query 0,5) or a TSV of query vectors');
    const parsed = parseVectorsTsv(readFileSync(queryArg, 'utf8'), queryArg);
    if (parsed.dim !== data.dim) throw new UsageError(`the query vectors have ${parsed.dim} values, the embeddings ${data.dim}`, 'embed the queries with the same model and layer');
    queries = { ...parsed, metadata: {} };
    labels = Array.from({ length: parsed.count }, (_, i) => `${queryArg}:${i + 1}`);
  }
  // A row query finds itself first: ask for one more and drop it.
  const extra = rows ? 1 : 0;
  if (k + extra > data.count) throw new UsageError(`--k ${k} is more than the ${data.count - extra} points there are to find`, `use --k ${Math.max(1, data.count - extra)} or less`);
  const found: Neighbors = flags.approximate === true
    ? HnswIndex.build(data, { metric, seed: 0 }).search(queries, k + extra)
    : exactNeighbors(data, queries, { k: k + extra, metric, excludeSelf: false });
  const answer: NeighborsQueryJson[] = labels.map((label, q) => {
    const list: NeighborsQueryJson['neighbors'] = [];
    for (let j = 0; j < found.k && list.length < k; j++) {
      const index = found.indices[q * found.k + j];
      if (rows && index === rows[q]) continue;
      list.push({ index, distance: found.distances[q * found.k + j], metadata: Object.fromEntries(Object.entries(data.metadata).map(([c, v]) => [c, v[index]])) });
    }
    return { query: label, neighbors: list.slice(0, k) };
  });
  emit(flags, toJson({ k, metric, approximate: flags.approximate === true, count: data.count, queries: answer }), io.out);
  return 0;
}
