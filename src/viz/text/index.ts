export { attentionHeatmapSvg, type AttentionHeatmapOptions } from './heatmap.js';
export { headViewHtml, encodeHeadView, type HeadViewOptions, type HeadViewData } from './head-view.js';
export { tokenHighlightSvg, tokenHighlightHtml, tokenHighlightPage, highlightScales, HIGHLIGHT_CSS, type HighlightOptions } from './highlight.js';
export { logitLensSvg, type LogitLensPlotOptions } from './lens.js';
export { displayToken, divergingColor, sequentialColor, inkOn } from './common.js';
