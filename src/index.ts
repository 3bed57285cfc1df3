/**
 * Glassbox: explain what deep models do. The public API, in the order data flows:
 * input readers -> models -> attribution methods -> results -> pictures and reports.
 */
import type { Model } from './models/model.js';
import type { InputLike } from './tensor.js';
import type { AttributionResult } from './attribution/result.js';
import type { SaliencyOptions } from './attribution/gradient/saliency.js';
import type { InputXGradientOptions } from './attribution/gradient/input-x-gradient.js';
import type { IntegratedGradientsOptions } from './attribution/gradient/integrated-gradients.js';
import type { NoiseTunnelOptions } from './attribution/gradient/noise-tunnel.js';
import type { GradientShapOptions } from './attribution/gradient/gradient-shap.js';
import type { DeepLiftOptions } from './attribution/gradient/deeplift.js';
import type { GuidedBackpropOptions } from './attribution/gradient/guided-backprop.js';
import type { GradCamOptions } from './attribution/gradient/grad-cam.js';
import type { GuidedGradCamOptions } from './attribution/gradient/guided-grad-cam.js';
import type { OcclusionOptions } from './attribution/perturbation/occlusion.js';
import type { FeatureAblationOptions } from './attribution/perturbation/feature-ablation.js';
import type { ShapleyValuesOptions } from './attribution/perturbation/shapley-values.js';
import type { LimeOptions } from './attribution/perturbation/lime.js';
import type { KernelShapImageOptions } from './attribution/perturbation/kernel-shap.js';
import { findMethod, METHOD_NAMES } from './attribution/registry.js';
import { UsageError } from './errors.js';

export { useBackend, activeBackend, BACKENDS, type BackendName } from './backend.js';
export { GlassboxError, UsageError } from './errors.js';
export type { NdArray, InputLike } from './tensor.js';

// Inputs
export { loadInput, type LoadedInput, type LoadInputOptions } from './io/load-input.js';
export { parseNpy, encodeNpy, writeNpy } from './io/npy.js';
export { parseTensorJson, tensorToJson, writeTensorJson } from './io/tensor-json.js';
export { writeFileAtomic } from './io/atomic-write.js';

// Models
export type { Model, ModelInfo, LayerInfo, OutputSelector, BackwardRule, GradientRequest, Gradients, StraightPathRequest, StraightPathGradients } from './models/model.js';
export type { ImagePreprocessing } from './models/preprocessing.js';
export { loadModel, BUILTIN_MODELS, type LoadModelOptions } from './models/load.js';
export { TfjsLayersModel, type TfjsLayersModelOptions } from './models/tfjs-layers.js';
export { TfjsGraphModel, type TfjsGraphModelOptions } from './models/tfjs-graph.js';
export { FunctionModel, type FunctionModelOptions } from './models/function.js';
export { fileHandler } from './models/tfjs-file-io.js';

// Attribution methods (Captum's semantics: new Method(model).attribute(inputs, options))
export { Attribution, type AttributeOptions, type Target, type Baseline, type ProgressCallback } from './attribution/base.js';
export { AttributionResult, type AttributionResultData, type JsonValue } from './attribution/result.js';
export { integrationGrid, gaussLegendre, INTEGRATION_METHODS, type IntegrationMethod } from './attribution/integration.js';
export { METHODS, METHOD_NAMES, findMethod, type MethodEntry } from './attribution/registry.js';
export { Saliency, type SaliencyOptions } from './attribution/gradient/saliency.js';
export { InputXGradient, type InputXGradientOptions } from './attribution/gradient/input-x-gradient.js';
export { IntegratedGradients, type IntegratedGradientsOptions } from './attribution/gradient/integrated-gradients.js';
export { NoiseTunnel, SmoothGrad, NOISE_TUNNEL_TYPES, type NoiseTunnelOptions, type NoiseTunnelType } from './attribution/gradient/noise-tunnel.js';
export { GradientShap, type GradientShapOptions } from './attribution/gradient/gradient-shap.js';
export { DeepLift, type DeepLiftOptions } from './attribution/gradient/deeplift.js';
export { GuidedBackprop, type GuidedBackpropOptions } from './attribution/gradient/guided-backprop.js';
export { GradCam, type GradCamOptions } from './attribution/gradient/grad-cam.js';
export { GuidedGradCam, type GuidedGradCamOptions } from './attribution/gradient/guided-grad-cam.js';
export { Occlusion, type OcclusionOptions } from './attribution/perturbation/occlusion.js';
export {
  FeatureAblation, blockMask, pixelMask, elementMask, groupMask, type FeatureAblationOptions, type FeatureMask,
} from './attribution/perturbation/feature-ablation.js';
export { ShapleyValues, MAX_EXACT_SHAPLEY_FEATURES, type ShapleyValuesOptions } from './attribution/perturbation/shapley-values.js';
export { Lime, type LimeOptions } from './attribution/perturbation/lime.js';
// The tabular KernelShap (background rows) keeps that name; this one explains tensors over segments.
export { KernelShapImage, type KernelShapImageOptions } from './attribution/perturbation/kernel-shap.js';
export { segmentRows, type AbsentValue, type SegmentationOptions, type RowSegments } from './attribution/perturbation/segment-game.js';

