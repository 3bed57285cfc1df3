import { Tokenizer } from '@huggingface/tokenizers';
import { GlassboxError, UsageError } from '../../errors.js';

/** A text as the model's token ids, with the tokens' display strings. */
export interface HuggingFaceEncoding {
  ids: number[];
  tokens: string[];
  /** Positions of special tokens the post-processor added ([CLS], [SEP], <s>, </s>), which perturbations keep. */
  specialPositions: number[];
  /** Whether word pieces were dropped to fit the length limit. */
  truncated: boolean;
}

/** Special tokens a perturbation can put in place of an absent token. */
export interface HuggingFaceSpecials {
  pad?: number;
  mask?: number;
  unk?: number;
}

/**
 * A Hugging Face tokenizer.json (the `tokenizers` library's format) run by @huggingface/tokenizers,
 * offline: the JSON object is given, nothing is fetched. Encoding adds the post-processor's special
 * tokens and truncates as the `tokenizers` library does for one sequence: word pieces are cut, the
 * specials stay.
 */
export class HuggingFaceTokenizer {
  readonly vocabSize: number;
  readonly specials: HuggingFaceSpecials;
  private readonly tokenizer: Tokenizer;
  private readonly names: string[];

  constructor(json: unknown, config: Record<string, unknown> = {}, source = 'tokenizer.json') {
    const model = (json as { model?: { vocab?: unknown } } | null)?.model;
    if (!json || typeof json !== 'object' || !model || typeof model !== 'object' || !model.vocab) {
      throw new UsageError(`${source} is not a Hugging Face tokenizer.json (no "model" with a "vocab")`,
        'give the tokenizer.json saved with the model (tokenizer.save_pretrained or tokenizers.Tokenizer.save)');
    }
    try {
      this.tokenizer = new Tokenizer(json, config);
    } catch (err) {
      throw new GlassboxError(`${source} could not be read by @huggingface/tokenizers: ${(err as Error).message}`,
        'give a tokenizer.json written by the tokenizers library (WordPiece, BPE or Unigram)');
    }
    const vocab = this.tokenizer.get_vocab(true);
    this.vocabSize = Math.max(-1, ...vocab.values()) + 1;
    this.names = new Array<string>(this.vocabSize).fill('');
    for (const [token, id] of vocab) this.names[id] = token;
    const idOf = (key: string, fallbacks: string[]) => {
      const named = typeof config[key] === 'string' ? [config[key] as string] : [];
      for (const token of [...named, ...fallbacks]) {
        const id = this.tokenizer.token_to_id(token);
        if (id !== undefined) return id;
      }
      return undefined;
    };
    this.specials = {
      pad: idOf('pad_token', ['[PAD]', '<pad>']),
      mask: idOf('mask_token', ['[MASK]', '<mask>']),
      unk: idOf('unk_token', ['[UNK]', '<unk>']),
    };
  }

  tokenName(id: number): string {
    return this.names[id] || String(id);
  }

  encode(text: string, maxLength = Infinity): HuggingFaceEncoding {
    if (typeof text !== 'string') throw new UsageError(`tokenizer: expected a string, got ${typeof text}`, 'pass the text as a string');
    const full: number[] = this.tokenizer.encode(text).ids;
    const plain: number[] = this.tokenizer.encode(text, { add_special_tokens: false }).ids;
    // The single-sequence template is prefix + pieces + suffix ([CLS] A [SEP], <s> A </s>).
    const prefix = full.findIndex((_, i) => plain.every((id, j) => full[i + j] === id) && full.length - i - plain.length >= 0);
    const before = prefix < 0 ? 0 : prefix;
    const after = prefix < 0 ? 0 : full.length - before - plain.length;
    let ids: number[] = full;
    let truncated = false;
    if (full.length > maxLength) {
      const room = maxLength - before - after;
      if (prefix < 0 || room < 1) {
        throw new UsageError(`the text is ${full.length} tokens, more than the model's context of ${maxLength}`, 'shorten the text');
      }
      ids = [...full.slice(0, before), ...plain.slice(0, room), ...full.slice(full.length - after)];
      truncated = true;
    }
    const specialPositions = prefix < 0 ? [] : ids.flatMap((_, p) => (p < before || p >= ids.length - after ? [p] : []));
    return { ids, tokens: ids.map((id) => this.tokenName(id)), specialPositions, truncated };
  }
}
