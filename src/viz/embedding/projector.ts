import { createHash } from 'node:crypto';
import { UsageError } from '../../errors.js';
import type { MetadataColumn, Neighbors, Projection } from '../../embedding/types.js';
import { htmlPage } from '../report/page.js';
import { PROJECTOR_SCRIPT } from './projector-script.js';

/*
 * The embedding projector: one self-contained page with a canvas scatter of every point (drawn into a
 * pixel buffer, so 100k points redraw in milliseconds), colour by any metadata column, hover for the
 * example (its image or text), click for its nearest neighbours in the original space, search over the
 * metadata, and a switch between the projections given (PCA, t-SNE, UMAP; 2-D or 3-D, 3-D rotates by drag).
 * Numbers travel as base64 typed arrays, metadata as JSON.
 */

/** Greyscale thumbnails, one per point (or for the first `count` points), row-major bytes. */
export interface ProjectorImages {
  width: number;
  height: number;
  /** [points, height, width] bytes, 0 black .. 255 white. */
  pixels: Uint8Array;
  /** Draw dark on light (digits are stored white on black). Default true. */
  invert?: boolean;
}

export interface ProjectorOptions {
  title?: string;
  /** One or more projections of the same points, offered in a selector in this order. */
  projections: readonly Projection[];
  metadata: Readonly<Record<string, MetadataColumn>>;
  /** The column that colours the points at first (default: "label" when present, else the first column). */
  colorBy?: string;
  /** Nearest neighbours of every point in the original space (shown on click). */
  neighbors?: Neighbors;
  images?: ProjectorImages;
  /** A column holding each point's text, shown large on hover (e.g. the sentence). */
  textColumn?: string;
  /** Most thumbnails kept in the page (default 20,000): images cost width x height bytes each. */
  maxImages?: number;
  date?: Date;
  version?: string;
}

/** What the page's script reads besides the binary block. */
export interface ProjectorMeta {
  count: number;
  projections: { name: string; dims: number; offset: number }[];
  columns: { name: string; values: (string | number)[] }[];
  colorBy: number;
  textColumn: number;
  neighbors: { k: number; offset: number } | null;
  images: { width: number; height: number; count: number; offset: number; invert: boolean } | null;
}

function projectionName(p: Projection): string {
  const name = p.method === 'tsne' ? 't-SNE' : p.method === 'umap' ? 'UMAP' : 'PCA';
  return `${name} ${p.dims}-D`;
}

/** Checks the inputs agree and packs them: the metadata and one byte block (float32 coordinates, int32 neighbours, image bytes). */
export function encodeProjector(options: ProjectorOptions): { meta: ProjectorMeta; data: Uint8Array } {
  const { projections, metadata } = options;
  if (projections.length === 0) throw new UsageError('the projector needs at least one projection', 'compute one with pca(), tsne() or umap()');
  const count = projections[0].count;
  if (count < 1) throw new UsageError('the projection has no points', 'project at least one point');
  const names = new Set<string>();
  for (const p of projections) {
    if (p.count !== count) throw new UsageError(`projections disagree on the number of points (${p.count} vs ${count})`, 'project the same embeddings with every method');
    if (p.coordinates.length !== p.count * p.dims) throw new UsageError(`a ${p.method} projection holds ${p.coordinates.length} numbers for ${p.count} points in ${p.dims}-D`, 'pass coordinates of length count x dims');
    for (const v of p.coordinates) {
      if (!Number.isFinite(v)) throw new UsageError(`the ${p.method} projection has a coordinate ${v}`, 'remove NaN rows before projecting');
    }
    let name = projectionName(p);
    for (let i = 2; names.has(name); i++) name = `${projectionName(p)} (${i})`;
    names.add(name);
  }
  const columns = Object.entries(metadata).map(([name, values]) => {
    if (values.length !== count) throw new UsageError(`metadata column "${name}" has ${values.length} values for ${count} points`, 'give one value per point in every column');
    return { name, values: [...values] };
  });
  const columnIndex = (name: string | undefined, what: string): number => {
    if (name === undefined) return -1;
    const i = columns.findIndex((c) => c.name === name);
    if (i < 0) throw new UsageError(`${what} "${name}" is not a metadata column`, `choose one of: ${columns.map((c) => c.name).join(', ') || '(no columns)'}`);
    return i;
  };
  const colorBy = options.colorBy !== undefined ? columnIndex(options.colorBy, 'colorBy') : Math.max(0, columns.findIndex((c) => c.name === 'label'));
  const textColumn = columnIndex(options.textColumn, 'textColumn');

  const neighbors = options.neighbors;
  if (neighbors) {
    if (neighbors.queries !== count) throw new UsageError(`neighbours are given for ${neighbors.queries} points, the projection has ${count}`, 'compute the neighbours of every point');
    for (const j of neighbors.indices) {
      if (!(j >= 0 && j < count)) throw new UsageError(`a neighbour index ${j} is outside the ${count} points`, 'compute the neighbours within the projected set');
    }
  }
  const images = options.images;
  let imageCount = 0;
  if (images) {
    const size = images.width * images.height;
    if (!(Number.isInteger(images.width) && Number.isInteger(images.height) && size > 0)) throw new UsageError(`thumbnails of ${images.width} x ${images.height}`, 'give positive integer sizes');
    if (images.pixels.length % size !== 0) throw new UsageError(`${images.pixels.length} thumbnail bytes are not a whole number of ${images.width} x ${images.height} images`, 'pass [points, height, width] bytes');
    const maxImages = options.maxImages ?? 20_000;
    imageCount = Math.min(count, images.pixels.length / size, maxImages);
  }

  // One block, each part aligned to 4 bytes so the page can view it as typed arrays.
  const coordBytes = projections.reduce((s, p) => s + p.coordinates.length * 4, 0);
  const neighborBytes = neighbors ? neighbors.indices.length * 4 : 0;
  const imageBytes = images ? imageCount * images.width * images.height : 0;
  const data = new Uint8Array(coordBytes + neighborBytes + imageBytes);
  let offset = 0;
  const metaProjections: ProjectorMeta['projections'] = [];
  projections.forEach((p, i) => {
    new Float32Array(data.buffer, offset, p.coordinates.length).set(p.coordinates);
    metaProjections.push({ name: [...names][i], dims: p.dims, offset });
    offset += p.coordinates.length * 4;
  });
  let metaNeighbors: ProjectorMeta['neighbors'] = null;
  if (neighbors) {
    new Int32Array(data.buffer, offset, neighbors.indices.length).set(neighbors.indices);
    metaNeighbors = { k: neighbors.k, offset };
    offset += neighborBytes;
  }
  let metaImages: ProjectorMeta['images'] = null;
  if (images) {
    data.set(images.pixels.subarray(0, imageBytes), offset);
    metaImages = { width: images.width, height: images.height, count: imageCount, offset, invert: images.invert ?? true };
  }
  return {
    meta: { count, projections: metaProjections, columns, colorBy, textColumn, neighbors: metaNeighbors, images: metaImages },
    data,
  };
}

