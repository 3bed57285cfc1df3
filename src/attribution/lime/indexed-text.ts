/**
 * lime_text's IndexedString: the text split on a separator pattern (default runs of non-word characters,
 * Python's \W+), keeping the separators so a text can be rebuilt without some words. With bag of words
 * each distinct word is one feature and removing it removes every occurrence; without, every word
 * occurrence is a feature and removed ones are replaced by the mask string.
 */
export class IndexedText {
  /** Words and separators in order; joined they give the text back. */
  readonly tokens: string[];
  /** Feature names: distinct words (bag of words) or every word occurrence. */
  readonly featureNames: string[];
  /** Token indices of each feature. */
  readonly positions: number[][];

  constructor(readonly raw: string, readonly bow = true, readonly maskString = 'UNKWORDZ', separator: RegExp = /[^\p{L}\p{N}_]+/u) {
    const flags = separator.flags.replace(/[gy]/g, '');
    const splitter = new RegExp(`(${separator.source})`, `${flags}g`);
    const whole = new RegExp(`^(?:${separator.source})$`, flags);
    this.tokens = raw.split(splitter).filter((t) => t !== '' && t !== undefined);
    this.featureNames = [];
    this.positions = [];
    const vocabulary = new Map<string, number>();
    this.tokens.forEach((token, i) => {
      if (whole.test(token)) return;
      if (bow) {
        let id = vocabulary.get(token);
        if (id === undefined) {
          id = this.featureNames.length;
          vocabulary.set(token, id);
          this.featureNames.push(token);
          this.positions.push([]);
        }
        this.positions[id].push(i);
      } else {
        this.featureNames.push(token);
        this.positions.push([i]);
      }
    });
  }

  get features(): number {
    return this.featureNames.length;
  }

  /** The text with only the features whose mask byte is 1. */
  keep(mask: ArrayLike<number>): string {
    const removed = new Uint8Array(this.tokens.length);
    for (let f = 0; f < this.positions.length; f++) if (!mask[f]) for (const i of this.positions[f]) removed[i] = 1;
    let out = '';
    for (let i = 0; i < this.tokens.length; i++) {
      if (!removed[i]) out += this.tokens[i];
      else if (!this.bow) out += this.maskString;
    }
    return out;
  }
}
