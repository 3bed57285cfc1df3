import { UsageError } from '../../errors.js';
import type { Matrix } from '../../tabular/matrix.js';
import type { CoalitionGame } from '../coalition/game.js';
import type { IndexedText } from './indexed-text.js';

/** A text classifier: texts in, one row of class probabilities (or scores) per text out. */
export type TextClassifier = (texts: string[]) => Promise<Matrix>;

/**
 * Words as players: a coalition keeps its words and drops (or masks) the others, as lime_text's
 * IndexedString.inverse_removing does; its value is the classifier's output `target` on that text.
 */
export class TextGame implements CoalitionGame {
  readonly players: number;
  readonly playerNames: string[];

  constructor(readonly text: IndexedText, readonly classifier: TextClassifier, readonly target: number) {
    this.players = text.features;
    this.playerNames = text.featureNames;
  }

  /** The text of each coalition. */
  texts(masks: Uint8Array, n: number): string[] {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(this.text.keep(masks.subarray(i * this.players, (i + 1) * this.players)));
    return out;
  }

  async value(masks: Uint8Array, n: number): Promise<Float64Array> {
    const outputs = await this.classifier(this.texts(masks, n));
    if (outputs.rows !== n) throw new UsageError(`the text classifier returned ${outputs.rows} rows for ${n} texts`, 'return one row of class probabilities per text');
    if (this.target >= outputs.cols) {
      throw new UsageError(`target ${this.target} is out of range: the classifier returns ${outputs.cols} outputs`, `pass a target from 0 to ${outputs.cols - 1}`);
    }
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) values[i] = outputs.data[i * outputs.cols + this.target];
    return values;
  }
}
