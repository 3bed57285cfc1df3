import { UsageError } from '../../errors.js';
import { matrix, type Matrix } from '../../tabular/matrix.js';
import type { Encoding, WordPieceTokenizer } from '../../text/tokenizer.js';
import type { Transformer } from '../transformer/transformer.js';
import type { WeightEntry } from './weights-file.js';
import type { TransformerConfig } from '../transformer/config.js';

/** config.json of a saved text classifier (models/spam/config.json). */
export interface TextClassifierConfig {
  format: 'glassbox-text-classifier';
  name: string;
  /** The architecture; classifier.classNames holds the labels. */
  transformer: TransformerConfig;
  classNames: string[];
  /** Path of tokenizer.json, relative to the model directory. */
  tokenizer: string;
  weights: { file: string; manifest: WeightEntry[] };
  /** Held-out evaluation: the split file (row indices into the data) and what the saved model scores on it. */
  heldOut?: { data: string; split: string; correct: number; total: number; accuracy: number };
  /** How the model was trained (free-form, for the record). */
  training?: Record<string, unknown>;
}

// Texts per forward pass: large enough to amortise per-op overhead, small enough to keep padding low.
const BATCH = 64;

/**
 * A transformer text classifier with its tokenizer: texts in, class probabilities out. `classify`
 * has the shape the perturbation methods expect (LIME text, KernelSHAP over tokens).
 */
export class TextClassifierModel {
  readonly name: string;
  readonly classNames: string[];
  /** Longest input in tokens, [CLS] and [SEP] included; longer texts are cut (`encode` says when). */
  readonly maxLength: number;

  constructor(readonly transformer: Transformer, readonly tokenizer: WordPieceTokenizer, readonly config: TextClassifierConfig) {
    const classifier = transformer.config.classifier;
    if (!classifier) throw new UsageError(`${config.name} is not a classifier`, 'load a model whose config has a classifier head');
    if (tokenizer.vocabSize !== transformer.config.vocabSize) {
      throw new UsageError(`${config.name}: the tokenizer has ${tokenizer.vocabSize} tokens but the model expects ${transformer.config.vocabSize}`,
        'use the tokenizer.json saved with the model');
    }
    this.name = config.name;
    this.classNames = [...config.classNames];
    this.maxLength = transformer.config.maxLength;
  }

  /** [CLS] text pieces [SEP], cut to the model's context (`truncated` is then true). */
  encode(text: string): Encoding {
    return this.tokenizer.encode(text, { maxLength: this.maxLength });
  }

  /** Class logits of token id sequences (from `encode`), one row per sequence. */
  logits(sequences: number[][]): Matrix {
    const classes = this.classNames.length;
    const out = matrix(sequences.length, classes);
    // Similar lengths share a batch, so little is padded.
    const order = sequences.map((_, i) => i).sort((a, b) => sequences[a].length - sequences[b].length || a - b);
    for (let start = 0; start < order.length; start += BATCH) {
      const chunk = order.slice(start, start + BATCH);
      const runs = this.transformer.runBatch(chunk.map((i) => sequences[i]));
      runs.forEach((run, j) => out.data.set(run.logits[0], chunk[j] * classes));
    }
    return out;
  }

  /**
   * Class probabilities [texts, classes] (softmax of the logits). A bound function, so it can be
   * passed as is where a `(texts) => Promise<Matrix>` is wanted (LIME text, KernelSHAP over tokens).
   */
  readonly classify = async (texts: string[]): Promise<Matrix> => {
    if (!Array.isArray(texts)) throw new UsageError('classify: expected an array of texts', 'pass string[]');
    const probabilities = this.logits(texts.map((t) => this.encode(t).ids));
    const classes = probabilities.cols;
    for (let r = 0; r < probabilities.rows; r++) {
      const row = probabilities.data.subarray(r * classes, (r + 1) * classes);
      const max = Math.max(...row);
      let sum = 0;
      for (let c = 0; c < classes; c++) sum += row[c] = Math.exp(row[c] - max);
      for (let c = 0; c < classes; c++) row[c] /= sum;
    }
    return probabilities;
  };

  /** Index of the most probable class of each text. */
  async predict(texts: string[]): Promise<number[]> {
    const p = await this.classify(texts);
    return Array.from({ length: p.rows }, (_, r) => {
      let best = 0;
      for (let c = 1; c < p.cols; c++) if (p.data[r * p.cols + c] > p.data[r * p.cols + best]) best = c;
      return best;
    });
  }

  dispose(): void {
    this.transformer.dispose();
  }
}
