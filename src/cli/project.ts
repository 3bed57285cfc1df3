import { existsSync } from 'node:fs';
import { neighborsOfEveryPoint, PROJECTION_METHODS, projectEmbeddings, type ProjectedEmbeddings, type ProjectionMethod } from '../embedding/project-embeddings.js';
import { readEmbeddings } from '../embedding/io/read-embeddings.js';
import { idxThumbnails, looksLikeIdxImages, type Thumbnails } from '../embedding/io/thumbnails.js';
import type { Embeddings } from '../embedding/types.js';
import { UsageError } from '../errors.js';
import { projectorHtml } from '../viz/embedding/projector.js';
import { scatterPlot } from '../viz/embedding/scatter.js';
import { svgToPng } from '../viz/tabular/png.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { choiceOption, intOption, numberOption, stringOption, type CommandSpec, type ParsedOptions } from './args.js';
import { required, type CommandIo } from './attribute.js';
import { ProgressBar } from './progress.js';
import { emit, toJson } from './text-model.js';

export const projectSpec: CommandSpec = {
  name: 'project',
  summary: 'PCA, t-SNE or UMAP of embeddings, with trustworthiness and continuity; JSON, an interactive projector page, or a scatter',
  usage: 'glassbox project --embeddings <dir|vectors.tsv> --method pca|tsne|umap[,...] [--perplexity P] [--neighbors K] [--seed N] --format json|html|svg|png [--out file]',
  options: {
    embeddings: { type: 'string', placeholder: 'dir|tsv', description: 'a directory written by glassbox embed, a TensorBoard projector folder, or a vectors TSV (one point per line)' },
    metadata: { type: 'string', placeholder: 'tsv', description: 'a metadata TSV for a plain vectors TSV (header row when two or more columns)' },
    method: { type: 'string', placeholder: 'pca|tsne|umap', description: 'one method, or several separated by commas (html: a selector switches between them); default pca' },
    dims: { type: 'string', placeholder: '2|3', description: 'dimensions of the layout (default 2; t-SNE is 2-D only)' },
    perplexity: { type: 'string', placeholder: 'P', description: 't-SNE perplexity (default 30, or (N - 1) / 3 for fewer than 91 points)' },
    neighbors: { type: 'string', placeholder: 'K', description: 'UMAP n_neighbors (default 15)' },
    'min-dist': { type: 'string', placeholder: 'D', description: 'UMAP min_dist (default 0.1)' },
    iterations: { type: 'string', placeholder: 'N', description: 't-SNE iterations (default 1000)' },
    seed: { type: 'string', placeholder: 'N', description: 'random seed (default 0): the same seed gives the same layout' },
    limit: { type: 'string', placeholder: 'N', description: 'project only the first N points' },
    'quality-k': { type: 'string', placeholder: 'K', description: 'neighbours counted by trustworthiness and continuity (default 5)' },
    'color-by': { type: 'string', placeholder: 'column', description: 'metadata column that colours the points (default label, else the first)' },
    images: { type: 'string', placeholder: 'idx file', description: 'thumbnails for the html page: the IDX images file the embeddings came from (found by itself when embed recorded one)' },
    format: { type: 'string', placeholder: 'json|html|svg|png', description: 'json (default): coordinates and quality; html: the projector page; svg/png: a static scatter' },
    out: { type: 'string', short: 'o', placeholder: 'file', description: 'write the output to this file (required for png)' },
  },
  examples: [
    'glassbox embed --model digits --data data/mnist/t10k-images-idx3-ubyte.gz --layer dense1 --limit 2000 --out digits-dense1',
    'glassbox project --embeddings digits-dense1 --method tsne --format json',
    'glassbox project --embeddings digits-dense1 --method pca,tsne,umap --format html --out projector.html',
    'glassbox project --embeddings vectors.tsv --metadata labels.tsv --method umap --format png --out umap.png',
  ],
};

/** The JSON of one projection. */
export interface ProjectionJson {
  method: ProjectionMethod;
  count: number;
  dims: number;
  coordinates: number[][];
  trustworthiness: number;
  continuity: number;
  qualityK: number;
  qualitySample?: number;
  seconds: number;
  parameters: Record<string, number | string | boolean>;
  diagnostics: Record<string, number | number[]>;
}

export function projectionJson(r: ProjectedEmbeddings): ProjectionJson {
  const { projection: p } = r;
  const coordinates: number[][] = [];
  for (let i = 0; i < p.count; i++) coordinates.push(Array.from(p.coordinates.subarray(i * p.dims, (i + 1) * p.dims), (v) => Math.round(v * 1e6) / 1e6));
  return {
    method: p.method, count: p.count, dims: p.dims, coordinates,
    trustworthiness: r.trustworthiness, continuity: r.continuity, qualityK: r.qualityK,
    ...(r.qualitySample ? { qualitySample: r.qualitySample } : {}),
    seconds: Math.round(r.seconds * 1000) / 1000, parameters: p.parameters, diagnostics: p.diagnostics,
  };
}

function methodsOption(flags: ParsedOptions): ProjectionMethod[] {
  const raw = (stringOption(flags, 'method') ?? 'pca').split(',').map((m) => m.trim().toLowerCase().replace(/^t-sne$/, 'tsne')).filter(Boolean);
  for (const m of raw) {
    if (!(PROJECTION_METHODS as readonly string[]).includes(m)) throw new UsageError(`unknown --method "${m}"`, `use ${PROJECTION_METHODS.join(', ')}, or several separated by commas`);
  }
  if (new Set(raw).size !== raw.length) throw new UsageError(`--method names a method twice: ${raw.join(',')}`, 'name each method once');
  return raw as ProjectionMethod[];
}

