/** What the force loop reads of a tree: the packed cells (see QuadTree), also as the helper thread's view of the caller's tree. */
export interface PackedTree {
  cell: Float64Array;
  skip: Int32Array;
  pointOrder: Int32Array;
  packed: number;
}

/**
 * The Barnes-Hut quadtree of a 2-D t-SNE layout, in flat typed arrays (no object per node), rebuilt
 * every iteration. Node 0 is the root, a square around all points; an inner node's four children are
 * consecutive, from firstChild. A leaf holds one point, or several at one position (duplicates).
 */
export class QuadTree implements PackedTree {
  /** Bumped whenever cell, skip or pointOrder are reallocated (a shared tree's views must then be posted again). */
  allocations = 0;
  /** @param shared cell, skip and pointOrder in SharedArrayBuffers, for another thread to read. */
  constructor(private readonly shared = false) {}

  centerX = new Float64Array(0);
  centerY = new Float64Array(0);
  halfWidth = new Float64Array(0);
  /** Sum of positions while building, then the centre of mass. */
  massX = new Float64Array(0);
  massY = new Float64Array(0);
  mass = new Int32Array(0);
  firstChild = new Int32Array(0);
  point = new Int32Array(0);
  nodes = 0;
  /**
   * The non-empty nodes again, packed depth-first for the force loop: per node, cell[4 n ..] = centre
   * of mass x, y, mass, squared cell width; skip[n] = the node after its subtree (n + 1 for a leaf), so
   * the force loop walks the array without a stack: into a cell it opens, past one it summarises.
   */
  cell: Float64Array = new Float64Array(0);
  skip: Int32Array = new Int32Array(0);
  packed = 0;
  private order = new Int32Array(0);
  /** The points in depth-first leaf order: neighbours in the layout are neighbours here, which keeps the force loop in cache. */
  pointOrder: Int32Array = new Int32Array(0);
  /** Points sharing a leaf (duplicates) are chained: point[leaf], then nextInLeaf[...] until -1. */
  private nextInLeaf = new Int32Array(0);

  private buffer(bytes: number): ArrayBufferLike {
    return this.shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  }

  private grow(needed: number): void {
    if (needed <= this.mass.length) return;
    const size = Math.max(needed, Math.ceil(this.mass.length * 1.5), 64);
    const f64 = (a: Float64Array) => { const b = new Float64Array(size); b.set(a); return b; };
    const i32 = (a: Int32Array) => { const b = new Int32Array(size); b.set(a); return b; };
    this.centerX = f64(this.centerX);
    this.centerY = f64(this.centerY);
    this.halfWidth = f64(this.halfWidth);
    this.massX = f64(this.massX);
    this.massY = f64(this.massY);
    this.mass = i32(this.mass);
    this.firstChild = i32(this.firstChild);
    this.point = i32(this.point);
  }

  private newNode(cx: number, cy: number, hw: number): number {
    const n = this.nodes++;
    this.centerX[n] = cx;
    this.centerY[n] = cy;
    this.halfWidth[n] = hw;
    this.massX[n] = 0;
    this.massY[n] = 0;
    this.mass[n] = 0;
    this.firstChild[n] = -1;
    this.point[n] = -1;
    return n;
  }

  /** Builds the tree of `count` points, y row-major [count, 2]. */
  build(y: Float64Array, count: number): void {
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (let i = 0; i < count; i++) {
      const x0 = y[2 * i], y0 = y[2 * i + 1];
      if (x0 < minX) minX = x0;
      if (x0 > maxX) maxX = x0;
      if (y0 < minY) minY = y0;
      if (y0 > maxY) maxY = y0;
    }
    this.nodes = 0;
    this.grow(2 * count + 1);
    if (this.nextInLeaf.length < count) {
      this.nextInLeaf = new Int32Array(count);
      this.pointOrder = new Int32Array(this.buffer(4 * count));
      this.allocations++;
    }
    const hw = Math.max(maxX - minX, maxY - minY) / 2 * (1 + 1e-6) + 1e-12;
    this.newNode((minX + maxX) / 2, (minY + maxY) / 2, hw);
    for (let i = 0; i < count; i++) this.insert(i, y[2 * i], y[2 * i + 1]);
    for (let n = 0; n < this.nodes; n++) {
      if (this.mass[n] > 0) {
        this.massX[n] /= this.mass[n];
        this.massY[n] /= this.mass[n];
      }
    }
    this.pack();
  }

