import type { Transformer } from '../transformer/transformer.js';
import type { RunOptions, TransformerRun } from '../transformer/results.js';
import type { Llama2cHeader } from './checkpoint.js';
import type { Llama2cTokenizer } from './tokenizer.js';

/** A loaded llama2.c model: the transformer, its tokenizer, and text-level helpers. */
export class Llama2cModel {
  constructor(readonly transformer: Transformer, readonly tokenizer: Llama2cTokenizer, readonly header: Llama2cHeader) {}

  /** Text to ids as run.c (BOS first unless `bos: false`). */
  encode(text: string, options: { bos?: boolean; eos?: boolean } = {}): number[] {
    return this.tokenizer.encode(text, options);
  }

  decode(ids: number[]): string {
    return this.tokenizer.decode(ids);
  }

  /** The text's tokens through the model, with attentions and residuals on request. */
  runText(text: string, options: RunOptions = {}): TransformerRun {
    return this.transformer.run(this.encode(text), options);
  }

  /**
   * Greedy continuation of a prompt as run.c with temperature 0: up to n new tokens, stopping at
   * BOS (run.c's end-of-text) or at the context length. Returns the new ids and their text.
   */
  generate(prompt: string, n: number): { tokens: number[]; text: string } {
    const ids = this.encode(prompt);
    const room = Math.min(n, this.transformer.config.maxLength - ids.length);
    const tokens = this.transformer.generate(ids, Math.max(0, room), { stopTokens: [this.tokenizer.bos] });
    return { tokens, text: this.tokenizer.decode(tokens, ids[ids.length - 1]) };
  }

  dispose(): void {
    this.transformer.dispose();
  }
}
