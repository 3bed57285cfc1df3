/**
 * The Barnes-Hut quadtree of a 2-D t-SNE layout, in flat typed arrays (no object per node), rebuilt
 * every iteration. Node 0 is the root, a square around all points; an inner node's four children are
 * consecutive, from firstChild. A leaf holds one point, or several at one position (duplicates).
 */
export class QuadTree {
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
   * The non-empty nodes again, packed for the force loop, children contiguous: per node, cell[4 n ..]
   * = centre of mass x, y, mass, squared cell width; kids[2 n ..] = first child, number of children
   * (0 for a leaf).
   */
  cell = new Float64Array(0);
  kids = new Int32Array(0);
  packed = 0;
  private order = new Int32Array(0);
  /** The points in depth-first leaf order: neighbours in the layout are neighbours here, which keeps the force loop in cache. */
  pointOrder = new Int32Array(0);
  /** Points sharing a leaf (duplicates) are chained: point[leaf], then nextInLeaf[...] until -1. */
  private nextInLeaf = new Int32Array(0);

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
      this.pointOrder = new Int32Array(count);
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
    this.orderPoints();
  }

  private orderPoints(): void {
    const stack: number[] = [0];
    let filled = 0;
    while (stack.length > 0) {
      const node = stack.pop()!;
      const first = this.firstChild[node];
      if (first >= 0) {
        for (let c = first + 3; c >= first; c--) if (this.mass[c] > 0) stack.push(c);
      } else {
        for (let p = this.point[node]; p >= 0; p = this.nextInLeaf[p]) this.pointOrder[filled++] = p;
      }
    }
  }

  /** Copies the non-empty nodes breadth-first into cell/kids, so a node's children sit side by side. */
  private pack(): void {
    if (this.order.length < this.nodes) {
      this.order = new Int32Array(this.mass.length);
      this.cell = new Float64Array(4 * this.mass.length);
      this.kids = new Int32Array(2 * this.mass.length);
    }
    const { order, cell, kids } = this;
    order[0] = 0;
    let tail = 1;
    for (let head = 0; head < tail; head++) {
      const node = order[head];
      const w = 2 * this.halfWidth[node];
      cell[4 * head] = this.massX[node];
      cell[4 * head + 1] = this.massY[node];
      cell[4 * head + 2] = this.mass[node];
      cell[4 * head + 3] = w * w;
      const first = this.firstChild[node];
      kids[2 * head] = tail;
      let count = 0;
      if (first >= 0) {
        for (let c = first; c < first + 4; c++) {
          if (this.mass[c] > 0) {
            order[tail++] = c;
            count++;
          }
        }
      }
      kids[2 * head + 1] = count;
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
export function repulsiveForces(tree: QuadTree, y: Float64Array, theta: number, start: number, end: number,
  force: Float64Array, qSums: Float64Array, stack: Int32Array): void {
  const theta2 = theta * theta;
  const { cell, kids, pointOrder } = tree;
  for (let r = start; r < end; r++) {
    const i = pointOrder[r];
    const xi = y[2 * i], yi = y[2 * i + 1];
    let fx = 0, fy = 0, sumQ = 0;
    let sp = 0;
    stack[sp++] = 0;
    while (sp > 0) {
      const node = stack[--sp];
      const c = 4 * node;
      const dx = xi - cell[c];
      const dy = yi - cell[c + 1];
      const d2 = dx * dx + dy * dy;
      let m = cell[c + 2];
      const children = kids[2 * node + 1];
      if (children === 0) {
        // The point's own leaf (with any duplicates of it) is at distance 0: leave the point itself out.
        if (d2 === 0) {
          m -= 1;
          if (m === 0) continue;
        }
      } else if (cell[c + 3] >= theta2 * d2) {
        const first = kids[2 * node];
        for (let k = 0; k < children; k++) stack[sp++] = first + k;
        continue;
      }
      const q = 1 / (1 + d2);
      const mq = m * q;
      sumQ += mq;
      const mq2 = mq * q;
      fx += mq2 * dx;
      fy += mq2 * dy;
    }
    force[2 * i] = fx;
    force[2 * i + 1] = fy;
    qSums[i] = sumQ;
  }
}
