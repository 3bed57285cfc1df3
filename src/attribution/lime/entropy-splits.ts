/**
 * The split thresholds of sklearn's DecisionTreeClassifier(criterion='entropy', max_depth) grown on
 * one feature, which is how lime's EntropyDiscretizer finds its bin edges. sklearn trees see float32
 * features; thresholds are midpoints of consecutive distinct (float32) values, and a split is the
 * first one (lowest threshold) of maximal weighted child entropy decrease.
 */
export function entropySplits(values: ArrayLike<number>, labels: ArrayLike<number>, maxDepth: number): number[] {
  const order = Array.from({ length: values.length }, (_, i) => i);
  const x = Float64Array.from(values, (v) => Math.fround(v));
  order.sort((i, j) => x[i] - x[j]);
  const classes = [...new Set(Array.from(labels))].sort((a, b) => a - b);
  const classOf = Int32Array.from(labels, (l) => classes.indexOf(l));
  const sortedX = Float64Array.from(order, (i) => x[i]);
  const sortedY = Int32Array.from(order, (i) => classOf[i]);
  const thresholds: number[] = [];
  grow(sortedX, sortedY, classes.length, 0, sortedX.length, 0, maxDepth, thresholds);
  return thresholds.sort((a, b) => a - b);
}

const FEATURE_THRESHOLD = 1e-7;
const EPSILON = 2.220446049250313e-16;

function grow(x: Float64Array, y: Int32Array, k: number, start: number, end: number, depth: number, maxDepth: number, out: number[]): void {
  const n = end - start;
  if (depth >= maxDepth || n < 2) return;
  const total = new Float64Array(k);
  for (let i = start; i < end; i++) total[y[i]]++;
  if (entropy(total, n) <= EPSILON) return;
  if (x[end - 1] <= x[start] + FEATURE_THRESHOLD) return;

  const left = new Float64Array(k);
  const right = new Float64Array(k);
  let best = -Infinity;
  let bestPos = -1;
  for (let p = start + 1; p < end; p++) {
    left[y[p - 1]]++;
    if (x[p] <= x[p - 1] + FEATURE_THRESHOLD) continue;
    const nl = p - start;
    const nr = end - p;
    for (let c = 0; c < k; c++) right[c] = total[c] - left[c];
    const proxy = -nl * entropy(left, nl) - nr * entropy(right, nr);
    if (proxy > best) {
      best = proxy;
      bestPos = p;
    }
  }
  if (bestPos < 0) return;
  let threshold = x[bestPos - 1] / 2 + x[bestPos] / 2;
  if (threshold === x[bestPos] || !Number.isFinite(threshold)) threshold = x[bestPos - 1];
  out.push(threshold);
  grow(x, y, k, start, bestPos, depth + 1, maxDepth, out);
  grow(x, y, k, bestPos, end, depth + 1, maxDepth, out);
}

function entropy(counts: Float64Array, n: number): number {
  let h = 0;
  for (const c of counts) {
    if (c > 0) {
      const f = c / n;
      h -= f * Math.log2(f);
    }
  }
  return h;
}
