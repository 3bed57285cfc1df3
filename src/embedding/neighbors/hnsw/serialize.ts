import { GlassboxError } from '../../../errors.js';
import { HnswIndex, type HnswParameters } from '../hnsw.js';
import type { Metric } from '../../types.js';

const MAGIC = 'GBHNSW01';

interface Header {
  parameters: HnswParameters;
  entryPoint: number;
  maxLevel: number;
}

/**
 * An index as compact bytes: the magic "GBHNSW01", a uint32 header length, a JSON header (parameters,
 * entry point, top level), then, each 4-byte aligned and little-endian: the points (float32 [count, dim]),
 * the levels (uint8 [count]), the layer-0 links (int32 [count, 2M + 1]) and the upper links (int32, node
 * after node, level * (M + 1) each). Write it with writeFileAtomic.
 */
export function serializeHnsw(index: HnswIndex): Uint8Array {
  const { parameters, data, graph } = index.parts();
  const header = new TextEncoder().encode(JSON.stringify({ parameters, entryPoint: graph.entryPoint, maxLevel: graph.maxLevel } satisfies Header));
  let upperLength = 0;
  for (let i = 0; i < graph.count; i++) upperLength += graph.levels[i]! * (graph.maxLinks + 1);
  const headerEnd = align(8 + 4 + header.length);
  const dataEnd = headerEnd + data.byteLength;
  const levelsEnd = align(dataEnd + graph.count);
  const links0End = levelsEnd + graph.links0.byteLength;
  const total = links0End + 4 * upperLength;
  const bytes = new Uint8Array(total);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(bytes.buffer).setUint32(8, header.length, true);
  bytes.set(header, 12);
  writeLittleEndian(bytes, headerEnd, data);
  bytes.set(graph.levels, dataEnd);
  writeLittleEndian(bytes, levelsEnd, graph.links0);
  let offset = links0End;
  for (let i = 0; i < graph.count; i++) {
    const upper = graph.upperLinks[i];
    if (!upper) continue;
    writeLittleEndian(bytes, offset, upper);
    offset += upper.byteLength;
  }
  return bytes;
}

/** Reads an index written by serializeHnsw, checking that its parts fit together. */
export function deserializeHnsw(bytes: Uint8Array): HnswIndex {
  const corrupt = (what: string): GlassboxError =>
    new GlassboxError(`not a Glassbox HNSW index: ${what}`, 'rebuild the index and save it with serializeHnsw');
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) throw corrupt('the magic bytes are missing');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(8, true);
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength))) as Header;
  } catch {
    throw corrupt('the header is not JSON');
  }
  const { parameters, entryPoint, maxLevel } = header;
  const { count, dim, m } = parameters ?? ({} as Partial<HnswParameters>);
  const metrics: Metric[] = ['euclidean', 'cosine', 'dot'];
  if (!Number.isInteger(count) || !Number.isInteger(dim) || !Number.isInteger(m) || !metrics.includes(parameters.metric)) throw corrupt('the header lacks count, dim, m or metric');
  const maxLinks0 = 2 * m;
  const headerEnd = align(12 + headerLength);
  const dataEnd = headerEnd + 4 * count * dim;
  const levelsEnd = align(dataEnd + count);
  const links0End = levelsEnd + 4 * count * (maxLinks0 + 1);
  if (bytes.length < links0End) throw corrupt(`${bytes.length} bytes are too few for ${count} points`);
  const data = readFloat32(bytes, headerEnd, count * dim);
  const levels = bytes.slice(dataEnd, dataEnd + count);
  const links0 = readInt32(bytes, levelsEnd, count * (maxLinks0 + 1));
  const upperLinks: (Int32Array | undefined)[] = new Array<Int32Array | undefined>(count).fill(undefined);
  let offset = links0End;
  for (let i = 0; i < count; i++) {
    const length = levels[i]! * (m + 1);
    if (length === 0) continue;
    if (offset + 4 * length > bytes.length) throw corrupt('the upper layers are truncated');
    upperLinks[i] = readInt32(bytes, offset, length);
    offset += 4 * length;
  }
  if (offset !== bytes.length) throw corrupt(`${bytes.length - offset} bytes follow the index`);
  if (!linksInRange(links0, maxLinks0, count) || upperLinks.some((links) => links && !linksInRange(links, m, count))) {
    throw corrupt('a link points outside the index');
  }
  if (!(entryPoint >= 0 && entryPoint < count) || maxLevel !== levels[entryPoint]) throw corrupt('the entry point is out of range');
  return HnswIndex.fromParts({ parameters, data, graph: { count, maxLinks: m, maxLinks0, levels, links0, upperLinks, entryPoint, maxLevel } });
}

function linksInRange(links: Int32Array, maxLinks: number, count: number): boolean {
  for (let block = 0; block < links.length; block += maxLinks + 1) {
    const used = links[block]!;
    if (used < 0 || used > maxLinks) return false;
    for (let l = 1; l <= used; l++) if (links[block + l]! < 0 || links[block + l]! >= count) return false;
  }
  return true;
}

function align(offset: number): number {
  return (offset + 3) & ~3;
}

function writeLittleEndian(bytes: Uint8Array, offset: number, values: Float32Array | Int32Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, values.byteLength);
  if (values instanceof Float32Array) for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i]!, true);
  else for (let i = 0; i < values.length; i++) view.setInt32(4 * i, values[i]!, true);
}

function readFloat32(bytes: Uint8Array, offset: number, length: number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, 4 * length);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

function readInt32(bytes: Uint8Array, offset: number, length: number): Int32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, 4 * length);
  const out = new Int32Array(length);
  for (let i = 0; i < length; i++) out[i] = view.getInt32(4 * i, true);
  return out;
}
