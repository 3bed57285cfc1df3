import type { TokenAttribution } from '../../attention/types.js';
import { textInputXGradient } from '../../attribution/text/input-x-gradient.js';
import { textIntegratedGradients } from '../../attribution/text/integrated-gradients.js';
import { textKernelShap } from '../../attribution/text/kernel-shap.js';
import { textLime } from '../../attribution/text/lime.js';
import { textOcclusion } from '../../attribution/text/occlusion.js';
import { textSaliency } from '../../attribution/text/saliency.js';
import { checkSequenceTokens, type TokenSequenceModel } from '../../attribution/text/token-sequence-model.js';
import { transformerSequenceModel } from '../../attribution/text/transformer-sequence-model.js';
import { UsageError } from '../../errors.js';
import { OnnxTextModel } from '../../models/onnx-text/onnx-text-model.js';
import { TextClassifierModel } from '../../models/text/text-classifier.js';
import type { Transformer } from '../../models/transformer/transformer.js';
import type { EvaluationSubject, Perturbation, RemovalBaseline } from '../subject.js';
import { checkPerturbation, perturbationTargets } from './check-perturbation.js';
import { checkBaseline, checkTargets, definedOnly, type SubjectProgress } from './subject-helpers.js';

export const TEXT_SUBJECT_METHODS = ['saliency', 'input-x-gradient', 'integrated-gradients', 'occlusion', 'lime', 'kernel-shap'] as const;
export type TextSubjectMethod = (typeof TEXT_SUBJECT_METHODS)[number];
const GRADIENT_METHODS: readonly TextSubjectMethod[] = ['saliency', 'input-x-gradient', 'integrated-gradients'];
const PERTURBATION_METHODS: readonly TextSubjectMethod[] = ['occlusion', 'lime', 'kernel-shap'];

export interface TextSubjectOptions {
  /**
   * Passed to the method (steps, integration, nsamples, numSamples, seed, absence, span...). The subject
   * sets the perturbation methods' `absence` to its own removal token unless one is given, the target,
   * the special tokens kept out ([CLS], [SEP]) and integrated gradients' default baseline (the [PAD]
   * embedding, as `glassbox explain --text`).
   */
  methodOptions?: Record<string, unknown>;
  /** The explained class per text. Default: the predicted class. */
  targets?: readonly number[];
  /** What a removed token becomes: 'zeros' (the [PAD] token) or a token id. Default 'zeros'. */
  baseline?: RemovalBaseline;
  /** Most sequences per forward pass when scoring. Default 64. */
  internalBatchSize?: number;
  onProgress?: SubjectProgress;
}

/** A row: its token ids, and the positions that are features (every token but the specials the tokenizer adds). */
interface TokenRow {
  ids: number[];
  positions: number[];
}

/** A text classifier the subject can explain: the built-in TF.js transformer (all six methods) or an ONNX export (the perturbation methods). */
export type TextSubjectModel = TextClassifierModel | OnnxTextModel;

/** What the subject needs of either kind of classifier. */
interface TextModelParts {
  name: string;
  numOutputs: number;
  sequenceModel: TokenSequenceModel;
  /** The TF.js transformer, for the gradient methods. */
  transformer?: Transformer;
  /** Token ids and the positions of special tokens ([CLS], [SEP]) of a text. */
  encode(text: string): { ids: number[]; special: number[] };
  /** Ids the tokenizer adds around every text, and padding: never features when rows come as ids. */
  specialIds: Set<number>;
  pad?: number;
  mask?: number;
}

function partsOf(model: TextSubjectModel): TextModelParts {
  if (model instanceof TextClassifierModel) {
    const tokenizer = model.tokenizer;
    return {
      name: model.name, numOutputs: model.classNames.length, transformer: model.transformer,
      sequenceModel: transformerSequenceModel(model.transformer),
      encode: (text) => {
        const encoding = model.encode(text);
        return { ids: encoding.ids, special: encoding.ids.flatMap((_, p) => (encoding.words[p] === -1 ? [p] : [])) };
      },
      specialIds: new Set([tokenizer.clsId, tokenizer.sepId, tokenizer.padId]), pad: tokenizer.padId, mask: tokenizer.maskId,
    };
  }
  if (model instanceof OnnxTextModel) {
    if (model.kind !== 'classifier') {
      throw new UsageError(`${model.name} is a language model, and the text subject explains classifiers`, 'give a text classifier (e.g. models/spam-onnx)');
    }
    const specials = model.tokenizer.specials;
    const around = model.encode('').ids;
    return {
      name: model.name, numOutputs: model.numOutputs, sequenceModel: model,
      encode: (text) => {
        const encoding = model.encode(text);
        return { ids: encoding.ids, special: encoding.specialPositions };
      },
      specialIds: new Set([...around, ...(specials.pad !== undefined ? [specials.pad] : [])]),
      ...(specials.pad !== undefined ? { pad: specials.pad } : {}),
      ...(specials.mask !== undefined ? { mask: specials.mask } : {}),
    };
  }
  throw new UsageError('the text subject needs a text classifier', "load one with loadTextClassifier('spam') or loadOnnxTextModel('spam-onnx')");
}