// Tabular data and black-box models
export { type Matrix, matrix, fromRows, rowOf, sliceRows, columnOf, toRows } from './tabular/matrix.js';
export { readCsv, parseCsv, type CsvTable, type CsvOptions } from './tabular/csv.js';
export {
  inferSchema, readSchema, parseSchema, encodeTable, encodeRecords, type TabularSchema, type ColumnSchema, type TargetSchema,
} from './tabular/schema.js';
export { loadTabularData, type TabularData, type LoadTabularOptions } from './tabular/dataset.js';
export type { TabularModel, TabularModelInfo, TabularOutput } from './models/tabular/model.js';
export { loadTabularModel, type LoadTabularModelOptions } from './models/tabular/load.js';
export { loadOnnxTabularModel, type OnnxTabularOptions } from './models/tabular/onnx.js';
export { functionModel, multiOutputFunctionModel } from './models/tabular/function.js';
export { tensorTabularModel, type TensorTabularOptions } from './models/tabular/tensor.js';
export { TreeEnsembleModel, type TreeModelOptions } from './models/tabular/trees/model.js';
export { loadXGBoostModel, parseXGBoostJson } from './models/tabular/trees/xgboost.js';
export { loadLightGBMModel, parseLightGBMText } from './models/tabular/trees/lightgbm.js';

// Tabular and black-box methods (new Method(model).explain(rows, options) -> TabularExplanation)
export { TabularExplanation, type TabularExplanationData, type TabularRowJson } from './attribution/tabular-explanation.js';
export type { CoalitionGame } from './attribution/coalition/game.js';
export { TabularGame } from './attribution/coalition/tabular-game.js';
export { KernelShap, kernelShapGame, type KernelShapOptions, type L1Reg } from './attribution/coalition/kernel-shap.js';
export { ExactShapley, exactShapleyGame, MAX_EXACT_PLAYERS } from './attribution/coalition/exact-shapley.js';
export { PermutationShap, permutationShapGame, type PermutationShapOptions } from './attribution/coalition/permutation-shap.js';
export { LimeTabular, type LimeTabularOptions, type LimeTabularExplainOptions } from './attribution/lime/lime-tabular.js';
export { LimeImage, type LimeImageOptions, type LimeImageExplainOptions } from './attribution/lime/lime-image.js';
export { LimeText, type LimeTextOptions, type LimeTextExplainOptions } from './attribution/lime/lime-text.js';
export { TreeShap, type TreeShapOptions, type FeaturePerturbation } from './attribution/tree/tree-shap.js';
export {
  explainTabular, TABULAR_METHOD_NAMES, type TabularMethodName, type TabularMethodOptions, type FeatureGroupSpec,
} from './attribution/tabular-methods.js';
export { kmeans, kmeansSummary } from './stats/kmeans.js';
export { warmWorkers, shutdownWorkers } from './parallel/pool.js';
export { rowSeed } from './parallel/row-seed.js';
export { workerSpecOf, type WorkerModelSpec } from './parallel/model-spec.js';
export { TREE_SHAP_PARALLEL_ROWS } from './parallel/parallel-tree-shap.js';
export { COALITION_PARALLEL_ROWS } from './parallel/parallel-tabular.js';

// Global views of tabular models
export type { PartialDependence, PermutationImportance, SurrogateTree, TreeNode } from './global/types.js';
export { permutationImportance, groupsByColumn, type PermutationImportanceOptions } from './global/permutation-importance.js';
export { partialDependence, featureForColumn, type PartialDependenceOptions, type OneHotFeature } from './global/partial-dependence.js';
export { surrogateTree, type SurrogateTreeOptions } from './global/surrogate-tree.js';
export { renderTreeText } from './global/tree-text.js';
export { tabularOverview, OVERVIEW_VIEWS, type Overview, type OverviewOptions, type OverviewView } from './global/overview.js';

