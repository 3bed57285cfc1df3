/**
 * A cooperative game over a model's interpretable features ("players": tabular features or groups,
 * superpixels, words). The value of a coalition is the explained model output when only the players in
 * it are present; how absence is simulated (background rows, a baseline colour, a mask token) belongs
 * to the game, so KernelSHAP, exact and sampled Shapley values and LIME over binary features are written
 * once against this interface.
 */
export interface CoalitionGame {
  /** Number of players. */
  readonly players: number;
  /** One name per player, carried into results and plots. */
  readonly playerNames: string[];
  /**
   * Values of `n` coalitions: `masks` holds n * players bytes, 1 where the player is present. Returns n
   * values. Implementations batch the model calls; callers may ask for thousands of coalitions at once.
   */
  value(masks: Uint8Array, n: number): Promise<Float64Array>;
}

/** v(all players) and v(no player): the two ends of efficiency, sum(phi) = v(all) - v(none). */
export async function gameEnds(game: CoalitionGame): Promise<{ full: number; empty: number }> {
  const masks = new Uint8Array(2 * game.players);
  masks.fill(1, 0, game.players);
  const v = await game.value(masks, 2);
  return { full: v[0], empty: v[1] };
}
