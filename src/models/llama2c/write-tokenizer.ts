import type { BpeVocabulary } from './train-bpe.js';

/**
 * A tok*.bin as run.c reads it: max_token_length (int32), then per piece its score (float32), its
 * byte length (int32) and its UTF-8 bytes.
 */
export function writeLlama2cTokenizer(vocabulary: Pick<BpeVocabulary, 'pieces' | 'scores'>): Uint8Array {
  const encoded = vocabulary.pieces.map((p) => new TextEncoder().encode(p));
  const maxLength = Math.max(...encoded.map((b) => b.length));
  const bytes = new Uint8Array(4 + encoded.reduce((n, b) => n + 8 + b.length, 0));
  const view = new DataView(bytes.buffer);
  view.setInt32(0, maxLength, true);
  let at = 4;
  encoded.forEach((piece, i) => {
    view.setFloat32(at, vocabulary.scores[i], true);
    view.setInt32(at + 4, piece.length, true);
    bytes.set(piece, at + 8);
    at += 8 + piece.length;
  });
  return bytes;
}