// Transformers and text
export * from './attention/index.js';
export type { TransformerConfig } from './models/transformer/config.js';
export type { TransformerWeights, LayerWeights, NormWeights } from './models/transformer/weights.js';
export type { TransformerRun, RunOptions, ResidualStreams, ResidualComponents } from './models/transformer/results.js';
export { Transformer, KeyValueCache, type ForwardOptions, type ForwardTensors, type TransformerOptions } from './models/transformer/transformer.js';
export { TransformerModel, type TransformerModelOptions } from './models/transformer/model.js';
export { loadLlama2c, type Llama2cHeader } from './models/llama2c/load.js';
export { loadBuiltinLanguageModel, BUILT_IN_LANGUAGE_MODELS, isBuiltInLanguageModel, builtInLanguageModelFiles, type BuiltInLanguageModel } from './models/llama2c/builtin.js';
export { trainBpe, type BpeVocabulary, type BpeOptions } from './models/llama2c/train-bpe.js';
export { writeLlama2cTokenizer } from './models/llama2c/write-tokenizer.js';
export { writeLlama2cCheckpoint } from './models/llama2c/write-checkpoint.js';
export { textLoss, type TextLoss } from './models/llama2c/text-loss.js';
export { loadOnnxTextModel, isOnnxTextFolder, BUILT_IN_ONNX_TEXT_MODELS, type LoadOnnxTextOptions } from './models/onnx-text/load.js';
export { OnnxTextModel, type OnnxTextSignature, type OnnxTextModelInfo } from './models/onnx-text/onnx-text-model.js';
export { HuggingFaceTokenizer, type HuggingFaceEncoding, type HuggingFaceSpecials } from './models/onnx-text/hugging-face-tokenizer.js';
export { textModelAttentions } from './models/onnx-text/text-attentions.js';
export { transformerToOnnx, type TransformerToOnnxOptions } from './models/onnx-text/transformer-to-onnx.js';
export { wordPieceToHuggingFace, type HuggingFaceTokenizerJSON } from './models/onnx-text/wordpiece-to-hugging-face.js';
export { checkSequenceTokens, type TokenSequenceModel } from './attribution/text/token-sequence-model.js';
export { attentionGradients, type AttentionGradients } from './attribution/text/attention-gradients.js';
export { transformerSequenceModel, type TokenModel } from './attribution/text/transformer-sequence-model.js';
export { Llama2cModel } from './models/llama2c/model.js';
export { Llama2cTokenizer } from './models/llama2c/tokenizer.js';
export { readLlama2cCheckpoint, type Llama2cCheckpoint } from './models/llama2c/checkpoint.js';
export { WordPieceTokenizer, SPECIAL_TOKENS, type Encoding, type EncodeOptions, type WordPieceTokenizerJSON } from './text/tokenizer.js';
export { trainWordPiece, type WordPieceTrainingOptions } from './text/train-wordpiece.js';
export { loadTextClassifier, BUILT_IN_TEXT_CLASSIFIERS } from './models/text/load.js';
export { TextClassifierModel, type TextClassifierConfig } from './models/text/text-classifier.js';
export {
  VitModel, VisionTransformer, loadVitModel, patchify, vitAttention, clsAttentionImage, meanClsAttentionImage, rolloutImage,
  vitAttentionPanels, type VitConfig, type VitModelOptions, type VitAttention, type VitAttentionPanel, type VitAttentionPanels,
} from './models/vit/index.js';
export {
  textSaliency, textInputXGradient, textIntegratedGradients, textOcclusion, textLime, textKernelShap, generationAttribution, TokenGame,
  type TextTarget, type TokenBaseline, type TextSaliencyOptions, type TextIntegratedGradientsOptions, type TextOcclusionOptions,
  type TextLimeOptions, type TextKernelShapOptions, type GenerationAttribution, type GenerationAttributionOptions, type TokenAbsence,
} from './attribution/text/index.js';
export {
  logitLens, directLogitAttribution, type LogitLensOptions, type DirectLogitAttribution, type DirectLogitAttributionOptions, type LogitComponent,
} from './lens/index.js';
export { classLens, type ClassLens } from './lens/class-lens.js';
export { readout, type Readout } from './lens/readout.js';

