/** The visualisation layer: results and images in, pictures and reports out. Renderers never run models. */
export * from './image.js';
export * from './colormaps.js';
export * from './heatmap.js';
export * from './png.js';
export * from './colorbar.js';
export * from './grid.js';
export * from './report/html.js';
export { vitAttentionSection, VIT_ATTENTION_CSS } from './report/vit-attention.js';
