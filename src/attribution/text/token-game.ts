import type { CoalitionGame } from '../coalition/game.js';
import { UsageError } from '../../errors.js';
import { explainedValue, type ResolvedTarget } from './target.js';
import type { TokenSequenceModel } from './token-sequence-model.js';
import { transformerSequenceModel, type TokenModel } from './transformer-sequence-model.js';

/** How an absent token is simulated: dropped from the sequence, or replaced by a token id (pad, mask, unk). */
export type TokenAbsence = 'remove' | { tokenId: number };

export interface TokenGameOptions {
  absence: TokenAbsence;
  /** Positions that are not players and always stay (e.g. BOS, [CLS], [SEP]). */
  fixed?: readonly number[];
  /** Sequences per forward pass; default 64. */
  batchSize?: number;
}

/**
 * Tokens as players: a coalition keeps its tokens and removes or replaces the others; its value is the
 * explained output (logit, probability or contrast) of the model on that sequence. Works on ids, so
 * tokens are exactly the model's (unlike lime_text, which splits words with a regex). With removal, a
 * language model's explained position moves to where its token now is; if that token itself was
 * removed, to the last kept token before it (the prediction made without it). The model is a black
 * box (`TokenSequenceModel`): the TF.js transformer or an ONNX export.
 */
export class TokenGame implements CoalitionGame {
  readonly players: number;
  readonly playerNames: string[];
  /** Sequence position of each player. */
  readonly playerPositions: number[];
  readonly model: TokenSequenceModel;
  private readonly batchSize: number;

  constructor(model: TokenModel, readonly tokens: readonly number[], readonly resolved: ResolvedTarget, readonly options: TokenGameOptions) {
    this.model = transformerSequenceModel(model);
    const fixed = new Set(options.fixed ?? []);
    for (const p of fixed) {
      if (!Number.isInteger(p) || p < 0 || p >= tokens.length) throw new UsageError(`fixed position ${p} is outside the ${tokens.length} tokens`, `choose positions from 0 to ${tokens.length - 1}`);
    }
    // For a language model, tokens after the explained position cannot matter (causal): not players.
    const last = resolved.classifier ? tokens.length - 1 : resolved.position;
    this.playerPositions = [];
    for (let p = 0; p <= last; p++) if (!fixed.has(p)) this.playerPositions.push(p);
    this.players = this.playerPositions.length;
    this.playerNames = this.playerPositions.map((p) => this.model.tokenName(tokens[p]));
    if (this.players === 0) throw new UsageError('every token is fixed: there is nothing to attribute', 'fix fewer positions');
    const absence = options.absence;
    if (absence !== 'remove') {
      const id = absence?.tokenId;
      if (!Number.isInteger(id) || id < 0 || id >= this.model.vocabSize) {
        throw new UsageError(`replacement token id ${id} is outside the vocabulary of ${this.model.vocabSize}`, 'choose a token id in the vocabulary, or remove absent tokens');
      }
    }
    this.batchSize = options.batchSize ?? 64;
  }

  /** The sequence of one coalition and the position whose output is read. */
  sequence(mask: Uint8Array): { tokens: number[]; position: number } {
    const present = new Uint8Array(this.tokens.length).fill(1);
    this.playerPositions.forEach((p, j) => { present[p] = mask[j]; });
    const end = this.resolved.classifier ? this.tokens.length : this.resolved.position + 1;
    if (this.options.absence !== 'remove') {
      const id = this.options.absence.tokenId;
      return { tokens: this.tokens.slice(0, end).map((t, p) => (present[p] ? t : id)), position: end - 1 };
    }
    const kept: number[] = [];
    for (let p = 0; p < end; p++) if (present[p]) kept.push(this.tokens[p]);
    return { tokens: kept, position: kept.length - 1 };
  }

  async value(masks: Uint8Array, n: number): Promise<Float64Array> {
    const values = new Float64Array(n);
    const sequences = Array.from({ length: n }, (_, i) => this.sequence(masks.subarray(i * this.players, (i + 1) * this.players)));
    // With everything removed there is no input: the model's output on nothing is taken as 0.
    const runnable = sequences.map((s, i) => (s.tokens.length > 0 ? i : -1)).filter((i) => i >= 0);
    for (let start = 0; start < runnable.length; start += this.batchSize) {
      const chunk = runnable.slice(start, start + this.batchSize);
      const outputs = await this.model.outputs(chunk.map((i) => sequences[i].tokens));
      outputs.forEach((rows, k) => {
        const i = chunk[k];
        values[i] = explainedValue(rows[this.resolved.classifier ? 0 : sequences[i].position], this.resolved);
      });
    }
    return values;
  }
}
