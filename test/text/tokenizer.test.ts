import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { trainWordPiece } from '../../src/text/train-wordpiece.js';
import { SPECIAL_TOKENS, WordPieceTokenizer, type WordPieceTokenizerJSON } from '../../src/text/tokenizer.js';
import { preTokenize } from '../../src/text/pre-tokenize.js';
import { GlassboxError, UsageError } from '../../src/errors.js';

// Sennrich et al.'s BPE example: pair counts worked out by hand below.
const CORPUS = ['Low low low', 'lower', 'newest newest', 'widest'];
const ALPHABET = 'deilnorstw'.length;

describe('trainWordPiece', () => {
  const tokenizer = trainWordPiece(CORPUS, { vocabSize: SPECIAL_TOKENS.length + 2 * ALPHABET + 4, minCharacterCount: 1 });

  it('puts the specials first, then the alphabet alone and as continuations', () => {
    const v = tokenizer.vocabulary;
    assert.deepEqual(v.slice(0, 5), ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
    assert.deepEqual(v.slice(5, 5 + ALPHABET), [...'deilnorstw']);
    assert.deepEqual(v.slice(5 + ALPHABET, 5 + 2 * ALPHABET), [...'deilnorstw'].map((c) => `##${c}`));
  });

  it('merges the most frequent pair first, ties to the pair that sorts first', () => {
    // Counts: (l,##o) = (##o,##w) = 4, "##o" sorts before "l"; then (l,##ow) = 4; then (##e,##s) = (##s,##t) = 3; then (##es,##t) = 3.
    assert.deepEqual(tokenizer.vocabulary.slice(5 + 2 * ALPHABET), ['##ow', 'low', '##es', '##est']);
  });

  it('encodes greedily, longest piece first, with [CLS]/[SEP], offsets and [UNK] for unknown characters', () => {
    const text = 'Lowest!';
    const e = tokenizer.encode(text);
    assert.deepEqual(e.tokens, ['[CLS]', 'low', '##est', '[UNK]', '[SEP]']);
    assert.deepEqual(e.ids, e.tokens.map((t) => tokenizer.id(t)));
    assert.deepEqual(e.offsets, [[0, 0], [0, 3], [3, 6], [6, 7], [7, 7]]);
    assert.deepEqual(e.words, [-1, 0, 0, 1, -1]);
    assert.equal(e.truncated, false);
    assert.equal(tokenizer.decode(e.ids), 'lowest [UNK]');
  });

  it('cuts to maxLength and says so', () => {
    const e = tokenizer.encode('low low low', { maxLength: 4 });
    assert.deepEqual(e.tokens, ['[CLS]', 'low', 'low', '[SEP]']);
    assert.equal(e.truncated, true);
    assert.deepEqual(tokenizer.encode('low', { specials: false }).tokens, ['low']);
    assert.throws(() => tokenizer.encode('low', { maxLength: 2 }), UsageError);
  });

  it('is deterministic and survives a JSON round trip', () => {
    const again = trainWordPiece(CORPUS, { vocabSize: tokenizer.vocabSize, minCharacterCount: 1 });
    assert.deepEqual(again.toJSON(), tokenizer.toJSON());
    const copy = new WordPieceTokenizer(JSON.parse(JSON.stringify(tokenizer)) as WordPieceTokenizerJSON);
    assert.deepEqual(copy.encode('newest widest lower'), tokenizer.encode('newest widest lower'));
  });

  it('rejects a broken tokenizer file with a clear error', () => {
    const json = tokenizer.toJSON();
    assert.throws(() => new WordPieceTokenizer({ ...json, type: 'bpe' as 'wordpiece' }), GlassboxError);
    assert.throws(() => new WordPieceTokenizer({ ...json, vocabulary: json.vocabulary.slice(1) }), /entry 0/);
    assert.throws(() => new WordPieceTokenizer({ ...json, vocabulary: [...json.vocabulary, 'low'] }), /twice/);
    assert.throws(() => tokenizer.decode([tokenizer.vocabSize]), UsageError);
  });
});

describe('the spam tokenizer (models/spam/tokenizer.json)', () => {
  const tokenizer = new WordPieceTokenizer(JSON.parse(readFileSync('models/spam/tokenizer.json', 'utf8')) as WordPieceTokenizerJSON);

  it('maps every token back to its characters in the original text', () => {
    const text = 'URGENT! Call 09061701461 to claim your £900 prize – Naïve users, İstanbul 😀 ok?';
    const e = tokenizer.encode(text);
    const words = preTokenize(text, true);
    assert.ok(tokenizer.vocabSize >= 1000);
    e.tokens.forEach((token, i) => {
      const [start, end] = e.offsets[i];
      if (e.words[i] < 0) return assert.equal(start, end);
      const piece = text.slice(start, end);
      if (token === '[UNK]') {
        // An unknown word is one [UNK] over the whole word.
        const word = words[e.words[i]];
        return assert.deepEqual([start, end], [word.start, word.end]);
      }
      assert.equal(piece.toLowerCase(), token.replace(/^##/, ''), `token ${i} "${token}" covers "${piece}"`);
    });
    // Word pieces of one word are contiguous and cover it.
    assert.equal(e.offsets[1][0], 0);
    assert.deepEqual(e.tokens.flatMap((t, i) => (t === '[UNK]' ? [text.slice(...e.offsets[i])] : [])), ['Naïve', 'İstanbul', '😀'],
      'ï, the dotted capital I and the emoji are not in the training alphabet');
  });
});