// Embedding space
export type { Embeddings, Projection, Neighbors, Metric, MetadataColumn } from './embedding/types.js';
export { collectActivations, POOLINGS, type Pooling, type CollectActivationsOptions } from './embedding/activations/collect-activations.js';
export { loadInputSet, type InputSet, type LoadInputSetOptions } from './embedding/activations/input-set.js';
export { collectVitResiduals, collectTextResiduals, TOKEN_POOLINGS, type TokenPooling, type ResidualStreamOptions } from './embedding/activations/residual-stream.js';
export { writeEmbeddings, type WriteEmbeddingsOptions, type WrittenEmbeddings } from './embedding/io/write-embeddings.js';
export { readEmbeddings, type ReadEmbeddingsOptions } from './embedding/io/read-embeddings.js';
export type { EmbeddingsManifest } from './embedding/io/format.js';
export { idxThumbnails, type Thumbnails } from './embedding/io/thumbnails.js';
export { pca, type PcaOptions, type PcaProjection } from './embedding/projection/pca.js';
export { principalComponents, type PrincipalComponents, type PrincipalComponentsOptions, type PcaMethod } from './embedding/projection/principal-components.js';
export { tsne, type TsneOptions } from './embedding/projection/tsne.js';
export { umap, type UmapOptions } from './embedding/projection/umap.js';
export { trustworthiness, type QualityOptions } from './embedding/quality/trustworthiness.js';
export { continuity } from './embedding/quality/continuity.js';
export { knnPreservation } from './embedding/quality/knn-preservation.js';
export { exactNeighbors, type ExactNeighborsOptions } from './embedding/neighbors/exact.js';
export { HnswIndex, type HnswBuildOptions, type HnswSearchOptions, type HnswParameters } from './embedding/neighbors/hnsw.js';
export { serializeHnsw, deserializeHnsw } from './embedding/neighbors/hnsw/serialize.js';
export type { VectorSet } from './embedding/neighbors/hnsw/check-vectors.js';
export { projectEmbeddings, neighborsOfEveryPoint, PROJECTION_METHODS, type ProjectionMethod, type ProjectEmbeddingsOptions, type ProjectedEmbeddings } from './embedding/project-embeddings.js';
export { tcav, type TcavOptions, type TcavResult, type TcavRun, type TcavSummary } from './embedding/concepts/tcav.js';
export { trainCav, CAV_CLASSIFIERS, type Cav, type CavClassifier, type TrainCavOptions } from './embedding/concepts/train-cav.js';
export { tcavScore, type TcavScore } from './embedding/concepts/tcav-score.js';
export { studentTTest, type TTestResult } from './embedding/concepts/t-test.js';
export { meanDifferenceDirection } from './embedding/concepts/mean-difference-direction.js';
export { projectOnto } from './embedding/concepts/project-onto.js';
export { nearestExamples, type NearestExamples, type NearestExamplesOptions, type ExampleNeighbor } from './embedding/examples/nearest-examples.js';
export { explainByExample, type ExplainByExampleOptions } from './embedding/examples/explain-by-example.js';

// Pictures and reports
export * from './viz/index.js';
export * from './viz/tabular/index.js';
export * from './viz/text/index.js';
export * from './viz/embedding/index.js';

/** The options of each method, by its registry name. */
export interface MethodOptionsMap {
  saliency: SaliencyOptions;
  'input-x-gradient': InputXGradientOptions;
  'integrated-gradients': IntegratedGradientsOptions;
  smoothgrad: NoiseTunnelOptions<SaliencyOptions>;
  'gradient-shap': GradientShapOptions;
  deeplift: DeepLiftOptions;
  'guided-backprop': GuidedBackpropOptions;
  'grad-cam': GradCamOptions;
  'guided-grad-cam': GuidedGradCamOptions;
  occlusion: OcclusionOptions;
  'feature-ablation': FeatureAblationOptions;
  'shapley-values': ShapleyValuesOptions;
  lime: LimeOptions;
  'kernel-shap': KernelShapImageOptions;
}

export type MethodName = keyof MethodOptionsMap;

/**
 * One call for any method by name, with the options typed per method:
 * `await attribute(model, 'integrated-gradients', x, { steps: 50 })`.
 */
export async function attribute<M extends MethodName>(model: Model, method: M, inputs: InputLike,
  ...options: {} extends MethodOptionsMap[M] ? [MethodOptionsMap[M]?] : [MethodOptionsMap[M]]): Promise<AttributionResult> {
  const entry = findMethod(method);
  if (!entry) throw new UsageError(`unknown method "${String(method)}"`, `choose one of: ${METHOD_NAMES.join(', ')}`);
  return entry.create(model).attribute(inputs, (options[0] ?? {}) as Record<string, unknown>);
}

// Evaluating explanations (src/metrics): subjects, metrics, the runner; `Metric` is the embedding distance above,
// so the metric interface is exported as EvaluationMetric.
export * from './metrics/index.js';
export type { Metric as EvaluationMetric } from './metrics/metric.js';
export { parameterLayers, randomisedModelCopy } from './models/randomise.js';
export { ShiftedInputModel } from './models/shifted-input.js';
export { EdgeDetector, sobelMagnitude } from './attribution/control/edge-detector.js';
export { meanConfidenceInterval, studentQuantile, type MeanInterval } from './stats/confidence.js';
export {
  renderEvaluationReport, writeEvaluationPictures, evaluationTableMarkdown, evaluationTableHtml, evaluationCurvesPlot,
  randomisationPicture, randomisationGridPlot, similarityChart,
} from './viz/evaluation/index.js';

// Adversarial examples (src/adversarial).
export * from './adversarial/index.js';
export { renderAttackReport, sweepChart, type AttackReportInput } from './viz/report/attack.js';