function firstRows(e: Embeddings, n: number): Embeddings {
  if (n >= e.count) return e;
  return {
    count: n, dim: e.dim, vectors: e.vectors.slice(0, n * e.dim),
    metadata: Object.fromEntries(Object.entries(e.metadata).map(([k, v]) => [k, v.slice(0, n)])),
    ...(e.source ? { source: e.source } : {}),
  };
}

export async function runProject(flags: ParsedOptions, io: CommandIo): Promise<number> {
  const path = required(flags, 'embeddings', 'e.g. --embeddings digits-dense1 (written by glassbox embed) or --embeddings vectors.tsv');
  const format = choiceOption(flags, 'format', ['json', 'html', 'svg', 'png'] as const) ?? 'json';
  const methods = methodsOption(flags);
  if (format !== 'json' && format !== 'html' && methods.length > 1) throw new UsageError(`--format ${format} draws one projection, --method names ${methods.length}`, 'give one --method, or use --format html to switch between several');
  const out = stringOption(flags, 'out');
  if (format === 'png' && !out) throw new UsageError('--format png needs --out', 'e.g. --out projection.png');
  const dims = intOption(flags, 'dims', { min: 2, max: 3 }) as 2 | 3 | undefined;
  const limit = intOption(flags, 'limit', { min: 1 });
  const metadataPath = stringOption(flags, 'metadata');
  let embeddings = readEmbeddings(path, metadataPath ? { metadata: metadataPath } : {});
  if (limit) embeddings = firstRows(embeddings, limit);
  const colorBy = stringOption(flags, 'color-by');
  if (colorBy !== undefined && !(colorBy in embeddings.metadata)) {
    throw new UsageError(`--color-by "${colorBy}" is not a metadata column`, `choose one of: ${Object.keys(embeddings.metadata).join(', ') || '(the embeddings have no metadata)'}`);
  }
  const bar = new ProgressBar('project');
  const results = await projectEmbeddings(embeddings, {
    methods, ...(dims ? { dims } : {}),
    seed: intOption(flags, 'seed', { min: 0 }) ?? 0,
    ...optional('perplexity', numberOption(flags, 'perplexity', { min: 0 })),
    ...optional('nNeighbors', intOption(flags, 'neighbors', { min: 2 })),
    ...optional('minDist', numberOption(flags, 'min-dist', { min: 0 })),
    ...optional('iterations', intOption(flags, 'iterations', { min: 1 })),
    ...optional('qualityK', intOption(flags, 'quality-k', { min: 1 })),
    onProgress: (method, done, total) => bar.update(done, total, method),
  });
  bar.done();
  for (const r of results) {
    io.warn(`${r.projection.method}: ${r.seconds.toFixed(2)} s; trustworthiness ${r.trustworthiness.toFixed(3)}, continuity ${r.continuity.toFixed(3)} (k = ${r.qualityK}${r.qualitySample ? `, estimated on ${r.qualitySample} points` : ''})`);
  }
  const color = colorBy ?? ('label' in embeddings.metadata ? 'label' : Object.keys(embeddings.metadata)[0]);
  if (format === 'json') {
    emit(flags, toJson(results.length === 1 ? projectionJson(results[0]) : { projections: results.map(projectionJson) }), io.out);
  } else if (format === 'html') {
    const title = embeddings.source?.model ? `${embeddings.source.model}${embeddings.source.layer ? `, ${embeddings.source.layer}` : ''}` : `Embeddings ${path}`;
    const images = thumbnails(flags, embeddings, io);
    const html = projectorHtml({
      title: `Projector: ${title}`, projections: results.map((r) => r.projection), metadata: embeddings.metadata,
      ...(color ? { colorBy: color } : {}),
      ...('text' in embeddings.metadata ? { textColumn: 'text' } : {}),
      neighbors: neighborsOfEveryPoint(embeddings, Math.min(10, embeddings.count - 1)),
      ...(images ? { images } : {}),
    });
    emit(flags, html, io.out);
  } else {
    const r = results[0];
    const svg = scatterPlot(r.projection, {
      title: embeddings.source?.model ? `${embeddings.source.model}${embeddings.source.layer ? `, ${embeddings.source.layer}` : ''}` : path,
      ...(color ? { color: embeddings.metadata[color], colorName: color } : {}),
    });
    if (format === 'png') writeFileAtomic(out!, svgToPng(svg));
    else emit(flags, svg, io.out);
  }
  return 0;
}

function optional<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}

/** --images, or the IDX file glassbox embed recorded as the embeddings' source. */
function thumbnails(flags: ParsedOptions, embeddings: Embeddings, io: CommandIo): Thumbnails | undefined {
  const given = stringOption(flags, 'images');
  if (given) return idxThumbnails(given, embeddings);
  const source = embeddings.source?.data;
  if (source && looksLikeIdxImages(source) && existsSync(source)) return idxThumbnails(source, embeddings);
  if (source && looksLikeIdxImages(source)) io.warn(`the images ${source} are not here: the page shows no thumbnails (give --images)`);
  return undefined;
}
