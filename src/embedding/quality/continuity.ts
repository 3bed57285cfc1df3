import type { Embeddings, Projection } from '../types.js';
import { trustworthiness, type QualityOptions } from './trustworthiness.js';

/**
 * Continuity (Venna & Kaski): trustworthiness with the roles of the spaces swapped, so it penalises
 * points that were near in `high` but are not among the k nearest in `low` (torn-apart neighbourhoods).
 */
export function continuity(high: Embeddings | Projection, low: Embeddings | Projection, k: number, options: QualityOptions = {}): number {
  return trustworthiness(low, high, k, options);
}
