export { logitLens, type LogitLensOptions } from './logit-lens.js';
export { directLogitAttribution, type DirectLogitAttribution, type DirectLogitAttributionOptions, type LogitComponent } from './direct-logit-attribution.js';
export { readout, type Readout } from './readout.js';
export { classLens, type ClassLens } from './class-lens.js';
