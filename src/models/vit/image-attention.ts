import { UsageError } from '../../errors.js';
import type { NdArray } from '../../tensor.js';
import { attentionRollout, type RolloutOptions } from '../../attention/rollout.js';
import { checkHead, checkLayer } from '../../attention/check.js';
import type { AttentionMaps } from '../../attention/types.js';
import type { HeadFusion } from '../../attention/aggregate.js';

/**
 * Where a vision transformer's [CLS] token looks in one image: every layer's and head's attention row
 * of [CLS] (query 0), and the rollout row of [CLS], split into the weight on [CLS] itself and the
 * weights on the patches laid out on the patch grid.
 */
export interface VitAttention {
  /** The raw maps; token 0 is [CLS], token 1 + r * grid + c is patch (r, c). */
  maps: AttentionMaps;
  imageSize: number;
  patchSize: number;
  /** Patches per side. */
  grid: number;
  /** [layer][head][grid * grid]: [CLS]'s attention to each patch. With clsSelf, each row sums to 1. */
  cls: Float32Array;
  /** [layer][head]: [CLS]'s attention to itself. */
  clsSelf: Float32Array;
  /** [grid * grid]: the [CLS] row of attention rollout over all layers, on the patches. */
  rollout: Float32Array;
  /** The rollout weight left on the [CLS] token itself. */
  rolloutSelf: number;
  /** How the rollout was taken (the options given, defaults filled in), so a report can say so. */
  rolloutSettings: { residualWeight: number; headFusion: HeadFusion; fromLayer: number; toLayer: number };
}

export function vitAttention(maps: AttentionMaps, geometry: { imageSize: number; patchSize: number }, rollout: RolloutOptions = {}): VitAttention {
  const { imageSize, patchSize } = geometry;
  const grid = imageSize / patchSize;
  const patches = grid * grid;
  const n = maps.length;
  if (!Number.isInteger(grid) || n !== patches + 1) {
    throw new UsageError(`attention over ${n} tokens does not fit a ${grid} x ${grid} patch grid and a [CLS] token`,
      'pass the maps of the vision transformer these sizes come from');
  }
  const cls = new Float32Array(maps.layers * maps.heads * patches);
  const clsSelf = new Float32Array(maps.layers * maps.heads);
  for (let lh = 0; lh < maps.layers * maps.heads; lh++) {
    const row = lh * n * n; // query 0 of this layer and head
    clsSelf[lh] = maps.weights[row];
    cls.set(maps.weights.subarray(row + 1, row + n), lh * patches);
  }
  const rolled = attentionRollout(maps, rollout);
  // attentionRollout has checked the options; these are its documented defaults.
  const rolloutSettings = {
    residualWeight: rollout.residualWeight ?? 0.5, headFusion: rollout.headFusion ?? 'mean',
    fromLayer: rollout.fromLayer ?? 0, toLayer: rollout.toLayer ?? maps.layers - 1,
  };
  return {
    maps, imageSize, patchSize, grid, cls, clsSelf,
    rollout: rolled.values.slice(1, n), rolloutSelf: rolled.values[0], rolloutSettings,
  };
}

/** One head's [CLS] attention over the patches, upsampled to the image: [size, size, 1] for the heat maps. */
export function clsAttentionImage(attention: VitAttention, layer: number, head: number): NdArray {
  checkLayer(attention.maps, layer);
  checkHead(attention.maps, head);
  const patches = attention.grid * attention.grid;
  const offset = (layer * attention.maps.heads + head) * patches;
  return patchGridToImage(attention.cls.subarray(offset, offset + patches), attention.grid, attention.patchSize);
}

/** Heads averaged: a layer's mean [CLS] attention over the patches, upsampled to the image. */
export function meanClsAttentionImage(attention: VitAttention, layer: number): NdArray {
  checkLayer(attention.maps, layer);
  const patches = attention.grid * attention.grid;
  const heads = attention.maps.heads;
  const mean = new Float32Array(patches);
  for (let h = 0; h < heads; h++) {
    const offset = (layer * heads + h) * patches;
    for (let p = 0; p < patches; p++) mean[p] += attention.cls[offset + p] / heads;
  }
  return patchGridToImage(mean, attention.grid, attention.patchSize);
}

/** The rollout of [CLS] over the patches, upsampled to the image. */
export function rolloutImage(attention: VitAttention): NdArray {
  return patchGridToImage(attention.rollout, attention.grid, attention.patchSize);
}

/** grid x grid values to a [grid * patchSize, grid * patchSize, 1] image, each patch's value over its pixels. */
export function patchGridToImage(values: ArrayLike<number>, grid: number, patchSize: number): NdArray {
  if (values.length !== grid * grid) {
    throw new UsageError(`${values.length} values for a ${grid} x ${grid} patch grid`, 'give one value per patch');
  }
  const size = grid * patchSize;
  const data = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) data[y * size + x] = values[Math.floor(y / patchSize) * grid + Math.floor(x / patchSize)];
  }
  return { shape: [size, size, 1], data };
}
