import { UsageError } from '../../errors.js';
import type { TabularOutput } from '../../models/tabular/model.js';
import { Random, checkSeed } from '../../util/random.js';
import type { ProgressCallback } from '../base.js';
import { TabularExplanation } from '../tabular-explanation.js';
import { checkFeatureSelection, type FeatureSelection } from './feature-selection.js';
import { IndexedText } from './indexed-text.js';
import { limeOverGame } from './lime-game.js';
import { TextGame, type TextClassifier } from './text-game.js';

export interface LimeTextOptions {
  /** Bag of words (default true): a word is one feature wherever it occurs. */
  bow?: boolean;
  /** Without bag of words, removed words become this (lime's default 'UNKWORDZ'). */
  maskString?: string;
  /** Separator between words; default runs of non-word characters (Python's \W+). */
  splitExpression?: RegExp;
  /** Default 25 (on cosine distance * 100, as lime_text). */
  kernelWidth?: number;
  /** Default 0. */
  seed?: number;
  /** For the result: the classifier's name and what its outputs are (default 'probability'). */
  modelName?: string;
  output?: TabularOutput;
}

export interface LimeTextExplainOptions {
  /** The explained class; default 1 (lime's labels=(1,)) when the classifier has several outputs, else 0. */
  target?: number;
  /** Default 5000. */
  numSamples?: number;
  /** Default 10. */
  numFeatures?: number;
  /** Default 'auto'. */
  featureSelection?: FeatureSelection;
  /** Texts per classifier call; default 500. */
  batchSize?: number;
  onProgress?: ProgressCallback;
}

/**
 * LIME for text with lime_text's semantics: each sample removes a uniformly drawn number (1..d) of
 * distinct words, samples are weighted by sqrt(exp(-(100 cos_dist)^2 / 25^2)) and a weighted ridge
 * surrogate over word presence explains the classifier's probability of the target class.
 */
export class LimeText {
  readonly kernelWidth: number;
  private readonly seed: number;

  constructor(readonly classifier: TextClassifier, readonly options: LimeTextOptions = {}) {
    this.kernelWidth = options.kernelWidth ?? 25;
    if (!(this.kernelWidth > 0)) throw new UsageError(`kernelWidth must be positive, got ${options.kernelWidth}`, 'leave it out for lime\'s default 25');
    this.seed = checkSeed(options.seed ?? 0);
  }

  async explain(text: string, options: LimeTextExplainOptions = {}): Promise<TabularExplanation> {
    const started = performance.now();
    if (typeof text !== 'string') throw new UsageError('LimeText.explain takes one text (a string)', 'explain texts one at a time: each has its own words');
    const indexed = new IndexedText(text, this.options.bow ?? true, this.options.maskString ?? 'UNKWORDZ', this.options.splitExpression);
    if (indexed.features === 0) throw new UsageError('the text has no words to explain', 'give a text with at least one word');
    const numSamples = options.numSamples ?? 5000;
    const numFeatures = options.numFeatures ?? 10;
    const featureSelection = checkFeatureSelection(options.featureSelection ?? 'auto');
    const batchSize = options.batchSize ?? 500;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new UsageError(`batchSize must be a positive integer, got ${batchSize}`, 'pass e.g. batchSize: 500');
    let target = options.target;
    if (target === undefined) target = (await this.classifier([text])).cols > 1 ? 1 : 0;
    if (!Number.isInteger(target) || target < 0) throw new UsageError(`target must be a class index, got ${target}`, 'pass e.g. target: 1');

    const game = new TextGame(indexed, this.classifier, target);
    const { surrogate, prediction } = await limeOverGame(game, {
      numSamples, numFeatures, featureSelection, kernelWidth: this.kernelWidth, distanceScale: 100,
      sampleMasks: removeWords, rng: new Random(this.seed), batchSize, onProgress: options.onProgress,
    });
    return new TabularExplanation({
      method: 'lime-text',
      params: { numSamples, numFeatures, featureSelection, kernelWidth: this.kernelWidth, seed: this.seed, bow: indexed.bow },
      model: this.options.modelName ?? 'text classifier', target, output: this.options.output ?? 'probability',
      featureNames: indexed.featureNames, values: [indexed.featureNames.map(() => 1)],
      attributions: [Array.from(surrogate.weights)], baseValues: [surrogate.intercept], predictions: [prediction],
      extras: [{
        intercept: surrogate.intercept, localPrediction: surrogate.localPrediction, score: surrogate.score,
        ranked: surrogate.ranked.map((f) => indexed.featureNames[f]), text,
      }],
      timeMs: performance.now() - started,
    });
  }
}

/** lime_text's sampling: sample i removes randint(1, d + 1) distinct words, chosen uniformly. */
function removeWords(masks: Uint8Array, n: number, d: number, rng: Random): void {
  const order = Int32Array.from({ length: d }, (_, j) => j);
  for (let i = 1; i < n; i++) {
    const row = masks.subarray(i * d, (i + 1) * d);
    row.fill(1);
    const size = 1 + rng.int(d);
    // A partial Fisher-Yates shuffle draws `size` distinct words.
    for (let k = 0; k < size; k++) {
      const j = k + rng.int(d - k);
      const t = order[k];
      order[k] = order[j];
      order[j] = t;
      row[order[k]] = 0;
    }
  }
}
