/**
 * Maximum flow by Dinic's algorithm on a fixed graph, for many (source, sink) pairs: the graph is built
 * once in compressed arrays (edge 2i forward, 2i + 1 its reverse), and each query resets the residual
 * capacities by one copy. O(V^2 E) in the worst case; on attention graphs (layered, capacities summing
 * to 1 per node) a handful of phases, each O(E).
 */
export class FlowNetwork {
  readonly nodes: number;
  private readonly to: Int32Array;
  private readonly capacity: Float64Array;
  private readonly residual: Float64Array;
  /** Total capacity out of and into each node: the trivial cuts, which end the search when reached. */
  private readonly outCapacity: Float64Array;
  private readonly inCapacity: Float64Array;
  private readonly adjStart: Int32Array;
  private readonly adj: Int32Array;
  private readonly level: Int32Array;
  private readonly iter: Int32Array;
  private readonly queue: Int32Array;
  /** Residual capacities below this count as zero (float sums of attention weights). */
  private readonly eps: number;

  /** `edges` as parallel arrays from[i] -> to[i] with capacity cap[i] >= 0. */
  constructor(nodes: number, from: Int32Array, to: Int32Array, cap: Float64Array, eps = 1e-12) {
    this.nodes = nodes;
    this.eps = eps;
    const m = from.length;
    this.to = new Int32Array(2 * m);
    this.capacity = new Float64Array(2 * m);
    const degree = new Int32Array(nodes + 1);
    for (let i = 0; i < m; i++) {
      this.to[2 * i] = to[i];
      this.to[2 * i + 1] = from[i];
      this.capacity[2 * i] = cap[i];
      degree[from[i] + 1]++;
      degree[to[i] + 1]++;
    }
    for (let v = 0; v < nodes; v++) degree[v + 1] += degree[v];
    this.adjStart = degree.slice();
    this.adj = new Int32Array(2 * m);
    const fill = degree.slice(0, nodes);
    for (let i = 0; i < m; i++) {
      this.adj[fill[from[i]]++] = 2 * i;
      this.adj[fill[to[i]]++] = 2 * i + 1;
    }
    this.outCapacity = new Float64Array(nodes);
    this.inCapacity = new Float64Array(nodes);
    for (let i = 0; i < m; i++) {
      this.outCapacity[from[i]] += cap[i];
      this.inCapacity[to[i]] += cap[i];
    }
    this.residual = new Float64Array(2 * m);
    this.level = new Int32Array(nodes);
    this.iter = new Int32Array(nodes);
    this.queue = new Int32Array(nodes);
  }

  /** Breadth-first levels from `s` over residual edges; false when `t` is unreachable. */
  private bfs(s: number, t: number): boolean {
    const { level, queue, adj, adjStart, to, residual, eps } = this;
    level.fill(-1);
    level[s] = 0;
    let head = 0;
    let tail = 0;
    queue[tail++] = s;
    while (head < tail) {
      const v = queue[head++];
      // Nodes at the sink's depth or deeper cannot lie on a shortest path to it.
      if (level[t] >= 0 && level[v] >= level[t]) break;
      for (let a = adjStart[v]; a < adjStart[v + 1]; a++) {
        const e = adj[a];
        const w = to[e];
        if (level[w] < 0 && residual[e] > eps) {
          level[w] = level[v] + 1;
          queue[tail++] = w;
        }
      }
    }
    return level[t] >= 0;
  }

  /** Pushes up to `limit` from v towards t along level-increasing edges; returns what it pushed. */
  private dfs(v: number, t: number, limit: number): number {
    if (v === t) return limit;
    const { level, iter, adj, adjStart, to, residual, eps } = this;
    let pushed = 0;
    for (; iter[v] < adjStart[v + 1]; iter[v]++) {
      const e = adj[iter[v]];
      const w = to[e];
      if (residual[e] <= eps || level[w] !== level[v] + 1 || (level[w] >= level[t] && w !== t)) continue;
      const got = this.dfs(w, t, Math.min(limit - pushed, residual[e]));
      if (got > 0) {
        residual[e] -= got;
        residual[e ^ 1] += got;
        pushed += got;
        if (limit - pushed <= eps) return pushed;
      }
    }
    level[v] = -1; // dead end for this phase
    return pushed;
  }

  /**
   * The maximum flow value from s to t. `levels`, when given, are the breadth-first distances from s
   * in the untouched graph (known in advance for a layered graph), which saves the first search.
   */
  maxFlow(s: number, t: number, levels?: Int32Array): number {
    if (s === t) return Infinity;
    this.residual.set(this.capacity);
    let flow = 0;
    let first = levels !== undefined;
    if (first) this.level.set(levels!);
    // A flow that fills the source's or the sink's own edges is maximal: asking the search for no more
    // than that lets it stop as soon as it gets there, instead of scanning the rest of the graph.
    const bound = Math.min(this.outCapacity[s], this.inCapacity[t]);
    while (first || this.bfs(s, t)) {
      first = false;
      this.iter.set(this.adjStart.subarray(0, this.nodes));
      for (;;) {
        const f = this.dfs(s, t, bound - flow);
        if (f <= this.eps) break;
        flow += f;
        if (flow >= bound - 1e-9) break;
      }
      if (flow >= bound - 1e-9) break;
    }
    return flow;
  }
}
