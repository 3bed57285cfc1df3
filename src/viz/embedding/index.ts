export { projectorHtml, encodeProjector, type ProjectorOptions, type ProjectorImages, type ProjectorMeta } from './projector.js';
export { scatterPlot, CATEGORY_COLORS, type ScatterOptions } from './scatter.js';
