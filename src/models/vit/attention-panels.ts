import type { VitAttention } from './image-attention.js';

/** One map of [CLS] attention over the patch grid, as a report panel shows it. */
export interface VitAttentionPanel {
  kind: 'rollout' | 'head' | 'layer-mean';
  /** Short label drawn over the panel, e.g. "layer 3, head 1". */
  title: string;
  /** Absent for the rollout, which spans every layer. */
  layer?: number;
  /** Only for kind 'head'. */
  head?: number;
  /** grid * grid weights on the patches, row-major (patch (r, c) at r * grid + c). */
  patches: number[];
  /** The weight [CLS] keeps on itself; with `patches` it sums to 1. */
  clsSelf: number;
}

/**
 * What the image report's attention section shows for one image: the rollout of [CLS] over all
 * layers, [CLS]'s attention in each head of the last layer, and each layer's head mean. Plain
 * numbers, so it serialises to JSON as is; the renderer upsamples the patch grids onto the image.
 */
export interface VitAttentionPanels {
  imageSize: number;
  patchSize: number;
  /** Patches per side. */
  grid: number;
  layers: number;
  heads: number;
  rollout: VitAttentionPanel;
  rolloutSettings: VitAttention['rolloutSettings'];
  /** One per head of the last layer, in head order. */
  lastLayerHeads: VitAttentionPanel[];
  /** One per layer, first to last: [CLS]'s attention averaged over that layer's heads. */
  layerMeans: VitAttentionPanel[];
}

export function vitAttentionPanels(attention: VitAttention): VitAttentionPanels {
  const { grid, imageSize, patchSize } = attention;
  const { layers, heads } = attention.maps;
  const patches = grid * grid;
  const headRow = (layer: number, head: number) => {
    const offset = (layer * heads + head) * patches;
    return Array.from(attention.cls.subarray(offset, offset + patches));
  };
  const last = layers - 1;
  const lastLayerHeads = Array.from({ length: heads }, (_, head): VitAttentionPanel => ({
    kind: 'head', title: `layer ${last}, head ${head}`, layer: last, head,
    patches: headRow(last, head), clsSelf: attention.clsSelf[last * heads + head],
  }));
  const layerMeans = Array.from({ length: layers }, (_, layer): VitAttentionPanel => {
    const mean = new Array<number>(patches).fill(0);
    let self = 0;
    for (let head = 0; head < heads; head++) {
      headRow(layer, head).forEach((w, p) => { mean[p] += w / heads; });
      self += attention.clsSelf[layer * heads + head] / heads;
    }
    return { kind: 'layer-mean', title: `layer ${layer}, mean of ${heads} heads`, layer, patches: mean, clsSelf: self };
  });
  const { fromLayer, toLayer } = attention.rolloutSettings;
  return {
    imageSize, patchSize, grid, layers, heads,
    rollout: {
      kind: 'rollout', title: fromLayer === toLayer ? `rollout, layer ${fromLayer}` : `rollout, layers ${fromLayer}-${toLayer}`,
      patches: Array.from(attention.rollout), clsSelf: attention.rolloutSelf,
    },
    rolloutSettings: { ...attention.rolloutSettings },
    lastLayerHeads,
    layerMeans,
  };
}
