/** Pictures of tabular explanations: shap's and LIME's plots as SVG strings, PNG through resvg, an HTML report. */
export { waterfallPlot, waterfallBars, type WaterfallOptions, type WaterfallBar } from './waterfall.js';
export { forcePlot, forceSegments, type ForceOptions, type ForceSegment } from './force.js';
export { barPlot, barItems, type BarOptions, type BarItem } from './bar.js';
export { beeswarmPlot, beeswarmOffsets, type BeeswarmOptions } from './beeswarm.js';
export { dependencePlot, approximateInteractions, type DependenceOptions } from './dependence.js';
export { limeBarPlot, limeBarItems, type LimeBarOptions } from './lime-bar.js';
export { pdpPlot, type PdpOptions } from './pdp.js';
export { treePlot, treeText, type TreePlotOptions } from './tree.js';
export { svgToPng, writePlotPng, writePlotSvg, type PngOptions } from './png.js';
export { renderTabularReport, writeTabularReport, type TabularReportInput } from './report.js';
export { Svg, textWidth, FONT_FAMILY } from './svg.js';
export { redBlue } from './common.js';