const CSS = `
body { font-family: 'DejaVu Sans', Verdana, sans-serif; color: #333; margin: 20px; }
h1 { font-size: 20px; margin: 0 0 2px; } .meta { color: #888; font-size: 12px; margin: 0 0 12px; }
.controls { display: flex; flex-wrap: wrap; gap: 14px; align-items: center; font-size: 13px; margin-bottom: 8px; }
.controls select, .controls input { font: inherit; }
.layout { display: flex; gap: 16px; align-items: flex-start; }
#gb-plot { position: relative; border: 1px solid #ddd; }
#gb-canvas { display: block; cursor: crosshair; }
#gb-tip { position: absolute; pointer-events: none; background: rgba(255,255,255,0.96); border: 1px solid #bbb; border-radius: 3px; padding: 6px 8px; font-size: 12px; max-width: 320px; box-shadow: 0 1px 4px rgba(0,0,0,0.15); }
#gb-tip canvas, #gb-side canvas { image-rendering: pixelated; border: 1px solid #ccc; display: block; }
#gb-side { width: 300px; font-size: 12px; }
#gb-side h2 { font-size: 14px; margin: 0 0 6px; }
#gb-legend div { display: flex; align-items: center; gap: 6px; cursor: pointer; padding: 1px 0; }
#gb-legend div.off { opacity: 0.35; }
#gb-legend span.sw { width: 12px; height: 12px; border-radius: 2px; display: inline-block; }
#gb-neighbors { max-height: 62vh; overflow-y: auto; }
#gb-neighbors .nb { display: flex; gap: 8px; align-items: center; padding: 2px 0; border-bottom: 1px solid #f0f0f0; cursor: pointer; }
#gb-status { font-size: 12px; color: #666; min-height: 1.4em; margin-bottom: 6px; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; }
.small { color: #888; font-size: 11px; }
`;

/** The interactive projector page. */
export function projectorHtml(options: ProjectorOptions): string {
  const { meta, data } = encodeProjector(options);
  const title = options.title ?? 'Embedding projector';
  const scriptHash = createHash('sha256').update(PROJECTOR_SCRIPT, 'utf8').digest('base64');
  const metaJson = JSON.stringify(meta).replace(/</g, '\\u003c');
  const b64 = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
  const dims = meta.projections.map((p) => p.name).join(', ');
  return htmlPage({
    title, css: CSS, scriptHash, subtitle: `${meta.count.toLocaleString('en-US')} points; ${dims}.`,
    ...(options.date ? { date: options.date } : {}), ...(options.version ? { version: options.version } : {}),
    body: `<div class="controls">
<label>Projection <select id="gb-projection"></select></label>
<label>Colour by <select id="gb-color"></select></label>
<label>Search <input id="gb-search" type="search" placeholder="column=value or text" size="24"></label>
<label>Point size <input id="gb-size" type="range" min="1" max="6" value="2"></label>
<button id="gb-reset" type="button">Reset view</button>
</div>
<div id="gb-status" role="status"></div>
<div class="layout">
<div id="gb-plot"><canvas id="gb-canvas" aria-label="scatter of the projected points"></canvas><div id="gb-tip" hidden></div></div>
<div id="gb-side"><h2>Legend</h2><div id="gb-legend"></div><h2 style="margin-top:14px">Selected point</h2><div id="gb-selected" class="small">Click a point to see it and its nearest neighbours in the original space.</div><div id="gb-neighbors"></div></div>
</div>
<p class="small">Scroll to zoom, drag to pan (3-D: drag to rotate, shift-drag to pan). Click a legend entry to hide or show it.</p>
<noscript><p>This page needs JavaScript; the static scatter (project --format svg/png) needs none.</p></noscript>
<script id="gb-meta" type="application/json">${metaJson}</script>
<script id="gb-data" type="application/octet-stream">${b64}</script>
<script>${PROJECTOR_SCRIPT}</script>`,
  });
}
