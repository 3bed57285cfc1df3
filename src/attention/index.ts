export type { AttentionMaps, TokenMatrix, TokenAttribution, LogitLens } from './types.js';
export { checkAttentionMaps, checkLayer, checkHead, checkTokenMatrix, attentionRowError } from './check.js';
export { headAttention, queryAttention, selectAttention, attentionToNested, matrixToNested, mapOffset, type AttentionSelection } from './raw.js';
export { aggregateHeads, aggregateAllHeads, meanAttention, HEAD_FUSIONS, type HeadFusion } from './aggregate.js';
export { attentionRollout, attentionRolloutLayers, attentionRolloutRows, residualAttention, multiplySquare, type RolloutOptions } from './rollout.js';
export { attentionFlow, attentionFlowRows, attentionFlowNetwork, type FlowOptions, type AttentionFlowRows } from './flow.js';
export { FlowNetwork } from './max-flow.js';
export { headStatistics, specialTokenPositions, type HeadStatistics, type HeadStatisticsOptions } from './head-statistics.js';
export {
  gradientWeightedAttention, gradientWeightedLayer, gradientWeightedRollout, type GradientWeightedOptions,
} from './gradient-weighted.js';
