export type { VitConfig } from './config.js';
export { gridSize, patchCount, patchLength, validateVitConfig } from './config.js';
export { patchify } from './patches.js';
export { VisionTransformer, type VitRunTensors } from './vit.js';
export { VitModel, type VitModelOptions } from './model.js';
export { loadVitModel, readVitFile, type VitFile } from './load.js';
export {
  vitAttention, clsAttentionImage, meanClsAttentionImage, rolloutImage, patchGridToImage, type VitAttention,
} from './image-attention.js';
export { vitAttentionPanels, type VitAttentionPanel, type VitAttentionPanels } from './attention-panels.js';
export { encodeVitWeights, decodeVitWeights, namedVitWeights, type VitWeights, type WeightEntry } from './weights.js';
