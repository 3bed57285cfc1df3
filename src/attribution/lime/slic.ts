import { UsageError } from '../../errors.js';

export interface SlicOptions {
  /** Roughly how many segments to make (skimage's n_segments, default 100). */
  nSegments?: number;
  /**
   * Colour against space: larger values give squarer segments. skimage's default 10 suits Lab colour
   * (0..100); for grey or RGB values in [0, 1] without Lab, try 0.1 or less.
   */
  compactness?: number;
  /** k-means iterations (default 10). */
  maxIterations?: number;
  /** Merge pieces cut off from their segment, and segments under minSizeFactor of the average size, into a neighbour (default true). */
  enforceConnectivity?: boolean;
  /** Default 0.5, as skimage. */
  minSizeFactor?: number;
  /** Convert 3-channel images (RGB in [0, 1]) to CIELAB first, as skimage does by default (default true). */
  convertToLab?: boolean;
}

export interface Segmentation {
  height: number;
  width: number;
  /** One label per pixel, row by row, from 0 to count - 1. */
  labels: Int32Array;
  count: number;
}

/**
 * SLIC superpixels (Achanta et al., 2012), as skimage.segmentation.slic: k-means over (colour, y, x) with
 * centres started on a regular grid, each centre searching a 2S x 2S window, distance
 * d_colour^2 + (d_space / S)^2 * compactness^2; then connected pieces relabelled and small ones merged
 * into a neighbour. `image` is [height, width, channels] row-major (grey: 1 channel).
 */
export function slic(image: Float32Array | Float64Array, height: number, width: number, channels: number, options: SlicOptions = {}): Segmentation {
  const nSegments = options.nSegments ?? 100;
  const compactness = options.compactness ?? 10;
  const maxIterations = options.maxIterations ?? 10;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1 || !Number.isInteger(channels) || channels < 1) {
    throw new UsageError(`SLIC needs an image of positive integer size, got ${height} x ${width} x ${channels}`, 'pass [height, width, channels]');
  }
  if (image.length !== height * width * channels) {
    throw new UsageError(`the image has ${image.length} values, but ${height} x ${width} x ${channels} needs ${height * width * channels}`, 'pass the image as [height, width, channels], row by row');
  }
  if (!Number.isInteger(nSegments) || nSegments < 1) throw new UsageError(`nSegments must be a positive integer, got ${nSegments}`, 'pass e.g. nSegments: 50');
  if (!(compactness > 0)) throw new UsageError(`compactness must be positive, got ${compactness}`, 'pass e.g. compactness: 10 (Lab) or 0.1 (values in [0, 1])');
  const colour = channels === 3 && (options.convertToLab ?? true) ? rgbToLab(image, height * width) : Float64Array.from(image);

  const pixels = height * width;
  const step = Math.sqrt(pixels / nSegments);
  const rows = Math.max(1, Math.min(height, Math.round(height / step)));
  const cols = Math.max(1, Math.min(width, Math.round(width / step)));
  const k = rows * cols;
  // Centres: y, x, then the colour channels.
  const dims = 2 + channels;
  const centres = new Float64Array(k * dims);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const y = Math.min(height - 1, Math.floor(((r + 0.5) * height) / rows));
      const x = Math.min(width - 1, Math.floor(((c + 0.5) * width) / cols));
      const base = (r * cols + c) * dims;
      centres[base] = y;
      centres[base + 1] = x;
      for (let ch = 0; ch < channels; ch++) centres[base + 2 + ch] = colour[(y * width + x) * channels + ch];
    }
  }

  const labels = new Int32Array(pixels).fill(-1);
  const distance = new Float64Array(pixels);
  const spatialWeight = (compactness / step) ** 2;
  const window = Math.ceil(step);
  const sums = new Float64Array(k * dims);
  const counts = new Float64Array(k);
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    distance.fill(Infinity);
    let changed = false;
    for (let s = 0; s < k; s++) {
      const base = s * dims;
      const cy = centres[base];
      const cx = centres[base + 1];
      const y0 = Math.max(0, Math.floor(cy - window));
      const y1 = Math.min(height - 1, Math.ceil(cy + window));
      const x0 = Math.max(0, Math.floor(cx - window));
      const x1 = Math.min(width - 1, Math.ceil(cx + window));
      for (let y = y0; y <= y1; y++) {
        for (let x = x0; x <= x1; x++) {
          const p = y * width + x;
          let d = ((y - cy) ** 2 + (x - cx) ** 2) * spatialWeight;
          for (let ch = 0; ch < channels; ch++) d += (colour[p * channels + ch] - centres[base + 2 + ch]) ** 2;
          if (d < distance[p]) {
            distance[p] = d;
            if (labels[p] !== s) {
              labels[p] = s;
              changed = true;
            }
          }
        }
      }
    }
    sums.fill(0);
    counts.fill(0);
    for (let p = 0; p < pixels; p++) {
      const s = labels[p];
      if (s < 0) continue;
      const base = s * dims;
      sums[base] += Math.floor(p / width);
      sums[base + 1] += p % width;
      for (let ch = 0; ch < channels; ch++) sums[base + 2 + ch] += colour[p * channels + ch];
      counts[s]++;
    }
    for (let s = 0; s < k; s++) {
      if (!counts[s]) continue;
      for (let d = 0; d < dims; d++) centres[s * dims + d] = sums[s * dims + d] / counts[s];
    }
    if (!changed) break;
  }
  // A pixel no window reached (possible only with odd rounding) joins the nearest centre in space.
  for (let p = 0; p < pixels; p++) {
    if (labels[p] >= 0) continue;
    const y = Math.floor(p / width);
    const x = p % width;
    let best = 0;
    let bestD = Infinity;
    for (let s = 0; s < k; s++) {
      const d = (centres[s * dims] - y) ** 2 + (centres[s * dims + 1] - x) ** 2;
      if (d < bestD) { bestD = d; best = s; }
    }
    labels[p] = best;
  }
  const final = (options.enforceConnectivity ?? true)
    ? connectAndMerge(labels, height, width, Math.floor((options.minSizeFactor ?? 0.5) * (pixels / k)))
    : relabel(labels);
  return { height, width, labels: final.labels, count: final.count };
}

