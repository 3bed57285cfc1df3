/**
 * The layered proximity graph of an HNSW index, in flat typed arrays. Each node's links on a layer sit
 * in one block whose first slot holds how many are used: layer 0 in one array of `maxLinks0 + 1` slots
 * per node, the upper layers in a small array per node that has them (about 1 node in M).
 */
export interface HnswGraph {
  count: number;
  /** Links per node on the upper layers. */
  maxLinks: number;
  /** Links per node on layer 0 (2M, as the paper recommends). */
  maxLinks0: number;
  levels: Uint8Array;
  links0: Int32Array;
  /** For node i with level L > 0: L blocks of `maxLinks + 1` slots, layer 1 first. */
  upperLinks: (Int32Array | undefined)[];
  entryPoint: number;
  maxLevel: number;
}

export function emptyGraph(count: number, maxLinks: number): HnswGraph {
  const maxLinks0 = 2 * maxLinks;
  return {
    count,
    maxLinks,
    maxLinks0,
    levels: new Uint8Array(count),
    links0: new Int32Array(count * (maxLinks0 + 1)),
    upperLinks: new Array<Int32Array | undefined>(count).fill(undefined),
    entryPoint: -1,
    maxLevel: -1,
  };
}

/** The array and offset of a node's link block on a layer: block[offset] is the count, links follow. */
export function linkBlock(graph: HnswGraph, node: number, layer: number): { block: Int32Array; offset: number } {
  if (layer === 0) return { block: graph.links0, offset: node * (graph.maxLinks0 + 1) };
  return { block: graph.upperLinks[node]!, offset: (layer - 1) * (graph.maxLinks + 1) };
}

/** Marks visited nodes with a generation number, so clearing between searches is free. */
export class VisitedSet {
  /** Read directly by the search loop (a method call per neighbour costs measurably there). */
  marks: Uint32Array;
  generation = 0;

  constructor(count: number) {
    this.marks = new Uint32Array(count);
  }

  next(): void {
    this.generation++;
    if (this.generation === 0xffffffff) {
      this.marks.fill(0);
      this.generation = 1;
    }
  }

  /** True if the node was already visited in this generation; marks it either way. */
  visit(node: number): boolean {
    if (this.marks[node] === this.generation) return true;
    this.marks[node] = this.generation;
    return false;
  }
}