/**
 * A text classifier and a token attribution method over texts, with the tokens of each text as its
 * features (rows differ in length). Built by `createTextSubject`, which explains every text once.
 */
export class TextSubject implements EvaluationSubject {
  readonly modality = 'text' as const;
  readonly model: string;
  readonly method: string;
  readonly rows: number;
  readonly numOutputs: number;
  onProgress?: SubjectProgress;

  constructor(
    private readonly classifier: TextModelParts,
    private readonly methodName: TextSubjectMethod,
    private readonly methodOptions: Record<string, unknown>,
    private readonly tokenRows: TokenRow[],
    readonly targets: Int32Array,
    private readonly attributions: Float64Array[],
    readonly baseline: RemovalBaseline,
    private readonly batchSize: number,
  ) {
    this.model = classifier.name;
    this.method = methodName;
    this.rows = tokenRows.length;
    this.numOutputs = classifier.numOutputs;
  }

  features(row: number): number {
    this.checkRow(row);
    return this.tokenRows[row].positions.length;
  }

  /** The row's token ids, [CLS] and [SEP] included. */
  input(row: number): Float32Array {
    this.checkRow(row);
    return Float32Array.from(this.tokenRows[row].ids);
  }

  attribution(row: number): Float64Array {
    this.checkRow(row);
    return this.attributions[row];
  }

  async score(perturbations: readonly Perturbation[]): Promise<Float64Array> {
    const sequences = this.perturbedSequences(perturbations);
    const model = this.classifier.sequenceModel;
    const out = new Float64Array(sequences.length);
    for (let start = 0; start < sequences.length; start += this.batchSize) {
      const end = Math.min(sequences.length, start + this.batchSize);
      const logits = await model.outputs(sequences.slice(start, end));
      for (let i = start; i < end; i++) out[i] = logits[i - start][0][this.targets[perturbations[i].row]];
      this.onProgress?.(end, sequences.length, 'score');
    }
    return out;
  }

  async explain(perturbations: readonly Perturbation[], targets?: Int32Array): Promise<Float64Array[]> {
    const explained = perturbationTargets(perturbations, this.targets, targets, this.numOutputs);
    const sequences = this.perturbedSequences(perturbations);
    const out: Float64Array[] = [];
    for (let i = 0; i < sequences.length; i++) {
      const row = this.tokenRows[perturbations[i].row];
      out.push(await explainTokens(this.classifier, this.methodName, this.methodOptions, { ids: sequences[i], positions: row.positions }, explained[i]));
      this.onProgress?.(i + 1, sequences.length, 'explain');
    }
    return out;
  }

  private perturbedSequences(perturbations: readonly Perturbation[]): number[][] {
    return perturbations.map((p, i) => {
      checkPerturbation(p, i, this.rows, (row) => this.tokenRows[row].positions.length);
      if (p.kind === 'input') {
        throw new UsageError(`perturbation ${i} is a new input, and noise does not apply to token sequences`,
          'use metrics that remove tokens (deletion, insertion, faithfulness correlation) on text models; sensitivity and infidelity add noise to images and tabular rows');
      }
      const row = this.tokenRows[p.row];
      const replacement = removalToken(this.classifier, p.baseline ?? this.baseline);
      const ids = [...row.ids];
      row.positions.forEach((position, f) => { if (p.mask[f] === 1) ids[position] = replacement; });
      return ids;
    });
  }

  private checkRow(row: number): void {
    if (!Number.isInteger(row) || row < 0 || row >= this.rows) {
      throw new UsageError(`row ${row} is out of range: the subject explains ${this.rows} texts (0 to ${this.rows - 1})`, 'give a row index in range');
    }
  }
}

/**
 * Builds the subject: tokenises the texts (or takes token ids, [CLS] ... [SEP] as the tokenizer
 * makes them), resolves the targets, and explains every text once (progress under the stage 'explain').
 */