/**
 * Every 4-connected piece becomes its own segment; pieces smaller than minSize join the segment of the
 * pixel just before their first pixel in scan order (as skimage's _enforce_label_connectivity_cython).
 */
function connectAndMerge(labels: Int32Array, height: number, width: number, minSize: number): { labels: Int32Array; count: number } {
  const pixels = height * width;
  const out = new Int32Array(pixels).fill(-1);
  const queue = new Int32Array(pixels);
  let count = 0;
  for (let start = 0; start < pixels; start++) {
    if (out[start] >= 0) continue;
    const original = labels[start];
    // The segment already labelled next to the piece's first pixel (left, else above), for merging.
    let adjacent = -1;
    if (start % width > 0) adjacent = out[start - 1];
    else if (start >= width) adjacent = out[start - width];
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    out[start] = count;
    while (head < tail) {
      const p = queue[head++];
      const y = Math.floor(p / width);
      const x = p % width;
      const neighbours = [x > 0 ? p - 1 : -1, x < width - 1 ? p + 1 : -1, y > 0 ? p - width : -1, y < height - 1 ? p + width : -1];
      for (const q of neighbours) {
        if (q >= 0 && out[q] < 0 && labels[q] === original) {
          out[q] = count;
          queue[tail++] = q;
        }
      }
    }
    if (tail < minSize && adjacent >= 0) {
      for (let i = 0; i < tail; i++) out[queue[i]] = adjacent;
    } else {
      count++;
    }
  }
  return { labels: out, count };
}

function relabel(labels: Int32Array): { labels: Int32Array; count: number } {
  const map = new Map<number, number>();
  const out = new Int32Array(labels.length);
  labels.forEach((l, i) => {
    let v = map.get(l);
    if (v === undefined) { v = map.size; map.set(l, v); }
    out[i] = v;
  });
  return { labels: out, count: map.size };
}

/** sRGB in [0, 1] to CIELAB (D65), as skimage.color.rgb2lab. */
function rgbToLab(rgb: ArrayLike<number>, pixels: number): Float64Array {
  const out = new Float64Array(pixels * 3);
  const linear = (c: number) => (c > 0.04045 ? ((c + 0.055) / 1.055) ** 2.4 : c / 12.92);
  const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  for (let p = 0; p < pixels; p++) {
    const r = linear(rgb[3 * p]);
    const g = linear(rgb[3 * p + 1]);
    const b = linear(rgb[3 * p + 2]);
    const x = (0.412453 * r + 0.35758 * g + 0.180423 * b) / 0.95047;
    const y = 0.212671 * r + 0.71516 * g + 0.072169 * b;
    const z = (0.019334 * r + 0.119193 * g + 0.950227 * b) / 1.08883;
    const fy = f(y);
    out[3 * p] = y > 0.008856 ? 116 * Math.cbrt(y) - 16 : 903.3 * y;
    out[3 * p + 1] = 500 * (f(x) - fy);
    out[3 * p + 2] = 200 * (fy - f(z));
  }
  return out;
}
