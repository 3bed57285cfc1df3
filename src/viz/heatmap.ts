import { UsageError } from '../errors.js';
import type { NdArray } from '../tensor.js';
import { colorAt, getColormap, reverseColormap, type Colormap, type ColormapName } from './colormaps.js';
import { checkImage, displayFactor, greyscale, imageGeometry, upscaleNearest, type Image } from './image.js';

/** How attributions become pixels; the names and behaviour follow Captum's visualize_image_attr. */
export type HeatmapMethod = 'heat_map' | 'blended_heat_map' | 'masked_image' | 'alpha_scaling';

/**
 * Which attributions are shown. `all` keeps the sign (diverging map, zero in the middle); the
 * others show one magnitude on a sequential map: positive values, negative values (larger
 * |negative| = hotter), or the absolute value of the channel sum.
 */
export type HeatmapSign = 'all' | 'positive' | 'negative' | 'absolute_value';

export interface HeatmapOptions {
  /** Default 'heat_map'. */
  method?: HeatmapMethod;
  /**
   * Default 'all'. (Captum defaults to 'absolute_value'; Glassbox shows the sign unless asked not
   * to, because for IG, DeepLIFT and the like the sign is half of the explanation.)
   */
  sign?: HeatmapSign;
  /**
   * Percentage of the attribution mass treated as outliers, default 2 (Captum's outlier_perc):
   * values are scaled by Captum's cumulative-sum threshold (see cumulativeSumThreshold) and clipped.
   */
  outlierPercentile?: number;
  /** Opacity of the heat map over the greyscale input for 'blended_heat_map', default 0.5. */
  alpha?: number;
  /** Default 'rdbu_r' for sign 'all', 'magma' for the others ('gray' for the two mask methods). */
  colormap?: ColormapName;
  /** The input as the user sees it, same height and width as the attributions. Needed by all methods but 'heat_map'. */
  image?: Image;
  /** Layout of a 3-d row; guessed from the shape when absent (see imageGeometry). */
  layout?: 'NHWC' | 'NCHW';
  /** Height and width of a flat (1-d) row. */
  imageSize?: { height: number; width: number };
  /** Integer nearest-neighbour upscale factor; default brings the longer side near `displaySize`. */
  upscale?: number;
  /** Target display size in pixels for the default upscale, default 224 (28 x 28 -> 224 x 224). */
  displaySize?: number;
}

export interface Heatmap {
  /** The rendered picture: RGB, or RGBA for 'alpha_scaling'; upscaled by `upscale`. */
  image: Image;
  /** Attribution values at the two ends of `colormap` (t = 0 and t = 1): what a colour bar labels. */
  vmin: number;
  vmax: number;
  /** The map as drawn from vmin to vmax (reversed for sign 'negative', so the bar reads left to right). */
  colormap: Colormap;
  /** Clipping threshold in attribution units (|channel sum|); values beyond it get the end colour. */
  threshold: number;
  /** Fraction of pixels whose value was clipped at the threshold. */
  clippedFraction: number;
  upscale: number;
  method: HeatmapMethod;
  sign: HeatmapSign;
  outlierPercentile: number;
}

export interface NormalizedAttribution {
  height: number;
  width: number;
  /** Per pixel, in [-1, 1] for sign 'all' and in [0, 1] otherwise. */
  values: Float32Array;
  /** The scale actually divided by (threshold, or 1 when the threshold is 0 so all values are 0). */
  scale: number;
  threshold: number;
  clippedFraction: number;
}

/**
 * Captum's `_cumulative_sum_threshold`: sort the (non-negative) values ascending and return the
 * first one at which the running sum reaches `percentile` % of the total. With percentile 98 this
 * is the smallest value such that the values up to it carry 98 % of the attribution mass; the
 * largest values, which carry the remaining 2 %, are then clipped. Note this is a share of the sum,
 * not a quantile of the count: one huge pixel among many small ones is clipped, many equal pixels
 * are not.
 */
export function cumulativeSumThreshold(values: ArrayLike<number>, percentile: number): number {
  if (!(percentile >= 0 && percentile <= 100)) {
    throw new UsageError(`percentile ${percentile} is outside [0, 100]`, 'use an outlier percentage between 0 and 100');
  }
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return 0;
  let total = 0;
  for (const v of sorted) total += v;
  const goal = total * 0.01 * percentile;
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) {
    sum += sorted[i];
    if (sum >= goal) return sorted[i];
  }
  // Float rounding can leave the last partial sum a hair under the total.
  return sorted[sorted.length - 1];
}

/**
 * One value per pixel: the channel sum (Captum sums over channels, then takes the sign or the
 * absolute value of the sum). Rows of shape [H, W] pass through.
 */
export function reduceChannels(row: NdArray, layout?: 'NHWC' | 'NCHW',
  imageSize?: { height: number; width: number }): { height: number; width: number; values: Float64Array } {
  const size = row.shape.reduce((a, b) => a * b, 1);
  if (row.data.length !== size) {
    throw new UsageError(`attribution row has ${row.data.length} values but shape [${row.shape.join(', ')}]`,
      'pass result.row(i), which keeps shape and data together');
  }
  const geo = imageGeometry(row.shape, layout, imageSize);
  const { height, width, channels } = geo;
  const values = new Float64Array(height * width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let c = 0; c < channels; c++) s += row.data[geo.index(y, x, c)];
      if (!Number.isFinite(s)) {
        throw new UsageError(`attribution at pixel (${x}, ${y}) is ${s}`,
          'the method produced non-finite values; check the model and inputs (or lower the step size / noise)');
      }
      values[y * width + x] = s;
    }
  }
  return { height, width, values };
}