export async function createTextSubject(textModel: TextSubjectModel, texts: readonly (string | readonly number[])[], method: TextSubjectMethod,
  options: TextSubjectOptions = {}): Promise<TextSubject> {
  if (!(TEXT_SUBJECT_METHODS as readonly string[]).includes(method)) {
    throw new UsageError(`unknown text method "${String(method)}"`, `choose one of: ${TEXT_SUBJECT_METHODS.join(', ')}`);
  }
  if (texts.length === 0) throw new UsageError('there are no texts to explain', 'give at least one text');
  const model = partsOf(textModel);
  if (!model.transformer && GRADIENT_METHODS.includes(method)) {
    throw new UsageError(`${model.name} is an ONNX text model, a black box: ${method} needs gradients, which it does not give`,
      'use occlusion, lime or kernel-shap');
  }
  const baseline = options.baseline ?? 'zeros';
  const removedAs = removalToken(model, baseline);
  const batchSize = options.internalBatchSize ?? 64;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new UsageError(`internalBatchSize must be a positive integer, got ${batchSize}`, 'pass e.g. internalBatchSize: 64');
  }
  const methodOptions = definedOnly(options.methodOptions ?? {});
  // The perturbation methods should remove a token the way the metrics do, or they are judged on another game.
  if (PERTURBATION_METHODS.includes(method) && methodOptions.absence === undefined) methodOptions.absence = { tokenId: removedAs };
  for (const key of ['target', 'contrast', 'position', 'output', 'fixed', 'keep']) {
    if (methodOptions[key] !== undefined) {
      throw new UsageError(`methodOptions.${key} is set by the subject`, key === 'target'
        ? 'give the classes as options.targets (one per text)'
        : 'the subject explains the target class logit, with [CLS] and [SEP] kept out: leave it out');
    }
  }
  const sequenceModel = model.sequenceModel;
  const tokenRows = texts.map((text, r): TokenRow => {
    const encoded = typeof text === 'string' ? model.encode(text) : undefined;
    const ids: number[] = encoded ? encoded.ids : [...(text as readonly number[])];
    checkSequenceTokens(sequenceModel, ids);
    const special = new Set(encoded ? encoded.special : ids.flatMap((id, p) => (model.specialIds.has(id) ? [p] : [])));
    const positions = ids.map((_, p) => p).filter((p) => !special.has(p));
    if (positions.length === 0) throw new UsageError(`text ${r} has no tokens besides [CLS] and [SEP]`, 'give texts with at least one word');
    return { ids, positions };
  });
  const targets = options.targets !== undefined
    ? checkTargets(options.targets, texts.length, model.numOutputs)
    : await predictedClasses(sequenceModel, tokenRows, batchSize);
  const attributions: Float64Array[] = [];
  for (let r = 0; r < tokenRows.length; r++) {
    attributions.push(await explainTokens(model, method, methodOptions, tokenRows[r], targets[r]));
    options.onProgress?.(r + 1, tokenRows.length, 'explain');
  }
  const subject = new TextSubject(model, method, methodOptions, tokenRows, targets, attributions, baseline, batchSize);
  subject.onProgress = options.onProgress;
  return subject;
}

/** The token id a removed token becomes. */
function removalToken(model: TextModelParts, baseline: RemovalBaseline): number {
  const why = 'tokens are ids: a mean or blurred token does not exist';
  checkBaseline(baseline, ['zeros'], why);
  const vocabSize = model.sequenceModel.vocabSize;
  if (baseline === 'zeros') {
    if (model.pad === undefined) throw new UsageError(`${model.name} has no padding token to stand for removed tokens`, 'give a token id as the baseline');
    return model.pad;
  }
  const id = baseline as number;
  if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
    throw new UsageError(`a numeric baseline for text is a token id, and ${id} is not one (the vocabulary has ${vocabSize})`,
      `give an id from 0 to ${vocabSize - 1}, or 'zeros' for the padding token`);
  }
  return id;
}

async function predictedClasses(model: TokenSequenceModel, rows: TokenRow[], batchSize: number): Promise<Int32Array> {
  const out = new Int32Array(rows.length);
  for (let start = 0; start < rows.length; start += batchSize) {
    const logits = await model.outputs(rows.slice(start, start + batchSize).map((r) => r.ids));
    logits.forEach(([row], i) => { out[start + i] = row.indexOf(Math.max(...row)); });
  }
  return out;
}

/** One sequence explained for one class, its scores at the feature positions. */
async function explainTokens(model: TextModelParts, method: TextSubjectMethod, methodOptions: Record<string, unknown>,
  row: TokenRow, target: number): Promise<Float64Array> {
  const fixed = row.ids.map((_, p) => p).filter((p) => !row.positions.includes(p));
  const sequenceModel = model.sequenceModel;
  const specials = { ...(model.pad !== undefined ? { pad: model.pad } : {}), ...(model.mask !== undefined ? { mask: model.mask } : {}) };
  const gradientModel = (): Transformer => model.transformer!;
  let result: TokenAttribution;
  switch (method) {
    case 'saliency': result = textSaliency(gradientModel(), row.ids, { ...methodOptions, target }); break;
    case 'input-x-gradient': result = textInputXGradient(gradientModel(), row.ids, { ...methodOptions, target }); break;
    case 'integrated-gradients':
      result = textIntegratedGradients(gradientModel(), row.ids, { baseline: 'pad', ...methodOptions, specials, keep: fixed, target });
      break;
    case 'occlusion': result = await textOcclusion(sequenceModel, row.ids, { ...methodOptions, fixed, target }); break;
    case 'lime': result = await textLime(sequenceModel, row.ids, { ...methodOptions, fixed, target }); break;
    case 'kernel-shap': result = await textKernelShap(sequenceModel, row.ids, { ...methodOptions, fixed, target }); break;
  }
  return Float64Array.from(row.positions, (p) => result.scores[p]);
}