  /**
   * Copies the non-empty nodes depth-first into cell/skip and lists the points in leaf order. The stack
   * holds nodes to visit and, as ~packedIndex, subtrees to close (their skip is the next free index).
   */
  private pack(): void {
    if (this.order.length < 2 * this.nodes) {
      this.order = new Int32Array(2 * this.mass.length);
      this.cell = new Float64Array(this.buffer(32 * this.mass.length));
      this.skip = new Int32Array(this.buffer(4 * this.mass.length));
      this.allocations++;
    }
    const { order: stack, cell, skip } = this;
    let sp = 0;
    stack[sp++] = 0;
    let tail = 0;
    let filled = 0;
    while (sp > 0) {
      const node = stack[--sp];
      if (node < 0) {
        skip[~node] = tail;
        continue;
      }
      const at = tail++;
      const w = 2 * this.halfWidth[node];
      cell[4 * at] = this.massX[node];
      cell[4 * at + 1] = this.massY[node];
      cell[4 * at + 2] = this.mass[node];
      cell[4 * at + 3] = w * w;
      const first = this.firstChild[node];
      if (first < 0) {
        skip[at] = at + 1;
        for (let p = this.point[node]; p >= 0; p = this.nextInLeaf[p]) this.pointOrder[filled++] = p;
        continue;
      }
      stack[sp++] = ~at;
      for (let c = first + 3; c >= first; c--) if (this.mass[c] > 0) stack[sp++] = c;
    }
    this.packed = tail;
  }

  private insert(p: number, x: number, y: number): void {
    let node = 0;
    for (let depth = 0; ; depth++) {
      this.mass[node]++;
      this.massX[node] += x;
      this.massY[node] += y;
      if (this.firstChild[node] >= 0) {
        node = this.childFor(node, x, y);
        continue;
      }
      if (this.point[node] < 0) {
        this.point[node] = p;
        this.nextInLeaf[p] = -1;
        return;
      }
      const oldMass = this.mass[node] - 1;
      const oldX = this.massX[node] - x;
      const oldY = this.massY[node] - y;
      // Coinciding points (or cells too small to split further) share a leaf.
      if ((oldX === x * oldMass && oldY === y * oldMass) || depth > 60) {
        this.nextInLeaf[p] = this.point[node];
        this.point[node] = p;
        return;
      }
      this.grow(this.nodes + 4);
      const cx = this.centerX[node], cy = this.centerY[node], h = this.halfWidth[node] / 2;
      const first = this.nodes;
      this.newNode(cx - h, cy - h, h);
      this.newNode(cx + h, cy - h, h);
      this.newNode(cx - h, cy + h, h);
      this.newNode(cx + h, cy + h, h);
      this.firstChild[node] = first;
      const moved = this.childFor(node, oldX / oldMass, oldY / oldMass);
      this.mass[moved] = oldMass;
      this.massX[moved] = oldX;
      this.massY[moved] = oldY;
      this.point[moved] = this.point[node];
      this.point[node] = -1;
      node = this.childFor(node, x, y);
    }
  }

  private childFor(node: number, x: number, y: number): number {
    return this.firstChild[node] + (x >= this.centerX[node] ? 1 : 0) + (y >= this.centerY[node] ? 2 : 0);
  }
}

/**
 * Repulsive forces on the points tree.pointOrder[start .. end): for each, sum over cells far enough (cell width / distance
 * below theta) or leaves of mass * q^2 * (y_i - centre) with q = 1 / (1 + d^2), written unnormalised to
 * `force` (row-major [count, 2]), and each point's sum of mass * q to `qSums` (the normalisation Z is
 * their total). Each point's values depend only on the tree, so any split of the range gives the same.
 */
export function repulsiveForces(tree: PackedTree, y: Float64Array, theta: number, start: number, end: number,
  force: Float64Array, qSums: Float64Array): void {
  const theta2 = theta * theta;
  const { cell, skip, pointOrder, packed } = tree;
  for (let r = start; r < end; r++) {
    const i = pointOrder[r];
    const xi = y[2 * i], yi = y[2 * i + 1];
    let fx = 0, fy = 0, sumQ = 0;
    let node = 0;
    while (node < packed) {
      const c = 4 * node;
      const dx = xi - cell[c];
      const dy = yi - cell[c + 1];
      const d2 = dx * dx + dy * dy;
      let m = cell[c + 2];
      const after = skip[node];
      if (after === node + 1) {
        // The point's own leaf (with any duplicates of it) is at distance 0: leave the point itself out.
        if (d2 === 0) {
          m -= 1;
          if (m === 0) {
            node = after;
            continue;
          }
        }
      } else if (cell[c + 3] >= theta2 * d2) {
        node++;
        continue;
      }
      const q = 1 / (1 + d2);
      const mq = m * q;
      sumQ += mq;
      const mq2 = mq * q;
      fx += mq2 * dx;
      fy += mq2 * dy;
      node = after;
    }
    force[2 * i] = fx;
    force[2 * i + 1] = fy;
    qSums[i] = sumQ;
  }
}
