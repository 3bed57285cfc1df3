import { UsageError } from '../../errors.js';
import { patchGridToImage } from '../../models/vit/image-attention.js';
import type { VitAttentionPanel, VitAttentionPanels } from '../../models/vit/attention-panels.js';
import { heatmapColorbar } from '../colorbar.js';
import { formatNumber } from '../font.js';
import { renderHeatmap } from '../heatmap.js';
import type { Image } from '../image.js';
import { pngDataUri } from '../png.js';
import { escapeHtml } from './page.js';

const e = (s: string | number) => escapeHtml(String(s));

/** The method heat maps' display width, so attention panels line up with them. */
const PANEL_SIZE = 224;

/** CSS the attention section needs on top of the report's own. */
export const VIT_ATTENTION_CSS = `
.attention-row { margin: 14px 0 4px; }
.attention-row .flex { gap: 20px; }
figure.attention figcaption.panel-title { color: var(--ink); font-weight: 600; font-size: 14px; margin-bottom: 4px; }
figure.attention figcaption { max-width: ${PANEL_SIZE + 8}px; }
`;

/**
 * The report's "Attention" section for a vision transformer: each map of [CLS] attention over the
 * patch grid, blended over the input as a magma heat map with its own colour bar (0 to the panel's
 * largest weight; attention is never negative, so nothing is clipped), and the weight [CLS] keeps on
 * itself, which the picture cannot show, under it.
 */
export function vitAttentionSection(panels: VitAttentionPanels, image: Image): string {
  const size = panels.grid * panels.patchSize;
  if (image.width !== size || image.height !== size) {
    throw new UsageError(`the attention maps cover ${size} x ${size} pixels and the input image is ${image.width} x ${image.height}`,
      'pass the input as the vision transformer saw it (imageFromInput of its input row)');
  }
  const upscale = Math.max(1, Math.round(PANEL_SIZE / size));
  const figure = (panel: VitAttentionPanel) => {
    const heatmap = renderHeatmap(patchGridToImage(panel.patches, panels.grid, panels.patchSize), {
      image, method: 'blended_heat_map', sign: 'positive', outlierPercentile: 0, colormap: 'magma', alpha: 0.6, upscale,
    });
    const bar = heatmapColorbar(heatmap);
    const id = panel.kind === 'rollout' ? 'rollout' : panel.kind === 'head' ? `L${panel.layer} H${panel.head}` : `L${panel.layer} mean`;
    return `<figure class="attention" id="attention-${e(id.replace(' ', '-'))}">
<figcaption class="panel-title">${e(panel.title)}</figcaption>
<img src="${pngDataUri(heatmap.image)}" width="${heatmap.image.width}" height="${heatmap.image.height}" alt="${e(`[CLS] attention, ${panel.title}`)}">
<img class="bar" src="${pngDataUri(bar)}" width="${bar.width}" height="${bar.height}" alt="${e(`colour bar from 0 to ${formatNumber(heatmap.vmax)}`)}">
<figcaption>largest patch ${e(formatNumber(Math.max(...panel.patches)))}<br>on [CLS] itself ${e(formatNumber(panel.clsSelf))}</figcaption>
</figure>`;
  };
  const row = (heading: string, note: string, list: readonly VitAttentionPanel[], beside = '') => `<div class="attention-row">
<h3>${e(heading)}</h3>
<p class="muted">${e(note)}</p>
<div class="flex">
${list.map(figure).join('\n')}${beside}
</div></div>`;
  const last = panels.layers - 1;
  const r = panels.rolloutSettings;
  const fused = r.headFusion === 'mean' ? 'averaged' : `fused by their ${r.headFusion}`;
  const span = r.fromLayer === r.toLayer ? `layer ${r.fromLayer}` : `layers ${r.fromLayer} to ${r.toLayer}`;
  const top = topPatch(panels.rollout.patches);
  const facts: [string, string][] = [
    ['weight on [CLS] itself', formatNumber(panels.rollout.clsSelf)],
    ['largest patch', `${formatNumber(panels.rollout.patches[top])} (row ${Math.floor(top / panels.grid)}, column ${top % panels.grid})`],
    ['head fusion', r.headFusion],
    ['residual weight', formatNumber(r.residualWeight)],
    ['layers', `${r.fromLayer} to ${r.toLayer}`],
  ];
  const rolloutFacts = `\n<div><h3>Rollout</h3><table>
${facts.map(([k, v]) => `<tr><th>${e(k)}</th><td>${e(v)}</td></tr>`).join('\n')}
</table></div>`;
  return `<section id="attention">
<h2>Attention <span class="tag">vision transformer</span></h2>
<p class="muted">Where the [CLS] token, whose final state the classifier reads, takes its information from: the image is cut
into ${e(panels.grid)} x ${e(panels.grid)} patches of ${e(panels.patchSize)} x ${e(panels.patchSize)} pixels and each patch is coloured by
its attention weight. Each panel is scaled to its own largest weight (its colour bar); the weight [CLS] puts on
itself is not a patch and is given under the panel. Attention shows where information flows, not what drives the
prediction: the attribution methods answer that.</p>
${row('Attention rollout', `Abnar & Zuidema: each layer's heads ${fused}, mixed with the identity (weight ${formatNumber(r.residualWeight)}) for the residual connection, multiplied through ${span}.`, [panels.rollout], rolloutFacts)}
${row(`Last layer (layer ${last}), each head`, `[CLS]'s attention row in each of the ${panels.heads} heads of the layer the classifier reads.`, panels.lastLayerHeads)}
${row('Each layer, mean over heads', `[CLS]'s attention row averaged over the ${panels.heads} heads, from the first layer to the last: the maps the rollout multiplies.`, panels.layerMeans)}
</section>`;
}

/** Index of the largest weight (the first, on ties). */
function topPatch(weights: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < weights.length; i++) if (weights[i] > weights[best]) best = i;
  return best;
}
