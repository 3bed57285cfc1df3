import { UsageError } from '../../errors.js';
import { SPECIAL_TOKENS, type WordPieceTokenizerJSON } from '../../text/tokenizer.js';

/** The parts of a Hugging Face tokenizer.json this project writes (the `tokenizers` library's serialisation). */
export interface HuggingFaceTokenizerJSON {
  version: string;
  truncation: { direction: 'Right'; max_length: number; strategy: 'LongestFirst'; stride: number } | null;
  padding: null;
  added_tokens: Array<{ id: number; content: string; single_word: boolean; lstrip: boolean; rstrip: boolean; normalized: boolean; special: boolean }>;
  normalizer: Record<string, unknown> | null;
  pre_tokenizer: Record<string, unknown> | null;
  post_processor: Record<string, unknown> | null;
  decoder: Record<string, unknown> | null;
  model: { type: string; vocab: Record<string, number>; unk_token?: string; continuing_subword_prefix?: string; max_input_chars_per_word?: number };
}

// The project's pre-tokenizer (src/text/pre-tokenize.ts): runs of letters, digits and marks, and every
// other non-space character alone. BERT's pre-tokenizer splits only punctuation off, so "£1000" would
// stay one word; this Split after it cuts symbols off too, as the model was trained.
export const WORD_PATTERN = '[\\p{L}\\p{N}\\p{M}]+|[^\\s\\p{L}\\p{N}\\p{M}]';

/**
 * The project's WordPiece tokenizer as a Hugging Face tokenizer.json in the BertWordPiece layout:
 * BertNormalizer (lower case only: no accent stripping, no control-character cleaning and no CJK
 * spacing, none of which the project's tokenizer does), BERT pre-tokenizer followed by a Split on the
 * project's word pattern, WordPiece with the same vocabulary, [UNK] and "##", and [CLS] ... [SEP]
 * added by a TemplateProcessing post-processor, as bert-base-uncased's tokenizer.json.
 */
export function wordPieceToHuggingFace(json: WordPieceTokenizerJSON, maxLength: number): HuggingFaceTokenizerJSON {
  if (json?.type !== 'wordpiece' || !Array.isArray(json.vocabulary)) {
    throw new UsageError('not a Glassbox WordPiece tokenizer.json', 'give the tokenizer.json written by scripts/train-text.ts');
  }
  SPECIAL_TOKENS.forEach((token, i) => {
    if (json.vocabulary[i] !== token) throw new UsageError(`vocabulary entry ${i} is "${json.vocabulary[i]}", expected ${token}`, 'give the tokenizer.json written by scripts/train-text.ts');
  });
  const vocab: Record<string, number> = {};
  json.vocabulary.forEach((token, id) => { vocab[token] = id; });
  const id = (token: (typeof SPECIAL_TOKENS)[number]) => SPECIAL_TOKENS.indexOf(token);
  const special = (token: string) => ({ SpecialToken: { id: token, type_id: 0 } });
  return {
    version: '1.0',
    truncation: { direction: 'Right', max_length: maxLength, strategy: 'LongestFirst', stride: 0 },
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content, i) => ({ id: i, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: 'BertNormalizer', clean_text: false, handle_chinese_chars: false, strip_accents: false, lowercase: json.lowercase === true },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'BertPreTokenizer' },
        { type: 'Split', pattern: { Regex: WORD_PATTERN }, behavior: 'Removed', invert: true },
      ],
    },
    post_processor: {
      type: 'TemplateProcessing',
      single: [special('[CLS]'), { Sequence: { id: 'A', type_id: 0 } }, special('[SEP]')],
      pair: [special('[CLS]'), { Sequence: { id: 'A', type_id: 0 } }, special('[SEP]'), { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } }],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [id('[CLS]')], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [id('[SEP]')], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: json.continuationPrefix, cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: json.continuationPrefix, max_input_chars_per_word: 100, vocab },
  };
}