/** Captum's `_normalize_attr`: reduce channels, keep the chosen sign, divide by the outlier threshold, clip. */
export function normalizeAttribution(row: NdArray, options: Pick<HeatmapOptions, 'sign' | 'outlierPercentile' | 'layout' | 'imageSize'> = {}): NormalizedAttribution {
  const sign = options.sign ?? 'all';
  const outlier = options.outlierPercentile ?? 2;
  const { height, width, values } = reduceChannels(row, options.layout, options.imageSize);
  // Magnitudes the threshold is taken over; for 'negative' the result is flipped to be >= 0.
  const kept = values.map((v) => {
    switch (sign) {
      case 'all': return v;
      case 'positive': return v > 0 ? v : 0;
      case 'negative': return v < 0 ? -v : 0;
      case 'absolute_value': return Math.abs(v);
      default: throw new UsageError(`unknown sign "${String(sign)}"`, 'use all, positive, negative or absolute_value');
    }
  });
  const threshold = cumulativeSumThreshold(kept.map(Math.abs), 100 - outlier);
  const scale = threshold > 0 ? threshold : 1;
  const out = new Float32Array(kept.length);
  let clipped = 0;
  for (let i = 0; i < kept.length; i++) {
    const v = kept[i] / scale;
    if (Math.abs(v) > 1) clipped++;
    out[i] = Math.max(-1, Math.min(1, v));
  }
  return { height, width, values: out, scale, threshold, clippedFraction: kept.length ? clipped / kept.length : 0 };
}

/** One attribution row as a picture, the way Captum's visualize_image_attr draws it. */
export function renderHeatmap(row: NdArray, options: HeatmapOptions = {}): Heatmap {
  const method = options.method ?? 'heat_map';
  const sign = options.sign ?? 'all';
  const outlierPercentile = options.outlierPercentile ?? 2;
  const alpha = options.alpha ?? 0.5;
  if (!['heat_map', 'blended_heat_map', 'masked_image', 'alpha_scaling'].includes(method)) {
    throw new UsageError(`unknown heat map method "${method}"`, 'use heat_map, blended_heat_map, masked_image or alpha_scaling');
  }
  if ((method === 'masked_image' || method === 'alpha_scaling') && sign === 'all') {
    throw new UsageError(`${method} needs one sign of attribution, not 'all'`,
      'use sign positive, negative or absolute_value (as Captum requires)');
  }
  if (!(alpha >= 0 && alpha <= 1)) throw new UsageError(`alpha ${alpha} is outside [0, 1]`, 'use an opacity between 0 and 1');

  const norm = normalizeAttribution(row, options);
  const { height, width, values } = norm;
  const image = options.image;
  if (method !== 'heat_map') {
    if (!image) throw new UsageError(`${method} needs the input image`, 'pass options.image (see imageFromInput)');
    checkImage(image, 'input image');
    if (image.width !== width || image.height !== height) {
      throw new UsageError(`input image is ${image.width}x${image.height} but the attributions are ${width}x${height}`,
        'pass the image at the size the model saw (imageFromInput gives it)');
    }
  }

  const masking = method === 'masked_image' || method === 'alpha_scaling';
  const defaultMap: ColormapName = masking ? 'gray' : sign === 'all' ? 'rdbu_r' : 'magma';
  const map = getColormap(options.colormap ?? defaultMap);
  const n = width * height;
  const channels = method === 'alpha_scaling' ? 4 : 3;
  const data = new Uint8Array(n * channels);
  const grey = method === 'blended_heat_map' && image ? greyscale(image) : undefined;
  for (let p = 0; p < n; p++) {
    const v = values[p];
    const o = p * channels;
    if (masking && image) {
      // Captum: masked_image multiplies the input by the normalised attribution; alpha_scaling uses it as opacity.
      for (let c = 0; c < 3; c++) {
        const src = image.data[p * image.channels + (image.channels === 1 ? 0 : c)];
        data[o + c] = method === 'masked_image' ? Math.round(src * v) : src;
      }
      if (method === 'alpha_scaling') data[o + 3] = Math.round(v * 255);
      continue;
    }
    const rgb = colorAt(map, sign === 'all' ? (v + 1) / 2 : v);
    for (let c = 0; c < 3; c++) data[o + c] = grey ? Math.round(alpha * rgb[c] + (1 - alpha) * grey[p]) : rgb[c];
  }

  const upscale = options.upscale ?? displayFactor(width, height, options.displaySize ?? 224);
  const s = norm.scale;
  const [vmin, vmax] = sign === 'all' ? [-s, s] : sign === 'negative' ? [-s, 0] : [0, s];
  return {
    image: upscaleNearest({ width, height, channels, data }, upscale),
    vmin,
    vmax,
    // For 'negative', t = |value| / s, so the map runs hot-to-cold from vmin to vmax.
    colormap: sign === 'negative' ? reverseColormap(map) : map,
    threshold: norm.threshold,
    clippedFraction: norm.clippedFraction,
    upscale,
    method,
    sign,
    outlierPercentile,
  };
}
